"""Merging the five seed articles: the hand-made fixture, and the gold extractions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from diplosum.contracts.extraction import ArticleExtraction
from diplosum.contracts.sourced import (
    SourcedEvent,
)
from diplosum.ingest.clean import clean_text
from diplosum.merge import MergeResult, merge
from diplosum.verify import verify_extraction
from tests.test_merge_fixtures import (
    S0,
    S1,
    S2,
    S3,
    S4,
    SEEDS,
    claims,
    conflicts_of,
    find_event,
    input_attributions,
    output_attributions,
    seed_events,
    sources_of,
)

GOLD = Path(__file__).resolve().parent.parent / "examples" / "recordings" / "gold"
NSA = "United States National Security Advisor"


@pytest.fixture(scope="module")
def seeds() -> MergeResult:
    return merge(seed_events())


def test_seed_timeline(seeds: MergeResult) -> None:
    assert [(e.start_date, e.title, sources_of(e.attributions)) for e in seeds.events] == [
        ("2021-03", "Blinken-Austin trip to Japan and South Korea", [S3]),
        ("2021-03", "US-China talks in Alaska", [S3]),
        ("2022-08", "Pelosi visit to Taiwan", [S2]),
        ("2023-06-18", "Blinken visit to China", [S4]),
        ("2023-11-15", "Biden-Xi summit in Woodside", [S1, S2]),
        ("2024-01", "Sullivan-Wang meeting in Bangkok", [S1]),
        ("2024-07", "Blinken-Wang meeting in Laos", [S1]),
        ("2024-08-27", "Sullivan-Wang talks in Beijing", [S1, S2]),
        (None, "Biden-Xi call", [S2]),
        (None, "Blinken visit to Beijing", [S1]),
        (None, "Carney-Xi meeting in South Korea", [S0]),
    ]


def test_seed_beijing_talks(seeds: MergeResult) -> None:
    talks = find_event(seeds, "Sullivan-Wang talks in Beijing")
    assert (talks.start_date, talks.end_date, talks.status) == ("2024-08-27", "2024-08-29", "held")
    assert talks.location == "Beijing, China"
    people = {p.name: (p.aliases, sources_of(p.attributions)) for p in talks.participants}
    assert people == {"Jake Sullivan": ([], [S1, S2]), "Wang Yi": (["Yi"], [S1, S2])}
    agenda = {i.topic: sources_of(i.attributions) for i in talks.agenda}
    assert agenda["fentanyl crisis"] == [S1, S2]
    assert agenda["artificial intelligence"] == [S1, S2]
    assert len(talks.outcomes) == 3


def test_seed_people_across_articles(seeds: MergeResult) -> None:
    blinken = {
        alias
        for e in seeds.events
        for p in e.participants
        if p.name == "Antony Blinken"
        for alias in p.aliases
    }
    assert blinken == {"Anthony Blinken", "Blinken", "Secretary of State Antony Blinken"}
    woodside = find_event(seeds, "Biden-Xi summit in Woodside")
    assert {p.name: p.aliases for p in woodside.participants} == {
        "Joe Biden": ["Biden"],
        "Xi Jinping": ["Xi"],
    }


def test_seed_conflicts(seeds: MergeResult) -> None:
    [conflict] = seeds.conflicts
    assert (conflict.kind, conflict.subject) == ("role_holder", NSA)
    assert claims(conflict) == {"Jake Sullivan": [S1, S2, S3], "Jake Carney": [S0]}


def test_seed_attributions_all_kept(seeds: MergeResult) -> None:
    assert output_attributions(seeds.events) == input_attributions(seed_events())


def gold_events() -> list[SourcedEvent]:
    """SourcedEvents from the hand-written gold extractions, verified as the pipeline does."""
    out: list[SourcedEvent] = []
    for path in sorted(GOLD.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        sid = data["article_id"]
        text = clean_text((SEEDS / f"{sid}.txt").read_text(encoding="utf-8"))
        extraction = ArticleExtraction.model_validate(data["extraction"])
        out.extend(verify_extraction(sid, text, extraction))
    return out


def test_gold_extractions_merge_as_expected() -> None:
    events = gold_events()
    result = merge(events)
    assert output_attributions(result.events) == input_attributions(events)
    by_sources = {tuple(e.source_ids) for e in result.events}
    assert (S1, S2) in by_sources  # the Beijing talks, and the Woodside summit
    assert sum(1 for e in result.events if e.source_ids == [S1, S2]) == 2
    meetings = [
        e for e in result.events if {"Jake Sullivan", "Wang Yi"} <= {p.name for p in e.participants}
    ]
    assert len(meetings) == 3
    [conflict] = conflicts_of(result, "role_holder")
    assert claims(conflict) == {"Jake Sullivan": [S1, S2, S3], "Jake Carney": [S0]}
    names = {p.name for e in result.events for p in e.participants}
    assert "Anthony Blinken" not in names and "Biden" not in names
