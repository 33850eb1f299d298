"""The HTML timeline's geometry (diplosum.render.timeline): pure arithmetic."""

from __future__ import annotations

import itertools

from hypothesis import given
from hypothesis import strategies as st

from diplosum.render.timeline import (
    CHAR_WIDTH,
    MARGIN,
    MIN_BAR,
    WIDTH,
    Item,
    Layout,
    Mark,
    layout,
    truncate,
)


def _items(*dates: tuple[str | None, str | None]) -> list[Item]:
    return [Item(i, f"event {i}", start, end) for i, (start, end) in enumerate(dates)]


def _extent(mark: Mark) -> tuple[float, float]:
    label = len(mark.label) * CHAR_WIDTH
    if mark.anchor == "start":
        return mark.x, max(mark.x + mark.width, mark.label_x + label)
    return min(mark.x, mark.label_x - label), max(mark.x + mark.width, mark.label_x)


def _assert_no_overlap(result: Layout) -> None:
    by_lane: dict[int, list[tuple[float, float]]] = {}
    for mark in result.marks:
        by_lane.setdefault(mark.lane, []).append(_extent(mark))
    for extents in by_lane.values():
        extents.sort()
        for (_, right), (left, _) in itertools.pairwise(extents):
            assert right < left


def test_overlapping_events_get_lanes_and_distant_ones_share_a_lane() -> None:
    result = layout(
        _items(
            ("2024-08-27", "2024-08-29"),
            ("2024-08-28", None),
            ("2020-01-05", None),
            ("2024-08", None),
        )
    )
    lanes = {m.key: m.lane for m in result.marks}
    assert lanes[0] != lanes[1] and lanes[3] not in (lanes[0], lanes[1])
    assert lanes[2] == 0
    assert result.lanes == 3
    assert {m.key for m in result.marks} == {0, 1, 2, 3}
    _assert_no_overlap(result)


def test_partial_dates_are_drawn_as_the_period_they_name() -> None:
    result = layout(_items(("2021", None), ("2023-06", None), ("2023-06-18", "2023-06-19")))
    year, month, days = sorted(result.marks, key=lambda m: m.key)
    assert year.width > 10 * month.width
    assert month.width > 10 * MIN_BAR / 2  # June is 30 days, not a point
    assert not year.precise and not month.precise and days.precise
    assert year.when == "2021" and month.when == "2023-06"
    assert days.when == "2023-06-18 – 2023-06-19"
    assert month.x < days.x < month.x + month.width  # June 18 falls inside June


def test_undated_and_unreadable_dates_get_their_own_row() -> None:
    result = layout(_items(("2024-05-01", None), (None, None), ("next week", None), ("", "")))
    assert [m.key for m in result.marks] == [0]
    assert [m.key for m in result.undated] == [1, 2, 3]
    assert result.undated_y is not None
    assert all(m.y > result.undated_y for m in result.undated)
    assert all(m.when == "undated" for m in result.undated)
    assert result.height > max(m.y for m in result.undated)


def test_no_events_and_no_dated_events() -> None:
    empty = layout([])
    assert empty.marks == [] and empty.undated == [] and empty.undated_y is None
    only_undated = layout(_items((None, None)))
    assert only_undated.marks == [] and len(only_undated.undated) == 1


def test_extreme_dates_stay_on_the_canvas() -> None:
    result = layout(_items(("0001-01-01", None), ("9999-12-31", None), ("2024-08-27", None)))
    assert len(result.marks) == 3
    for mark in result.marks:
        assert mark.x >= 0 and mark.x + mark.width <= WIDTH
    labels = [t.label for t in result.ticks]
    assert labels[0] == "0001" and 2 <= len(labels) <= 12
    _assert_no_overlap(result)


def test_ticks_follow_the_span_of_the_dates() -> None:
    years = layout(_items(("2021-03", None), ("2024-08-29", None))).ticks
    assert [t.label for t in years] == ["2021", "2022", "2023", "2024", "2025"]
    assert [t.x for t in years] == sorted(t.x for t in years)
    assert years[0].x == MARGIN and years[-1].x == WIDTH - MARGIN
    months = [t.label for t in layout(_items(("2024-02-10", "2024-06-03"))).ticks]
    assert months[0] == "Feb 2024" and "Apr 2024" in months
    days = [t.label for t in layout(_items(("2024-08-27", "2024-08-29"))).ticks]
    assert days and all(label.split()[1] in ("Aug", "Sep") for label in days)


def test_long_titles_are_truncated_and_late_labels_end_at_the_mark() -> None:
    assert truncate("x" * 50) == "x" * 33 + "…"
    result = layout(_items(("2020", None), ("2024-12-31", None)))
    late = next(m for m in result.marks if m.key == 1)
    assert late.anchor == "end" and late.label_x <= WIDTH - MARGIN


_partial = st.one_of(
    st.integers(1, 9999).map(lambda y: f"{y:04d}"),
    st.tuples(st.integers(1990, 2030), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
    st.dates().map(lambda d: d.isoformat()),
    st.sampled_from(["", "soon", "2024-13", "2024-02-30", "0000", "99999-01-01"]),
    st.none(),
)


@given(st.lists(st.tuples(_partial, _partial, st.text(max_size=60)), max_size=25))
def test_any_dates_give_a_layout_without_overlaps(
    rows: list[tuple[str | None, str | None, str]],
) -> None:
    items = [Item(i, title, start, end) for i, (start, end, title) in enumerate(rows)]
    result = layout(items)
    assert sorted(m.key for m in result.marks + result.undated) == list(range(len(items)))
    for mark in result.marks:
        assert MARGIN - 0.01 <= mark.x <= WIDTH - MARGIN + 0.01
        assert mark.width >= MIN_BAR and mark.lane < result.lanes
        assert mark.y + 10 < (result.undated_y or result.height)
    _assert_no_overlap(result)
