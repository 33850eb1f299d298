"""Entity resolution: spellings, partial names, titles; never two people as one."""

from __future__ import annotations

import pytest

from diplosum.contracts.brief import BriefParticipant
from diplosum.merge import MergeResult, merge
from diplosum.merge.names import full_names_match, given_equal, parse_name
from diplosum.merge.places import normalise_affiliation
from diplosum.merge.roles import normalise_role
from tests.test_merge_fixtures import Person, ev, sources_of

NSA = "National Security Advisor"


def people(result: MergeResult) -> list[BriefParticipant]:
    return [p for e in result.events for p in e.participants]


def names(result: MergeResult) -> set[str]:
    return {p.name for p in people(result)}


def two_reports(a: Person, b: Person) -> MergeResult:
    """One event reported by two sources, each naming one person."""
    return merge(
        [
            ev(
                s,
                0,
                "Talks in Beijing",
                start="2024-08-28",
                location="Beijing",
                people=[p, ("Wang Yi", None, "China")],
            )
            for s, p in (("a", a), ("b", b))
        ]
    )


def test_spelling_variants_are_one_person_with_aliases() -> None:
    result = merge(
        [
            ev(
                "a",
                0,
                "Blinken visit",
                kind="visit",
                start="2023-06-18",
                location="Beijing",
                people=[("Antony Blinken", "Secretary of State", "United States")],
            ),
            ev(
                "b",
                0,
                "Blinken visit",
                kind="visit",
                start="2023-06-18",
                location="Beijing",
                people=[("Antony Blinken", "US Secretary of State", None)],
            ),
            ev(
                "c",
                0,
                "Blinken visit",
                kind="visit",
                start="2023-06-18",
                location="Beijing",
                people=[("Anthony Blinken", "Secretary of State", "U.S.")],
            ),
        ]
    )
    [event] = result.events
    [blinken] = event.participants
    assert blinken.name == "Antony Blinken"  # the spelling most sources use
    assert blinken.aliases == ["Anthony Blinken"]
    assert sources_of(blinken.attributions) == ["a", "b", "c"]
    assert blinken.affiliation == "United States"


def test_partial_names_join_the_full_name_in_the_same_article() -> None:
    result = merge(
        [
            ev(
                "a",
                0,
                "Sullivan-Wang talks",
                start="2024-08-27",
                people=[
                    ("Jake Sullivan", NSA, "United States"),
                    ("Wang Yi", "top diplomat", "China"),
                    ("Yi", None, None),
                ],
            ),
            ev(
                "a",
                1,
                "Earlier meeting in Bangkok",
                start="2024-01",
                location="Bangkok",
                people=[("Sullivan", None, None), ("Wang", None, None)],
            ),
        ]
    )
    assert names(result) == {"Jake Sullivan", "Wang Yi"}
    beijing, bangkok = result.events[1], result.events[0]
    wang = next(p for p in beijing.participants if p.name == "Wang Yi")
    assert wang.aliases == ["Yi"]
    assert len(wang.attributions) == 2
    assert {p.name: p.aliases for p in bangkok.participants} == {
        "Jake Sullivan": ["Sullivan"],
        "Wang Yi": ["Wang"],
    }


def test_title_before_a_name_is_stripped_and_used_as_role() -> None:
    result = two_reports(
        ("Secretary of State Blinken", None, None), ("Antony Blinken", None, "United States")
    )
    [event] = result.events
    blinken = next(p for p in event.participants if p.name == "Antony Blinken")
    assert blinken.aliases == ["Secretary of State Blinken"]
    assert blinken.role == "Secretary of State"


def test_partial_name_resolves_across_articles_by_role() -> None:
    result = merge(
        [
            ev(
                "a",
                0,
                "Biden-Xi summit",
                kind="summit",
                start="2023-11-15",
                location="Woodside",
                people=[("Joe Biden", "President", "United States"), ("Xi Jinping", None, "China")],
            ),
            ev(
                "b",
                0,
                "Biden-Xi call",
                kind="call",
                people=[
                    ("Biden", "President", "United States"),
                    ("Xi", None, "China"),
                ],
            ),
        ]
    )
    assert names(result) == {"Joe Biden", "Xi Jinping"}


def test_people_who_share_a_surname_stay_apart() -> None:
    result = merge(
        [
            ev(
                "a",
                0,
                "State dinner",
                start="2024-05-01",
                location="Washington",
                people=[("Joe Biden", "President", "United States")],
            ),
            ev(
                "b",
                0,
                "Court hearing",
                start="2024-05-01",
                location="Wilmington",
                people=[("Hunter Biden", None, "United States")],
            ),
            ev(
                "c",
                0,
                "A speech",
                start="2024-05-02",
                location="Chicago",
                people=[("Biden", None, None)],
            ),
        ]
    )
    # "Biden" alone could be either of them: it stays a person of its own.
    assert names(result) == {"Joe Biden", "Hunter Biden", "Biden"}


