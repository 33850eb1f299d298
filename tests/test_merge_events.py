"""Event clustering: the same event across articles merges; different events stay apart."""

from __future__ import annotations

import re

from diplosum.merge import merge
from diplosum.merge.places import SAME, parse_place, relate
from tests.test_merge_fixtures import claims, conflicts_of, ev, find_event, sources_of

SULLIVAN = ("Jake Sullivan", "National Security Advisor", "United States")
WANG = ("Wang Yi", "top diplomat", "China")
BIDEN = ("Joe Biden", "President", "United States")
XI = ("Xi Jinping", "President", "China")


def test_three_sullivan_wang_meetings_stay_three() -> None:
    result = merge(
        [
            ev(
                "a",
                0,
                "US-China talks in Alaska",
                start="2021-03",
                location="Anchorage, Alaska",
                people=[SULLIVAN, WANG, ("Antony Blinken", "Secretary of State", "United States")],
            ),
            ev(
                "b",
                0,
                "Sullivan-Wang talks in Beijing",
                status="planned",
                start="2024-08-27",
                end="2024-08-29",
                location="Beijing",
                people=[SULLIVAN, WANG],
            ),
            ev(
                "b",
                1,
                "Sullivan-Wang meeting in Bangkok",
                prominence="background",
                start="2024-01",
                location="Bangkok",
                people=[("Sullivan", None, None), ("Wang", None, None)],
            ),
            ev(
                "c",
                0,
                "Sullivan-Wang meeting in Beijing",
                start="2024-08-28",
                location="Beijing, China",
                people=[SULLIVAN, WANG],
            ),
            ev(
                "d",
                0,
                "Sullivan meets Wang",
                start="2024",
                location="Alaska",
                people=[SULLIVAN, WANG],
            ),
        ]
    )
    assert [(e.start_date, e.location, sources_of(e.attributions)) for e in result.events] == [
        ("2021-03", "Anchorage, Alaska", ["a"]),
        ("2024", "Alaska", ["d"]),
        ("2024-01", "Bangkok", ["b"]),
        ("2024-08-27", "Beijing, China", ["b", "c"]),
    ]
    beijing = result.events[-1]
    assert beijing.status == "held"  # planned in one source, held in a later one
    assert beijing.title == "Sullivan-Wang talks in Beijing"


def test_background_summit_recalled_by_two_articles_merges() -> None:
    result = merge(
        [
            ev(
                "a",
                1,
                "Biden-Xi summit in California",
                kind="summit",
                prominence="background",
                start="2023-11",
                date_text="last November",
                location="California",
                people=[BIDEN, XI],
            ),
            ev(
                "b",
                2,
                "Biden-Xi summit in Woodside",
                kind="summit",
                prominence="background",
                start="2023-11-15",
                location="Woodside, Calif.",
                people=[("Biden", None, None), XI],
            ),
        ]
    )
    [summit] = result.events
    assert sources_of(summit.attributions) == ["a", "b"]
    assert (summit.start_date, summit.location) == ("2023-11-15", "Woodside, Calif.")
    assert {p.name for p in summit.participants} == {"Joe Biden", "Xi Jinping"}


def test_undated_recollection_merges_by_place_and_people() -> None:
    result = merge(
        [
            ev(
                "a",
                1,
                "Their summit in California",
                kind="summit",
                prominence="background",
                date_text="last November",
                location="California",
                people=[BIDEN, XI],
            ),
            ev(
                "b",
                2,
                "Biden-Xi summit in Woodside",
                kind="summit",
                prominence="background",
                start="2023-11-15",
                location="Woodside, California, United States",
                people=[BIDEN, XI],
            ),
        ]
    )
    assert len(result.events) == 1


def test_month_named_in_date_text_keeps_an_undated_event_apart() -> None:
    result = merge(
        [
            ev(
                "a",
                3,
                "Blinken visit to Beijing",
                kind="visit",
                date_text="in April",
                location="Beijing",
                people=[("Antony Blinken", "Secretary of State", None)],
            ),
            ev(
                "b",
                0,
                "Blinken visit to China",
                kind="visit",
                start="2023-06-18",
                end="2023-06-19",
                location="China",
                people=[("Anthony Blinken", "Secretary of State", None)],
            ),
        ]
    )
    assert len(result.events) == 2


def test_a_call_never_merges_with_a_meeting() -> None:
    result = merge(
        [
            ev(
                "a",
                0,
                "Biden-Xi meeting",
                kind="summit",
                status="proposed",
                start="2024",
                people=[BIDEN, XI],
            ),
            ev(
                "b",
                0,
                "Biden-Xi call",
                kind="call",
                status="planned",
                start="2024",
                people=[BIDEN, XI],
            ),
        ]
    )
    assert len(result.events) == 2


def test_events_of_one_article_never_merge() -> None:
    result = merge(
        [
            ev(
                "a",
                0,
                "Sullivan-Wang talks in Beijing",
                start="2024-08-27",
                location="Beijing",
                people=[SULLIVAN, WANG],
            ),
            ev(
                "a",
                1,
                "Sullivan-Wang talks in Beijing",
                start="2024-08-27",
                location="Beijing",
                people=[SULLIVAN, WANG],
            ),
        ]
    )
    assert len(result.events) == 2


