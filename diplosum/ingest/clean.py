"""Remove scraped page furniture from article text without touching its sentences.

Cleaning works on whole lines only: a line is dropped when it is, in its entirety,
a browser notice, comment-form boilerplate or a stray image file name. Sentences
of the article are never edited, so quotes copied from the article still match.
"""

from __future__ import annotations

import re
import unicodedata

_JUNK_LINES = [
    # Browser notices.
    r"ie ?\d+ is not supported\..*",
    r"(your|this) browser (does not|doesn't) support .*",
    r"(please )?enable javascript.*",
    r"for an optimal experience,? visit our site on another browser\.?",
    # Comment forms and page chrome.
    r"leave a (comment|reply)",
    r"cancel reply",
    r"post comment",
    r"your email address will not be published\.?( required fields are marked \*)?",
    r"required fields are marked \*",
    r"(save my name, email, and website in this browser.*)",
    r"scroll to top",
    r"skip to (main )?content",
    r"share (this|on) (article|facebook|twitter|x)",
    r"advertisement",
]
_JUNK_RE = re.compile(r"^\s*(?:" + "|".join(_JUNK_LINES) + r")\s*$", re.IGNORECASE)

# A line that is nothing but an image file name or a fragment of one, such as
# "%20(2).png)" or "photo_1234.jpg", left behind when a scraper drops the <img>.
_IMAGE_LINE_RE = re.compile(
    r"^\s*[^\s]{0,200}\.(?:png|jpe?g|gif|webp|svg|bmp|avif)\)?\s*$", re.IGNORECASE
)


def is_junk_line(line: str) -> bool:
    """True when the whole line is page furniture rather than article text."""
    return bool(_JUNK_RE.match(line) or _IMAGE_LINE_RE.match(line))


def clean_text(raw: str) -> str:
    """Return the article text with junk lines removed and blank lines collapsed.

    Also normalises line endings, Unicode composition (NFC) and trailing spaces.
    Offsets of attributions refer to the text this function returns.
    """
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.lstrip("\ufeff")
    kept: list[str] = []
    for line in text.split("\n"):
        line = line.rstrip()
        if is_junk_line(line):
            continue
        if not line.strip():
            if kept and kept[-1] != "":
                kept.append("")
            continue
        kept.append(line)
    while kept and kept[-1] == "":
        kept.pop()
    return "\n".join(kept) + ("\n" if kept else "")
