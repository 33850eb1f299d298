"""Array types and the array idioms clustering needs (numpy): runs of consecutive
positions, lists end to end, the pairs within or across segments of such lists, and
distinct values by sorting (``distinct``, ``numbered``, ``runs``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
T = TypeVar("T")


def ranges(starts: Ints, lengths: Ints) -> Ints:
    """``starts[k], starts[k] + 1, ..., starts[k] + lengths[k] - 1`` for every k, end to
    end (each run as ``np.arange`` would give it, without a Python loop)."""
    total = int(lengths.sum())
    run_starts = np.cumsum(lengths) - lengths
    offsets = np.arange(total, dtype=np.int64) - np.repeat(run_starts, lengths)
    out: Ints = np.repeat(starts, lengths) + offsets
    return out


def owners(lengths: Ints) -> Ints:
    """For lists of these lengths laid end to end: the list each item belongs to."""
    out: Ints = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    return out


def find_sorted(keys: Ints, wanted: Ints) -> tuple[Ints, Bools]:
    """Where each wanted value is in the sorted ``keys``, and whether it is there at all
    (where it is not, the position is meaningless)."""
    if not len(keys):
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=np.bool_)
    at: Ints = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    found: Bools = keys[at] == wanted
    return at, found


def numbers(values: Iterable[T], numbering: dict[T, int]) -> list[int]:
    """Each value's number in ``numbering``, numbering new values from its size on."""
    return [numbering.setdefault(v, len(numbering)) for v in values]


def flat(lists: list[list[int]]) -> tuple[Ints, Ints, Ints]:
    """The lists end to end, each list's length, and where each list starts."""
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    items = np.fromiter((i for one in lists for i in one), dtype=np.int64, count=int(lengths.sum()))
    starts: Ints = np.cumsum(lengths) - lengths
    return items, lengths, starts


def pairs_within(starts: Ints, sizes: Ints) -> tuple[Ints, Ints]:
    """Every pair of positions in each segment ``starts[k] ... starts[k] + sizes[k] - 1``,
    the earlier position first."""
    first = ranges(starts, sizes)
    # Each position pairs with the positions after it in its segment.
    after = np.repeat(starts + sizes, sizes) - first - 1
    return np.repeat(first, after), ranges(first + 1, after)


def pairs_across(a_starts: Ints, a_sizes: Ints, b_starts: Ints, b_sizes: Ints) -> tuple[Ints, Ints]:
    """Every position of segment k of one list with every position of segment k of
    another."""
    a = ranges(a_starts, a_sizes)
    # Each position of segment k meets all ``b_sizes[k]`` positions of the other.
    met = np.repeat(b_sizes, a_sizes)
    return np.repeat(a, met), ranges(np.repeat(b_starts, a_sizes), met)


# ``np.unique`` is not used: numpy 2.3 and later hash ints for it, fifty times slower than
# sorting for the codes clustering has, and it sorts again what is sorted already.


def _firsts(ordered: Ints) -> Bools:
    """Where each run of equal values of a sorted array starts."""
    first = np.ones(len(ordered), dtype=np.bool_)
    first[1:] = ordered[1:] != ordered[:-1]
    return first


def distinct(values: Ints) -> Ints:
    """The distinct values, sorted."""
    ordered = np.sort(values)
    out: Ints = ordered[_firsts(ordered)]
    return out


def numbered(values: Ints) -> tuple[Ints, Ints]:
    """The distinct values, sorted, and each value's place among them."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    first = _firsts(ordered)
    place = np.empty(len(values), dtype=np.int64)
    place[order] = np.cumsum(first) - 1
    out: Ints = ordered[first]
    return out, place


def runs(ordered: Ints) -> tuple[Ints, Ints, Ints]:
    """Of a sorted array: the distinct values, where each one's run starts, and its
    length."""
    starts = np.flatnonzero(_firsts(ordered)).astype(np.int64)
    sizes = np.diff(np.append(starts, len(ordered))).astype(np.int64)
    out: Ints = ordered[starts]
    return out, starts, sizes
