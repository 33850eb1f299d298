"""Geometry of the HTML brief's timeline: a date axis, events packed into lanes, and a
row of undated events. Pure arithmetic on partial ISO dates; the SVG is drawn by a
template from the ``Layout`` returned here.

A partial date is drawn as the period it names ("2023-06" covers June, "2021" the whole
year). Lanes are packed by the space a mark takes on screen (bar and label), so two
marks never overlap even when the axis squeezes far-apart dates together.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal

from diplosum.merge.dates import Span, parse_span

WIDTH = 960.0
MARGIN = 16.0
BAR_HEIGHT = 10.0
LANE_HEIGHT = 34.0
AXIS_HEIGHT = 36.0
UNDATED_HEADER = 26.0
MIN_BAR = 6.0
GAP = 10.0
LABEL_CHARS = 34
# Average advance of a 12px sans-serif glyph; only used to keep labels from colliding.
CHAR_WIDTH = 6.6
_MIN_DAYS = 30
_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


@dataclass(frozen=True)
class Item:
    """One event to place: ``key`` identifies it to the caller (the event's index)."""

    key: int
    label: str
    start: str | None
    end: str | None


@dataclass(frozen=True)
class Mark:
    key: int
    x: float
    y: float
    width: float
    lane: int
    precise: bool
    label: str
    label_x: float
    label_y: float
    anchor: Literal["start", "end"]
    when: str


@dataclass(frozen=True)
class Tick:
    x: float
    label: str


@dataclass(frozen=True)
class Layout:
    width: float
    height: float
    axis_y: float
    ticks: list[Tick]
    marks: list[Mark]
    undated: list[Mark]
    undated_y: float | None
    lanes: int


def truncate(text: str, limit: int = LABEL_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def describe(span: Span) -> str:
    """ "2024-08-27 – 2024-08-29", "2023-06" for a whole month, "2021" for a year."""
    if span.end is None:
        return span.start.iso()
    return f"{span.start.iso()} – {span.end.iso()}"


def _text_width(text: str) -> float:
    return len(text) * CHAR_WIDTH


def layout(items: Sequence[Item], width: float = WIDTH) -> Layout:
    """Place every item: dated ones on the axis, the rest (no or unreadable date) below."""
    spans = [(item, parse_span(item.start, item.end)) for item in items]
    dated = [(item, span) for item, span in spans if span is not None]
    undated = [item for item, span in spans if span is None]

    inner = width - 2 * MARGIN
    lo, hi = _domain([span for _, span in dated])
    scale = inner / (hi - lo)

    def x_of(ordinal: float) -> float:
        return MARGIN + (ordinal - lo) * scale

    ticks = [Tick(x_of(o), text) for o, text in _ticks(lo, hi)]
    top = AXIS_HEIGHT
    marks: list[Mark] = []
    lane_ends: list[float] = []
    placed = sorted(dated, key=lambda pair: (pair[1].lo, pair[1].hi, pair[0].key))
    for item, span in placed:
        x = x_of(span.lo)
        bar = max(MIN_BAR, x_of(span.hi + 1) - x)
        label = truncate(item.label)
        label_w = _text_width(label)
        if x + label_w <= width - MARGIN:
            anchor: Literal["start", "end"] = "start"
            label_x, left, right = x, x, max(x + bar, x + label_w)
        else:
            anchor, label_x = "end", min(x + bar, width - MARGIN)
            left, right = min(x, label_x - label_w), max(x + bar, label_x)
        lane = next((i for i, end in enumerate(lane_ends) if end + GAP <= left), len(lane_ends))
        if lane == len(lane_ends):
            lane_ends.append(right)
        else:
            lane_ends[lane] = right
        y = top + lane * LANE_HEIGHT
        precise = span.precision == 3 and (span.end is None or span.end.precision == 3)
        marks.append(
            Mark(
                key=item.key,
                x=x,
                y=y,
                width=bar,
                lane=lane,
                precise=precise,
                label=label,
                label_x=label_x,
                label_y=y + BAR_HEIGHT + 14,
                anchor=anchor,
                when=describe(span),
            )
        )
    marks.sort(key=lambda m: m.key)
    bottom = top + max(1, len(lane_ends)) * LANE_HEIGHT

    undated_marks: list[Mark] = []
    undated_y: float | None = None
    if undated:
        undated_y = bottom + 8
        row, cursor = 0, MARGIN
        for item in undated:
            label = truncate(item.label)
            w = _text_width(label) + 14
            if cursor > MARGIN and cursor + w > width - MARGIN:
                row, cursor = row + 1, MARGIN
            y = undated_y + UNDATED_HEADER + row * LANE_HEIGHT
            undated_marks.append(
                Mark(
                    key=item.key,
                    x=cursor,
                    y=y,
                    width=MIN_BAR,
                    lane=row,
                    precise=False,
                    label=label,
                    label_x=cursor + 14,
                    label_y=y + BAR_HEIGHT - 0.5,
                    anchor="start",
                    when="undated",
                )
            )
            cursor += w + GAP * 2
        bottom = undated_y + UNDATED_HEADER + (row + 1) * LANE_HEIGHT
    return Layout(
        width=width,
        height=bottom + 4,
        axis_y=top - 12,
        ticks=ticks,
        marks=marks,
        undated=undated_marks,
        undated_y=undated_y,
        lanes=len(lane_ends),
    )


def _domain(spans: Sequence[Span]) -> tuple[float, float]:
    """Day ordinals of the axis ends: every span, padded a little, at least a month wide."""
    if not spans:
        today_free = date(2000, 1, 1).toordinal()  # any fixed day: the axis is empty
        return today_free, today_free + _MIN_DAYS
    lo = min(s.lo for s in spans)
    hi = max(s.hi for s in spans) + 1
    if hi - lo < _MIN_DAYS:
        mid = (lo + hi) / 2
        lo, hi = int(mid - _MIN_DAYS / 2), int(mid + _MIN_DAYS / 2)
        # Widening around a day at either end of the calendar must stay inside it.
        end = date.max.toordinal() + 1
        lo, hi = max(1, min(lo, end - _MIN_DAYS)), min(end, max(hi, 1 + _MIN_DAYS))
    return _snap(lo, hi)


def _snap(lo: int, hi: int) -> tuple[float, float]:
    """Widen [lo, hi) to whole years (or months) so that both ends carry a tick."""
    top_ordinal = date.max.toordinal() + 1
    first = date.fromordinal(lo)
    last = date.fromordinal(min(hi, date.max.toordinal()))
    if hi - lo > 3 * 365:
        step = _nice((hi - lo) / 365.25 / 10)
        end = last.year if hi == date(last.year, 1, 1).toordinal() else last.year + 1
        end += -end % step
        top = top_ordinal if end > date.max.year else date(end, 1, 1).toordinal()
        return date(max(1, first.year - first.year % step), 1, 1).toordinal(), top
    if hi - lo > 75:
        y, m = last.year, last.month
        if hi != date(y, m, 1).toordinal():
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        top = top_ordinal if y > date.max.year else date(y, m, 1).toordinal()
        return date(first.year, first.month, 1).toordinal(), top
    return lo, hi


def _ticks(lo: float, hi: float, most: int = 10) -> list[tuple[int, str]]:
    """Tick marks at year, month or day starts, spaced so at most ``most`` fit."""
    days = hi - lo
    first = date.fromordinal(max(1, int(lo)))
    last = date.fromordinal(min(date.max.toordinal(), int(hi)))
    out: list[tuple[int, str]] = []
    if days > 3 * 365:
        step = _nice(days / 365.25 / most)
        for year in range(first.year - first.year % step, last.year + 1, step):
            year = max(1, year)  # there is no year 0: the first tick of 0-999 is 0001
            out.append((date(year, 1, 1).toordinal(), f"{year:04d}"))
    elif days > 75:
        step = max(1, round(days / 30.4 / most))
        for step_ok in (1, 2, 3, 6, 12):
            if step_ok >= step:
                step = step_ok
                break
        y, m = first.year, first.month
        while (y, m) <= (last.year, last.month):
            if (m - 1) % step == 0:
                label = f"{y}" if m == 1 else f"{_MONTHS[m - 1]} {y}"
                out.append((date(y, m, 1).toordinal(), label))
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    else:
        step = max(1, int(days // most) + 1)
        for ordinal in range(first.toordinal(), last.toordinal() + 1):
            if (ordinal - first.toordinal()) % step == 0:
                d = date.fromordinal(ordinal)
                out.append((ordinal, f"{d.day} {_MONTHS[d.month - 1]}"))
    return [(o, text) for o, text in out if lo <= o <= hi]


def _nice(value: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50, ... at least ``value``."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10
