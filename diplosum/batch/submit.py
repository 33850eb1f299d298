"""Submitting requests as Batch API jobs, each step recorded before the next.

``Submitter.submit(requests)`` first finishes any job an earlier run left half done,
then splits the new requests into JSONL files at the API's limits (50,000 lines,
200 MB), records each as a planned job (with its requests), uploads it and records
the file id, then creates the batch and records its id:

- killed before the upload was recorded: the job is still ``planned``; the next run
  uploads it (an unused uploaded file costs nothing);
- killed after the upload was recorded, before the batch id was: the next run looks
  for a batch made from that file (``batches.list``, by input file and the job's
  metadata key) and records it, or creates it once;
- a job with a batch id is never submitted again.

``after_upload`` (tests) runs between recording the upload and submitting it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from diplosum.llm.base import ExtractionRequest
from diplosum.llm.batch_wire import MAX_BYTES, MAX_LINES, BatchAPI, batch_line, send_options
from diplosum.llm.settings import ClientSettings
from diplosum.store.batches import PLANNED, UPLOADED, BatchStore, Job

log = logging.getLogger("diplosum.batch")

Hook = Callable[[Job], None]


@dataclass
class SubmitReport:
    """What one ``submit`` did: jobs submitted (new or resumed), requests refused."""

    submitted: list[Job] = field(default_factory=list)
    resumed: list[Job] = field(default_factory=list)
    too_large: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(job.lines for job in self.submitted)


class Submitter:
    def __init__(
        self,
        store: BatchStore,
        api: BatchAPI,
        settings: ClientSettings,
        *,
        max_lines: int = MAX_LINES,
        max_bytes: int = MAX_BYTES,
        after_upload: Hook | None = None,
    ) -> None:
        self.store = store
        self.api = api
        self.settings = settings
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.after_upload = after_upload

    async def resume(self) -> list[Job]:
        """Finish the jobs an earlier run planned or uploaded but did not submit."""
        done = []
        for job in self.store.jobs(active=True):
            if job.status in (PLANNED, UPLOADED):
                log.info("job %d was left %s; finishing its submission", job.id, job.status)
                done.append(await self._advance(job))
        return done

    async def submit(
        self, requests: Sequence[ExtractionRequest], *, resubmit_of: int | None = None
    ) -> SubmitReport:
        """Submit ``requests`` (those already waiting in a batch are skipped)."""
        report = SubmitReport(resumed=await self.resume())
        waiting = {
            fingerprint: job
            for fingerprint, job in self.store.waiting(r.fingerprint for r in requests).items()
            if job.id != resubmit_of  # the job being collected is ending
        }
        fresh: dict[str, ExtractionRequest] = {}
        for request in requests:
            if request.fingerprint not in waiting:
                fresh.setdefault(request.fingerprint, request)
        for group, lines in await self._split(list(fresh.values()), report):
            job = self.store.add_job(
                key=uuid.uuid4().hex,
                host=self.api.host,
                model=group[0].model,
                requests=group,
                size=sum(len(line) for line in lines),
                resubmit_of=resubmit_of,
            )
            report.submitted.append(await self._advance(job, lines))
        return report

    async def _split(
        self, requests: list[ExtractionRequest], report: SubmitReport
    ) -> list[tuple[list[ExtractionRequest], list[bytes]]]:
        """Groups of requests with their lines, one group per file, each within the line
        and byte limits (and one model per file, as the API requires)."""
        groups: list[tuple[list[ExtractionRequest], list[bytes]]] = []
        current: list[ExtractionRequest] = []
        lines: list[bytes] = []
        size = 0
        for request in sorted(requests, key=lambda r: r.model):
            line = await self._line(request)
            if len(line) > self.max_bytes:
                report.too_large.append(request.article_id)
                log.warning(
                    "article %s: its batch line is %d bytes, over the file limit; not sent",
                    request.article_id,
                    len(line),
                )
                continue
            full = len(current) >= self.max_lines or size + len(line) > self.max_bytes
            if current and (full or current[0].model != request.model):
                groups.append((current, lines))
                current, lines, size = [], [], 0
            current.append(request)
            lines.append(line)
            size += len(line)
        if current:
            groups.append((current, lines))
        return groups

    async def _line(self, request: ExtractionRequest) -> bytes:
        return await batch_line(request, send_options(self.settings, request))

    async def _advance(self, job: Job, lines: list[bytes] | None = None) -> Job:
        """Upload (unless recorded) and submit (unless recorded) one job; ``lines`` are
        its lines when just made (else they are made again from its requests)."""
        if job.status == PLANNED:
            if lines is None:
                lines = [await self._line(line.request) for line in self.store.lines(job.id)]
            file_id = await self.api.upload(f"diplosum-job-{job.key}.jsonl", b"".join(lines))
            self.store.set_uploaded(job.id, file_id)
            log.info("job %d: uploaded %d lines as %s", job.id, len(lines), file_id)
            job = self.store.job(job.id)
            if self.after_upload is not None:
                self.after_upload(job)
        if job.status == UPLOADED:
            assert job.file_id is not None
            batch = await self.api.find(job.file_id, job.key)
            if batch is None:
                batch = await self.api.create(job.file_id, job.key)
            else:
                log.info("job %d: batch %s was already made; recording it", job.id, batch.id)
            self.store.set_submitted(job.id, batch.id, batch.status)
            log.info("job %d: submitted as batch %s (%s)", job.id, batch.id, batch.status)
            job = self.store.job(job.id)
        return job
