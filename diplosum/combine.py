"""One long article's chunk extractions combined into one ``ArticleExtraction``; pure.

Chunks overlap, and a story returns to its main event, so the same event is often
extracted from two chunks. Two events from different chunks are one when they are
of the same kind and their evidence is the same sentence, or their titles nearly
match without contradicting dates, or they share a start date and a participant.
Events from the same chunk are never combined: the model listed them apart on
purpose. A combined event keeps the first chunk's title, dates and evidence, and
the union of the participants, agenda items and outcomes (each listed once),
filling in values the first chunk left null. Every quote stays a quote of the whole
article, so verify locates it in the whole text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from rapidfuzz import fuzz

from diplosum.contracts.extraction import AgendaItem, ArticleExtraction, Event, Outcome, Participant
from diplosum.merge.text import fold, squash

TITLE_SIMILARITY = 85.0
_Item = TypeVar("_Item", AgendaItem, Outcome)


@dataclass
class _Combined:
    event: Event
    chunks: set[int] = field(default_factory=set)


def combine_chunks(extractions: Sequence[ArticleExtraction]) -> ArticleExtraction:
    """Combine the extractions of an article's chunks, given in chunk order."""
    if len(extractions) == 1:
        return extractions[0]
    combined: list[_Combined] = []
    for index, extraction in enumerate(extractions):
        for event in extraction.events:
            match = next(
                (c for c in combined if index not in c.chunks and same_event(c.event, event)),
                None,
            )
            if match is None:
                combined.append(_Combined(event, {index}))
            else:
                match.event = _merge_events(match.event, event)
                match.chunks.add(index)
    headline = next((e.headline for e in extractions if e.headline), None)
    return ArticleExtraction(headline=headline, events=[c.event for c in combined])


def _key(text: str | None) -> str:
    return squash(fold(text or ""))


def same_event(a: Event, b: Event) -> bool:
    if a.kind != b.kind:
        return False
    if _key(a.evidence) and _key(a.evidence) == _key(b.evidence):
        return True
    dates_agree = not a.start_date or not b.start_date or a.start_date == b.start_date
    if dates_agree and fuzz.token_set_ratio(_key(a.title), _key(b.title)) >= TITLE_SIMILARITY:
        return True
    shared_people = {_key(p.name) for p in a.participants} & {_key(p.name) for p in b.participants}
    return bool(a.start_date and a.start_date == b.start_date and shared_people)


def _merge_events(first: Event, other: Event) -> Event:
    filled = {
        name: getattr(other, name)
        for name in (
            "date_text",
            "start_date",
            "end_date",
            "location",
            "venue",
            "city",
            "region",
            "country",
        )
        if getattr(first, name) is None and getattr(other, name) is not None
    }
    return first.model_copy(
        update={
            **filled,
            "prominence": "primary" if other.prominence == "primary" else first.prominence,
            "status": other.status if first.status == "unclear" else first.status,
            "participants": _union_people(first.participants, other.participants),
            "agenda": _union(first.agenda, other.agenda, lambda a: _key(a.topic)),
            "outcomes": _union(
                first.outcomes, other.outcomes, lambda o: f"{o.status}:{_key(o.description)}"
            ),
        }
    )


def _union_people(first: list[Participant], other: list[Participant]) -> list[Participant]:
    people = {_key(p.name): p for p in first}
    for p in other:
        known = people.get(_key(p.name))
        if known is None:
            people[_key(p.name)] = p
            continue
        people[_key(p.name)] = known.model_copy(
            update={
                name: getattr(p, name)
                for name in ("role", "affiliation", "full_name", "office")
                if getattr(known, name) is None and getattr(p, name) is not None
            }
        )
    return list(people.values())


def _union(first: list[_Item], other: list[_Item], key: Callable[[_Item], str]) -> list[_Item]:
    seen = {key(item) for item in first}
    out = list(first)
    for item in other:
        if key(item) not in seen:
            seen.add(key(item))
            out.append(item)
    return out
