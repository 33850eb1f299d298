"""Out-of-range and malformed values are dropped or clamped, each with a note; a run
with such an answer still writes its brief, and a bug in one article's merge costs
that article only."""

from __future__ import annotations

from typing import Any

import pytest

import diplosum
from diplosum.contracts.extraction import ArticleExtraction
from diplosum.sanitize import MAX_EVENTS, MAX_ITEMS, MAX_SHORT, sanitize_extraction
from diplosum.verify import QuoteLocator
from tests.fakes import FakeBackend
from tests.helpers import SEEDS, gold_answers


def _event(**overrides: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "title": "Alpha-Beta talks",
        "kind": "talks",
        "status": "held",
        "prominence": "primary",
        "date_text": None,
        "start_date": "2024-05-01",
        "end_date": None,
        "location": "Geneva, Switzerland",
        "participants": [],
        "agenda": [],
        "outcomes": [],
        "evidence": "Alpha met Beta in Geneva",
    }
    return event | overrides


def _sanitize(*events: dict[str, Any]) -> tuple[ArticleExtraction, list[tuple[str, str]]]:
    extraction = ArticleExtraction.model_validate({"headline": None, "events": list(events)})
    clean, notes = sanitize_extraction("a", extraction)
    assert all(n.source_id == "a" for n in notes)
    return clean, [(n.field, n.problem) for n in notes]


@pytest.mark.parametrize(
    ("start", "end", "kept", "note"),
    [
        ("0001-01-01", None, (None, None), ("start_date", "year 1 is outside 1800-2200; dropped")),
        ("9999-12-31", None, (None, None), ("start_date", "year 9999 is outside")),
        ("2024-02-30", None, (None, None), ("start_date", "'2024-02-30' is not an ISO 8601 date")),
        ("next week", None, (None, None), ("start_date", "'next week' is not an ISO 8601 date")),
        ("2024-05-03", "2024-05-01", ("2024-05-03", None), ("end_date", "is before the start")),
        (None, "2024-05-01", (None, None), ("end_date", "an end date without a start date")),
        ("2024-05-01", "9999", ("2024-05-01", None), ("end_date", "year 9999 is outside")),
    ],
)
def test_impossible_and_extreme_dates(
    start: str | None, end: str | None, kept: tuple[str | None, str | None], note: tuple[str, str]
) -> None:
    clean, notes = _sanitize(_event(start_date=start, end_date=end))
    assert (clean.events[0].start_date, clean.events[0].end_date) == kept
    field, problem = notes[0]
    assert field == f"events[0].{note[0]}" and note[1] in problem


def test_control_characters_huge_strings_and_empty_names() -> None:
    person = {"name": "Wang\u202e Yi\x00", "role": None, "affiliation": None, "evidence": "x"}
    nobody = {"name": " \n ", "role": None, "affiliation": None, "evidence": "x"}
    clean, notes = _sanitize(_event(title="T" * 100_000, participants=[person, nobody]))
    event = clean.events[0]
    assert len(event.title) == MAX_SHORT and event.title.endswith("…")
    assert [p.name for p in event.participants] == ["Wang Yi"]
    assert notes == [
        ("events[0].title", f"100,000 characters cut to {MAX_SHORT}"),
        ("events[0].participants[0].name", "control or bidirectional-override characters removed"),
        ("events[0].participants[1].name", "empty name; participant dropped"),
    ]


def test_thousands_of_items_and_repeated_events_are_capped_and_folded() -> None:
    topics = [{"topic": f"topic {i}", "detail": None, "evidence": "x"} for i in range(5000)]
    events = [_event(title=f"event {i}") for i in range(3 * MAX_EVENTS)]
    clean, notes = _sanitize(_event(agenda=topics), _event(agenda=topics), *events)
    assert len(clean.events) == MAX_EVENTS
    assert len(clean.events[0].agenda) == MAX_ITEMS
    assert ("events[0].agenda[100:]", "4,900 more dropped (limit 100)") in notes
    assert ("events[1]", "repeats events[0]; folded into it") in notes
    assert (
        f"events[{MAX_EVENTS + 1}:]",
        f"{2 * MAX_EVENTS + 1:,} more dropped (limit 200)",
    ) in notes


