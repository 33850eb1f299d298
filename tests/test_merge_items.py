"""Agenda items and outcomes: near-synonyms merge, distinct topics stay apart."""

from __future__ import annotations

import pytest

from diplosum.contracts.sourced import SourcedEvent
from diplosum.merge import merge
from diplosum.merge.items import same_outcome, same_topic, topic_words
from tests.test_merge_fixtures import Item, Result, claims, conflicts_of, ev, sources_of

PEOPLE = [("Jake Sullivan", None, "United States"), ("Wang Yi", None, "China")]


def reported(*agendas: list[Item], outcomes: tuple[list[Result], ...] = ()) -> list[SourcedEvent]:
    return [
        ev(
            source,
            0,
            "Sullivan-Wang talks",
            start="2024-08-28",
            location="Beijing",
            people=PEOPLE,
            agenda=agenda,
            outcomes=outcomes[n] if n < len(outcomes) else [],
        )
        for n, (source, agenda) in enumerate(zip("abcd", agendas, strict=False))
    ]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("fentanyl", "fentanyl crisis"),
        ("fentanyl", "Fentanyl precursors"),
        ("AI", "artificial intelligence"),
        ("military de-escalation", "Military de-escalation measures"),
        ("US-China military communication", "military communications"),
        ("Taiwan", "Taiwan issues"),
    ],
)
def test_near_synonyms_are_one_topic(a: str, b: str) -> None:
    assert same_topic(topic_words(a), topic_words(b))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("military communication", "military de-escalation"),
        ("Taiwan", "South China Sea"),
        ("North Korea", "South Korea"),
        ("trade", "human rights"),
        ("Russia's war in Ukraine", "Russia's defense industry"),
    ],
)
def test_distinct_topics_stay_apart(a: str, b: str) -> None:
    assert not same_topic(topic_words(a), topic_words(b))


def test_agenda_items_merge_across_sources_with_attributions_unioned() -> None:
    result = merge(
        reported(
            ["fentanyl crisis", "Taiwan", "AI"],
            ["Fentanyl precursors", "artificial intelligence", "military communication"],
            ["fentanyl", "military de-escalation"],
        )
    )
    [event] = result.events
    items = {i.topic: sources_of(i.attributions) for i in event.agenda}
    assert items == {
        "fentanyl crisis": ["a", "b", "c"],
        "Taiwan": ["a"],
        "AI": ["a", "b"],
        "military communication": ["b"],
        "military de-escalation": ["c"],
    }


def test_a_broad_topic_does_not_chain_two_narrow_ones() -> None:
    result = merge(reported(["military communication"], ["military"], ["military de-escalation"]))
    [event] = result.events
    assert len(event.agenda) == 2


def test_outcomes_merge_and_status_disagreement_is_a_conflict() -> None:
    call = "Agreed to plan a call between Biden and Xi in the coming weeks"
    result = merge(
        reported(
            [],
            [],
            [],
            outcomes=(
                [(call, "agreed")],
                [("A Biden-Xi call in the coming weeks", "agreed")],
                [
                    ("Biden and Xi call in the coming weeks", "expected"),
                    ("A theater commander telephone call", "agreed"),
                ],
            ),
        )
    )
    [event] = result.events
    outcomes = {o.description: (o.status, sources_of(o.attributions)) for o in event.outcomes}
    assert outcomes == {
        call: ("agreed", ["a", "b", "c"]),
        "A theater commander telephone call": ("agreed", ["c"]),
    }
    [conflict] = conflicts_of(result, "outcome_status")
    assert conflict.subject == call and conflict.event_id == event.id
    assert claims(conflict) == {"agreed": ["a", "b"], "expected": ["c"]}


def test_outcome_statuses_that_agree_in_firmness_do_not_conflict() -> None:
    result = merge(
        reported(
            [],
            [],
            outcomes=(
                [("Resumption of military talks", "agreed")],
                [("Resumption of military talks", "announced")],
            ),
        )
    )
    assert not result.conflicts
    [outcome] = result.events[0].outcomes
    assert outcome.status == "agreed"  # tie on sources: the firmer report


def test_outcome_similarity() -> None:
    assert same_outcome(
        topic_words("China agreed to hold a theater commander telephone call"),
        topic_words("Theater commander telephone call to be held"),
    )
    assert not same_outcome(
        topic_words("A leader-level call in the coming weeks"),
        topic_words("A theater commander telephone call"),
    )
