"""Partial ISO dates ("2024", "2024-08", "2024-08-27"): parse, compare, combine, order.

A partial date stands for the whole period it names, so "2024" and "2024-08-27" are
compatible and the second is the more precise. An event's date is a ``Span`` from its
start to its end (or to the end of its start's period when it has no end).
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime
from functools import lru_cache

_ISO = re.compile(r"^\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?(?:$|[T\s])")
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS |= {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS["sept"] = 9
_MONTH_WORD = re.compile(r"\b(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b\.?")

# Two day-precise dates this close may be one event misdated by a source.
NEAR_DAYS = 3


@dataclass(frozen=True, order=True)
class PartialDate:
    year: int
    month: int | None = None
    day: int | None = None
    # Ordinals of the first and last day of the period, computed once.
    first: int = field(init=False, compare=False, repr=False)
    last: int = field(init=False, compare=False, repr=False)
    _hash: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.year, self.month, self.day)))
        first = date(self.year, self.month or 1, self.day or 1).toordinal()
        if self.day is not None:
            last = first
        else:
            month = self.month or 12
            end = calendar.monthrange(self.year, month)[1]
            last = date(self.year, month, end).toordinal()
        object.__setattr__(self, "first", first)
        object.__setattr__(self, "last", last)

    def __hash__(self) -> int:
        return self._hash

    @property
    def precision(self) -> int:
        """1 for a year, 2 for a month, 3 for a day."""
        return 1 if self.month is None else 2 if self.day is None else 3

    def iso(self) -> str:
        if self.month is None:
            return f"{self.year:04d}"
        if self.day is None:
            return f"{self.year:04d}-{self.month:02d}"
        return f"{self.year:04d}-{self.month:02d}-{self.day:02d}"


@lru_cache(maxsize=8192)
def parse_date(text: str | None) -> PartialDate | None:
    """Parse a partial ISO date (time part ignored); None when absent or invalid."""
    if text is None:
        return None
    match = _ISO.match(text)
    if match is None:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        if day is not None:
            date(year, month or 1, day)
        elif month is not None and not 1 <= month <= 12:
            return None
    except ValueError:
        return None
    if year < 1:
        return None
    return PartialDate(year, month, day)


def parse_published(text: str | None) -> PartialDate | None:
    """A source's publication date: ISO 8601 or RFC 2822 (feeds); None when unreadable."""
    parsed = parse_date(text)
    if parsed is not None or text is None:
        return parsed
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    return PartialDate(moment.year, moment.month, moment.day)


@dataclass(frozen=True)
class Span:
    """An event's date: ``start`` and optional ``end``, as reported by one source."""

    start: PartialDate
    end: PartialDate | None = None

    lo: int = field(init=False, compare=False, repr=False)
    hi: int = field(init=False, compare=False, repr=False)
    precision: int = field(init=False, compare=False, repr=False)
    # ``rank()`` negated, and ``value()``: spans are few and compared often.
    neg_rank: tuple[int, int, int] = field(init=False, compare=False, repr=False)
    _value: str = field(init=False, compare=False, repr=False)
    _hash: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "lo", self.start.first)
        object.__setattr__(self, "hi", (self.end or self.start).last)
        object.__setattr__(self, "precision", self.start.precision)
        object.__setattr__(self, "_hash", hash((self.start, self.end)))
        rank = self.rank()
        object.__setattr__(self, "neg_rank", (-rank[0], -rank[1], -rank[2]))
        if self.end is None or self.end == self.start:
            value = self.start.iso()
        else:
            value = f"{self.start.iso()}/{self.end.iso()}"
        object.__setattr__(self, "_value", value)

    def __hash__(self) -> int:
        return self._hash

    def value(self) -> str:
        """ "2024-08-27/2024-08-29" for a range, "2024-08" for a single period."""
        return self._value

    def rank(self) -> tuple[int, int, int]:
        """Higher is more informative: start precision, has an end, end precision."""
        return (self.precision, self.end is not None, self.end.precision if self.end else 0)


@lru_cache(maxsize=1 << 16)
def parse_span(start: str | None, end: str | None) -> Span | None:
    """A span from two partial dates; an end before the start is ignored."""
    first = parse_date(start)
    if first is None:
        return None
    last = parse_date(end)
    if last is not None and (last.last < first.first or last == first):
        last = None
    return Span(first, last)


def gap(a: Span, b: Span) -> int:
    """Days between two spans; 0 or less when they overlap."""
    return max(a.lo, b.lo) - min(a.hi, b.hi)


def month_hint(date_text: str | None) -> int | None:
    """The first month named in free text ("in April" -> 4), for undated events."""
    if not date_text:
        return None
    match = _MONTH_WORD.search(date_text.lower())
    return _MONTHS[match.group(1)] if match else None


def window_has_month(lo: int, hi: int, month: int) -> bool:
    """Could the days ``lo``-``hi`` (ordinals) fall in the given month of some year?"""
    return bool(window_months(lo, hi) >> month & 1)


_EVERY_MONTH = sum(1 << m for m in range(1, 13))


@lru_cache(maxsize=1 << 16)
def window_months(lo: int, hi: int) -> int:
    """The months the days ``lo``-``hi`` (ordinals) touch, as bits: bit m for month m."""
    if hi - lo >= 365:
        return _EVERY_MONTH
    start, end = date.fromordinal(lo), date.fromordinal(hi)
    y, m = start.year, start.month
    months = 0
    while (y, m) <= (end.year, end.month):
        months |= 1 << m
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def group_spans(spans: Iterable[Span]) -> list[list[Span]]:
    """Split spans into groups that all overlap within a group, in date order."""
    groups: list[list[Span]] = []
    bound = 0
    spans = list(spans)
    if len(spans) == 1:
        return [spans]
    for span in sorted(spans, key=lambda s: (s.lo, s.hi, s.value())):
        if groups and span.lo <= bound:
            groups[-1].append(span)
            bound = min(bound, span.hi)
        else:
            groups.append([span])
            bound = span.hi
    return groups


def best_span(spans: Sequence[Span]) -> Span:
    """The most informative span; ties go to the most repeated, then the earliest."""
    counts: dict[Span, int] = {}
    for span in spans:
        counts[span] = counts.get(span, 0) + 1
    if len(counts) == 1:
        return spans[0]
    return min(counts, key=lambda s: (s.neg_rank, -counts[s], s.lo, s.hi, s._value))


def timeline_key(span: Span | None) -> tuple[int, int, int, int]:
    """Dated events first, oldest start first; a coarser date before a finer one on a tie."""
    if span is None:
        return (1, 0, 0, 0)
    return (0, span.lo, span.precision, span.hi)
