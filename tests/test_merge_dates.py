"""Partial ISO dates: parse, compare, combine across sources, order a timeline."""

from __future__ import annotations

import pytest

from diplosum.merge import merge
from diplosum.merge.dates import (
    PartialDate,
    Span,
    best_span,
    gap,
    group_spans,
    month_hint,
    parse_date,
    parse_published,
    parse_span,
    timeline_key,
)
from tests.test_merge_fixtures import claims, conflicts_of, ev

PEOPLE = [
    ("Jake Sullivan", "National Security Advisor", "United States"),
    ("Wang Yi", None, "China"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024", PartialDate(2024)),
        ("2024-08", PartialDate(2024, 8)),
        ("2024-08-27", PartialDate(2024, 8, 27)),
        ("2024-08-27T10:00:00Z", PartialDate(2024, 8, 27)),
        ("2024-8-7", PartialDate(2024, 8, 7)),
        ("2024-13", None),
        ("2023-02-29", None),
        ("next week", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_date(text: str | None, expected: PartialDate | None) -> None:
    assert parse_date(text) == expected


def test_partial_dates_cover_their_period() -> None:
    year, month, day = PartialDate(2024), PartialDate(2024, 2), PartialDate(2024, 2, 29)
    assert (year.precision, month.precision, day.precision) == (1, 2, 3)
    assert year.first <= month.first <= day.first <= day.last <= month.last <= year.last
    assert month.iso() == "2024-02" and day.iso() == "2024-02-29"


def test_spans_overlap_by_period() -> None:
    talks = parse_span("2024-08-27", "2024-08-29")
    assert talks is not None and talks.value() == "2024-08-27/2024-08-29"
    wednesday, year, later = (parse_span(d, None) for d in ("2024-08-28", "2024", "2024-08-31"))
    assert wednesday and year and later
    assert gap(talks, wednesday) <= 0 and gap(talks, year) <= 0
    assert gap(talks, later) == 2
    assert parse_span("2024-08-29", "2024-08-27") == Span(PartialDate(2024, 8, 29))


def test_best_span_is_the_most_precise() -> None:
    spans = [
        parse_span("2024", None),
        parse_span("2024-08", None),
        parse_span("2024-08-27", "2024-08-29"),
        parse_span("2024-08-28", None),
    ]
    assert best_span([s for s in spans if s]).value() == "2024-08-27/2024-08-29"


def test_group_spans_splits_disagreements() -> None:
    spans = [parse_span(d, None) for d in ("2024-08-27", "2024-08", "2024-08-28", "2024")]
    groups = group_spans(s for s in spans if s)
    assert [[s.value() for s in g] for g in groups] == [
        ["2024", "2024-08", "2024-08-27"],
        ["2024-08-28"],
    ]


def test_timeline_key_orders_dated_first_oldest_first() -> None:
    spans = [parse_span(d, None) for d in ("2024-08-27", "2024", "2024-01-01", "2021-03")]
    ordered = sorted([*spans, None], key=timeline_key)
    assert [s.value() if s else None for s in ordered] == [
        "2021-03",
        "2024",
        "2024-01-01",
        "2024-08-27",
        None,
    ]


def test_month_hint() -> None:
    assert month_hint("in April") == 4
    assert month_hint("August 27 to 29") == 8
    assert month_hint("Sept. 3") == 9
    assert month_hint("later this month") is None
    assert month_hint(None) is None


def test_parse_published_accepts_feed_dates() -> None:
    assert parse_published("Wed, 28 Aug 2024 10:00:00 +0000") == PartialDate(2024, 8, 28)
    assert parse_published("2024-08-28T10:00:00Z") == PartialDate(2024, 8, 28)
    assert parse_published("yesterday") is None


def test_merge_takes_the_most_precise_consistent_date() -> None:
    result = merge(
        [
            ev("a", 0, "Sullivan-Wang talks", start="2024", location="Beijing", people=PEOPLE),
            ev("b", 0, "Sullivan-Wang talks", start="2024-08", location="Beijing", people=PEOPLE),
            ev(
                "c",
                0,
                "Sullivan-Wang talks",
                start="2024-08-27",
                end="2024-08-29",
                date_text="August 27 to 29",
                location="Beijing",
                people=PEOPLE,
            ),
            ev(
                "d",
                0,
                "Sullivan-Wang talks",
                start="2024-08-28",
                date_text="Wednesday",
                location="Beijing",
                people=PEOPLE,
            ),
        ]
    )
    [event] = result.events
    assert (event.start_date, event.end_date) == ("2024-08-27", "2024-08-29")
    assert event.date_text == "August 27 to 29"
    assert not result.conflicts


def test_a_date_only_one_source_gives_is_used() -> None:
    result = merge(
        [
            ev("a", 0, "Sullivan-Wang talks", location="Beijing", people=PEOPLE),
            ev(
                "b", 0, "Sullivan-Wang talks", start="2024-08-28", location="Beijing", people=PEOPLE
            ),
        ]
    )
    [event] = result.events
    assert event.start_date == "2024-08-28"


def test_incompatible_dates_are_a_conflict_not_a_silent_pick() -> None:
    result = merge(
        [
            ev(
                "a", 0, "Sullivan-Wang talks", start="2024-08-27", location="Beijing", people=PEOPLE
            ),
            ev(
                "b", 0, "Sullivan-Wang talks", start="2024-08-27", location="Beijing", people=PEOPLE
            ),
            ev(
                "c", 0, "Sullivan-Wang talks", start="2024-08-28", location="Beijing", people=PEOPLE
            ),
        ]
    )
    [event] = result.events
    assert event.start_date == "2024-08-27"  # what most sources say
    [conflict] = conflicts_of(result, "date")
    assert conflict.event_id == event.id and conflict.subject == event.title
    assert claims(conflict) == {"2024-08-27": ["a", "b"], "2024-08-28": ["c"]}


def test_dates_far_apart_are_different_events() -> None:
    result = merge(
        [
            ev(
                "a", 0, "Sullivan-Wang talks", start="2024-08-27", location="Beijing", people=PEOPLE
            ),
            ev(
                "b", 0, "Sullivan-Wang talks", start="2024-09-05", location="Beijing", people=PEOPLE
            ),
            ev("c", 0, "Sullivan-Wang talks", start="2024-08", location="Beijing", people=PEOPLE),
        ]
    )
    assert [e.start_date for e in result.events] == ["2024-08-27", "2024-09-05"]
    assert not result.conflicts
