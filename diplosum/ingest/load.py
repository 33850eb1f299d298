"""Turn user inputs (paths, folders, globs, ``-``, strings, Articles) into Articles.

Files are decoded (``decode``); ``.html``/``.htm`` files (and stdin that starts like
an HTML page) go through trafilatura (``html``), other text may open with YAML front
matter (``frontmatter``); the text is then cleaned of scraped junk (``clean``).

No input is lost silently: a path that does not exist, a glob that matches nothing,
a folder without articles, a broken or looping symlink, a file or folder that cannot
be read, a file that is not text or is empty after cleaning: each becomes a
``Failure`` (stage ``ingest``) naming the input, and the other inputs go on. Every
article and failure gets a distinct id (file stem, then ``-2``, ``-3``... when two
inputs share a stem); the same file given twice is read once.
"""

from __future__ import annotations

import errno
import glob
import logging
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

from diplosum.article import Article
from diplosum.contracts.brief import Failure
from diplosum.ids import UniqueNames
from diplosum.ingest.clean import clean_text
from diplosum.ingest.decode import MAX_ARTICLE_BYTES, Undecodable, decode_article
from diplosum.ingest.frontmatter import split_front_matter
from diplosum.ingest.html import HTML_SUFFIXES, extract_page, looks_like_html
from diplosum.safetext import one_line

ARTICLE_SUFFIXES = (".txt", ".md", *HTML_SUFFIXES)
_SUFFIX_LIST = ".txt, .md, .html or .htm"
InputItem = str | os.PathLike[str] | Article
log = logging.getLogger("diplosum.ingest")


@dataclass
class Loaded:
    articles: list[Article] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)


@dataclass(frozen=True)
class _Problem:
    """An input that could not be used: what to call it, and why."""

    name: str
    error: str


class _Ids(UniqueNames):
    """Article and failure ids: the base cleaned to one line, never empty."""

    def make(self, base: str) -> str:
        return super().make(one_line(base) or "article")


class _Loader:
    def __init__(self, stdin: BinaryIO | TextIO | None) -> None:
        self.loaded = Loaded()
        self.ids = _Ids()
        self.stdin = stdin
        self.seen_files: set[tuple[int, int]] = set()
        self.text_count = 0

    def fail(self, name: str, error: str) -> None:
        self.loaded.failures.append(
            Failure(source_id=self.ids.make(name), stage="ingest", error=one_line(error))
        )

    def add_text(
        self,
        name: str,
        raw: str,
        *,
        path: str | None,
        html: bool = False,
        encoding: str | None = None,
    ) -> None:
        where = path or name
        try:
            if html:
                page = extract_page(raw, where=where)
                body = page.text
                meta = {
                    "title": page.title,
                    "outlet": page.outlet,
                    "url": page.url,
                    "published": page.published,
                    "author": page.author,
                }
            else:
                front = split_front_matter(raw, where=where)
                body, meta = front.body, dict(front.meta)
        except Undecodable as exc:
            self.fail(name, str(exc))
            return
        text = clean_text(body)
        if not text.strip():
            self.fail(name, f"{where} is empty after cleaning")
            return
        self.loaded.articles.append(
            Article(id=self.ids.make(name), text=text, path=path, encoding=encoding, **meta)
        )

    def add_bytes(
        self, name: str, data: bytes, *, where: str, path: str | None, html: bool | None
    ) -> None:
        """``html=None``: decide from the content (stdin has no file name)."""
        try:
            decoded = decode_article(data, where=where, html=bool(html))
        except Undecodable as exc:
            self.fail(name, str(exc))
            return
        is_html = looks_like_html(decoded.text) if html is None else html
        self.add_text(name, decoded.text, path=path, html=is_html, encoding=decoded.encoding)

    def add_article(self, article: Article) -> None:
        article_id = self.ids.make(article.id)
        if article_id != article.id:
            log.warning(
                "two inputs share the article id %r; the second is %r", article.id, article_id
            )
            article = article.model_copy(update={"id": article_id})
        self.loaded.articles.append(article)

    def add_stdin(self) -> None:
        stream = self.stdin if self.stdin is not None else sys.stdin
        if stream is None:
            self.fail("stdin", "stdin is closed; nothing to read for '-'")
            return
        try:
            binary = getattr(stream, "buffer", stream)
            data = binary.read(MAX_ARTICLE_BYTES + 1)
        except OSError as exc:
            self.fail("stdin", f"cannot read stdin: {exc.strerror or exc}")
            return
        if isinstance(data, str):  # a text stream without a byte buffer (tests, StringIO)
            data = data.encode("utf-8", "surrogateescape")
        self.add_bytes("stdin", data, where="stdin", path=None, html=None)

    def add_path(self, item: str | os.PathLike[str]) -> None:
        for found in _expand(item):
            if isinstance(found, _Problem):
                self.fail(found.name, found.error)
                continue
            self.add_file(found)

    def add_file(self, path: Path) -> None:
        shown = _display(path)
        try:
            with open(path, "rb") as handle:
                info = os.fstat(handle.fileno())
                key = (info.st_dev, info.st_ino)
                if stat.S_ISREG(info.st_mode) and key in self.seen_files:
                    log.info("%s was given twice; read once", shown)
                    return
                self.seen_files.add(key)
                data = handle.read(MAX_ARTICLE_BYTES + 1)
        except OSError as exc:
            self.fail(path.stem, f"cannot read {shown}: {_reason(exc)}")
            return
        html = path.suffix.lower() in HTML_SUFFIXES
        self.add_bytes(path.stem, data, where=shown, path=shown, html=html)


