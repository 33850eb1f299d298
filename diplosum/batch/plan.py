"""What a batch run would send: the pipeline's own requests, split by what is held.

``plan_batch`` builds exactly the requests ``brief()`` would (same prompt, model,
mode, chunks, copies and fingerprints, through ``requests.plan_requests``) and sorts
them into those the response cache holds, those waiting in a batch, those refused
before sending (over ``max_input_tokens``), and those to submit.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field

from diplosum.article import Article
from diplosum.errors import ContextLengthError, ModelError
from diplosum.llm.base import ExtractionRequest, ModelReply, Origin
from diplosum.llm.modes import prompt_tokens
from diplosum.llm.tokens import encoding_name
from diplosum.prompts import load_prompt
from diplosum.requests import ArticlePlan, plan_requests
from diplosum.settings import resolve_mode, resolve_model
from diplosum.store.batches import DONE, BatchStore, Job
from diplosum.store.cache import ResponseCache


@dataclass
class BatchPlan:
    model: str
    plans: list[ArticlePlan]
    held: list[ExtractionRequest] = field(default_factory=list)
    waiting: dict[str, Job] = field(default_factory=dict)  # fingerprint -> its job
    refused: dict[str, str] = field(default_factory=dict)  # fingerprint -> why
    to_submit: list[ExtractionRequest] = field(default_factory=list)

    @property
    def requests(self) -> list[ExtractionRequest]:
        return [r for plan in self.plans for r in plan.requests]

    def ready(self, article_id: str) -> bool:
        """Whether every request of the article (or of its original) is answered."""
        by_id = {p.article.id: p for p in self.plans}
        plan = by_id[article_id]
        if plan.copy_of is not None:
            plan = by_id[plan.copy_of]
        held = {r.fingerprint for r in self.held}
        return all(r.fingerprint in held for r in plan.requests)

    def waiting_for(self, article_id: str) -> Job | None:
        by_id = {p.article.id: p for p in self.plans}
        plan = by_id[article_id]
        if plan.copy_of is not None:
            plan = by_id[plan.copy_of]
        waiting = (self.waiting.get(r.fingerprint) for r in plan.requests)
        return next((job for job in waiting if job is not None), None)


def plan_batch(
    articles: Sequence[Article],
    *,
    cache: ResponseCache,
    store: BatchStore,
    model: str | None = None,
    mode: str | None = None,
    prompt_dir: str | os.PathLike[str] | None = None,
    temperature: float | None = 0.0,
    max_chunk_tokens: int | None = None,
    max_input_tokens: int | None = None,
) -> BatchPlan:
    chosen_mode = resolve_mode(mode)
    chosen_model = resolve_model(model)
    encoding = encoding_name(chosen_model)
    plans = plan_requests(
        articles,
        prompt=load_prompt(prompt_dir),
        model=chosen_model,
        mode=chosen_mode,
        temperature=temperature,
        encoding=encoding,
        max_chunk_tokens=max_chunk_tokens,
        copies=True,
    )
    result = BatchPlan(chosen_model, plans)
    requests = result.requests
    waiting = store.waiting(r.fingerprint for r in requests)
    for request in requests:
        if cache.get(request.fingerprint) is not None:
            result.held.append(request)
        elif request.fingerprint in waiting:
            result.waiting[request.fingerprint] = waiting[request.fingerprint]
        elif max_input_tokens is not None and (
            (count := prompt_tokens(request, encoding=encoding)).tokens > max_input_tokens
        ):
            result.refused[request.fingerprint] = (
                f"article {request.article_id}: prompt is {count.tokens} tokens "
                f"({count.encoding}), over max_input_tokens={max_input_tokens}; not sent"
            )
        else:
            result.to_submit.append(request)
    return result


class CacheOnlyBackend:
    """Answers from the response cache only; never calls a model.

    What a batch run briefs with: an answer not collected yet fails its article
    (with the reason: still waiting in a batch, refused, or not submitted). With the
    batch ``store``, an answer a batch collected and no brief has used yet is that
    request's call, as the usage counts it (origin ``batch``, with the line's tokens;
    ``live``, for a line the batch failed and the collect retried live); later
    briefs, like any other cache hit, count it as cached.
    """

    def __init__(
        self,
        cache: ResponseCache,
        plan: BatchPlan | None = None,
        store: BatchStore | None = None,
    ) -> None:
        self.cache = cache
        self.plan = plan
        self.store = store

    async def extract(self, request: ExtractionRequest) -> ModelReply:
        hit = self.cache.get(request.fingerprint)
        if hit is not None:
            content, model = hit
            first = self.store.first_use(request.fingerprint) if self.store else None
            if first is None:
                return ModelReply(content=content, model=model, origin="cache")
            origin: Origin = "batch" if first.state == DONE else "live"
            return ModelReply(content=content, model=model, origin=origin, stats=first.stats)
        if self.plan is not None and request.fingerprint in self.plan.refused:
            refused = self.plan.refused[request.fingerprint]
            raise ContextLengthError(refused)
        if self.plan is not None and request.fingerprint in self.plan.waiting:
            job = self.plan.waiting[request.fingerprint]
            raise ModelError(
                f"article {request.article_id}: still waiting in batch {job.batch_id or job.id}"
            )
        raise ModelError(f"article {request.article_id}: no answer collected from a batch")
