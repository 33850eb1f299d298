"""Merge II: names in any script, given-name variants, titles, the model's full names.

The extractions are hand-written, with names and roles worded as models word them.
"""

from __future__ import annotations

import pytest

from diplosum.contracts.sourced import SourcedEvent, SourcedParticipant
from diplosum.merge import MergeResult, merge
from diplosum.merge.names import given_equal, parse_name
from diplosum.merge.roles import normalise_role, roles_compatible
from tests.test_merge_fixtures import Person, ev, sources_of

PUTIN = ("Vladimir Putin", "President", "Russia")


def meeting(*reports: tuple[str, Person]) -> MergeResult:
    """One meeting, each source naming its counterpart of Putin its own way."""
    return merge(
        [
            ev(s, 0, "Talks in Moscow", start="2024-03-05", location="Moscow", people=[p, PUTIN])
            for s, p in reports
        ]
    )


def person(result: MergeResult, *sources: str) -> tuple[str, list[str]]:
    """The one participant other than Putin, when all sources name the same person."""
    [event] = result.events
    [p] = [p for p in event.participants if "Putin" not in p.name]
    assert sources_of(p.attributions) == list(sources)
    return p.name, p.aliases


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Jonas Gahr Støre", "Jonas Gahr Store"),
        ("Radosław Sikorski", "Radoslaw Sikorski"),
        ("Сергей Лавров", "Sergei Lavrov"),
        ("Sergey Lavrov", "Sergei Lavrov"),
        ("Mohammed bin Salman", "Muhammad bin Salman"),
        ("Bill Burns", "William Burns"),
        ("王毅", "Wang Yi"),
    ],
)
def test_one_person_in_any_script_or_transliteration(a: str, b: str) -> None:
    name, aliases = person(meeting(("x", (a, None, None)), ("y", (b, None, None))), "x", "y")
    assert {name, *aliases} == {a, b}


def test_different_given_names_stay_two_people() -> None:
    result = meeting(("x", ("Don Smith", None, None)), ("y", ("Dan Smith", None, None)))
    assert len(result.events[0].participants) == 3
    assert not given_equal("ivan", "evan")


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("CIA Director William Burns", "William Burns"),
        ("UN Secretary-General António Guterres", "António Guterres"),
        ("Director of National Intelligence Avril Haines", "Avril Haines"),
        ("EU foreign policy chief Josep Borrell", "Josep Borrell"),
        ("Deputy Prime Minister and Foreign Minister Vivian Balakrishnan", "Vivian Balakrishnan"),
        ("Senate Majority Leader Chuck Schumer", "Chuck Schumer"),
        ("Minister for Foreign Affairs Penny Wong", "Penny Wong"),
        ("Norwegian Prime Minister Jonas Gahr Støre", "Jonas Gahr Støre"),
    ],
)
def test_titles_and_agency_prefixes_are_stripped(written: str, name: str) -> None:
    assert parse_name(written).display == name
    shown, aliases = person(
        meeting(("x", (written, None, None)), ("y", (name, None, None))), "x", "y"
    )
    assert shown == name and aliases == [written]


def test_one_office_in_other_words_is_one_office() -> None:
    for a, b in [
        ("Foreign Secretary", "Britain's top diplomat"),
        ("Trade Representative", "trade envoy"),
    ]:
        ra, rb = normalise_role(a), normalise_role(b)
        assert ra is not None and rb is not None and roles_compatible(ra, rb)
    result = meeting(
        ("x", ("David Lammy", "Foreign Secretary", "United Kingdom")),
        ("y", ("Dave Lammy", "Britain's top diplomat", None)),
    )
    assert person(result, "x", "y")[0] == "David Lammy"


def with_model_names(event: SourcedEvent, full_name: str, office: str) -> SourcedEvent:
    [p, *rest] = event.participants
    better = SourcedParticipant.model_validate(
        {**p.model_dump(), "full_name": full_name, "office": office}
    )
    return event.model_copy(update={"participants": [better, *rest]})


def test_the_models_full_name_and_office_are_preferred() -> None:
    plain = ev(
        "x",
        0,
        "Talks in Moscow",
        start="2024-03-05",
        location="Moscow",
        people=[("Wang Yi", "Foreign Minister", "China"), PUTIN],
    )
    titled = ev(
        "y",
        0,
        "Talks in Moscow",
        start="2024-03-05",
        location="Moscow",
        people=[
            (
                "Director of the Office of the Central Foreign Affairs Commission Wang",
                "China's top diplomat",
                None,
            ),
            PUTIN,
        ],
    )
    result = merge([plain, with_model_names(titled, "Wang Yi", "Foreign Minister")])
    name, aliases = person(result, "x", "y")
    assert name == "Wang Yi"
    assert aliases == ["Director of the Office of the Central Foreign Affairs Commission Wang"]
    [wang] = [p for p in result.events[0].participants if p.name == "Wang Yi"]
    assert wang.role == "Foreign Minister"