def test_a_partial_name_with_an_incompatible_role_is_not_merged() -> None:
    result = merge(
        [
            ev(
                "a",
                0,
                "Talks in Beijing",
                start="2024-08-28",
                location="Beijing",
                people=[("Jake Sullivan", NSA, "United States")],
            ),
            ev(
                "b",
                0,
                "Senate hearing",
                start="2024-03-05",
                location="Washington",
                people=[("Sullivan", "Senator", "United States")],
            ),
            ev(
                "c",
                0,
                "Visit to Anchorage",
                kind="visit",
                start="2023-01-10",
                location="Anchorage",
                people=[("Sullivan", "Senator", None)],
            ),
        ]
    )
    assert names(result) == {"Jake Sullivan", "Sullivan"}
    senator = [p for p in people(result) if p.name == "Sullivan"]
    assert len(senator) == 2 and all(p.role == "Senator" for p in senator)


def test_a_partial_name_with_an_incompatible_country_is_not_merged() -> None:
    result = merge(
        [
            ev("a", 0, "Talks", start="2024-08-28", people=[("Li Wei", None, "China")]),
            ev("b", 0, "Other talks", start="2021-02-01", people=[("Li", None, "Singapore")]),
        ]
    )
    assert names(result) == {"Li Wei", "Li"}


def test_different_surnames_are_different_people_even_in_the_same_role() -> None:
    result = merge(
        [
            ev("a", 0, "Talks", start="2024-08-28", people=[("Jake Carney", NSA, "United States")]),
            ev(
                "b",
                0,
                "Talks",
                start="2024-08-28",
                people=[("Jake Sullivan", NSA, "United States")],
            ),
        ]
    )
    assert names(result) == {"Jake Carney", "Jake Sullivan"}


def test_same_name_in_different_countries_is_two_people() -> None:
    result = merge(
        [
            ev(
                "a", 0, "Talks", start="2020-01-01", people=[("John Smith", None, "United Kingdom")]
            ),
            ev("b", 0, "Talks", start="2022-01-01", people=[("John Smith", None, "Australia")]),
            ev("c", 0, "Talks", start="2024-01-01", people=[("John Smith", None, None)]),
        ]
    )
    smiths = people(result)
    assert len(smiths) == 3 and {p.name for p in smiths} == {"John Smith"}
    assert {p.affiliation for p in smiths} == {"United Kingdom", "Australia", None}


def test_chained_near_spellings_do_not_glue_people_together() -> None:
    # Each near-spelling matches the main one; none may pull in a third name.
    result = merge(
        [
            ev(s, 0, "Talks", start="2024-01-0" + str(n), people=[(name, "Minister", "Japan")])
            for n, (s, name) in enumerate(
                [("a", "Taro Kono"), ("b", "Taro Kono"), ("c", "Taaro Kono"), ("d", "Tarou Kono")],
                start=1,
            )
        ]
        + [ev("e", 0, "Talks", start="2024-01-05", people=[("Tomoko Kono", "Minister", "Japan")])]
    )
    assert names(result) == {"Taro Kono", "Tomoko Kono"}


@pytest.mark.parametrize(
    ("raw", "tokens", "title"),
    [
        ("Secretary of State Antony Blinken", ("antony", "blinken"), "Secretary of State"),
        ("Chinese President Xi Jinping", ("xi", "jinping"), "Chinese President"),
        ("then-House Speaker Nancy Pelosi (D-Calif.)", ("nancy", "pelosi"), "then-House Speaker"),
        ("Yoon Suk-yeol", ("yoon", "sukyeol"), None),
        ("Dr. Emily Chen", ("emily", "chen"), None),
        ("Joseph R. Biden Jr.", ("joseph", "r", "biden"), None),
        ("President", ("president",), None),
    ],
)
def test_parse_name(raw: str, tokens: tuple[str, ...], title: str | None) -> None:
    name = parse_name(raw)
    assert name.tokens == tokens
    assert name.title == title


def test_name_comparisons() -> None:
    assert full_names_match(("antony", "blinken"), ("anthony", "blinken"))
    assert full_names_match(("wang", "yi"), ("yi", "wang"))
    assert full_names_match(("yoon", "suk", "yeol"), ("yoon", "sukyeol"))
    assert full_names_match(("joe", "biden"), ("joseph", "r", "biden"))
    assert not full_names_match(("joe", "biden"), ("hunter", "biden"))
    assert not full_names_match(("jake", "carney"), ("jake", "sullivan"))
    assert given_equal("joe", "joseph")
    assert not given_equal("joseph", "josephine")
    assert not given_equal("jake", "jane")


@pytest.mark.parametrize(
    "raw",
    [
        "National Security Advisor",
        "national security adviser",
        "US National Security Advisor",
        "White House national security adviser",
        "U.S. National Security Adviser",
    ],
)
def test_role_spellings_normalise_alike(raw: str) -> None:
    role = normalise_role(raw)
    assert role is not None
    assert (role.key, role.single) == ("national security advisor", True)


def test_role_kinds() -> None:
    def single(raw: str) -> bool:
        role = normalise_role(raw)
        return role is not None and role.single

    assert single("Secretary of State") and single("Defense Secretary")
    assert single("Minister of Foreign Affairs") and single("President")
    assert not single("then-House Speaker") and not single("former President")
    assert not single("senior administration official") and not single("state councilor")
    assert not single("Deputy Secretary of State") and not single("Senator")
    chinese = normalise_role("China's top diplomat")
    assert chinese is not None and chinese.country == "China"


@pytest.mark.parametrize("raw", ["US", "U.S.", "United States", "America", "the United States"])
def test_affiliation_spellings_normalise_alike(raw: str) -> None:
    affiliation = normalise_affiliation(raw)
    assert affiliation is not None and affiliation.country == "United States"
