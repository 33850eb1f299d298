"""Merge verified per-article extractions into one timeline of events and conflicts.

Pure and deterministic: the output depends only on the multiset of inputs, never on
their order. Steps: fold exact duplicates (same source, index and content) into one,
resolve people across all articles (``people``), cluster the events that report the
same event (``events``), let thin reports join the one event they fit (``attach``),
build each merged event with its own conflicts (``build``), add the cross-article
``role_holder`` conflicts (``conflicts``), and order the events as a timeline: dated
first, oldest start first, undated last.

Every input attribution appears in the output; identical attributions (same source,
quote, offsets and verified flag) appear once per list. Event ids are ``ev-`` plus a
hash of the merged event's sorted (source_id, index) pairs (``ids.event_id``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter

from diplosum.contracts.brief import BriefEvent, Conflict, Source
from diplosum.contracts.sourced import SourcedEvent
from diplosum.merge.attach import attach
from diplosum.merge.build import build_event
from diplosum.merge.conflicts import role_holder_conflicts
from diplosum.merge.dates import parse_published, timeline_key
from diplosum.merge.events import Unit, cluster
from diplosum.merge.mentions import Described, Mention, describe, mention_of
from diplosum.merge.people import resolve
from diplosum.merge.places import Place


@dataclass(frozen=True)
class MergeResult:
    """The merged events, in timeline order, and the conflicts found among the sources."""

    events: list[BriefEvent] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)


_SOURCE_AND_INDEX = attrgetter("source_id", "index")


def _units(events: Sequence[SourcedEvent]) -> tuple[list[Unit], list[Mention]]:
    units: list[Unit] = []
    mentions: list[Mention] = []
    # Equal places parsed from different wordings ("Beijing", "Beijing, China") become
    # one object, so the caches and sets that compare them stop at identity.
    places: dict[Place, Place] = {}
    # ``describe`` per wording of a participant; looked up here first, as a plain dict
    # is cheaper to ask than ``describe``'s large shared cache.
    wordings: dict[tuple[str, str | None, str | None, str | None, str | None], Described] = {}
    # Sorted by source and index (usually already so: then sorting is one pass).
    ordered = sorted(events, key=_SOURCE_AND_INDEX)
    for (source_id, index), group in groupby(ordered, key=_SOURCE_AND_INDEX):
        copies = list(group)
        if len(copies) > 1:
            # Same source and index: identical copies fold into one, the rest stay in
            # a fixed order so the input order never matters.
            by_json = {e.model_dump_json(): e for e in copies}
            copies = [by_json[k] for k in sorted(by_json)]
        unit = Unit(source_id, index, copies[0], tuple(copies[1:]))
        if unit.place is not None:
            unit.place = places.setdefault(unit.place, unit.place)
        first = len(mentions)
        n = len(units)
        for e in copies:
            for p in e.participants:
                said = (p.name, p.role, p.affiliation, p.full_name, p.office)
                described = wordings.get(said)
                if described is None:
                    described = wordings[said] = describe(*said)
                mentions.append(mention_of(n, source_id, p.attribution, described))
        unit.mentions = range(first, len(mentions))
        units.append(unit)
    return units, mentions


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The merge makes a great many small objects that all live until it ends and form no
    cycles; the cyclic collector would walk them again and again (a third of the time at
    10,000 extractions) and free nothing."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def merge(events: Sequence[SourcedEvent], sources: Sequence[Source] = ()) -> MergeResult:
    """Merge sourced events into brief events and conflicts.

    ``sources`` is optional: only their ``published`` dates are used, to tell whether two
    sources naming different holders of one role speak of the same time.
    """
    with _collector_paused():
        return _merge(events, sources)


def _merge(events: Sequence[SourcedEvent], sources: Sequence[Source]) -> MergeResult:
    units, mentions = _units(events)
    people = resolve(mentions)
    for unit in units:
        unit.persons = frozenset(people.person_of[i] for i in unit.mentions)
    built = [
        build_event([units[i] for i in c], mentions, people) for c in attach(units, cluster(units))
    ]
    built.sort(
        key=lambda b: (timeline_key(b.span), b.event.title.casefold(), b.event.title, b.event.id)
    )
    published = {s.id: parse_published(s.published) for s in sources}
    conflicts = role_holder_conflicts(mentions, people, published)
    conflicts += [c for b in built for c in b.conflicts]
    return MergeResult(events=[b.event for b in built], conflicts=conflicts)


__all__ = ["MergeResult", "merge"]
