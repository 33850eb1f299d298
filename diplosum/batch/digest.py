"""``diplosum digest --batch``: collect at the start of a run, submit instead of calling.

At the start of the run, ``collect_finished`` puts every finished batch into the
response cache (failed lines retried live). After the run has picked its new
articles, ``submit_missing`` submits the requests the cache lacks (and no batch is
waiting for) and defers the articles still waiting to a later run (listed under
**Deferred**, with the batch); the digest is written from the rest, through a
backend that only reads the cache, so a batch digest never makes a live call.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence

from diplosum.article import Article
from diplosum.batch.command import collect, render_collect, submit
from diplosum.batch.plan import CacheOnlyBackend, plan_batch
from diplosum.contracts.brief import Deferred
from diplosum.digest.budget import Budget
from diplosum.digest.config import DigestConfig
from diplosum.errors import ConfigurationError
from diplosum.llm.base import ExtractionBackend
from diplosum.llm.settings import ClientSettings
from diplosum.store.batches import BatchStore, batches_path_for
from diplosum.store.cache import ResponseCache

log = logging.getLogger("diplosum.batch")


def _stores(config: DigestConfig) -> tuple[ResponseCache, BatchStore, ClientSettings]:
    if config.replay is not None or not config.cache_path:
        raise ConfigurationError(
            f"{config.origin}: --batch answers through the response cache: set cache, not replay"
        )
    cache = ResponseCache(config.cache_path)
    return cache, BatchStore(batches_path_for(cache.path)), ClientSettings(base_url=config.base_url)


async def collect_finished(config: DigestConfig) -> str:
    """Collect the finished batches into the cache; the collect report."""
    cache, store, settings = _stores(config)
    report = await collect(store, cache, settings, failed="retry")
    text = render_collect(report, store)
    log.info("%s", text)
    return text


async def submit_missing(
    config: DigestConfig, earlier: Sequence[Article], budget: Budget
) -> tuple[Budget, ExtractionBackend]:
    """Submit what the chosen articles lack; the budget without the articles still
    waiting (deferred), and the cache-only backend to brief the rest with."""
    cache, store, settings = _stores(config)
    plan = plan_batch(
        [*earlier, *budget.selected], cache=cache, store=store, model=config.model, mode=config.mode
    )
    if plan.to_submit:
        report = await submit(store, settings, plan, after_upload=None)
        for submitted in report.submitted:
            for line in store.lines(submitted.id):
                plan.waiting[line.request.fingerprint] = submitted
        plan.to_submit = []
    selected, estimates, deferred = [], [], list(budget.deferred)
    for article, estimate in zip(budget.selected, budget.estimates, strict=True):
        if plan.ready(article.id):
            selected.append(article)
            estimates.append(estimate)
            continue
        job = plan.waiting_for(article.id)
        where = article.path or article.url or article.id
        reason = (
            f"waiting for batch {job.batch_id or job.id} (collected by a later run)"
            if job is not None
            else "no answer collected from a batch"
        )
        deferred.append(Deferred(source_id=article.id, where=where, reason=reason))
    kept = dataclasses.replace(
        budget,
        selected=selected,
        estimates=estimates,
        deferred=deferred,
        # Nothing is left to send: every selected article's answer is in the cache now.
        # The brief's usage still counts the answers a batch sent as calls (batch_calls).
        calls=0,
        cached=len(selected),
        estimated_cost_usd=0.0,
    )
    return kept, CacheOnlyBackend(cache, plan, store)
