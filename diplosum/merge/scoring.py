"""Evidence that two reports are one event, scored for many pairs at once (numpy).

A pair scores: people (their overlap x1.5: one list within the other 1.0, lists that
each name someone the other lacks shared / all named, disjoint lists -1), title
(rapidfuzz token set ratio rescaled so that 50, one shared word, and below is 0), date
(overlapping: +1.0 at day precision, +0.6 month, +0.3 year; day-precise and at most
``NEAR_DAYS`` apart: -0.7; further apart: never), place (``SAME``: +0.8; a venue against
a town: 0; different towns ``NEAR`` each other: -0.3; ``FAR``: -1.2) and same kind
(+0.2). Accepted from 2.2, and only with an anchor: a date or a place both sides share,
or else near-identical titles (0.8), and the same people. Never: two reports of one
article, a call against an in-person event, an undated report whose text names a month
("in April") against a date or month outside it. Different places need overlapping
day-precise dates and shared people; near dates need the same place. When each side
names someone the other lacks, two undated reports are never one event, and dated ones
sharing a single person must be of one kind: one person at two meetings on one day in
one city is common (a minister's bilaterals at a summit).

The rules read per pair of ``Unit``; ``Features`` holds each unit's part of them as
arrays so that a whole candidate list is scored in a few array operations.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from typing import TYPE_CHECKING

import numpy as np
from rapidfuzz import fuzz

from diplosum.merge.arrays import (
    Bools,
    Floats,
    Ints,
    find_sorted,
    flat,
    numbered,
    numbers,
    owners,
    ranges,
)
from diplosum.merge.dates import NEAR_DAYS, window_months
from diplosum.merge.places import FAR, NEAR, SAME, UNKNOWN, Place, relate

if TYPE_CHECKING:
    from diplosum.merge.events import Unit


W_PEOPLE = 1.5
W_PLACE = {SAME: 0.8, UNKNOWN: 0.0, NEAR: -0.3, FAR: -1.2}
W_DAY, W_MONTH, W_YEAR = 1.0, 0.6, 0.3
W_DATE_NEAR = -0.7
W_KIND = 0.2
ACCEPT = 2.2
ANCHORLESS_TITLE = 0.8


@dataclass(frozen=True)
class Features:
    """What scoring reads of each unit, a column per field (index: the unit's)."""

    source: Ints
    kind: Ints
    call: Bools
    dated: Bools
    lo: Ints
    hi: Ints
    precision: Ints
    # The month an undated report's text names (0: none), and the months a dated one
    # touches (bits, as ``dates.window_months``).
    hint: Ints
    months: Ints
    place: Ints  # -1: none
    places: list[Place]
    count: Ints  # how many people
    # Each unit's people, sorted, end to end from ``person_start``; and the same as
    # ``unit * person_range + person`` keys (sorted: units in order, people sorted).
    person_list: Ints
    person_start: Ints
    person_keys: Ints
    person_range: int
    title: Ints
    titles: list[str]

    @classmethod
    def of(cls, units: Sequence[Unit]) -> Features:
        spans = [u.span for u in units]
        dated = [s is not None for s in spans]
        los = [s.lo if s is not None else 0 for s in spans]
        his = [s.hi if s is not None else 0 for s in spans]
        kinds = [u.kind for u in units]
        count = _ints([len(u.persons) for u in units])
        place_ids: dict[Place, int] = {}
        title_ids: dict[str, int] = {}
        person_list, person_start, person_keys, person_range = _person_columns(units, count)
        return cls(
            source=_ints(numbers([u.source_id for u in units], {})),
            kind=_ints(numbers(kinds, {})),
            call=np.array([k == "call" for k in kinds], dtype=np.bool_),
            dated=np.array(dated, dtype=np.bool_),
            lo=_ints(los),
            hi=_ints(his),
            precision=_ints([s.precision if s is not None else 0 for s in spans]),
            hint=_ints([u.hint or 0 for u in units]),
            months=_ints([0 if s is None else window_months(s.lo, s.hi) for s in spans]),
            place=_ints(
                [
                    -1 if u.place is None else place_ids.setdefault(u.place, len(place_ids))
                    for u in units
                ]
            ),
            places=list(place_ids),
            count=count,
            person_list=person_list,
            person_start=person_start,
            person_keys=person_keys,
            person_range=person_range,
            title=_ints(numbers([u.title for u in units], title_ids)),
            titles=list(title_ids),
        )


def _ints(values: list[int]) -> Ints:
    return np.array(values, dtype=np.int64)


def _person_columns(units: Sequence[Unit], count: Ints) -> tuple[Ints, Ints, Ints, int]:
    """``person_list``, ``person_start``, ``person_keys`` and ``person_range``."""
    people, _, starts = flat([sorted(u.persons) for u in units])
    span = int(people.max()) + 1 if len(people) else 1
    keys: Ints = owners(count) * span + people
    return people, starts, keys, span


@dataclass(frozen=True)
class Scored:
    """The accepted pairs: ``left[k]`` and ``right[k]`` with their score and whether
    they were accepted although their places differ."""

    left: Ints
    right: Ints
    score: Floats
    places_differ: Bools


def score_pairs(f: Features, left: Ints, right: Ints, *, copies: bool = False) -> Scored:
    """Score the pairs ``(left[k], right[k])`` and keep the accepted ones, in input
    order. ``copies``: the pairs are copies of one report, so one source is allowed."""
    keep = f.call[left] == f.call[right]
    if not copies:
        keep &= f.source[left] != f.source[right]
    left, right = left[keep], right[keep]
    date, keep = _dates(f, left, right)
    left, right, date = left[keep], right[keep], date[keep]
    place = _places(f, left, right)
    overlap, shared = _people(f, left, right)
    named = (f.count[left] > 0) & (f.count[right] > 0)
    people = np.where(named, W_PEOPLE * overlap, 0.0)
    same_kind = f.kind[left] == f.kind[right]
    total = people + date + place + np.where(same_kind, W_KIND, 0.0)
    keep = total + 1.0 >= ACCEPT  # else not even identical titles would do
    left, right, total, date, place = left[keep], right[keep], total[keep], date[keep], place[keep]
    overlap, shared, named, people = overlap[keep], shared[keep], named[keep], people[keep]
    same_kind = same_kind[keep]
    title = _titles(f, left, right)
    total = total + title
    both_undated = ~f.dated[left] & ~f.dated[right]
    weak = both_undated | (~same_kind & (shared < 2))
    everyone = np.where(named, overlap == 1.0, (f.count[left] == 0) & (f.count[right] == 0))
    keep = (
        (total >= ACCEPT)
        & ~((place < 0) & ((date < W_DAY) | (people <= 0)))
        & ~((date < 0) & ((place <= 0) | (people <= 0)))
        & ~(named & (overlap < 1.0) & weak)
        & ~((date <= 0) & (place <= 0) & ((title < ANCHORLESS_TITLE) | ~everyone))
    )
    return Scored(left[keep], right[keep], total[keep], place[keep] < 0)


def _dates(f: Features, left: Ints, right: Ints) -> tuple[Floats, Bools]:
    """The date's weight, and whether the dates (or an undated text's month) allow the
    pair at all."""
    dated = f.dated[left] & f.dated[right]
    apart = np.maximum(f.lo[left], f.lo[right]) - np.minimum(f.hi[left], f.hi[right])
    precision = np.minimum(f.precision[left], f.precision[right])
    overlapping = np.choose(precision, [0.0, W_YEAR, W_MONTH, W_DAY])
    near = (apart <= NEAR_DAYS) & (f.precision[left] == 3) & (f.precision[right] == 3)
    weight = np.where(apart <= 0, overlapping, np.where(near, W_DATE_NEAR, 0.0))
    allowed = np.where(dated, (apart <= 0) | near, _hints_fit(f, left, right))
    return np.where(dated, weight, 0.0), allowed


def _hints_fit(f: Features, left: Ints, right: Ints) -> Bools:
    """An undated report whose text names a month fits only that month, both ways."""

    def fits(a: Ints, b: Ints) -> Bools:
        hint = f.hint[a]
        in_span = (f.months[b] >> hint) & 1 == 1
        same_hint = (f.hint[b] == 0) | (f.hint[b] == hint)
        fit: Bools = (hint == 0) | np.where(f.dated[b], in_span, same_hint)
        return fit

    return fits(left, right) & fits(right, left)


def _places(f: Features, left: Ints, right: Ints) -> Floats:
    """The place's weight: ``relate`` once per distinct pair of places."""
    a, b = f.place[left], f.place[right]
    both = (a >= 0) & (b >= 0)
    width = max(len(f.places), 1)
    codes, inverse = numbered(np.where(both, a * width + b, -1))
    places = f.places
    weights = np.array(
        [
            0.0 if code < 0 else W_PLACE[relate(places[code // width], places[code % width])]
            for code in codes.tolist()
        ],
        dtype=np.float64,
    )
    weight: Floats = weights[inverse]
    return weight


def _people(f: Features, left: Ints, right: Ints) -> tuple[Floats, Ints]:
    """How far the pair's people agree (-1 disjoint, else 0-1; meaningless when either
    names nobody), and how many they share."""
    la, lb = f.count[left], f.count[right]
    # Each person of the left unit, looked up among the right unit's (unit, person) keys.
    pair = owners(la)
    person = f.person_list[ranges(f.person_start[left], la)]
    _, found = find_sorted(f.person_keys, right[pair] * f.person_range + person)
    shared = np.bincount(pair[found], minlength=len(left)).astype(np.int64)
    union = np.maximum(la + lb - shared, 1)
    within = shared == np.minimum(la, lb)
    overlap: Floats = np.where(shared == 0, -1.0, np.where(within, 1.0, shared / union))
    return overlap, shared


def _titles(f: Features, left: Ints, right: Ints) -> Floats:
    """The title's weight of each pair (the rescaled token set ratio, see above): the
    ratio once per distinct pair of titles."""
    a, b = f.title[left], f.title[right]
    width = max(len(f.titles), 1)
    codes, inverse = numbered(a * width + b)
    first, second = np.divmod(codes, width)
    titles = f.titles
    ratio = np.empty(len(codes), dtype=np.float64)
    equal = first == second
    empty = np.array([not t for t in titles], dtype=np.bool_)
    ratio[equal] = np.where(empty[first[equal]], 0.0, 100.0)
    differ = ~equal
    ratio[differ] = np.fromiter(
        map(_ratio, first[differ].tolist(), second[differ].tolist(), repeat(titles)),
        dtype=np.float64,
        count=int(differ.sum()),
    )
    title: Floats = np.where(ratio > 50.0, (ratio - 50.0) / 50.0, 0.0)[inverse]
    return title


def _ratio(a: int, b: int, titles: list[str]) -> float:
    return _token_set_ratio(titles[a], titles[b])


_token_set_ratio = fuzz.token_set_ratio
