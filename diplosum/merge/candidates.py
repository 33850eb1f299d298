"""Candidate pairs for clustering: the reports worth scoring against each other.

Reports are blocked so that the work grows with the number of reports that share
people, not with the square of all reports. Blocks: every pair of people named (the
first ``MAX_PAIR_PEOPLE`` of a report); one person in a month (for month- or
day-precise reports, give or take ``NEAR_DAYS``); one person and a place word, and one
person alone for reports naming only one person (both only for reports without a
month-precise date: they probe the others); title words for reports naming nobody.
Blocks keyed by one person that exceed ``MAX_BLOCK`` are skipped as carrying too little
evidence (a person in every article); the pair blocks still cover them. Pairs whose
start years are more than one apart are left out (of every block but the small ones,
where ``score`` rejects them more cheaply).

Each block becomes its pairs as arrays (numpy), and the union of all of them is the
candidate list: each unordered pair once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from itertools import combinations
from typing import TYPE_CHECKING

import numpy as np

from diplosum.merge.arrays import Ints, flat, ranges
from diplosum.merge.dates import NEAR_DAYS, Span
from diplosum.merge.places import Place

if TYPE_CHECKING:
    from diplosum.merge.events import Unit

MAX_PAIR_PEOPLE = 8
MAX_MONTHS = 3
MAX_BLOCK = 1500
SMALL_BLOCK = 12
_NO_YEAR = -(10**6)

Key = tuple[object, ...]


@lru_cache(maxsize=65536)
def _months(span: Span) -> tuple[int, ...]:
    """The months (12 x year + month) a month- or day-precise span touches, give or take
    NEAR_DAYS."""
    first = date.fromordinal(span.lo - NEAR_DAYS)
    last = date.fromordinal(span.hi + NEAR_DAYS)
    out: list[int] = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month) and len(out) < MAX_MONTHS:
        out.append(12 * y + m)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


@lru_cache(maxsize=65536)
def _place_words(place: Place | None) -> tuple[str, ...]:
    """Words of a place finer than its country, or its country if that is all it has."""
    if place is None:
        return ()
    key = place.key
    fine = sorted(w for w in key if not w.startswith("#"))
    return tuple(fine or sorted(key))


class _Blocks:
    """Blocks whose members all pair with one another (``within``), and probing blocks
    whose asking units pair with one another and with the block's members."""

    def __init__(self) -> None:
        self.within: list[list[int]] = []
        self.asking: list[list[int]] = []
        self.members: list[list[int]] = []


def _blocks(units: Sequence[Unit]) -> _Blocks:
    # Blocks keyed by numbers: people are numbered from 0, so ``x * count + y`` is a
    # pair of people and ``month * count + p`` a person in a month.
    count = 1 + max((p for u in units for p in u.persons), default=0)
    pairs_of: dict[int, list[int]] = defaultdict(list)
    in_month: dict[int, list[int]] = defaultdict(list)
    probes: dict[Key, list[int]] = defaultdict(list)
    members: dict[Key, list[int]] = defaultdict(list)
    people_of: list[list[int]] = []
    places_of: list[tuple[str, ...]] = []
    precise_of: list[bool] = []
    for i, u in enumerate(units):
        people = sorted(u.persons)
        if len(people) == 2:
            pairs_of[people[0] * count + people[1]].append(i)
        elif len(people) > 2:
            for x, y in combinations(people[:MAX_PAIR_PEOPLE], 2):
                pairs_of[x * count + y].append(i)
        span = u.span
        precise = span is not None and span.precision >= 2
        if precise:
            assert span is not None
            for month in _months(span):
                base = month * count
                for p in people:
                    in_month[base + p].append(i)
        places = _place_words(u.place)
        if places and not precise:
            for p in people:
                for w in places:
                    probes[("pl", p, w)].append(i)
        if len(people) == 1:
            probes[("p", people[0])].append(i)
        elif not people:
            for w in u.title_words:
                probes[("t", w)].append(i)
        people_of.append(people)
        places_of.append(places)
        precise_of.append(precise)
    # Members only where some unit probes: most keys have no probe.
    probed = {key[1] for key in probes if key[0] != "t"}
    titles = any(key[0] == "t" for key in probes)
    for i, people in enumerate(people_of):
        if people and titles:
            for w in units[i].title_words:
                key: Key = ("t", w)
                if key in probes:
                    members[key].append(i)
        if probed.isdisjoint(people):
            continue
        if precise_of[i]:
            for p in people:
                if p in probed:
                    for w in places_of[i]:
                        key = ("pl", p, w)
                        if key in probes:
                            members[key].append(i)
        if len(people) > 1:
            for p in people:
                key = ("p", p)
                if key in probes:
                    members[key].append(i)
    out = _Blocks()
    out.within += [b for b in pairs_of.values() if len(b) > 1]
    out.within += [b for b in in_month.values() if 1 < len(b) <= MAX_BLOCK]
    for key, asking in probes.items():
        everyone = members.get(key, [])
        n = len(everyone) + len(asking)
        if n > 1 and (key[0] == "t" or n <= MAX_BLOCK):
            out.asking.append(asking)
            out.members.append(everyone)
    return out


def candidate_pairs(units: Sequence[Unit]) -> tuple[Ints, Ints]:
    """Every candidate pair once, as ``(left, right)`` with ``left < right``, sorted."""
    blocks = _blocks(units)
    years = np.array(
        [u.span.start.year if u.span is not None else _NO_YEAR for u in units], dtype=np.int64
    )
    small = [b for b in blocks.within if len(b) <= SMALL_BLOCK]
    large = [b for b in blocks.within if len(b) > SMALL_BLOCK]
    found = [
        _all_pairs(small),
        _near(years, *_all_pairs(large)),
        _near(years, *_all_pairs(blocks.asking)),
        _near(years, *_cross_pairs(blocks.asking, blocks.members)),
    ]
    left = np.concatenate([f[0] for f in found])
    right = np.concatenate([f[1] for f in found])
    low, high = np.minimum(left, right), np.maximum(left, right)
    codes = np.unique(low * max(len(units), 1) + high)
    return np.divmod(codes, max(len(units), 1))


def _all_pairs(blocks: list[list[int]]) -> tuple[Ints, Ints]:
    """Every pair of members of each block (the later member second)."""
    members, sizes, starts = flat(blocks)
    position = np.arange(len(members), dtype=np.int64)
    # Member k of a block pairs with the members after it: ``after`` of them.
    after = np.repeat(starts + sizes, sizes) - position - 1
    return members[np.repeat(position, after)], members[ranges(position + 1, after)]


def _cross_pairs(asking: list[list[int]], members: list[list[int]]) -> tuple[Ints, Ints]:
    """Every asking unit of each block with every member of the same block."""
    ask, ask_sizes, _ = flat(asking)
    them, them_sizes, them_starts = flat(members)
    # Each asking unit meets all its block's members.
    met = np.repeat(them_sizes, ask_sizes)
    return np.repeat(ask, met), them[ranges(np.repeat(them_starts, ask_sizes), met)]


def _near(years: Ints, left: Ints, right: Ints) -> tuple[Ints, Ints]:
    """The pairs whose start years are at most one apart (an undated unit is near all)."""
    a, b = years[left], years[right]
    keep = (a == _NO_YEAR) | (b == _NO_YEAR) | (np.abs(a - b) <= 1)
    return left[keep], right[keep]
