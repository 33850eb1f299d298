"""The array idioms clustering is built on, against the plain Python they stand for."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from diplosum.merge.arrays import (
    Ints,
    distinct,
    flat,
    numbered,
    pairs_across,
    pairs_within,
    ranges,
    runs,
)

lists = st.lists(st.lists(st.integers(-50, 50), max_size=6), max_size=8)
sizes = st.lists(st.integers(0, 5), max_size=8)


def _ints(values: list[int]) -> Ints:
    return np.array(values, dtype=np.int64)


def _segments(lengths: list[int]) -> tuple[Ints, Ints]:
    """Segments laid end to end with a gap of one position between them."""
    starts = [sum(lengths[:k]) + k for k in range(len(lengths))]
    return _ints(starts), _ints(lengths)


@given(lists)
def test_flat_lays_lists_end_to_end(values: list[list[int]]) -> None:
    items, lengths, starts = flat(values)
    assert items.tolist() == [i for one in values for i in one]
    assert lengths.tolist() == [len(one) for one in values]
    assert [items[s : s + n].tolist() for s, n in zip(starts, lengths, strict=True)] == values


@given(sizes)
def test_ranges_are_aranges_end_to_end(lengths: list[int]) -> None:
    starts, counts = _segments(lengths)
    expected = [i for s, n in zip(starts, lengths, strict=True) for i in range(s, s + n)]
    assert ranges(starts, counts).tolist() == expected


@given(sizes)
def test_pairs_within_is_every_pair_of_each_segment(lengths: list[int]) -> None:
    starts, counts = _segments(lengths)
    first, second = pairs_within(starts, counts)
    expected = [
        pair
        for s, n in zip(starts.tolist(), lengths, strict=True)
        for pair in combinations(range(s, s + n), 2)
    ]
    assert list(zip(first.tolist(), second.tolist(), strict=True)) == expected


@given(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), max_size=6))
def test_pairs_across_is_each_segment_against_its_partner(shape: list[tuple[int, int]]) -> None:
    a_starts, a_sizes = _segments([a for a, _ in shape])
    b_starts, b_sizes = _segments([b for _, b in shape])
    b_starts = b_starts + 1000  # another list: positions that cannot be confused
    first, second = pairs_across(a_starts, a_sizes, b_starts, b_sizes)
    expected = [
        (x, y)
        for sa, na, sb, nb in zip(
            a_starts.tolist(), a_sizes.tolist(), b_starts.tolist(), b_sizes.tolist(), strict=True
        )
        for x in range(sa, sa + na)
        for y in range(sb, sb + nb)
    ]
    assert list(zip(first.tolist(), second.tolist(), strict=True)) == expected


@given(st.lists(st.integers(-(10**12), 10**12), max_size=40))
def test_distinct_numbered_and_runs_agree_with_sorted_set(values: list[int]) -> None:
    array = _ints(values)
    unique = sorted(set(values))
    assert distinct(array).tolist() == unique
    got, place = numbered(array)
    assert got.tolist() == unique
    assert [unique[p] for p in place.tolist()] == values
    keys, starts, lengths = runs(np.sort(array))
    assert keys.tolist() == unique
    assert lengths.tolist() == [values.count(v) for v in unique]
    assert starts.tolist() == [sum(values.count(u) for u in unique[:k]) for k in range(len(unique))]
