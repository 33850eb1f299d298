"""Properties of merge: order-independent, idempotent on duplicates, loses no attribution."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from diplosum.contracts.brief import Attribution
from diplosum.contracts.sourced import (
    SourcedEvent,
    SourcedItem,
    SourcedOutcome,
    SourcedParticipant,
)
from diplosum.merge import merge
from diplosum.merge.dates import parse_span, timeline_key
from tests.test_merge_fixtures import input_attributions, output_attributions

PEOPLE = [
    ("Jake Sullivan", "National Security Advisor", "United States"),
    ("Jake Sullivan", "national security adviser", "U.S."),
    ("Sullivan", None, None),
    ("Sullivan", "Senator", "US"),
    ("Jake Carney", "National Security Advisor", "United States"),
    ("Wang Yi", "top diplomat", "China"),
    ("Yi", None, None),
    ("Wang", "state councilor", None),
    ("Antony Blinken", "Secretary of State", None),
    ("Anthony Blinken", "US Secretary of State", None),
    ("Secretary of State Blinken", None, None),
    ("Joe Biden", "President", "United States"),
    ("Biden", None, None),
    ("Hunter Biden", None, None),
    ("Xi Jinping", "President", "China"),
    ("Xi", None, "China"),
]
PLACES = [
    None,
    "Beijing",
    "Beijing, China",
    "Bangkok",
    "Woodside, Calif.",
    "California",
    "San Francisco",
    "virtual",
]
DATES = [
    (None, None),
    ("2024", None),
    ("2024-08", None),
    ("2024-08-27", "2024-08-29"),
    ("2024-08-28", None),
    ("2024-08-30", None),
    ("2023-11", None),
    ("2023-11-15", None),
    ("2021-03", None),
    ("not a date", None),
]
TITLES = [
    "Sullivan-Wang talks in Beijing",
    "Sullivan-Wang talks",
    "Biden-Xi summit",
    "Biden-Xi call",
    "Blinken visit to Beijing",
    "Talks",
]
TOPICS = [
    "fentanyl",
    "fentanyl crisis",
    "Fentanyl precursors",
    "AI",
    "artificial intelligence",
    "Taiwan",
    "South China Sea",
    "military communication",
    "military de-escalation",
]
OUTCOMES = [
    "A Biden-Xi call in the coming weeks",
    "Biden and Xi call in the coming weeks",
    "A theater commander telephone call",
    "Resumption of military talks",
]
SOURCES = ["s0", "s1", "s2", "s3", "s4"]


@st.composite
def attributions(draw: st.DrawFn, source: str) -> Attribution:
    quote = draw(st.sampled_from(["a quote", "another quote", "third quote", "fourth"]))
    start = draw(st.none() | st.integers(0, 3))
    return Attribution(
        source_id=source,
        quote=quote,
        start=start,
        end=None if start is None else start + len(quote),
        verified=start is not None,
    )


@st.composite
def sourced_events(draw: st.DrawFn) -> SourcedEvent:
    source = draw(st.sampled_from(SOURCES))
    start, end = draw(st.sampled_from(DATES))
    return SourcedEvent(
        source_id=source,
        index=draw(st.integers(0, 3)),
        title=draw(st.sampled_from(TITLES)),
        kind=draw(st.sampled_from(["talks", "summit", "call", "visit"])),
        status=draw(st.sampled_from(["planned", "held", "ongoing", "cancelled", "unclear"])),
        prominence=draw(st.sampled_from(["primary", "background"])),
        date_text=draw(st.sampled_from([None, "in April", "August 27 to 29", "last November"])),
        start_date=start,
        end_date=end,
        location=draw(st.sampled_from(PLACES)),
        participants=[
            SourcedParticipant(
                name=n, role=r, affiliation=a, attribution=draw(attributions(source))
            )
            for n, r, a in draw(st.lists(st.sampled_from(PEOPLE), max_size=4))
        ],
        agenda=[
            SourcedItem(topic=t, attribution=draw(attributions(source)))
            for t in draw(st.lists(st.sampled_from(TOPICS), max_size=3))
        ],
        outcomes=[
            SourcedOutcome(
                description=d,
                status=draw(st.sampled_from(["agreed", "announced", "expected", "speculated"])),
                attribution=draw(attributions(source)),
            )
            for d in draw(st.lists(st.sampled_from(OUTCOMES), max_size=2))
        ],
        attribution=draw(attributions(source)),
    )


event_lists = st.lists(sourced_events(), max_size=10)
SETTINGS = settings(max_examples=80, deadline=None)


@SETTINGS
@given(events=event_lists, data=st.data())
def test_merge_is_independent_of_input_order(
    events: list[SourcedEvent], data: st.DataObject
) -> None:
    shuffled = data.draw(st.permutations(events))
    assert merge(shuffled) == merge(events)


@SETTINGS
@given(events=event_lists, data=st.data())
def test_merging_the_input_twice_changes_nothing(
    events: list[SourcedEvent], data: st.DataObject
) -> None:
    again = data.draw(st.permutations(events))
    assert merge([*events, *again]) == merge(events)


@SETTINGS
@given(events=event_lists)
def test_no_attribution_is_lost_or_invented(events: list[SourcedEvent]) -> None:
    result = merge(events)
    assert output_attributions(result.events) == input_attributions(events)


@SETTINGS
@given(events=event_lists)
def test_output_is_well_formed(events: list[SourcedEvent]) -> None:
    result = merge(events)
    ids = [e.id for e in result.events]
    assert len(set(ids)) == len(ids)
    keys = [timeline_key(parse_span(e.start_date, e.end_date)) for e in result.events]
    assert keys == sorted(keys)
    for e in result.events:
        for items in (e.attributions, *(p.attributions for p in e.participants)):
            assert items == sorted(
                items,
                key=lambda a: (a.source_id, a.start is None, a.start or 0, a.end or 0, a.quote),
            )
        assert len({p.name for p in e.participants}) <= len(e.participants)
    for c in result.conflicts:
        assert len(c.claims) >= 2
        assert c.event_id is None or c.event_id in ids
