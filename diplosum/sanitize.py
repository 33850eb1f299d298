"""Make one article's extraction safe to verify, merge and render, saying what changed.

A model's answer is schema-valid but may still carry values no later step should
see: dates that are not dates or lie far outside any news story, an end before its
start, megabyte strings, thousands of items, control or bidi-override characters,
the same event twice. ``sanitize_extraction`` drops or clamps each such value and
returns a ``Note`` for it (which the brief shows for that article). Whitespace is
folded silently: it is formatting, not content. Pure, no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from pydantic import BaseModel

from diplosum.contracts.brief import Note
from diplosum.contracts.extraction import AgendaItem, ArticleExtraction, Event, Outcome, Participant
from diplosum.merge.dates import parse_date
from diplosum.safetext import has_unsafe, one_line

#: Years outside this range are not dates of diplomatic news (a model's 0001 or 9999).
MIN_YEAR, MAX_YEAR = 1800, 2200
MAX_EVENTS = 200
MAX_ITEMS = 100  # participants, agenda items, outcomes: each, per event
MAX_SHORT = 300  # titles, names, roles, offices, places, topics, date text
MAX_LONG = 2000  # details, outcome descriptions, evidence quotes
UNTITLED = "(untitled event)"

M = TypeVar("M", bound=BaseModel)


@dataclass
class _Notes:
    source_id: str
    notes: list[Note] = field(default_factory=list)

    def add(self, where: str, problem: str) -> None:
        self.notes.append(Note(source_id=self.source_id, field=where, problem=problem))


def _text(value: str, where: str, limit: int, notes: _Notes) -> str:
    if has_unsafe(value):
        notes.add(where, "control or bidirectional-override characters removed")
    text = one_line(value)
    if len(text) > limit:
        notes.add(where, f"{len(text):,} characters cut to {limit:,}")
        text = text[: limit - 1].rstrip() + "…"
    return text


def _optional(value: str | None, where: str, limit: int, notes: _Notes) -> str | None:
    if value is None:
        return None
    return _text(value, where, limit, notes) or None


def _date(value: str | None, where: str, notes: _Notes) -> str | None:
    text = _optional(value, where, MAX_SHORT, notes)
    if text is None:
        return None
    parsed = parse_date(text)
    if parsed is None:
        notes.add(where, f"{text[:40]!r} is not an ISO 8601 date; dropped")
        return None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        notes.add(where, f"year {parsed.year} is outside {MIN_YEAR}-{MAX_YEAR}; dropped")
        return None
    return text


def _dates(event: Event, where: str, notes: _Notes) -> tuple[str | None, str | None]:
    start = _date(event.start_date, f"{where}.start_date", notes)
    end = _date(event.end_date, f"{where}.end_date", notes)
    if end is not None and start is None:
        notes.add(f"{where}.end_date", "an end date without a start date; dropped")
        return None, None
    first, last = parse_date(start), parse_date(end)
    if first is not None and last is not None and last.last < first.first:
        notes.add(f"{where}.end_date", f"{end} is before the start date {start}; dropped")
        end = None
    return start, end


def _capped(
    items: Sequence[tuple[int, M]], total: int, where: str, limit: int, notes: _Notes
) -> list[M]:
    """Of (original index, item) pairs out of ``total``: the items without exact repeats,
    at most ``limit`` of them."""
    seen: dict[str, int] = {}
    kept: list[M] = []
    for i, item in items:
        key = item.model_dump_json()
        if key in seen:
            notes.add(f"{where}[{i}]", f"repeats {where}[{seen[key]}]; folded into it")
            continue
        seen[key] = i
        if len(kept) == limit:
            notes.add(f"{where}[{i}:]", f"{total - i:,} more dropped (limit {limit})")
            break
        kept.append(item)
    return kept


def _participant(p: Participant, where: str, notes: _Notes) -> Participant | None:
    name = _text(p.name, f"{where}.name", MAX_SHORT, notes)
    if not name:
        notes.add(f"{where}.name", "empty name; participant dropped")
        return None
    return Participant(
        name=name,
        role=_optional(p.role, f"{where}.role", MAX_SHORT, notes),
        affiliation=_optional(p.affiliation, f"{where}.affiliation", MAX_SHORT, notes),
        full_name=_optional(p.full_name, f"{where}.full_name", MAX_SHORT, notes),
        office=_optional(p.office, f"{where}.office", MAX_SHORT, notes),
        evidence=_text(p.evidence, f"{where}.evidence", MAX_LONG, notes),
    )


def _agenda_item(a: AgendaItem, where: str, notes: _Notes) -> AgendaItem | None:
    topic = _text(a.topic, f"{where}.topic", MAX_SHORT, notes)
    if not topic:
        notes.add(f"{where}.topic", "empty topic; item dropped")
        return None
    return AgendaItem(
        topic=topic,
        detail=_optional(a.detail, f"{where}.detail", MAX_LONG, notes),
        evidence=_text(a.evidence, f"{where}.evidence", MAX_LONG, notes),
    )


def _outcome(o: Outcome, where: str, notes: _Notes) -> Outcome | None:
    description = _text(o.description, f"{where}.description", MAX_LONG, notes)
    if not description:
        notes.add(f"{where}.description", "empty description; outcome dropped")
        return None
    return Outcome(
        description=description,
        status=o.status,
        evidence=_text(o.evidence, f"{where}.evidence", MAX_LONG, notes),
    )


def _each(
    items: Sequence[M], where: str, clean: Callable[[M, str, _Notes], M | None], notes: _Notes
) -> list[M]:
    cleaned = ((i, clean(item, f"{where}[{i}]", notes)) for i, item in enumerate(items))
    present = [(i, c) for i, c in cleaned if c is not None]
    return _capped(present, len(items), where, MAX_ITEMS, notes)


def _event(event: Event, where: str, notes: _Notes) -> Event:
    title = _text(event.title, f"{where}.title", MAX_SHORT, notes)
    if not title:
        notes.add(f"{where}.title", f"empty title; shown as {UNTITLED!r}")
        title = UNTITLED
    start, end = _dates(event, where, notes)
    return Event(
        title=title,
        kind=event.kind,
        status=event.status,
        prominence=event.prominence,
        date_text=_optional(event.date_text, f"{where}.date_text", MAX_SHORT, notes),
        start_date=start,
        end_date=end,
        location=_optional(event.location, f"{where}.location", MAX_SHORT, notes),
        venue=_optional(event.venue, f"{where}.venue", MAX_SHORT, notes),
        city=_optional(event.city, f"{where}.city", MAX_SHORT, notes),
        region=_optional(event.region, f"{where}.region", MAX_SHORT, notes),
        country=_optional(event.country, f"{where}.country", MAX_SHORT, notes),
        participants=_each(event.participants, f"{where}.participants", _participant, notes),
        agenda=_each(event.agenda, f"{where}.agenda", _agenda_item, notes),
        outcomes=_each(event.outcomes, f"{where}.outcomes", _outcome, notes),
        evidence=_text(event.evidence, f"{where}.evidence", MAX_LONG, notes),
    )


def sanitize_extraction(
    source_id: str, extraction: ArticleExtraction
) -> tuple[ArticleExtraction, list[Note]]:
    """The extraction with every unusable value dropped or clamped, and a note for each."""
    notes = _Notes(source_id)
    # Cleaning thousands of events only to drop them would be wasted work: clean a few
    # more than can be kept (some may be repeats) and let ``_capped`` count the rest.
    events = extraction.events[: MAX_EVENTS * 4]
    cleaned = [(i, _event(e, f"events[{i}]", notes)) for i, e in enumerate(events)]
    kept = _capped(cleaned, len(extraction.events), "events", MAX_EVENTS, notes)
    if len(extraction.events) > len(events) and len(kept) < MAX_EVENTS:
        notes.add(
            f"events[{len(events)}:]", f"{len(extraction.events) - len(events):,} more dropped"
        )
    return (
        ArticleExtraction(
            headline=_optional(extraction.headline, "headline", MAX_SHORT, notes),
            events=kept,
        ),
        notes.notes,
    )
