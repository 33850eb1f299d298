"""Saved web pages: the article text and its metadata, extracted with trafilatura.

Comments are left out; navigation, cookie notices, related links and scripts are
trafilatura's to drop. A page that yields no text, or less than ``MIN_ARTICLE_CHARS``
characters of it (a menu, a script shell, a consent wall), is refused: it would
only cost a model call and produce nothing. Offsets of quotes refer to the
extracted text, which is what the brief keeps.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from diplosum.ingest.decode import Undecodable

HTML_SUFFIXES = (".html", ".htm")
#: Fewer characters of extracted text than this is not an article.
MIN_ARTICLE_CHARS = 300
_LOOKS_LIKE_HTML = re.compile(r"\A\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S)

# trafilatura reports "empty HTML tree" and the like at WARNING; the failure says it.
logging.getLogger("trafilatura").setLevel(logging.ERROR)


@dataclass(frozen=True)
class Page:
    text: str
    title: str | None = None
    outlet: str | None = None
    author: str | None = None
    published: str | None = None
    url: str | None = None


def looks_like_html(text: str) -> bool:
    """A document that starts like an HTML page (for stdin, which has no file name)."""
    return bool(_LOOKS_LIKE_HTML.match(text[:4096]))


def extract_page(html: str, *, where: str) -> Page:
    """The article of one HTML page, or ``Undecodable`` saying why there is none."""
    # Imported here: trafilatura (with lxml, from lxml_html_clean) costs ~0.1 s to
    # import, which a run without any HTML input should not pay before its first call.
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            html, include_comments=False, include_tables=False, with_metadata=True
        )
    except Exception as exc:  # lxml and trafilatura raise many kinds on broken markup
        raise Undecodable(f"{where}: cannot parse the page ({type(exc).__name__})") from None
    text = "" if doc is None or isinstance(doc, dict) else (doc.text or "")
    size = len(text.strip())
    if size < MIN_ARTICLE_CHARS:
        found = "no article text" if size == 0 else f"only {size} characters of article text"
        raise Undecodable(
            f"{where}: {found} in the page (at least {MIN_ARTICLE_CHARS} needed); "
            "is it a menu, a script shell or a consent wall? Not sent to the model"
        )
    assert doc is not None and not isinstance(doc, dict)
    return Page(
        text=text,
        title=_value(doc.title),
        outlet=_value(doc.sitename),
        author=_value(doc.author),
        published=_value(doc.date),
        url=_value(doc.url),
    )


def _value(value: object) -> str | None:
    return value.strip() or None if isinstance(value, str) else None