def test_different_people_on_the_same_day_in_the_same_city_stay_apart() -> None:
    result = merge(
        [
            ev(
                "a",
                0,
                "Blinken-Wang talks in Beijing",
                start="2024-04-26",
                location="Beijing",
                people=[("Antony Blinken", None, "United States"), WANG],
            ),
            ev(
                "b",
                0,
                "Yellen-He talks in Beijing",
                start="2024-04-26",
                location="Beijing",
                people=[("Janet Yellen", None, "United States"), ("He Lifeng", None, "China")],
            ),
        ]
    )
    assert len(result.events) == 2


def test_undated_placeless_events_merge_only_on_near_identical_reports() -> None:
    result = merge(
        [
            ev("a", 1, "Biden-Xi call", kind="call", status="planned", people=[BIDEN, XI]),
            ev("b", 0, "Biden-Xi call", kind="call", status="planned", people=[BIDEN, XI]),
            ev(
                "c",
                0,
                "Potential Biden-Xi meeting",
                kind="summit",
                status="proposed",
                people=[BIDEN, XI],
            ),
            ev(
                "d",
                0,
                "Biden-Xi summit",
                kind="summit",
                start="2023-11-15",
                location="Woodside",
                people=[BIDEN, XI],
            ),
        ]
    )
    assert sorted(len(sources_of(e.attributions)) for e in result.events) == [1, 1, 2]


def test_more_specific_place_wins_and_genuinely_different_places_conflict() -> None:
    beijing, china = parse_place("Beijing"), parse_place("China")
    assert beijing is not None and china is not None and relate(beijing, china) == SAME
    result = merge(
        [
            ev(
                "a",
                0,
                "Biden-Xi summit",
                kind="summit",
                start="2023-11-15",
                location="Woodside",
                people=[BIDEN, XI],
            ),
            ev(
                "b",
                0,
                "Biden-Xi summit",
                kind="summit",
                start="2023-11-15",
                location="Woodside, California",
                people=[BIDEN, XI],
            ),
            ev(
                "c",
                0,
                "Biden-Xi summit",
                kind="summit",
                start="2023-11-15",
                location="San Francisco",
                people=[BIDEN, XI],
            ),
        ]
    )
    [summit] = result.events
    assert summit.location == "Woodside, California"
    [conflict] = conflicts_of(result, "location")
    assert claims(conflict) == {"Woodside, California": ["a", "b"], "San Francisco": ["c"]}


def test_status_kind_and_prominence_choices() -> None:
    result = merge(
        [
            ev(
                "a",
                0,
                "Sullivan-Wang talks",
                kind="dialogue",
                status="planned",
                prominence="background",
                start="2024-08-27",
                location="Beijing",
                people=[SULLIVAN, WANG],
            ),
            ev(
                "b",
                0,
                "Sullivan-Wang talks",
                kind="talks",
                status="held",
                start="2024-08-27",
                location="Beijing",
                people=[SULLIVAN, WANG],
            ),
            ev(
                "c",
                0,
                "Sullivan-Wang talks",
                kind="talks",
                status="cancelled",
                prominence="background",
                start="2024-08-27",
                location="Beijing",
                people=[SULLIVAN, WANG],
            ),
        ]
    )
    [event] = result.events
    assert (event.kind, event.status, event.prominence) == ("talks", "held", "primary")
    [conflict] = conflicts_of(result, "status")
    assert claims(conflict) == {"cancelled": ["c"], "held": ["b"]}  # "planned" agrees with both


def test_event_ids_are_stable_and_independent_of_unrelated_input() -> None:
    summit = [
        ev(
            "a",
            1,
            "Biden-Xi summit",
            kind="summit",
            start="2023-11",
            location="California",
            people=[BIDEN, XI],
        ),
        ev(
            "b",
            2,
            "Biden-Xi summit",
            kind="summit",
            start="2023-11-15",
            location="Woodside, Calif.",
            people=[BIDEN, XI],
        ),
    ]
    other = ev(
        "c",
        0,
        "Pelosi visit to Taiwan",
        kind="visit",
        start="2022-08",
        people=[("Nancy Pelosi", None, "United States")],
    )
    [merged] = merge(summit).events
    alone = merged.id
    together = merge([other, *summit])
    assert re.fullmatch(r"ev-[0-9a-f]{12}", alone)
    assert find_event(together, "Biden-Xi summit").id == alone
    assert len({e.id for e in together.events}) == 2


def test_timeline_order() -> None:
    result = merge(
        [
            ev("a", 0, "Undated", people=[("A B", None, None)]),
            ev("b", 0, "Late", start="2024-08-27", people=[("C D", None, None)]),
            ev("c", 0, "Year only", start="2024", people=[("E F", None, None)]),
            ev("d", 0, "Early", start="2021-03", people=[("G H", None, None)]),
            ev("e", 0, "Also undated", people=[("I J", None, None)]),
        ]
    )
    assert [e.title for e in result.events] == [
        "Early",
        "Year only",
        "Late",
        "Also undated",
        "Undated",
    ]


def test_empty_input() -> None:
    result = merge([])
    assert result.events == [] and result.conflicts == []


def test_dates_at_the_ends_of_the_calendar_merge() -> None:
    # Hand-written extractions: a person in a month at the calendar's first and last
    # days once raised ValueError (blocking looked ``NEAR_DAYS`` past either end).
    for start in ("0001-01-01", "0001-01", "9999-12-31", "9999-12"):
        result = merge(
            [
                ev("a", 0, "Talks at the edge", start=start, people=[WANG]),
                ev("b", 0, "Talks at the edge", start=start, people=[WANG]),
            ]
        )
        [event] = result.events
        assert (event.start_date, sources_of(event.attributions)) == (start, ["a", "b"])
