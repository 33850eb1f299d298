"""Second clustering pass: reports too thin to pair up join the one event they fit.

A cluster whose reports give no date (a background mention, a syndicated copy without
a publication date) or name nobody ("the two leaders' meeting in Lima") seldom scores
high enough against a full report. After pairwise clustering (``events.cluster``), each
such *thin* cluster joins a dated cluster that names people when exactly one fits:

- no source in both, and no call against an in-person event;
- people: all of the thin cluster's people are the event's (or the event's two or more
  people are all the thin cluster's). A thin cluster naming nobody needs a place
  ``SAME`` as the event's and a date overlapping its dates;
- dates: an undated cluster's month ("in April"), if it names one, falls in the event's
  dates; a dated one overlaps them;
- places: none ``NEAR`` or ``FAR`` the event's; an undated cluster, or one naming
  nobody, needs a place ``SAME`` as the event's.

Two fitting events or more leave it alone: it is ambiguous.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from diplosum.merge.dates import window_has_month
from diplosum.merge.events import Unit
from diplosum.merge.places import SAME, UNKNOWN, Place, relate

# A thin cluster with more candidate events than this is taken as ambiguous.
MAX_CANDIDATES = 5000


@dataclass
class _Summary:
    members: list[int]
    sources: set[str] = field(default_factory=set)
    persons: frozenset[int] = frozenset()
    call: bool = False
    places: set[Place] = field(default_factory=set)
    lo: int | None = None
    hi: int | None = None
    hints: set[int] = field(default_factory=set)

    @property
    def dated(self) -> bool:
        return self.lo is not None

    @property
    def thin(self) -> bool:
        return not self.dated or not self.persons


def _summary(units: Sequence[Unit], members: list[int]) -> _Summary:
    s = _Summary(members=list(members))
    persons: set[int] = set()
    for i in members:
        u = units[i]
        s.sources.add(u.source_id)
        persons |= u.persons
        s.call = u.kind == "call"
        if u.place is not None:
            s.places.add(u.place)
        if u.span is not None:
            s.lo = u.span.lo if s.lo is None else max(s.lo, u.span.lo)
            s.hi = u.span.hi if s.hi is None else min(s.hi, u.span.hi)
        if u.hint is not None:
            s.hints.add(u.hint)
    s.persons = frozenset(persons)
    return s


def _people_fit(thin: _Summary, event: _Summary) -> bool:
    if not thin.persons:
        return True
    return thin.persons <= event.persons or (
        len(event.persons) >= 2 and event.persons <= thin.persons
    )


def _dates_fit(thin: _Summary, event: _Summary) -> bool:
    assert event.lo is not None and event.hi is not None
    if thin.lo is not None and thin.hi is not None:
        return max(thin.lo, event.lo) <= min(thin.hi, event.hi)
    return all(window_has_month(event.lo, event.hi, m) for m in thin.hints)


def _places_fit(thin: _Summary, event: _Summary) -> bool:
    relations = [relate(a, b) for a in thin.places for b in event.places]
    if any(r < UNKNOWN for r in relations):
        return False
    if not thin.persons or not thin.dated:
        return SAME in relations
    return True


def _fits(thin: _Summary, event: _Summary) -> bool:
    if thin.call != event.call or not thin.sources.isdisjoint(event.sources):
        return False
    if not thin.persons and not (thin.dated and thin.places):
        return False
    return _people_fit(thin, event) and _dates_fit(thin, event) and _places_fit(thin, event)


def _keys(s: _Summary) -> Iterable[object]:
    if s.persons:
        return (("p", p) for p in s.persons)
    return (("w", w) for place in s.places for w in place.key if not w.startswith("#"))


def attach(units: Sequence[Unit], clusters: Sequence[list[int]]) -> list[list[int]]:
    """Clusters after thin ones joined the one event each fits; in index order."""
    summaries = [_summary(units, c) for c in clusters]
    index: dict[object, list[int]] = defaultdict(list)
    for n, s in enumerate(summaries):
        if s.dated and s.persons:
            for p in s.persons:
                index[("p", p)].append(n)
            for place in s.places:
                for w in place.key:
                    index[("w", w)].append(n)
    joined: dict[int, int] = {}
    for n, thin in enumerate(summaries):
        if not thin.thin:
            continue
        found: set[int] = set()
        for key in _keys(thin):
            found.update(index.get(key, ()))
            if len(found) > MAX_CANDIDATES:
                break
        if len(found) > MAX_CANDIDATES:
            continue
        fitting = [m for m in sorted(found) if _fits(thin, summaries[m])]
        if len(fitting) != 1:
            continue
        [target] = fitting
        joined[n] = target
        event = summaries[target]
        event.members += thin.members
        event.sources |= thin.sources
        event.places |= thin.places
    return sorted(sorted(s.members) for n, s in enumerate(summaries) if n not in joined)
