"""Merge II: outcomes affirmed and denied, agreed vs only expected, real date conflicts;
and one event however many sources copy it. The extractions are hand-written."""

from __future__ import annotations

import json

from diplosum.contracts.sourced import SourcedEvent
from diplosum.merge import merge
from diplosum.merge.items import outcome_words
from tests.test_merge_fixtures import Result, claims, conflicts_of, ev, sources_of
from tests.test_merge_seeds import gold_events

PEOPLE = [("Wang Yi", None, "China"), ("Antony Blinken", None, "United States")]


def talks(
    source: str, *outcomes: Result, start: str = "2024-06-03", end: str | None = None
) -> SourcedEvent:
    return ev(
        source,
        0,
        "Blinken-Wang talks",
        start=start,
        end=end,
        location="Beijing",
        people=PEOPLE,
        outcomes=outcomes,
    )


def test_outcome_affirmed_by_one_source_and_denied_by_another() -> None:
    result = merge(
        [
            talks("a", ("The two sides agreed to resume direct flights", "agreed")),
            talks("b", ("No agreement on flights was reached", "announced")),
        ]
    )
    [conflict] = conflicts_of(result, "outcome")
    assert claims(conflict) == {
        "affirmed: The two sides agreed to resume direct flights": ["a"],
        "denied: No agreement on flights was reached": ["b"],
    }
    assert len(result.events[0].outcomes) == 2


def test_outcome_affirmed_and_denied_within_one_source() -> None:
    result = merge(
        [
            talks(
                "a",
                ("Both sides agreed to expand student exchanges", "agreed"),
                ("The talks did not produce a deal on student exchanges", "announced"),
            )
        ]
    )
    [conflict] = conflicts_of(result, "outcome")
    assert [sources_of(c.attributions) for c in conflict.claims] == [["a"], ["a"]]


def test_denial_of_another_subject_is_no_conflict() -> None:
    assert outcome_words("No agreement on tariffs was reached") == (True, "tariff")
    result = merge(
        [
            talks("a", ("The two sides agreed to resume direct flights", "agreed")),
            talks("b", ("No agreement on tariffs was reached", "announced")),
        ]
    )
    assert conflicts_of(result, "outcome") == []


def test_agreed_in_one_source_and_only_expected_in_another() -> None:
    result = merge(
        [
            talks("a", ("China agreed to hold a theater commander call", "agreed")),
            talks("b", ("A theater commander call is expected", "expected")),
        ]
    )
    [outcome] = result.events[0].outcomes
    assert sources_of(outcome.attributions) == ["a", "b"]
    [conflict] = conflicts_of(result, "outcome_status")
    assert claims(conflict) == {"agreed": ["a"], "expected": ["b"]}


def test_a_range_containing_the_other_sources_day_is_no_date_conflict() -> None:
    result = merge(
        [talks("a", start="2024-06-03", end="2024-06-05"), talks("b", start="2024-06-04")]
    )
    [event] = result.events
    assert (event.start_date, event.end_date) == ("2024-06-03", "2024-06-05")
    assert conflicts_of(result, "date") == []


def test_days_that_really_differ_are_a_date_conflict() -> None:
    result = merge([talks("a", start="2024-06-03"), talks("b", start="2024-06-05")])
    assert len(result.events) == 1
    [conflict] = conflicts_of(result, "date")
    assert claims(conflict) == {"2024-06-03": ["a"], "2024-06-05": ["b"]}


def _copy(event: SourcedEvent, n: int) -> SourcedEvent:
    text = event.model_dump_json().replace(event.source_id, f"{event.source_id}-{n:03d}")
    return SourcedEvent.model_validate(json.loads(text))


def test_seeds_copied_600_times_give_the_events_of_the_seeds_once() -> None:
    seeds = gold_events()
    once = merge(seeds)
    many = merge([_copy(e, n) for n in range(600) for e in seeds])

    def shape(events: list[tuple[str, str | None, int]]) -> list[tuple[str, str | None, int]]:
        return sorted(events, key=lambda t: (t[0], t[1] or "", t[2]))

    assert shape([(e.title, e.start_date, 600 * len(e.source_ids)) for e in once.events]) == shape(
        [(e.title, e.start_date, len(e.source_ids)) for e in many.events]
    )
