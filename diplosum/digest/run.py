"""One digest run: lock, pick what is new, brief it, mark follow-ups, write, remember.

The day's digest is the brief of every article that went into that day, so a second
run the same day rebuilds it with the new articles added (the earlier ones answer
from the cache, at no cost). State is updated only after the files are written: a
run killed halfway leaves the state as it was, and the next run writes the same
digest, paying only for the answers the cache does not hold yet.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from diplosum import runloop
from diplosum.article import Article
from diplosum.contracts.brief import Brief, Deferred, Failure
from diplosum.digest.backoff import retry_delay
from diplosum.digest.budget import Budget, plan_budget
from diplosum.digest.config import DigestConfig
from diplosum.digest.followups import find_follow_ups
from diplosum.digest.lock import LockHeld, run_lock
from diplosum.digest.sources import Found, collect
from diplosum.digest.state import DigestState, FailedArticle
from diplosum.ids import UniqueNames
from diplosum.llm.base import ExtractionBackend
from diplosum.output import ensure_writable_folder
from diplosum.pipeline import abrief
from diplosum.store.atomic import write_atomic

EXIT_OK, EXIT_PARTIAL, EXIT_NOTHING = 0, 1, 3


@dataclass
class DigestResult:
    """What a run did; ``summary`` is the one line for cron mail."""

    day: str
    exit_code: int
    summary: str
    brief: Brief | None = None
    new: list[Article] = field(default_factory=list)
    deferred: list[Deferred] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)
    estimated_cost_usd: float | None = None


def run_digest(
    config: DigestConfig,
    *,
    now: datetime | None = None,
    day: str | None = None,
    since: date | None = None,
    dry_run: bool = False,
    wait: bool = False,
    backend: ExtractionBackend | None = None,
    batch: bool = False,
) -> DigestResult:
    """Synchronous ``arun_digest`` (runs its own event loop); see there."""
    return runloop.run(
        arun_digest(
            config,
            now=now,
            day=day,
            since=since,
            dry_run=dry_run,
            wait=wait,
            backend=backend,
            batch=batch,
        )
    )


async def arun_digest(
    config: DigestConfig,
    *,
    now: datetime | None = None,
    day: str | None = None,
    since: date | None = None,
    dry_run: bool = False,
    wait: bool = False,
    backend: ExtractionBackend | None = None,
    batch: bool = False,
) -> DigestResult:
    """Run one digest: ``now`` and ``day`` default to the clock in the config's zone;
    ``since`` limits inbox files (modified) and feed entries (published) to that day on;
    ``dry_run`` sends nothing and changes nothing; ``wait`` waits for a running digest;
    ``batch`` collects finished batches first and submits what is missing instead of
    calling the model (see ``diplosum.batch.digest``)."""
    moment = now or datetime.now(config.zone())
    the_day = day or moment.astimezone(config.zone()).date().isoformat()
    if dry_run:
        return await _dry_run(config, moment, the_day, since)
    state = DigestState(config.state_path)
    ensure_writable_folder(config.out_dir)
    try:
        with run_lock(config.state_path, wait=wait):
            if batch and not dry_run:
                from diplosum.batch.digest import collect_finished

                await collect_finished(config)
            return await _locked_run(
                config, state, moment, the_day, since, dry_run, backend, batch=batch
            )
    except LockHeld as exc:
        return DigestResult(the_day, EXIT_OK, f"diplosum digest: {exc}; nothing done")


async def _dry_run(
    config: DigestConfig, now: datetime, day: str, since: date | None
) -> DigestResult:
    """What a run would do, without a lock and without creating or changing any file
    (a state file that does not exist yet is stood in for by an empty temporary one)."""
    if config.state_path.exists():
        return await _locked_run(
            config, DigestState(config.state_path), now, day, since, True, None
        )
    with tempfile.TemporaryDirectory(prefix="diplosum-dry-run-") as folder:
        state = DigestState(Path(folder) / "state.sqlite3")
        return await _locked_run(config, state, now, day, since, True, None)


async def _locked_run(
    config: DigestConfig,
    state: DigestState,
    now: datetime,
    day: str,
    since: date | None,
    dry_run: bool,
    backend: ExtractionBackend | None,
    *,
    batch: bool = False,
) -> DigestResult:
    found = await collect(config, state, now=now, since=since, dry_run=dry_run)
    origin_of = {id(a): found.links.get(a.id) or _origin(a) for a in found.articles}
    done = state.digested((a, origin_of[id(a)]) for a in found.articles)
    fresh = [a for a in found.articles if a.id not in done]
    earlier = state.articles_of(day)
    new = _distinct_ids(fresh, taken={a.id for a in earlier})
    renamed = list(zip(fresh, new, strict=True))
    origins = {n.id: origin_of[id(a)] for a, n in renamed}
    links = {n.id: found.links[a.id] for a, n in renamed if a.id in found.links}
    new, retry_later = _not_waiting(state, new, origins, now)
    found.failures += retry_later
    if not new and not found.failures:
        last = state.last_success()
        since_text = f" since {last}" if last else ""
        if not dry_run:
            run_id = state.start_run(now)
            state.finish_run(run_id, now, day, "nothing new")
        return DigestResult(
            day, EXIT_OK, f"diplosum digest {day}: no new articles{since_text}; no model call"
        )
    budget = plan_budget(new, config)
    if dry_run:
        return _dry_run_result(day, budget, found.failures)
    if batch:
        from diplosum.batch.digest import submit_missing

        budget, backend = await submit_missing(config, earlier, budget)
        if not budget.selected and not found.failures:
            waiting = "; ".join(dict.fromkeys(d.reason for d in budget.deferred))
            return DigestResult(
                day,
                EXIT_OK,
                f"diplosum digest {day}: {len(budget.deferred)} article(s) deferred ({waiting}); "
                "nothing written yet",
                deferred=budget.deferred,
            )
    run_id = state.start_run(now)
    result = await _brief_day(
        config, state, now, day, earlier, budget, found, backend, origins=origins, links=links
    )
    outcome = {EXIT_OK: "ok", EXIT_PARTIAL: "partial"}.get(result.exit_code, "failed")
    state.finish_run(run_id, now, day, outcome)
    return result


def _not_waiting(
    state: DigestState, articles: list[Article], origins: dict[str, str], now: datetime
) -> tuple[list[Article], list[Failure]]:
    """The articles to send, and a failure for each one that failed before and waits
    for its retry time (listed every run, sent again only once that time has come)."""
    before = state.failed_before((a.sha256, origins[a.id]) for a in articles)
    ready, waiting = [], []
    for article in articles:
        failed = before.get((article.sha256, origins[article.id]))
        if failed is not None and now < datetime.fromisoformat(failed.retry_after):
            waiting.append(
                Failure(
                    source_id=article.id,
                    stage="extract",
                    error=f"failed {failed.failures} time(s) ({failed.last_error}); "
                    f"next try after {failed.retry_after}; not sent",
                )
            )
        else:
            ready.append(article)
    return ready, waiting


def _record_failures(
    state: DigestState,
    brief: Brief,
    sent: Sequence[Article],
    origins: dict[str, str],
    now: datetime,
) -> None:
    """Remember the articles that were sent and failed, with when to try them again."""
    errors = {f.source_id: f.error for f in brief.failures if f.stage != "ingest"}
    failed = [a for a in sent if a.id in errors]
    before = state.failed_before((a.sha256, origins[a.id]) for a in failed)
    records = []
    for article in failed:
        key = (article.sha256, origins[article.id])
        count = before[key].failures + 1 if key in before else 1
        retry = (now + retry_delay(count)).isoformat(timespec="seconds")
        records.append(FailedArticle(*key, count, retry, errors[article.id][:500]))
    state.record_failures(records)


def _origin(article: Article) -> str:
    """Where an article comes from, for telling a new article from one already digested."""
    if article.path:
        return os.path.abspath(article.path)
    return article.url or f"id:{article.id}"


def _distinct_ids(articles: Sequence[Article], *, taken: set[str]) -> list[Article]:
    """The articles, renamed where an earlier run today already used the id."""
    names = UniqueNames(taken)
    out = []
    for article in articles:
        name = names.make(article.id)
        out.append(article if name == article.id else article.model_copy(update={"id": name}))
    return out


async def _brief_day(
    config: DigestConfig,
    state: DigestState,
    now: datetime,
    day: str,
    earlier: list[Article],
    budget: Budget,
    found: Found,
    backend: ExtractionBackend | None,
    *,
    origins: dict[str, str],
    links: dict[str, str],
) -> DigestResult:
    articles = [*earlier, *budget.selected]
    brief = await abrief(
        articles,
        model=config.model,
        mode=config.mode,
        base_url=config.base_url,
        concurrency=config.concurrency,
        cache=config.cache_path or False,
        replay=config.replay,
        backend=backend,
    )
    follow_ups = find_follow_ups(brief.events, state.past_events(day))
    brief = brief.model_copy(
        update={
            "failures": [*brief.failures, *found.failures],
            "follow_ups": follow_ups,
            "deferred": budget.deferred,
        }
    )
    failed = {f.source_id for f in brief.failures}
    summarised = [a for a in budget.selected if a.id not in failed]
    # A day with nothing in it yet keeps latest.* pointing at the last real digest.
    outputs = _write(config.out_dir, day, brief, latest=bool(summarised or earlier))
    state.record_digest(
        day, summarised, brief.events, now, origins=origins, links=links, feeds=found.feeds
    )
    _record_failures(state, brief, budget.selected, origins, now)
    code = (
        EXIT_OK if not brief.failures else EXIT_PARTIAL if summarised or earlier else EXIT_NOTHING
    )
    u = brief.usage
    cost = "" if u.cost_usd is None else f", ${u.cost_usd:.4f}"
    batched = f" ({u.batch_calls} through the Batch API)" if u.batch_calls else ""
    summary = (
        f"diplosum digest {day}: {len(summarised)} new article(s)"
        + (f" ({len(earlier)} earlier today)" if earlier else "")
        + f", {len(brief.events)} events, {len(follow_ups)} follow-up(s), "
        f"{len(brief.failures)} failure(s), {len(budget.deferred)} deferred; "
        f"{u.calls} calls{batched}, {u.cached_calls} cached{cost} -> {outputs[0]}"
    )
    return DigestResult(
        day,
        code,
        summary,
        brief=brief,
        new=list(budget.selected),
        deferred=budget.deferred,
        outputs=outputs,
        estimated_cost_usd=budget.estimated_cost_usd,
    )


def _write(out_dir: Path, day: str, brief: Brief, *, latest: bool) -> list[Path]:
    texts = {"md": brief.to_markdown(), "json": brief.to_json() + "\n", "html": brief.to_html()}
    written = []
    for suffix, text in texts.items():
        dated = out_dir / f"{day}.{suffix}"
        write_atomic(dated, text)
        written.append(dated)
    if latest:
        for suffix, text in texts.items():
            write_atomic(out_dir / f"latest.{suffix}", text)
    return written


def _dry_run_result(day: str, budget: Budget, failures: list[Failure]) -> DigestResult:
    cost = budget.estimated_cost_usd
    lines = [f"diplosum digest {day} (dry run, nothing sent):"]
    for article, estimate in zip(budget.selected, budget.estimates, strict=True):
        where = article.path or article.url or article.id
        lines.append(
            f"  would summarise {article.id} ({where}): ~{estimate.tokens:,} prompt tokens"
        )
    for d in budget.deferred:
        lines.append(f"  would defer {d.source_id} ({d.where}): {d.reason}")
    for f in failures:
        lines.append(f"  failed: {f.source_id} ({f.stage}): {f.error}")
    price = "cost unknown (no price for the model)" if cost is None else f"~${cost:.4f}"
    lines.append(
        f"  {len(budget.selected)} article(s), {budget.calls} call(s) to make, "
        f"{budget.cached} answered by the cache, estimated {price}"
    )
    return DigestResult(
        day,
        EXIT_OK,
        os.linesep.join(lines),
        new=list(budget.selected),
        deferred=budget.deferred,
        estimated_cost_usd=cost,
    )
