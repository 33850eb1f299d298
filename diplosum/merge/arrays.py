"""Array types and the one array idiom clustering needs (numpy)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


def ranges(starts: Ints, lengths: Ints) -> Ints:
    """``starts[k], starts[k] + 1, ..., starts[k] + lengths[k] - 1`` for every k, end to
    end (each run as ``np.arange`` would give it, without a Python loop)."""
    total = int(lengths.sum())
    run_starts = np.cumsum(lengths) - lengths
    offsets = np.arange(total, dtype=np.int64) - np.repeat(run_starts, lengths)
    out: Ints = np.repeat(starts, lengths) + offsets
    return out


def flat(lists: list[list[int]]) -> tuple[Ints, Ints, Ints]:
    """The lists end to end, each list's length, and where each list starts."""
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    items = np.fromiter((i for one in lists for i in one), dtype=np.int64, count=int(lengths.sum()))
    starts: Ints = np.cumsum(lengths) - lengths
    return items, lengths, starts
