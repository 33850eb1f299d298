"""Property: any schema-valid extraction, unicode and all, goes through sanitize, verify,
merge and render without an error, and what comes out is well formed.

The steps are called directly (not through ``assemble``, which would turn a crash into a
``Failure``), so any exception here is a bug found.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from diplosum.contracts.brief import Brief, Provenance, Source
from diplosum.contracts.extraction import ArticleExtraction
from diplosum.merge import merge
from diplosum.render import RENDERERS
from diplosum.safetext import BIDI_CONTROLS
from diplosum.sanitize import sanitize_extraction
from diplosum.verify import normalise, normalise_quote, verify_extraction

# Every code point, surrogates included (a JSON "\ud800" escape decodes to one).
ANY_CHAR = st.characters(codec=None, categories=None)
TEXT = st.text(ANY_CHAR, max_size=40) | st.sampled_from(
    ["", " ", "\n\n", "<script>x</script>", "[a](javascript:x)", "\u202e", "the", "a"]
)
DATES = st.none() | TEXT | st.sampled_from(
    ["0001-01-01", "9999-12-31", "0000", "2024-02-30", "2024-13", "2024", "2024-08",
     "2024-08-27", "1799-12-31", "2200-12-31", "2024-08-27T10:00:00Z", "-2024"]
) | st.dates().map(lambda d: d.isoformat())  # fmt: skip


def _item(fields: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(fields)


PARTICIPANT = _item({"name": TEXT, "role": st.none() | TEXT, "affiliation": st.none() | TEXT,
                     "evidence": TEXT})  # fmt: skip
AGENDA = _item({"topic": TEXT, "detail": st.none() | TEXT, "evidence": TEXT})
OUTCOME_STATUS = st.sampled_from(["agreed", "announced", "expected", "speculated"])
OUTCOME = _item({"description": TEXT, "evidence": TEXT, "status": OUTCOME_STATUS})
EVENT = _item(
    {
        "title": TEXT,
        "kind": st.sampled_from(["talks", "visit", "summit", "call", "dialogue", "other"]),
        "status": st.sampled_from(
            ["planned", "held", "ongoing", "proposed", "cancelled", "unclear"]
        ),
        "prominence": st.sampled_from(["primary", "background"]),
        "date_text": st.none() | TEXT,
        "start_date": DATES,
        "end_date": DATES,
        "location": st.none() | TEXT,
        "participants": st.lists(PARTICIPANT, max_size=4),
        "agenda": st.lists(AGENDA, max_size=3),
        "outcomes": st.lists(OUTCOME, max_size=3),
        "evidence": TEXT,
    }
)
EXTRACTION = st.fixed_dictionaries(
    {"headline": st.none() | TEXT, "events": st.lists(EVENT, max_size=4)}
).map(ArticleExtraction.model_validate)
ARTICLES = st.lists(st.tuples(st.text(ANY_CHAR, max_size=200), EXTRACTION), min_size=1, max_size=4)


def _chain(articles: list[tuple[str, ArticleExtraction]]) -> tuple[Brief, list[str]]:
    sources, events, notes, texts = [], [], [], {}
    for i, (text, extraction) in enumerate(articles):
        sid = f"{i:03d}"
        clean, article_notes = sanitize_extraction(sid, extraction)
        events += verify_extraction(sid, text, clean)
        notes += article_notes
        texts[sid] = text
        sources.append(Source(id=sid, title=clean.headline, sha256="0" * 64))
    merged = merge(events, sources)
    brief = Brief(
        sources=sources,
        events=merged.events,
        conflicts=merged.conflicts,
        notes=notes,
        provenance=Provenance(model="m", prompt_sha256="p", diplosum_version="0", generated_at="t"),
    )
    return brief, [render(brief) for render in RENDERERS]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ARTICLES)
def test_any_extraction_survives_verify_merge_and_render(
    articles: list[tuple[str, ArticleExtraction]],
) -> None:
    brief, outputs = _chain(articles)
    assert Brief.model_validate_json(brief.model_dump_json()) == brief
    for output in outputs:
        assert not any(ch in BIDI_CONTROLS for ch in output)
        assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in output)
    texts = {f"{i:03d}": text for i, (text, _) in enumerate(articles)}
    for event in brief.events:
        assert event.title.strip()
        for a in event.attributions:
            if a.verified:
                assert a.start is not None and a.end is not None
                located = normalise(texts[a.source_id][a.start : a.end]).text
                assert located == normalise_quote(a.quote)
            else:
                assert a.start is None and a.note