def load_articles(
    inputs: InputItem | Iterable[InputItem], *, stdin: BinaryIO | TextIO | None = None
) -> Loaded:
    """Read every input into an ``Article``, in the order given (folders sorted by name).

    A ``str`` containing a newline is article text; any other ``str`` is a path or glob.
    """
    if isinstance(inputs, str | os.PathLike | Article):
        inputs = [inputs]
    loader = _Loader(stdin)
    for item in inputs:
        if isinstance(item, Article):
            loader.add_article(item)
        elif isinstance(item, str) and item == "-":
            loader.add_stdin()
        elif isinstance(item, str) and "\n" in item:
            loader.text_count += 1
            loader.add_text(f"text-{loader.text_count:03d}", item, path=None)
        else:
            loader.add_path(item)
    return loader.loaded


def _display(path: str | os.PathLike[str]) -> str:
    """The path as text that every output can carry (undecodable bytes replaced)."""
    raw = os.fsencode(path)
    return one_line(raw.decode("utf-8", "replace"))


def _reason(exc: OSError) -> str:
    if exc.errno == errno.ELOOP:
        return "symlink loop"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    return exc.strerror or str(exc)


def _stat_problem(path: Path, exc: OSError) -> _Problem:
    """Why ``os.stat(path)`` failed, in words."""
    shown = _display(path)
    name = path.stem or shown
    if exc.errno == errno.ENOENT and path.is_symlink():
        try:
            target = _display(os.readlink(path))
        except OSError:
            target = "?"
        return _Problem(name, f"{shown} is a broken symlink (its target {target} does not exist)")
    if exc.errno == errno.ELOOP:
        return _Problem(name, f"{shown} is a symlink loop")
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return _Problem(name, f"{shown}: no such file or folder")
    return _Problem(name, f"cannot access {shown}: {_reason(exc)}")


def _expand(item: str | os.PathLike[str]) -> Iterator[Path | _Problem]:
    path = Path(item)
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ENOENT and not path.is_symlink() and glob.has_magic(str(item)):
            yield from _glob(str(item))
        else:
            yield _stat_problem(path, exc)
        return
    if stat.S_ISDIR(info.st_mode):
        yield from _folder(path)
    else:
        # A named pipe or device given by name is read like stdin; only folders and
        # globs restrict themselves to regular files.
        yield path


def _glob(pattern: str) -> Iterator[Path | _Problem]:
    matches = sorted(Path(m) for m in glob.glob(pattern, recursive=True))
    found = False
    for match in matches:
        if match.is_dir():
            continue
        found = True
        yield from _entry(match)
    if not found:
        yield _Problem(
            Path(pattern).stem or "glob", f"{_display(pattern)}: pattern matches no files"
        )


def _folder(folder: Path) -> Iterator[Path | _Problem]:
    shown = _display(folder)
    try:
        names = sorted(os.listdir(folder))
    except OSError as exc:
        yield _Problem(folder.name or shown, f"cannot list folder {shown}: {_reason(exc)}")
        return
    found = False
    skipped = 0
    for name in names:
        entry = folder / name
        if name.startswith(".") or not _looks_like_article(entry):
            skipped += 1
            continue
        found = True
        yield from _entry(entry)
    if skipped:
        log.info("%s: skipped %d entries that are not %s files", shown, skipped, _SUFFIX_LIST)
    if not found:
        yield _Problem(folder.name or shown, f"{shown}: folder has no {_SUFFIX_LIST} files")


def _looks_like_article(entry: Path) -> bool:
    """An article suffix on the entry's name, or on its target's name for a symlink."""
    if entry.suffix.lower() in ARTICLE_SUFFIXES:
        return True
    if entry.is_symlink():
        try:
            return Path(os.readlink(entry)).suffix.lower() in ARTICLE_SUFFIXES
        except OSError:
            return False
    return False


def _entry(entry: Path) -> Iterator[Path | _Problem]:
    """A folder or glob entry: a regular file, or the reason it cannot be used."""
    try:
        info = os.stat(entry)
    except OSError as exc:
        yield _stat_problem(entry, exc)
        return
    if stat.S_ISREG(info.st_mode):
        yield entry
    elif not stat.S_ISDIR(info.st_mode):
        yield _Problem(entry.stem, f"{_display(entry)} is not a regular file")