def test_a_year_9999_answer_does_not_cost_the_brief() -> None:
    answers = gold_answers()
    first = next(iter(answers))
    answers[first]["events"][0]["start_date"] = "9999-12-31"
    answers[first]["events"][0]["end_date"] = "0001-01-01"
    brief = diplosum.brief([SEEDS], backend=FakeBackend(answers))
    assert brief.failures == []
    assert len({sid for e in brief.events for sid in e.source_ids}) == 5
    assert [(n.source_id, n.field) for n in brief.notes] == [
        (first, "events[0].start_date"),
        (first, "events[0].end_date"),
    ]
    md = brief.to_markdown()
    assert "## Notes" in md and "year 9999 is outside 1800\\-2200" not in md
    assert "year 9999 is outside 1800-2200; dropped" in md


def test_a_merge_bug_costs_only_the_article_that_triggers_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from diplosum.merge.build import build_event as real_build

    def fragile(units: Any, *args: Any) -> Any:
        if any(u.source_id.startswith("003") for u in units):
            raise ZeroDivisionError("simulated merge bug")
        return real_build(units, *args)

    monkeypatch.setattr("diplosum.merge.build_event", fragile)
    brief = diplosum.brief([SEEDS], backend=FakeBackend(gold_answers()))
    (failure,) = brief.failures
    assert (failure.source_id[:3], failure.stage) == ("003", "merge")
    assert failure.error.startswith("ZeroDivisionError: simulated merge bug (at test_sanitize.py:")
    reported = {sid[:3] for e in brief.events for sid in e.source_ids}
    assert reported == {"000", "001", "002", "004"}


@pytest.mark.parametrize(
    ("quote", "verified", "note"),
    [
        ("the", False, "too short to place"),
        ("a", False, "too short to place"),
        ("of the", False, "too short to place"),
        ("Xi", False, "too short to place"),
        ("  ", False, "empty"),
        ("Wang Yi", True, None),
        ("met in Geneva", True, None),
        ("met in Paris", False, "not found in source"),
    ],
)
def test_evidence_too_short_to_place_is_not_verified(
    quote: str, verified: bool, note: str | None
) -> None:
    locator = QuoteLocator("a", "Wang Yi and Xi met in Geneva. The talks were a success.")
    attribution = locator.attribute(quote)
    assert (attribution.verified, attribution.note) == (verified, note)
    assert (attribution.start is None) is (not verified)


def test_the_added_name_office_and_place_fields_are_cleaned_and_capped() -> None:
    person = {
        "name": "Wang Yi",
        "role": None,
        "affiliation": None,
        "evidence": "x",
        "full_name": "Wang\u202e Yi",
        "office": "F" * (MAX_SHORT + 5),
    }
    clean, notes = _sanitize(
        _event(
            participants=[person],
            venue="Great\x00 Hall",
            city="  Geneva\n",
            region="",
            country="C" * (MAX_SHORT + 1),
        )
    )
    event = clean.events[0]
    assert (event.venue, event.city, event.region) == ("Great Hall", "Geneva", None)
    assert event.country is not None and len(event.country) == MAX_SHORT
    [p] = event.participants
    assert p.full_name == "Wang Yi" and p.office is not None and len(p.office) == MAX_SHORT
    fields = {f for f, _ in notes}
    assert fields == {
        "events[0].venue",
        "events[0].country",
        "events[0].participants[0].full_name",
        "events[0].participants[0].office",
    }


def test_the_schema_requires_every_field_and_allows_null_for_the_added_ones() -> None:
    schema = ArticleExtraction.model_json_schema()
    for name in ("Participant", "Event"):
        spec = schema["$defs"][name]
        assert spec["required"] == list(spec["properties"])
        assert not any("default" in p for p in spec["properties"].values())
    added = {
        "Participant": ("full_name", "office"),
        "Event": ("venue", "city", "region", "country"),
    }
    for name, fields in added.items():
        for f in fields:
            assert {"type": "null"} in schema["$defs"][name]["properties"][f]["anyOf"]
