"""Which new articles a run may summarise within its budget, estimated before sending.

Articles are taken in the order they were found. ``max_articles`` caps how many;
``max_cost_usd`` caps the estimated cost: each article's prompt tokens (counted
offline, as sent) plus ``estimate.COMPLETION_TOKENS_PER_CALL`` (the guess
``diplosum estimate`` makes) at the model's price, nothing for an answer the cache or
the recordings already hold. The rest is deferred to the
next run, each with the reason, never dropped.
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
from diplosum.requests import build_request
from diplosum.settings import resolve_mode, resolve_model
from diplosum.store.cache import ResponseCache
from diplosum.store.recordings import RecordingFile


@dataclass
class Budget:
    """The run's plan, before sending: ``calls`` the selected articles that need a
    model call, ``cached`` those whose answer is already held (nothing to pay now).
    Not the usage: the brief's ``usage`` counts what was sent and what it cost."""

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
    prompt = load_prompt()
    encoding = encoding_name(model)
    # Only a cache that exists can hold answers; opening one would create it.
    cached = config.cache_path is not None and config.cache_path.exists() and not recordings
    cache = ResponseCache(config.cache_path) if cached and config.cache_path else None
    budget = Budget()
    for article in articles:
        request = build_request(article, prompt=prompt, model=model, mode=mode, temperature=0.0)
        tokens = prompt_tokens(request, encoding=encoding)
        answered = (recordings is not None and recordings.get(request.fingerprint) is not None) or (
            cache is not None and cache.get(request.fingerprint) is not None
        )
        cost = 0.0 if answered else cost_usd(model, tokens.tokens, COMPLETION_TOKENS_PER_CALL)
        reason = _over(budget, cost, config, model)
        if reason is not None:
            where = article.path or article.url or article.id
            budget.deferred.append(Deferred(source_id=article.id, where=where, reason=reason))
            continue
        budget.selected.append(article)
        budget.estimates.append(tokens)
        if answered:
            budget.cached += 1
        else:
            budget.calls += 1
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
