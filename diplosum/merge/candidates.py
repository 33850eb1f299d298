"""Candidate pairs for clustering: the reports worth scoring against each other.

Reports are blocked so that the work grows with the number of reports that share
people, not with the square of all reports. Blocks: every pair of people named (the
first ``MAX_PAIR_PEOPLE`` of a report); one person in a month (for month- or
day-precise reports, give or take ``NEAR_DAYS``). Probing blocks, where the probing
reports pair with one another and with the block's members: one person and a place word
(probed by reports without a month-precise date, members those with one); one person
(probed by reports naming only that person, members those naming several); a title word
(probed by reports naming nobody, members those naming someone). Blocks keyed by one
person (with a month, a place word or alone) that exceed ``MAX_BLOCK`` are skipped as
carrying too little evidence (a person in every article); the pair blocks still cover
them. Pairs whose start years are more than one apart are left out, except in pair and
month blocks of at most ``SMALL_BLOCK`` reports, which are taken whole.

Each block becomes its pairs as arrays (numpy), and the union of all of them is the
candidate list: each unordered pair once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from diplosum.merge.arrays import (
    Ints,
    distinct,
    find_sorted,
    flat,
    numbers,
    owners,
    pairs_across,
    pairs_within,
    ranges,
    runs,
)
from diplosum.merge.dates import NEAR_DAYS, Span
from diplosum.merge.places import Place
from diplosum.merge.scoring import Features

if TYPE_CHECKING:
    from diplosum.merge.events import Unit

MAX_PAIR_PEOPLE = 8
MAX_MONTHS = 3
MAX_BLOCK = 1500
SMALL_BLOCK = 12
_NO_YEAR = -(10**6)
_NO_LIMIT = 1 << 62
_LAST_DAY = date.max.toordinal()


@lru_cache(maxsize=65536)
def _months(span: Span) -> tuple[int, ...]:
    """The months (12 x year + month) a month- or day-precise span touches, give or take
    NEAR_DAYS."""
    # Within the calendar: a date in the first or last days of it is valid.
    first = date.fromordinal(max(span.lo - NEAR_DAYS, 1))
    last = date.fromordinal(min(span.hi + NEAR_DAYS, _LAST_DAY))
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


def candidate_pairs(units: Sequence[Unit], features: Features) -> tuple[Ints, Ints]:
    """Every candidate pair once, as ``(left, right)`` with ``left < right``, sorted."""
    f = features
    people, people_start, count = f.person_list, f.person_start, f.count
    owner = owners(count)
    precise = f.dated & (f.precision >= 2)
    years = np.array(
        [u.span.start.year if u.span is not None else _NO_YEAR for u in units], dtype=np.int64
    )
    found: list[tuple[Ints, Ints]] = []

    def within(keys: Ints, members: Ints, limit: int) -> None:
        """Blocks whose members all pair with one another: up to ``limit`` members."""
        members, _, starts, sizes = _group(keys, members)
        sizes = np.where(sizes <= limit, sizes, 0)
        small = sizes <= SMALL_BLOCK
        first, second = pairs_within(starts[small], sizes[small])
        found.append((members[first], members[second]))
        first, second = pairs_within(starts[~small], sizes[~small])
        found.append(_near(years, members[first], members[second]))

    # Pairs of people (the first few of each report).
    first, second = pairs_within(people_start, np.minimum(count, MAX_PAIR_PEOPLE))
    within(people[first] * f.person_range + people[second], owner[first], _NO_LIMIT)
    # One person in a month.
    months, month_count, month_start = flat(
        [
            list(_months(u.span)) if ok and u.span else []
            for u, ok in zip(units, precise.tolist(), strict=True)
        ]
    )
    at_month, person = pairs_across(month_start, month_count, people_start, count)
    within(months[at_month] * f.person_range + people[person], owner[person], MAX_BLOCK)
    # Probes: a person and a place word, a lone person, a title word.
    # Words per distinct place and title (``features`` numbers them), then per unit.
    place_words = _numbered_words([_place_words(p) for p in f.places])
    words, word_count, word_start = _lists_of(f.place, place_words)
    word_range = int(words.max()) + 1 if len(words) else 1
    asking = np.where(precise, 0, word_count)
    member = np.where(precise, word_count, 0)
    person, word = pairs_across(people_start, count, word_start, asking)
    ask = (people[person] * word_range + words[word], owner[person])
    person, word = pairs_across(people_start, count, word_start, member)
    found += _probe_pairs(
        ask, (people[person] * word_range + words[word], owner[person]), years, True
    )
    alone = ranges(people_start, np.where(count == 1, 1, 0))
    several = ranges(people_start, np.where(count > 1, count, 0))
    found += _probe_pairs(
        (people[alone], owner[alone]), (people[several], owner[several]), years, True
    )
    # The title's content words: ``Unit.title`` is them sorted and joined by spaces.
    title_words = _numbered_words([t.split() for t in f.titles])
    titles, title_count, title_start = _lists_of(f.title, title_words)
    title_owner = owners(title_count)
    nobody = ranges(title_start, np.where(count == 0, title_count, 0))
    named = ranges(title_start, np.where(count > 0, title_count, 0))
    found += _probe_pairs(
        (titles[nobody], title_owner[nobody]), (titles[named], title_owner[named]), years, False
    )
    left = np.concatenate([pair[0] for pair in found])
    right = np.concatenate([pair[1] for pair in found])
    low, high = np.minimum(left, right), np.maximum(left, right)
    width = max(len(units), 1)
    codes = distinct(low * width + high)
    return np.divmod(codes, width)


def _numbered_words(lists: Sequence[Iterable[str]]) -> list[list[int]]:
    """Each list's words as numbers, one number per distinct word."""
    numbering: dict[str, int] = {}
    return [numbers(words, numbering) for words in lists]


