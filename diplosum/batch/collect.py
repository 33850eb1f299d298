"""Collecting finished batches into the response cache.

For each job not collected yet, ``Collector.collect`` reads the batch (one free GET)
and, once it has ended:

- each answered line is validated exactly like a live answer
  (``batch_wire.read_answer``, i.e. ``modes.interpret``) and put into the response
  cache under its fingerprint (its ``custom_id``), so the brief is then built from
  the cache with zero live calls;
- a failed line (an error answer, an invalid output, a line in the error file, or a
  ``failed`` batch) is retried live (``failed="retry"``: the live client with its
  retries and re-asks, at the standard price) or put into a new batch
  (``failed="resubmit"``);
- what an ``expired`` or ``cancelled`` batch did not answer is put into a new batch.

The job is then marked ``collected``; collecting again asks nothing (a job that
is collected is never read again) and so costs nothing. A collect killed halfway
resumes with the lines not handled yet; answers already in the cache stay there.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from diplosum.errors import ModelError
from diplosum.llm.base import CallStats, ExtractionBackend, ExtractionRequest, ModelReply
from diplosum.llm.batch_wire import BatchInfo, read_answer
from diplosum.llm.pricing import cost_usd
from diplosum.store.batches import (
    COLLECTED,
    DONE,
    FAILED,
    PLANNED,
    QUEUED,
    RETRIED,
    UPLOADED,
    BatchStore,
    Job,
)
from diplosum.store.cache import ResponseCache

from .submit import Submitter

log = logging.getLogger("diplosum.batch")

FailedPolicy = Literal["retry", "resubmit"]
FAILED_POLICIES: tuple[FailedPolicy, ...] = ("retry", "resubmit")
#: Batch states after which nothing more will be answered.
ENDED = frozenset({"completed", "expired", "cancelled", "failed"})
#: Error codes of lines that were never attempted (the batch ended first).
NOT_ATTEMPTED = frozenset({"batch_expired", "batch_cancelled"})


@dataclass
class JobReport:
    job: Job
    status: str
    answered: int = 0
    failed: int = 0
    retried: int = 0
    resubmitted: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ended(self) -> bool:
        return self.status in ENDED


@dataclass
class CollectReport:
    jobs: list[JobReport] = field(default_factory=list)
    #: What the live retries cost (standard prices).
    live: CallStats = field(default_factory=CallStats)
    live_models: set[str] = field(default_factory=set)
    new_jobs: list[Job] = field(default_factory=list)

    @property
    def collected(self) -> list[JobReport]:
        return [j for j in self.jobs if j.ended]

    @property
    def running(self) -> list[JobReport]:
        return [j for j in self.jobs if not j.ended]

    @property
    def failed(self) -> int:
        return sum(j.failed for j in self.jobs)


@dataclass(frozen=True)
class _Result:
    """One line of the output or error file."""

    status_code: int | None
    body: Any
    error: str | None
    code: str | None = None


class Collector:
    def __init__(
        self,
        store: BatchStore,
        cache: ResponseCache,
        submitter: Submitter,
        *,
        live: Callable[[], ExtractionBackend] | None = None,
        failed: FailedPolicy = "retry",
    ) -> None:
        self.store = store
        self.cache = cache
        self.submitter = submitter
        self.api = submitter.api
        self._make_live = live
        self._live: ExtractionBackend | None = None
        self.failed = failed

    async def status(self) -> list[JobReport]:
        """Each job not collected yet, with the provider's status now (updated in the store)."""
        reports = []
        for job in self.store.jobs(active=True):
            if job.batch_id is None:
                reports.append(JobReport(job, job.status))
                continue
            batch = await self.api.retrieve(job.batch_id)
            self.store.set_status(job.id, batch.status)
            reports.append(JobReport(self.store.job(job.id), batch.status))
        return reports

    async def collect(self) -> CollectReport:
        report = CollectReport(new_jobs=await self.submitter.resume())
        for job in self.store.jobs(active=True):
            if job.status in (PLANNED, UPLOADED) or job.batch_id is None:
                continue  # resumed above; if that failed, it raised
            batch = await self.api.retrieve(job.batch_id)
            if batch.status not in ENDED:
                self.store.set_status(job.id, batch.status)
                report.jobs.append(JobReport(self.store.job(job.id), batch.status))
                continue
            report.jobs.append(await self._collect_job(job, batch, report))
        return report

    async def _collect_job(self, job: Job, batch: BatchInfo, report: CollectReport) -> JobReport:
        results = await self._results(batch.output_file_id)
        results.update(await self._results(batch.error_file_id))
        job_report = JobReport(job, batch.status)
        to_resubmit: list[ExtractionRequest] = []
        batch_error = _batch_error(batch)
        for line in self.store.lines(job.id):
            if line.state != QUEUED:
                continue
            request = line.request
            result = results.get(request.fingerprint)
            problem = await self._take(job, request, result, job_report)
            if problem is None:
                continue
            not_attempted = (result is None or result.code in NOT_ATTEMPTED) and batch.status in (
                "expired",
                "cancelled",
            )
            if not_attempted or self.failed == "resubmit":
                to_resubmit.append(request)
                continue
            await self._retry(job, request, batch_error or problem, job_report, report)
        if to_resubmit:
            job_report.resubmitted = len(to_resubmit)
            submitted = await self.submitter.submit(to_resubmit, resubmit_of=job.id)
            report.new_jobs += submitted.submitted
        self.store.set_status(
            job.id,
            COLLECTED,
            output_file_id=batch.output_file_id,
            error_file_id=batch.error_file_id,
            note=f"batch {batch.status}",
        )
        job_report.job = self.store.job(job.id)
        return job_report

    async def _take(
        self,
        job: Job,
        request: ExtractionRequest,
        result: _Result | None,
        job_report: JobReport,
    ) -> str | None:
        """Cache the answer in ``result``; or say why there is none."""
        if result is None:
            return "no answer in the batch output"
        if result.error is not None:
            return result.error
        answer = await read_answer(request, result.body)
        if answer.content is None:
            return f"invalid answer: {answer.problem}"
        self.cache.put(request, ModelReply(answer.content, answer.model, "live", answer.stats))
        self.store.set_line(job.id, request.fingerprint, DONE, stats=answer.stats)
        job_report.answered += 1
        return None

    async def _retry(
        self,
        job: Job,
        request: ExtractionRequest,
        problem: str,
        job_report: JobReport,
        report: CollectReport,
    ) -> None:
        live = self._live_backend()
        if live is None:
            self.store.set_line(job.id, request.fingerprint, FAILED, error=problem)
            job_report.failed += 1
            job_report.errors.append(f"{request.article_id}: {problem}")
            return
        log.info("article %s failed in batch (%s); retrying live", request.article_id, problem)
        try:
            reply = await live.extract(request)
        except ModelError as exc:
            if exc.stats is not None:
                report.live.add(exc.stats)
            error = f"failed in the batch ({problem}), then live: {exc}"
            self.store.set_line(job.id, request.fingerprint, FAILED, error=error)
            job_report.failed += 1
            job_report.errors.append(f"{request.article_id}: {error}")
            return
        report.live.add(reply.stats)
        report.live_models.add(reply.model)
        self.cache.put(request, reply)
        self.store.set_line(job.id, request.fingerprint, RETRIED, error=problem, stats=reply.stats)
        job_report.retried += 1

    def _live_backend(self) -> ExtractionBackend | None:
        if self._live is None and self._make_live is not None:
            self._live = self._make_live()
        return self._live

    async def aclose(self) -> None:
        aclose = getattr(self._live, "aclose", None)
        if callable(aclose):
            await aclose()

    async def _results(self, file_id: str | None) -> dict[str, _Result]:
        if not file_id:
            return {}
        results: dict[str, _Result] = {}
        for number, raw in enumerate((await self.api.content(file_id)).splitlines(), 1):
            if not raw.strip():
                continue
            try:
                entry = json.loads(raw)
                custom_id = str(entry["custom_id"])
            except (ValueError, KeyError, TypeError):
                log.warning("file %s line %d is not a batch result; skipped", file_id, number)
                continue
            results[custom_id] = _parse_result(entry)
        return results


