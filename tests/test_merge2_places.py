"""Merge II: one event however its place is named; missing dates; thin mentions.

Every extraction here is hand-written (``ev`` builds them), worded the way models word
places: a venue, the town it is in, a nearby city, the region, or the parts given apart.
"""

from __future__ import annotations

from diplosum.contracts.sourced import SourcedEvent
from diplosum.merge import merge
from diplosum.merge.places import FAR, NEAR, SAME, UNKNOWN, parse_place, relate
from tests.test_merge_fixtures import Person, claims, conflicts_of, ev, sources_of

BIDEN = ("Joe Biden", "President", "United States")
XI = ("Xi Jinping", "President", "China")
SULLIVAN = ("Jake Sullivan", "National Security Advisor", "United States")
WANG = ("Wang Yi", "top diplomat", "China")


def summit(source: str, location: str | None, **kw: object) -> SourcedEvent:
    people: list[Person] = [BIDEN, XI]
    base = ev(source, 0, "Biden-Xi summit", kind="summit", location=location, people=people)
    return base.model_copy(update={"start_date": "2013-06-07", **kw})


def relation(a: str, b: str) -> int:
    pa, pb = parse_place(a), parse_place(b)
    assert pa is not None and pb is not None
    return relate(pa, pb)


def test_place_relations() -> None:
    assert relation("Beijing", "Beijing, China") == SAME
    assert relation("Geneva", "Switzerland") == SAME
    assert relation("Woodside", "Woodside, California") == SAME
    assert relation("Rancho Mirage, Calif.", "California") == SAME
    assert relation("Sunnylands estate", "Rancho Mirage, California") == UNKNOWN
    assert relation("near Palm Springs", "Rancho Mirage, California") == NEAR
    assert relation("Beijing", "Bangkok") == FAR
    assert relation("Palm Springs, Florida", "Palm Springs, California") == FAR
    assert relation("San Francisco", "New York") == FAR
    assert parse_place("virtual") is None


def test_venue_town_and_nearby_city_are_one_event_with_a_location_conflict() -> None:
    result = merge(
        [
            summit("a", "Sunnylands estate"),
            summit("b", "Rancho Mirage, California"),
            summit("c", "near Palm Springs"),
            summit("d", "Rancho Mirage"),
        ]
    )
    [event] = result.events
    assert sources_of(event.attributions) == ["a", "b", "c", "d"]
    assert {p.value for p in event.places} == {
        "Sunnylands estate",
        "Rancho Mirage, California",
        "near Palm Springs",
        "Rancho Mirage",
    }
    [conflict] = conflicts_of(result, "location")
    towns = claims(conflict)
    assert towns["near Palm Springs"] == ["c"]
    assert {"b", "d"} <= set(next(v for k, v in towns.items() if "Rancho" in k))


def test_place_given_in_parts_agrees_with_the_location_string() -> None:
    parts = summit("a", None, city="Rancho Mirage", region="California", venue="Sunnylands")
    result = merge([parts, summit("b", "Rancho Mirage, Calif.")])
    [event] = result.events
    assert conflicts_of(result, "location") == []
    assert {p.value for p in event.places} == {
        "Sunnylands, Rancho Mirage, California",
        "Rancho Mirage, Calif.",
    }


def test_a_facility_under_two_names_is_one_event() -> None:
    result = merge(
        [
            summit("a", "Great Hall of the People, Beijing"),
            summit("b", "Diaoyutai State Guesthouse"),
        ]
    )
    assert len(result.events) == 1
    assert conflicts_of(result, "location") == []


def test_different_meetings_of_the_same_people_stay_apart() -> None:
    def meeting(source: str, day: str, place: str) -> SourcedEvent:
        return ev(
            source, 0, "Sullivan-Wang talks", start=day, location=place, people=[SULLIVAN, WANG]
        )

    result = merge(
        [
            meeting("a", "2024-08-27", "Beijing"),
            meeting("b", "2024-01-26", "Bangkok"),
            meeting("c", "2024-01", "Beijing"),
            meeting("d", "2024-01-26", "Bangkok, Thailand"),
        ]
    )
    assert sorted(sources_of(e.attributions) for e in result.events) == [["a"], ["b", "d"], ["c"]]


def test_undated_copy_joins_the_dated_event() -> None:
    copy = summit("b", "Rancho Mirage, California", start_date=None, prominence="background")
    result = merge([summit("a", "Sunnylands, Rancho Mirage"), copy])
    [event] = result.events
    assert event.start_date == "2013-06-07"
    assert sources_of(event.attributions) == ["a", "b"]


def test_undated_copy_that_fits_two_events_stays_apart() -> None:
    later = summit("c", "Rancho Mirage", start_date="2014-06-07")
    copy = summit("b", "Rancho Mirage", start_date=None)
    result = merge([summit("a", "Rancho Mirage"), later, copy])
    assert sorted(sources_of(e.attributions) for e in result.events) == [["a"], ["b"], ["c"]]


def test_undated_copy_whose_month_contradicts_stays_apart() -> None:
    copy = summit("b", "Rancho Mirage", start_date=None, date_text="in April")
    assert len(merge([summit("a", "Rancho Mirage"), copy]).events) == 2


def test_participantless_mention_joins_the_one_event_that_fits() -> None:
    lima = summit("a", "Lima, Peru", start_date="2024-11-16")
    mention = ev(
        "b", 0, "The two leaders' meeting in Lima", kind="summit", start="2024-11", location="Lima"
    )
    other = summit("c", "Rio de Janeiro", start_date="2024-11-18")
    [joined, rio] = sorted(merge([lima, mention, other]).events, key=lambda e: e.start_date or "")
    assert sources_of(joined.attributions) == ["a", "b"]
    assert sources_of(rio.attributions) == ["c"]


def test_participantless_mention_that_fits_two_events_stays_apart() -> None:
    first = summit("a", "Lima", start_date="2024-11-16")
    second = ev(
        "c",
        0,
        "Blinken-Wang talks",
        start="2024-11-15",
        location="Lima",
        people=[("Antony Blinken", None, None), WANG],
    )
    mention = ev("b", 0, "Talks in Lima", start="2024-11", location="Lima")
    assert len(merge([first, second, mention]).events) == 3
