"""Builders for merge tests: sourced events, attributions, and looking into results.

``tests.test_merge_fixtures`` re-exports all of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from diplosum.contracts.brief import Attribution, BriefEvent, Conflict
from diplosum.contracts.extraction import EventKind, EventStatus, OutcomeStatus, Prominence
from diplosum.contracts.sourced import (
    SourcedEvent,
    SourcedItem,
    SourcedOutcome,
    SourcedParticipant,
)
from diplosum.merge import MergeResult

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
S0, S1, S2, S3, S4 = (
    "000_ea10c8c546df09f6",
    "001_6e3fd4499fd64c22",
    "002_48f8343459885b5d",
    "003_94abdc4792c95b2c",
    "004_75e4185e15a56da3",
)

# (name, role, affiliation, quote); the quote defaults to a made-up unique one.
Person = tuple[str, str | None, str | None] | tuple[str, str | None, str | None, str]
Item = str | tuple[str, str]
Result = tuple[str, OutcomeStatus] | tuple[str, OutcomeStatus, str]


def att(source: str, quote: str, text: str | None = None) -> Attribution:
    """An attribution; located in ``text`` when given (verified), else unlocated."""
    if text is None:
        return Attribution(source_id=source, quote=quote)
    start = text.find(quote)
    if start < 0:
        raise AssertionError(f"quote not in {source}: {quote!r}")
    return Attribution(
        source_id=source, quote=quote, start=start, end=start + len(quote), verified=True
    )


def ev(
    source: str,
    index: int,
    title: str,
    *,
    kind: EventKind = "talks",
    status: EventStatus = "held",
    prominence: Prominence = "primary",
    start: str | None = None,
    end: str | None = None,
    date_text: str | None = None,
    location: str | None = None,
    people: Sequence[Person] = (),
    agenda: Sequence[Item] = (),
    outcomes: Sequence[Result] = (),
    quote: str | None = None,
    text: str | None = None,
) -> SourcedEvent:
    """A sourced event; quotes not given are made up and unique within the source."""
    tag = f"[{index}]"

    def a(q: str | None, fallback: str) -> Attribution:
        return att(source, q if q is not None else f"{tag} {fallback}", text if q else None)

    return SourcedEvent(
        source_id=source,
        index=index,
        title=title,
        kind=kind,
        status=status,
        prominence=prominence,
        date_text=date_text,
        start_date=start,
        end_date=end,
        location=location,
        participants=[
            SourcedParticipant(
                name=p[0],
                role=p[1],
                affiliation=p[2],
                attribution=a(p[3] if len(p) > 3 else None, f"person {k}: {p[0]}"),
            )
            for k, p in enumerate(people)
        ],
        agenda=[
            SourcedItem(
                topic=i if isinstance(i, str) else i[0],
                attribution=a(None if isinstance(i, str) else i[1], f"topic {k}: {i}"),
            )
            for k, i in enumerate(agenda)
        ],
        outcomes=[
            SourcedOutcome(
                description=o[0],
                status=o[1],
                attribution=a(o[2] if len(o) > 2 else None, f"outcome {k}: {o[0]}"),
            )
            for k, o in enumerate(outcomes)
        ],
        attribution=a(quote, f"event: {title}"),
    )


def attribution_keys(items: Iterable[Attribution]) -> set[tuple[object, ...]]:
    return {(a.source_id, a.quote, a.start, a.end, a.verified) for a in items}


def input_attributions(events: Iterable[SourcedEvent]) -> set[tuple[object, ...]]:
    found: list[Attribution] = []
    for e in events:
        found.append(e.attribution)
        found += [p.attribution for p in e.participants]
        found += [i.attribution for i in e.agenda]
        found += [o.attribution for o in e.outcomes]
    return attribution_keys(found)


def output_attributions(events: Iterable[BriefEvent]) -> set[tuple[object, ...]]:
    found: list[Attribution] = []
    for e in events:
        found += e.attributions
        for p in e.participants:
            found += p.attributions
        for i in e.agenda:
            found += i.attributions
        for o in e.outcomes:
            found += o.attributions
    return attribution_keys(found)


def sources_of(items: Iterable[Attribution]) -> list[str]:
    return sorted({a.source_id for a in items})


def find_event(result: MergeResult, title: str) -> BriefEvent:
    matches = [e for e in result.events if e.title == title]
    assert len(matches) == 1, [e.title for e in result.events]
    return matches[0]


def conflicts_of(result: MergeResult, kind: str) -> list[Conflict]:
    return [c for c in result.conflicts if c.kind == kind]


def claims(conflict: Conflict) -> dict[str, list[str]]:
    """Claim value -> the sources that make it."""
    return {c.value: sources_of(c.attributions) for c in conflict.claims}
