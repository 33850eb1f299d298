"""Locate the model's evidence quotes in the cleaned source text.

Matching compares normalised text (whitespace runs, curly vs straight quotes,
dash variants, ellipses, letter case) and maps the match back to offsets in the
original text. A quote that cannot be found is kept, marked ``verified=False`` with a
``note`` saying why; so is one too short to place (a stop word, a couple of letters),
which would be "found" almost anywhere.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from diplosum.contracts.brief import Attribution
from diplosum.contracts.extraction import ArticleExtraction
from diplosum.contracts.sourced import (
    SourcedEvent,
    SourcedItem,
    SourcedOutcome,
    SourcedParticipant,
)

_CHAR_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-",
    "\u2026": "...",
    "\u00a0": " ",
}  # fmt: skip


#: Evidence needs this many letters or digits, and one word that is not a function
#: word, before a match means anything.
MIN_EVIDENCE_CHARS = 4
_FUNCTION_WORDS = frozenset({
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "from", "had", "has",
    "have", "he", "her", "his", "in", "is", "it", "its", "of", "on", "or", "she", "that",
    "the", "their", "they", "this", "to", "was", "were", "which", "who", "with",
})  # fmt: skip
_ALNUM_WORD = re.compile(r"\w+")
NOT_FOUND = "not found in source"
TOO_SHORT = "too short to place"
EMPTY = "empty"


class _Fold(dict[int, str]):
    """``str.translate`` table: whitespace to one space, else ``_CHAR_MAP`` then lower
    case, per character. Filled on first sight of each character (``__missing__``)."""

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        out = " " if ch.isspace() else _CHAR_MAP.get(ch, ch).lower()
        self[code] = out
        return out


_FOLD = _Fold()
#: What ``str.lower`` leaves to fold: the mapped characters...
_MARKS = tuple((ch, out) for ch, out in _CHAR_MAP.items() if not ch.isspace())
#: ...and whitespace other than " ": every other character ``str.isspace`` accepts.
OTHER_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SPACE_MAP = tuple((ch, " ") for ch in OTHER_SPACES)
#: Any character ``_fold`` maps after lowering (one scan decides whether to look).
_TO_MAP = re.compile("[" + re.escape("".join(ch for ch, _ in _MARKS) + OTHER_SPACES) + "]")
_MARKS_ONLY = re.compile("[" + re.escape("".join(ch for ch, _ in _MARKS)) + "]")
#: After folding, a space is exactly one whitespace character of the original.
_SPACES = re.compile(" +")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _fold(text: str, *, spaces: bool = True) -> str:
    """``text.translate(_FOLD)``, faster; ``spaces=False`` leaves whitespace as it is.

    ``str.lower`` lowers character by character but for a capital sigma (final form by
    context), and keeps the length unless a character lowers to several; the few
    characters left to map are replaced one by one, only when present.
    """
    if "\u03a3" in text:
        return text.translate(_FOLD)
    lowered = text.lower()
    if len(lowered) != len(text):
        return text.translate(_FOLD)
    if (_TO_MAP if spaces else _MARKS_ONLY).search(lowered) is None:
        return lowered
    for ch, out in (*_MARKS, *_SPACE_MAP) if spaces else _MARKS:
        if ch in lowered:
            lowered = lowered.replace(ch, out)
    return lowered


@dataclass(frozen=True)
class NormalisedText:
    """Normalised text, and where each of its characters came from in the original.

    The map is kept as runs: normalised offsets from ``starts[j]`` come from original
    offsets from ``origins[j]`` one for one; ``expansions`` lists characters folded to
    several (``…`` to ``...``) as (folded offset, original offset, length), sorted.
    """

    text: str
    starts: tuple[int, ...]
    origins: tuple[int, ...]
    expansions: tuple[tuple[int, int, int], ...] = ()

    def offset(self, index: int) -> int:
        """The original offset of normalised character ``index``."""
        j = bisect.bisect_right(self.starts, index) - 1
        folded = self.origins[j] + index - self.starts[j]
        if not self.expansions:
            return folded
        k = bisect.bisect_right(self.expansions, (folded, _BIG, _BIG)) - 1
        if k < 0:
            return folded
        at, source, length = self.expansions[k]
        if folded < at + length:
            return source
        return source + 1 + folded - (at + length)

    @property
    def origin(self) -> tuple[int, ...]:
        """The original offset of every normalised character (slow; for inspection)."""
        return tuple(self.offset(i) for i in range(len(self.text)))


_BIG = 1 << 62


def _expansions(text: str, folded: str) -> tuple[tuple[int, int, int], ...]:
    """Characters of ``text`` folded into more than one character (all non-ASCII)."""
    if len(folded) == len(text):
        return ()
    found: list[tuple[int, int, int]] = []
    extra = 0
    for match in _NON_ASCII.finditer(text):
        length = len(_FOLD[ord(match.group())])
        if length > 1:
            i = match.start()
            found.append((i + extra, i, length))
            extra += length - 1
    return tuple(found)


def normalise(text: str) -> NormalisedText:
    """Fold quotes, dashes and case, and collapse whitespace runs to one space."""
    folded = _fold(text)
    expansions = _expansions(text, folded)
    body = folded.strip(" ")
    lead = len(folded) - len(folded.lstrip(" "))
    starts = [0]
    origins = [lead]
    pieces: list[str] = []
    kept = 0  # normalised characters before ``pos``
    pos = 0  # in body
    at = body.find("  ")
    while at >= 0:
        run = _SPACES.match(body, at)
        assert run is not None
        pieces.append(body[pos : at + 1])
        kept += at + 1 - pos
        pos = run.end()
        starts.append(kept)
        origins.append(lead + pos)
        at = body.find("  ", pos)
    pieces.append(body[pos:])
    return NormalisedText("".join(pieces), tuple(starts), tuple(origins), expansions)


def normalised(text: str) -> str:
    """``normalise(text).text``, without working out the offsets."""
    if text.isascii():  # most quotes: only case and the backtick to fold
        return " ".join(text.lower().replace("`", "'").split())
    return " ".join(_fold(text, spaces=False).split())


def normalise_quote(quote: str) -> str:
    """The form of a quote that is searched for: normalised, outer quote marks dropped."""
    return normalised(quote).strip(" \"'")


def placeable(needle: str) -> bool:
    """Whether a normalised quote says enough to be located meaningfully."""
    letters = 0
    content = False
    for match in _ALNUM_WORD.finditer(needle):  # most quotes are decided by a word or two
        word = match.group()
        if not word.strip("_"):
            continue
        letters += len(word)
        content = content or word not in _FUNCTION_WORDS
        if content and letters >= MIN_EVIDENCE_CHARS:
            return True
    return False


class QuoteLocator:
    """Finds quotes in one source; normalises the source once."""

    def __init__(self, source_id: str, text: str) -> None:
        self.source_id = source_id
        self._norm = normalise(text)
        #: quote -> (span, problem), for evidence quoted more than once
        self._seen: dict[str, tuple[tuple[int, int] | None, str | None]] = {}

    def _find(self, needle: str) -> tuple[int, int] | None:
        at = self._norm.text.find(needle)  # plain text search: a quote is never a pattern
        if at < 0:
            return None
        last = at + len(needle) - 1
        return self._norm.offset(at), self._norm.offset(last) + 1

    def locate(self, quote: str) -> tuple[int, int] | None:
        needle = normalise_quote(quote)
        return self._find(needle) if needle else None

    def _place(self, quote: str) -> tuple[tuple[int, int] | None, str | None]:
        known = self._seen.get(quote)
        if known is not None:
            return known
        needle = normalise_quote(quote)
        problem = EMPTY if not needle else None if placeable(needle) else TOO_SHORT
        span = self._find(needle) if problem is None else None
        placed = (span, problem or (NOT_FOUND if span is None else None))
        self._seen[quote] = placed
        return placed

    def attribute(self, quote: str) -> Attribution:
        span, problem = self._place(quote)
        if span is None:
            return Attribution(
                source_id=self.source_id, quote=quote, verified=False, note=problem or NOT_FOUND
            )
        start, end = span
        return Attribution(
            source_id=self.source_id, quote=quote, start=start, end=end, verified=True
        )


def verify_extraction(
    source_id: str, text: str, extraction: ArticleExtraction
) -> list[SourcedEvent]:
    """Attach a located ``Attribution`` to every statement of one article's extraction."""
    locator = QuoteLocator(source_id, text)
    events: list[SourcedEvent] = []
    for index, event in enumerate(extraction.events):
        events.append(
            SourcedEvent(
                source_id=source_id,
                index=index,
                title=event.title,
                kind=event.kind,
                status=event.status,
                prominence=event.prominence,
                date_text=event.date_text,
                start_date=event.start_date,
                end_date=event.end_date,
                location=event.location,
                venue=event.venue,
                city=event.city,
                region=event.region,
                country=event.country,
                participants=[
                    SourcedParticipant(
                        name=p.name,
                        role=p.role,
                        affiliation=p.affiliation,
                        full_name=p.full_name,
                        office=p.office,
                        attribution=locator.attribute(p.evidence),
                    )
                    for p in event.participants
                ],
                agenda=[
                    SourcedItem(
                        topic=a.topic, detail=a.detail, attribution=locator.attribute(a.evidence)
                    )
                    for a in event.agenda
                ],
                outcomes=[
                    SourcedOutcome(
                        description=o.description,
                        status=o.status,
                        attribution=locator.attribute(o.evidence),
                    )
                    for o in event.outcomes
                ],
                attribution=locator.attribute(event.evidence),
            )
        )
    return events