def _lists_of(ids: Ints, lists: list[list[int]]) -> tuple[Ints, Ints, Ints]:
    """``flat`` of each unit's list, where unit k has ``lists[ids[k]]`` (none for -1)."""
    items, lengths, starts = flat(lists)
    has = ids >= 0
    if not lists or not has.any():
        return items[:0], np.zeros(len(ids), dtype=np.int64), np.zeros(len(ids), dtype=np.int64)
    which = np.where(has, ids, 0)
    count = np.where(has, lengths[which], 0)
    first: Ints = np.cumsum(count) - count
    return items[ranges(starts[which], count)], count, first


def _group(keys: Ints, members: Ints) -> tuple[Ints, Ints, Ints, Ints]:
    """The members sorted by key (in their order within a key), the distinct keys, and
    where each key's members start and how many they are."""
    order = np.argsort(keys, kind="stable")
    unique, starts, sizes = runs(keys[order])
    return members[order], unique, starts, sizes


def _probe_pairs(
    asking: tuple[Ints, Ints], members: tuple[Ints, Ints], years: Ints, capped: bool
) -> list[tuple[Ints, Ints]]:
    """Probing blocks: each key's asking units pair with one another and with the key's
    members (the units under a key that nobody asks are ignored). ``capped``: blocks of
    more than ``MAX_BLOCK`` units are skipped."""
    ask, keys, ask_starts, ask_sizes = _group(*asking)
    probed = np.isin(members[0], keys)
    them, member_keys, them_starts, them_sizes = _group(members[0][probed], members[1][probed])
    at, has = find_sorted(member_keys, keys)
    them_sizes = np.where(has, them_sizes[at] if len(them_sizes) else 0, 0)
    them_starts = np.where(has, them_starts[at] if len(them_starts) else 0, 0)
    total = ask_sizes + them_sizes
    keep = total > 1
    if capped:
        keep &= total <= MAX_BLOCK
    first, second = pairs_within(ask_starts[keep], ask_sizes[keep])
    a, b = pairs_across(ask_starts[keep], ask_sizes[keep], them_starts[keep], them_sizes[keep])
    return [_near(years, ask[first], ask[second]), _near(years, ask[a], them[b])]


def _near(years: Ints, left: Ints, right: Ints) -> tuple[Ints, Ints]:
    """The pairs whose start years are at most one apart (an undated unit is near all)."""
    a, b = years[left], years[right]
    keep = (a == _NO_YEAR) | (b == _NO_YEAR) | (np.abs(a - b) <= 1)
    return left[keep], right[keep]
