"""Which new articles a run may summarise within its budget, estimated before sending.

Articles are taken in the order they were found. ``max_articles`` caps how many;
``max_cost_usd`` caps the estimated cost: the prompt tokens of each request the brief
would send for the article (one per chunk of a long one, counted offline, as sent)
plus ``estimate.COMPLETION_TOKENS_PER_CALL`` per request (the guess ``diplosum
estimate`` makes) at the model's price, nothing for an answer the cache or the
recordings already hold. A syndicated copy is costed as if it were sent (the brief
may extract it once with its original, never more). The rest is deferred to the next
run, each with the reason, never dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from diplosum.article import Article
from diplosum.contracts.brief import Deferred
from diplosum.digest.config import DigestConfig
from diplosum.errors import ConfigurationError
from diplosum.estimate import COMPLETION_TOKENS_PER_CALL
from diplosum.llm.modes import prompt_tokens
from diplosum.llm.pricing import cost_usd
from diplosum.llm.tokens import TokenCount, encoding_name
from diplosum.prompts import load_prompt
from diplosum.requests import plan_requests
from diplosum.settings import resolve_mode, resolve_model
from diplosum.store.cache import ResponseCache
from diplosum.store.recordings import RecordingFile


@dataclass
class Budget:
    """The run's plan, before sending: ``calls`` the requests of the selected articles
    still to send, ``cached`` those whose answer is already held (nothing to pay now);
    ``estimates`` each selected article's prompt tokens, over all its requests. Not the
    usage: the brief's ``usage`` counts what was sent and what it cost."""

    selected: list[Article] = field(default_factory=list)
    estimates: list[TokenCount] = field(default_factory=list)
    deferred: list[Deferred] = field(default_factory=list)
    calls: int = 0
    cached: int = 0
    estimated_cost_usd: float | None = 0.0


def plan_budget(articles: Sequence[Article], config: DigestConfig) -> Budget:
    recordings = RecordingFile.load(config.replay) if config.replay else None
    model = resolve_model(config.model, recorded_models=recordings.models() if recordings else None)
    mode = resolve_mode(config.mode)
    encoding = encoding_name(model)
    # Only a cache that exists can hold answers; opening one would create it.
    cached = config.cache_path is not None and config.cache_path.exists() and not recordings
    cache = ResponseCache(config.cache_path) if cached and config.cache_path else None
    # The brief's own requests (chunks included); copies are costed as sent, since the
    # original may be deferred while the copy is not.
    plans = plan_requests(
        articles,
        prompt=load_prompt(),
        model=model,
        mode=mode,
        temperature=0.0,
        encoding=encoding,
        copies=False,
    )
    budget = Budget()
    for plan in plans:
        article = plan.article
        tokens = sent = held = 0
        for request in plan.requests:
            count = prompt_tokens(request, encoding=encoding).tokens
            tokens += count
            answered = (recordings is not None and recordings.get(request.fingerprint)) or (
                cache is not None and cache.get(request.fingerprint)
            )
            if answered:
                held += 1
            else:
                sent += count
        calls = len(plan.requests) - held
        cost = cost_usd(model, sent, calls * COMPLETION_TOKENS_PER_CALL) if calls else 0.0
        reason = _over(budget, cost, config, model)
        if reason is not None:
            where = article.path or article.url or article.id
            budget.deferred.append(Deferred(source_id=article.id, where=where, reason=reason))
            continue
        budget.selected.append(article)
        budget.estimates.append(TokenCount(tokens, encoding))
        budget.calls += calls
        budget.cached += held
        if budget.estimated_cost_usd is not None:
            budget.estimated_cost_usd = None if cost is None else budget.estimated_cost_usd + cost
    return budget


def _over(budget: Budget, cost: float | None, config: DigestConfig, model: str) -> str | None:
    """Why this article must wait for the next run, or None."""
    if config.max_articles is not None and len(budget.selected) >= config.max_articles:
        return f"max_articles={config.max_articles} reached"
    if config.max_cost_usd is None:
        return None
    if cost is None:
        raise ConfigurationError(
            f"{config.origin}: max_cost_usd is set but model {model!r} has no price; "
            "add it with DIPLOSUM_PRICES or remove max_cost_usd"
        )
    spent = budget.estimated_cost_usd or 0.0
    if spent + cost > config.max_cost_usd:
        return f"max_cost_usd={config.max_cost_usd:g} reached (estimated ${spent + cost:.4f})"
    return None
