"""``diplosum brief --batch`` and ``diplosum batch status|collect``.

``brief --batch``: the requests the cache does not hold (and no batch is waiting
for) are submitted, and the command ends; once every answer is collected, the same
command writes the brief from the cache with zero live calls. ``batch status``
shows the batches not collected yet; ``batch collect`` puts finished ones into the
cache (``--failed retry|resubmit`` for failed lines). Both take the response cache
(``--cache``) whose batch store (``<cache>.batches.sqlite3``, or
``$DIPLOSUM_BATCHES``) they use.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from diplosum.batch.collect import (
    FAILED_POLICIES,
    Collector,
    CollectReport,
    FailedPolicy,
    JobReport,
    live_cost,
)
from diplosum.batch.plan import BatchPlan, CacheOnlyBackend, plan_batch
from diplosum.batch.pricing import BATCH_DISCOUNT, batch_cost_usd, describe_cost
from diplosum.batch.submit import Hook, SubmitReport, Submitter
from diplosum.contracts.brief import Brief
from diplosum.digest.lock import run_lock
from diplosum.errors import ConfigurationError
from diplosum.estimate import COMPLETION_TOKENS_PER_CALL
from diplosum.llm.base import ExtractionBackend
from diplosum.llm.batch_wire import BatchAPI
from diplosum.llm.modes import prompt_tokens
from diplosum.llm.pricing import cost_usd
from diplosum.llm.settings import ClientSettings
from diplosum.llm.tokens import encoding_name
from diplosum.render import FORMATS_TO_PROVE
from diplosum.store.batches import PLANNED, UPLOADED, BatchStore, Job, batches_path_for
from diplosum.store.cache import ResponseCache, default_cache_path

EXIT_OK, EXIT_PARTIAL = 0, 1


def add_parser(sub: Any) -> None:
    b = sub.add_parser("batch", help="Batch API runs: status and collect (see brief --batch)")
    actions = b.add_subparsers(dest="action", required=True)
    for name, text in (
        ("status", "show the batches not collected yet"),
        ("collect", "put finished batches' answers into the response cache"),
    ):
        p = actions.add_parser(name, help=text)
        p.add_argument("--cache", type=Path, metavar="PATH", help="cache file ($DIPLOSUM_CACHE)")
        p.add_argument("--base-url", help="OpenAI-compatible endpoint (default: $OPENAI_BASE_URL)")
        p.add_argument("--timeout", type=float, help="seconds per request")
        if name == "collect":
            p.add_argument(
                "--failed",
                choices=FAILED_POLICIES,
                default="retry",
                help="failed lines: retry them live now (default) or put them in a new batch",
            )


def open_stores(cache: Path | None) -> tuple[ResponseCache, BatchStore]:
    response_cache = ResponseCache(cache if cache is not None else default_cache_path())
    return response_cache, BatchStore(batches_path_for(response_cache.path))


def run(args: argparse.Namespace) -> int:
    """``diplosum batch status|collect``."""
    settings = ClientSettings(base_url=args.base_url, timeout=args.timeout)
    cache, store = open_stores(args.cache)
    if args.action == "status":
        reports = asyncio.run(_status(store, cache, settings))
        print(render_status(reports, collected_before=len(store.jobs(active=False))))
        return EXIT_OK
    report = asyncio.run(collect(store, cache, settings, failed=args.failed))
    print(render_collect(report, store))
    return EXIT_PARTIAL if report.failed else EXIT_OK


async def _status(store: BatchStore, cache: ResponseCache, settings: ClientSettings) -> list[Any]:
    api = BatchAPI(settings)
    try:
        return await Collector(store, cache, Submitter(store, api, settings)).status()
    finally:
        await api.aclose()


async def collect(
    store: BatchStore,
    cache: ResponseCache,
    settings: ClientSettings,
    *,
    failed: FailedPolicy = "retry",
    live: Callable[[], ExtractionBackend] | None = None,
) -> CollectReport:
    """Collect every finished batch into ``cache`` (see ``diplosum.batch.collect``)."""
    if not store.jobs(active=True):
        return CollectReport()  # nothing to ask: collecting again costs nothing
    api = BatchAPI(settings)
    collector = Collector(
        store,
        cache,
        Submitter(store, api, settings),
        live=live or (lambda: _live_backend(settings)),
        failed=failed,
    )
    try:
        with run_lock(store.path, wait=True):  # two collectors would retry lines twice
            return await collector.collect()
    finally:
        await collector.aclose()
        await api.aclose()


def _live_backend(settings: ClientSettings) -> ExtractionBackend:
    from diplosum.llm.openai_backend import OpenAIBackend

    return OpenAIBackend(settings)


async def submit(
    store: BatchStore, settings: ClientSettings, plan: BatchPlan, *, after_upload: Hook | None
) -> SubmitReport:
    api = BatchAPI(settings)
    try:
        # Submitter checks what is already waiting; the lock makes that check and the
        # submission one step, so two runs at once never submit the same requests.
        with run_lock(store.path, wait=True):
            return await Submitter(store, api, settings, after_upload=after_upload).submit(
                plan.to_submit
            )
    finally:
        await api.aclose()


def brief_or_submit(args: argparse.Namespace, *, after_upload: Hook | None = None) -> Brief | int:
    """``diplosum brief --batch``: the brief, when every answer is collected; else submit
    what is missing (or say what is still running) and return the exit code."""
    from diplosum.ingest.load import load_articles
    from diplosum.pipeline import brief

    if args.no_cache or args.replay or args.record or args.auto_record:
        raise ConfigurationError(
            "--batch answers through the response cache: drop --no-cache/--replay/--record"
        )
    settings = ClientSettings(
        base_url=args.base_url, timeout=args.timeout, max_input_tokens=args.max_input_tokens
    )
    cache, store = open_stores(args.cache)
    plan = plan_batch(
        load_articles(args.inputs).articles,
        cache=cache,
        store=store,
        model=args.model,
        mode=args.mode,
        prompt_dir=args.prompt_dir,
        temperature=args.temperature,
        max_chunk_tokens=args.max_chunk_tokens,
        max_input_tokens=args.max_input_tokens,
    )
    unsent = [job for job in store.jobs(active=True) if job.status in (PLANNED, UPLOADED)]
    if plan.to_submit or unsent:  # a run killed before submitting left some: finish them
        report = asyncio.run(submit(store, settings, plan, after_upload=after_upload))
        print(render_submit(plan, report), file=sys.stderr)
        return EXIT_OK
    if plan.waiting:
        print(render_waiting(plan), file=sys.stderr)
        return EXIT_OK
    return brief(
        args.inputs,
        model=args.model,
        mode=args.mode,
        prompt_dir=args.prompt_dir,
        temperature=args.temperature,
        max_chunk_tokens=args.max_chunk_tokens,
        backend=CacheOnlyBackend(cache, plan, store),
        formats=FORMATS_TO_PROVE[args.format],
    )


# -- what the commands print ----------------------------------------------------------


def _batch_names(jobs: list[Job]) -> str:
    return ", ".join(job.batch_id or f"job {job.id}" for job in jobs)


def estimated_cost(plan: BatchPlan) -> float | None:
    """Standard-price estimate of the requests to submit (halve it for the batch price)."""
    encoding = encoding_name(plan.model)
    tokens = sum(prompt_tokens(r, encoding=encoding).tokens for r in plan.to_submit)
    return cost_usd(plan.model, tokens, COMPLETION_TOKENS_PER_CALL * len(plan.to_submit))


def render_submit(plan: BatchPlan, report: SubmitReport) -> str:
    jobs = [*report.resumed, *report.submitted]
    size = sum(job.bytes for job in jobs)
    requests = sum(job.lines for job in jobs)
    host = jobs[0].host if jobs else "?"
    lines = [
        f"diplosum: submitted {requests} request(s) in {len(jobs)} batch(es) "
        f"({_batch_names(jobs)}; {size:,} bytes) to {host}; {len(plan.held)} answered by "
        f"the cache, {len(plan.waiting)} already waiting",
        f"diplosum: estimated ~{describe_cost(estimated_cost(plan), model=plan.model)}",
        "diplosum: when done (within 24 h): diplosum batch collect, then this command again "
        "writes the brief",
    ]
    if report.resumed:
        names = _batch_names(report.resumed)
        lines.insert(1, f"diplosum: {names} had been left unsubmitted by an earlier run")
    if report.too_large:
        lines.append(f"diplosum: not sent (line over 200 MB): {', '.join(report.too_large)}")
    return "\n".join(lines)


def render_waiting(plan: BatchPlan) -> str:
    jobs = {job.id: job for job in plan.waiting.values()}
    return (
        f"diplosum: {len(plan.waiting)} request(s) still waiting in "
        f"{_batch_names(list(jobs.values()))}; {len(plan.held)} answered by the cache. "
        "Run diplosum batch status / diplosum batch collect; nothing written yet"
    )


def render_status(reports: list[JobReport], *, collected_before: int) -> str:
    lines = []
    for r in reports:
        lines.append(
            f"{r.job.batch_id or '(not submitted)'} (job {r.job.id}): {r.status}, "
            f"{r.job.lines} request(s), {r.job.bytes:,} bytes, submitted "
            f"{r.job.created_at} to {r.job.host}"
        )
    ended = sum(1 for r in reports if r.ended)
    lines.append(
        f"{len(reports)} batch(es) not collected yet ({ended} ended: run diplosum batch "
        f"collect); {collected_before} collected earlier"
    )
    return "\n".join(lines)


def render_collect(report: CollectReport, store: BatchStore) -> str:
    lines = []
    for r in report.collected:
        usage = store.usage(r.job.id)
        standard = cost_usd(
            r.job.model,
            usage.prompt_tokens,
            usage.completion_tokens,
            cached_prompt_tokens=usage.cached_prompt_tokens,
        )
        lines.append(
            f"{r.job.batch_id} (job {r.job.id}): {r.status}; {r.answered} answered into the "
            f"cache, {r.retried} retried live, {r.resubmitted} resubmitted, {r.failed} failed; "
            f"{usage.prompt_tokens:,} prompt + {usage.completion_tokens:,} completion tokens: "
            f"{describe_cost(standard, model=r.job.model)}"
        )
        lines += [f"  failed: {error}" for error in r.errors]
    for r in report.running:
        lines.append(f"{r.job.batch_id} (job {r.job.id}): {r.status}; not finished yet")
    if report.live.calls:
        cost = live_cost(report)
        price = "cost unknown" if cost is None else f"${cost:.4f} at standard prices"
        lines.append(
            f"live retries: {report.live.calls} call(s), {report.live.prompt_tokens:,} prompt "
            f"+ {report.live.completion_tokens:,} completion tokens, {price}"
        )
    lines.append(
        f"{len(report.collected)} batch(es) collected, {len(report.running)} still running, "
        f"{len(report.new_jobs)} new batch(es) submitted"
        + ("" if report.jobs or report.new_jobs else "; nothing to collect, nothing asked")
    )
    return "\n".join(lines)


__all__ = ["BATCH_DISCOUNT", "add_parser", "batch_cost_usd", "brief_or_submit", "run"]
