"""The extraction prompt: two template files, rendered strictly, identified by a hash.

The templates live in the project's top-level ``prompts/`` folder, which the wheel
ships as ``diplosum/_prompts``. ``DIPLOSUM_PROMPT_DIR`` or ``prompt_dir=`` points at
another folder holding ``extract.system.txt`` and ``extract.user.txt``.
"""

from __future__ import annotations

import hashlib
import json
import os
import string
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from diplosum.article import Article
from diplosum.errors import PromptError
from diplosum.ingest.chunks import Chunk
from diplosum.safetext import one_line

PROMPT_DIR_ENV = "DIPLOSUM_PROMPT_DIR"
_NAMES = ("extract.system.txt", "extract.user.txt")


@dataclass(frozen=True)
class Prompt:
    system: str
    user_template: str
    origin: str

    @property
    def sha256(self) -> str:
        canonical = json.dumps(
            {"system": self.system, "user": self.user_template}, sort_keys=True
        ).encode("utf-8")
        return hashlib.sha256(canonical).hexdigest()

    def render_user(self, article: Article, chunk: Chunk | None = None) -> str:
        """The user prompt for ``article``, or for one ``chunk`` of it.

        ``${part}`` is empty for a whole article and names the chunk's place for a part.
        """
        whole = chunk is None or chunk.count == 1
        text = (article.text if chunk is None else article.text[chunk.start : chunk.end]).strip()
        values = {
            "article_id": one_line(article.id),
            "published": one_line(article.published or "") or "unknown",
            "part": "" if whole or chunk is None else _part_line(chunk),
            "article_text": text,
            "fence": article_fence(text),
        }
        try:
            return string.Template(self.user_template).substitute(values)
        except KeyError as exc:
            raise PromptError(
                f"{self.origin}/extract.user.txt uses ${{{exc.args[0]}}}, which is not one of "
                f"{', '.join(sorted(values))}"
            ) from None
        except ValueError as exc:
            raise PromptError(f"{self.origin}/extract.user.txt: {exc}") from None


def _part_line(chunk: Chunk) -> str:
    return (
        f"This is {chunk.describe()}; the other parts are sent separately, overlapping a "
        "little. Extract the events this part reports.\n"
    )


def article_fence(text: str) -> str:
    """A tag for the article block's markers that the article text does not contain.

    Derived from the text (so a prompt, and its cache key, is the same on every run);
    a text that happens to contain its tag gets a longer one, so the block can never
    be closed from inside the article.
    """
    tag = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    while tag in text:
        tag += hashlib.sha256((tag + text).encode("utf-8")).hexdigest()[:8]
    return tag


def default_prompt_dir() -> Path:
    """The shipped prompts: inside the installed package, else the checkout's ``prompts/``."""
    packaged = Path(str(resources.files("diplosum"))) / "_prompts"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "prompts"


def load_prompt(prompt_dir: str | os.PathLike[str] | None = None) -> Prompt:
    folder = Path(prompt_dir or os.environ.get(PROMPT_DIR_ENV) or default_prompt_dir())
    texts: list[str] = []
    for name in _NAMES:
        path = folder / name
        try:
            texts.append(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise PromptError(f"cannot read prompt file {path}: {exc.strerror or exc}") from None
    return Prompt(system=texts[0], user_template=texts[1], origin=str(folder))
