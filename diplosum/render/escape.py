"""Escaping for Markdown output, and the slugs and URLs the renderers may emit.

Everything that comes from an article, a file name or a model goes through
``md_text`` before it lands in Markdown: control and bidi characters are removed,
line breaks are folded (a value never starts a new block), every character that
could start markup (emphasis, links, images, raw HTML, headings, tables, entities)
is backslash-escaped, and whatever a GFM renderer would turn into an autolink
(``https://``, ``www.``, e-mail addresses) or a dangerous scheme (``javascript:``,
``data:``) is broken with an escape too. Only the renderer makes links; their
targets are ``slug`` anchors or URLs that ``safe_url`` accepted.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import quote, urlsplit

from diplosum.safetext import has_unsafe, one_line

# Backslash-escaping any ASCII punctuation is valid CommonMark; these are the ones that
# can start markup inline: emphasis, code, links/images, raw HTML, entities, tables,
# strikethrough, e-mail autolinks (@), closing heading marks (#). Values never start a
# line (a prefix always comes first), so list and setext markers need no escape. An
# underscore between letters or digits cannot start or end emphasis, so "max_articles"
# and file names stay readable.
_MARKUP = re.compile(r"([\\`*\[\]<>#|!~&@]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_SCHEME = re.compile(
    r"(?i)\b(https?|ftp|file|javascript|vbscript|data|mailto|xmpp|tel|irc|ws|wss)(\s*):"
)
_WWW = re.compile(r"(?i)\b(www)\.")
_SLUG_JUNK = re.compile(r"[^a-z0-9]+")


def md_text(value: object) -> str:
    """``value`` as inert inline Markdown text on one line."""
    text = _MARKUP.sub(r"\\\1", one_line(str(value)))
    text = _SCHEME.sub(r"\1\2\\:", text)
    return _WWW.sub(r"\1\\.", text)


def md_cell(value: object) -> str:
    """Inert text for a table cell (``|`` is escaped by ``md_text`` already)."""
    return md_text(value)


def slug(value: str) -> str:
    """An anchor name of ``[a-z0-9-]``; a hash keeps distinct values apart when
    lower-casing and replacing other characters would make them equal."""
    base = _SLUG_JUNK.sub("-", one_line(value).lower()).strip("-")[:60]
    if base == value:
        return base
    digest = hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()[:6]
    return f"{base}-{digest}" if base else f"x-{digest}"


def safe_url(url: str | None) -> str | None:
    """The URL, percent-encoded for a Markdown or HTML link, if it is ``http(s)`` with a
    host and nothing unsafe in it; None otherwise (show it as text, never link it)."""
    if not url or has_unsafe(url) or any(ch.isspace() for ch in url):
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    # Parentheses, angle brackets, quotes, backslashes and backticks would end a link
    # destination or an attribute; everything else URLs legitimately use is kept.
    return quote(url, safe=":/?#[]@!$&'*,;=%~+-._")


_RELATIVE_LINK = re.compile(r"^\d{4}-\d{2}-\d{2}\.(?:html|md)(?:#[a-z0-9-]+)?$")


def safe_relative_link(link: str) -> str | None:
    """A link to another digest of the same folder (``2026-11-30.html#ev-...``), or None."""
    return link if _RELATIVE_LINK.match(link) else None