def _parse_result(entry: dict[str, Any]) -> _Result:
    error = entry.get("error")
    response = entry.get("response") if isinstance(entry.get("response"), dict) else None
    if error:
        code = error.get("code") if isinstance(error, dict) else None
        message = error.get("message") if isinstance(error, dict) else str(error)
        return _Result(None, None, f"{code or 'error'}: {message}", code=code)
    if response is None:
        return _Result(None, None, "the result has neither response nor error")
    status = response.get("status_code")
    body = response.get("body")
    if status != 200:
        detail = body.get("error") if isinstance(body, dict) else None
        message = detail.get("message") if isinstance(detail, dict) else None
        return _Result(status, body, f"HTTP {status}" + (f": {message}" if message else ""))
    return _Result(status, body, None)


def _batch_error(batch: BatchInfo) -> str | None:
    if batch.status != "failed":
        return None
    text = "; ".join(batch.errors) or "no reason given"
    return f"the batch failed: {text}"


def live_cost(report: CollectReport) -> float | None:
    """Standard-price cost of the live retries (None when the model has no price)."""
    if not report.live_models:
        return 0.0
    if len(report.live_models) > 1:
        return None
    (model,) = report.live_models
    return cost_usd(
        model,
        report.live.prompt_tokens,
        report.live.completion_tokens,
        cached_prompt_tokens=report.live.cached_prompt_tokens,
    )
