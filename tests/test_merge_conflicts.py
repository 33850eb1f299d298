"""Conflicts: role holders across sources, and participants within one event."""

from __future__ import annotations

from diplosum.contracts.brief import Source
from diplosum.contracts.sourced import SourcedEvent
from diplosum.merge import merge
from tests.test_merge_fixtures import claims, conflicts_of, ev

NSA = "United States National Security Advisor"


def nsa(
    source: str,
    name: str,
    role: str = "National Security Advisor",
    affiliation: str | None = "United States",
    start: str | None = None,
) -> SourcedEvent:
    return ev(
        source,
        0,
        f"{name} meets Wang",
        start=start,
        location=f"City {source}",
        people=[(name, role, affiliation), ("Wang Yi", None, "China")],
    )


def source(sid: str, published: str | None) -> Source:
    return Source(id=sid, sha256="0" * 64, published=published)


def test_role_holder_conflict_lists_who_says_what() -> None:
    result = merge(
        [
            nsa("000", "Jake Carney"),
            nsa("001", "Jake Sullivan", "US National Security Advisor", None),
            nsa("002", "Jake Sullivan", "national security adviser", "U.S."),
            nsa("003", "Sullivan", "White House national security adviser", "America"),
        ]
    )
    [conflict] = result.conflicts
    assert (conflict.kind, conflict.subject, conflict.event_id) == ("role_holder", NSA, None)
    assert claims(conflict) == {"Jake Sullivan": ["001", "002", "003"], "Jake Carney": ["000"]}
    assert [c.value for c in conflict.claims] == ["Jake Sullivan", "Jake Carney"]


def test_role_holders_far_apart_in_time_do_not_conflict() -> None:
    events = [nsa("a", "Jake Sullivan"), nsa("b", "Michael Waltz")]
    assert not merge(events, [source("a", "2021-03-10"), source("b", "2025-02-01")]).conflicts
    near = merge(events, [source("a", "2024-12-20"), source("b", "2025-01-05")])
    assert len(conflicts_of(near, "role_holder")) == 1
    # A source of unknown date overlaps every other.
    unknown = merge(events, [source("a", "2021-03-10"), source("b", None)])
    assert len(conflicts_of(unknown, "role_holder")) == 1
    assert len(conflicts_of(merge(events), "role_holder")) == 1


def test_only_one_holder_roles_of_the_same_country_conflict() -> None:
    result = merge(
        [
            nsa("a", "Xi Jinping", "President", "China"),
            nsa("b", "Joe Biden", "President", "United States"),
            nsa("c", "Yoon Suk-yeol", "South Korean President", None),
            nsa("d", "Ned Price", "State Department spokesperson", None),
            nsa("e", "Matthew Miller", "State Department spokesperson", None),
            nsa("f", "Nancy Pelosi", "then-House Speaker", "United States"),
            nsa("g", "Mike Johnson", "House Speaker", "United States"),
            nsa("h", "Wang Yi", "state councilor", "China"),
            nsa("i", "Wang Huning", "state councilor", "China"),
            nsa("j", "Someone", "President", None),
        ]
    )
    assert result.conflicts == []


def test_a_persons_known_country_fills_in_a_missing_one() -> None:
    result = merge(
        [
            ev(
                "a",
                0,
                "Talks",
                start="2024-01-01",
                people=[("Jake Sullivan", None, "United States")],
            ),
            nsa("b", "Jake Sullivan", "National Security Advisor", None),
            nsa("c", "Jake Carney", "National Security Advisor", "US"),
        ]
    )
    [conflict] = result.conflicts
    assert claims(conflict) == {"Jake Sullivan": ["b"], "Jake Carney": ["c"]}


def test_participants_conflict_within_one_event() -> None:
    result = merge(
        [
            ev(
                "a",
                0,
                "Talks in Beijing",
                start="2024-08-28",
                location="Beijing",
                people=[
                    ("Jake Sullivan", "National Security Advisor", "US"),
                    ("Wang Yi", None, "China"),
                ],
            ),
            ev(
                "b",
                0,
                "Talks in Beijing",
                start="2024-08-28",
                location="Beijing",
                people=[
                    ("Jake Carney", "National Security Advisor", "US"),
                    ("Wang Yi", None, "China"),
                ],
            ),
        ]
    )
    [event] = result.events
    kinds = [(c.kind, c.event_id) for c in result.conflicts]
    assert kinds == [("role_holder", None), ("participants", event.id)]
    participants = conflicts_of(result, "participants")[0]
    assert participants.subject == NSA
    assert claims(participants) == {"Jake Carney": ["b"], "Jake Sullivan": ["a"]}


def test_conflict_order_is_deterministic() -> None:
    events = [
        nsa("a", "Jake Carney"),
        nsa("b", "Jake Sullivan"),
        nsa("c", "Xi Jinping", "President", "China"),
        nsa("d", "Li Qiang", "President", "China"),
    ]
    first = merge(events).conflicts
    assert [c.subject for c in first] == ["China President", NSA]
    assert merge(list(reversed(events))).conflicts == first
