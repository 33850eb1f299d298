"""Locate the model's evidence quotes in the cleaned source text.

Matching compares normalised text (whitespace runs, curly vs straight quotes,
dash variants, ellipses, letter case) and maps the match back to offsets in the
original text. A quote that cannot be found is kept, marked ``verified=False`` with a
``note`` saying why; so is one too short to place (a stop word, a couple of letters),
which would be "found" almost anywhere.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class NormalisedText:
    """Normalised text plus, for each of its characters, the offset it came from."""

    text: str
    origin: tuple[int, ...]


def normalise(text: str) -> NormalisedText:
    """Fold quotes, dashes and case, and collapse whitespace runs to one space."""
    chars: list[str] = []
    origin: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not in_space and chars:
                chars.append(" ")
                origin.append(i)
            in_space = True
            continue
        in_space = False
        for out in _CHAR_MAP.get(ch, ch).lower():
            chars.append(out)
            origin.append(i)
    if chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return NormalisedText("".join(chars), tuple(origin))


def normalised(text: str) -> str:
    return normalise(text).text


def normalise_quote(quote: str) -> str:
    """The form of a quote that is searched for: normalised, outer quote marks dropped."""
    return normalised(quote).strip(" \"'")


def placeable(needle: str) -> bool:
    """Whether a normalised quote says enough to be located meaningfully."""
    words = [w for w in _ALNUM_WORD.findall(needle) if w.replace("_", "")]
    if sum(len(w) for w in words) < MIN_EVIDENCE_CHARS:
        return False
    return any(w not in _FUNCTION_WORDS for w in words)


class QuoteLocator:
    """Finds quotes in one source; normalises the source once."""

    def __init__(self, source_id: str, text: str) -> None:
        self.source_id = source_id
        self._norm = normalise(text)

    def locate(self, quote: str) -> tuple[int, int] | None:
        needle = normalise_quote(quote)
        if not needle:
            return None
        at = self._norm.text.find(needle)
        if at < 0:
            return None
        last = at + len(needle) - 1
        return self._norm.origin[at], self._norm.origin[last] + 1

    def attribute(self, quote: str) -> Attribution:
        needle = normalise_quote(quote)
        problem = EMPTY if not needle else None if placeable(needle) else TOO_SHORT
        span = self.locate(quote) if problem is None else None
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
