"""Turn user inputs (paths, folders, globs, ``-``, strings, Articles) into Articles.

A path that does not exist is the caller's mistake and raises ``InputError``; a
file that exists but cannot be used (not UTF-8, empty after cleaning) becomes a
``Failure`` so the brief lists it instead of silently dropping it.
"""

from __future__ import annotations

import glob
import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from diplosum.article import Article
from diplosum.contracts.brief import Failure
from diplosum.errors import InputError
from diplosum.ingest.clean import clean_text

ARTICLE_SUFFIXES = (".txt", ".md")
InputItem = str | os.PathLike[str] | Article


@dataclass
class Loaded:
    articles: list[Article] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


def load_articles(
    inputs: InputItem | Iterable[InputItem], *, stdin: TextIO | None = None
) -> Loaded:
    """Read every input into an ``Article``, in the order given (folders sorted by name).

    A ``str`` containing a newline is article text; any other ``str`` is a path or glob.
    """
    if isinstance(inputs, str | os.PathLike | Article):
        inputs = [inputs]
    loaded = Loaded()
    text_count = 0
    for item in inputs:
        if isinstance(item, Article):
            loaded.articles.append(item)
        elif isinstance(item, str) and item == "-":
            _add(loaded, "stdin", (stdin or sys.stdin).read(), path=None)
        elif isinstance(item, str) and "\n" in item:
            text_count += 1
            _add(loaded, f"text-{text_count:03d}", item, path=None)
        else:
            for path in _expand(item):
                try:
                    raw = _read(path)
                except _Unreadable as exc:
                    loaded.failures.append(
                        Failure(source_id=path.stem, stage="ingest", error=str(exc))
                    )
                    continue
                _add(loaded, path.stem, raw, path=str(path))
    _check_unique_ids(loaded)
    return loaded


def _expand(item: str | os.PathLike[str]) -> Iterator[Path]:
    path = Path(item)
    if path.is_dir():
        files = sorted(
            p for p in path.iterdir() if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES
        )
        if not files:
            raise InputError(f"{path}: folder has no .txt or .md files")
        yield from files
    elif path.is_file():
        yield path
    elif glob.has_magic(str(item)):
        matches = sorted(Path(m) for m in glob.glob(str(item), recursive=True))
        files = [m for m in matches if m.is_file()]
        if not files:
            raise InputError(f"{item}: pattern matches no files")
        yield from files
    else:
        raise InputError(f"{item}: no such file or folder")


class _Unreadable(Exception):
    pass


def _read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _Unreadable(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _Unreadable(f"{path} is not UTF-8 text (byte {exc.start})") from exc


def _add(loaded: Loaded, article_id: str, raw: str, *, path: str | None) -> None:
    text = clean_text(raw)
    if not text.strip():
        where = path or article_id
        loaded.failures.append(
            Failure(source_id=article_id, stage="ingest", error=f"{where} is empty after cleaning")
        )
        return
    loaded.articles.append(Article(id=article_id, text=text, path=path))


def _check_unique_ids(loaded: Loaded) -> None:
    """Ids name sources and failures in the brief, so they must be unique across both."""
    seen: dict[str, str] = {}
    named = [(a.id, a.path or "an input") for a in loaded.articles]
    named += [(f.source_id, f"an input that failed ({f.error})") for f in loaded.failures]
    for article_id, where in named:
        if article_id in seen:
            raise InputError(
                f"two inputs share the article id {article_id!r}: {seen[article_id]} and {where}"
            )
        seen[article_id] = where
