"""The batch store: which requests went out in which Batch API job, and what came back.

A SQLite file (WAL), migrated in order like the digest state. One ``jobs`` row per
Batch JSONL file, one ``lines`` row per request in it (the request itself, so a
collect needs no inputs and can resubmit what is missing).

A job moves through ``planned`` (rows written, nothing sent) -> ``uploaded`` (the
file id is recorded) -> the provider's batch status once the batch id is recorded
(``validating``, ``in_progress``, ``completed``, ``expired`` ...) -> ``collected``.
Every step is recorded right after the provider confirms it, so a run killed
between upload and submit leaves an ``uploaded`` job, which the next run submits
(once) instead of uploading again; a job with a batch id is never submitted again.

The store holds no key and no header: only ids, counts, states and the requests
(prompts, model, fingerprint), which are not secret.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from diplosum.llm.base import CallStats, ExtractionRequest
from diplosum.store.migrate import SQLiteStore

BATCHES_ENV = "DIPLOSUM_BATCHES"

#: Job states before the provider knows of a batch, and the final one.
PLANNED, UPLOADED, COLLECTED = "planned", "uploaded", "collected"
#: Line states: waiting; answered into the cache; failed (and how it was handled).
QUEUED, DONE, FAILED, RETRIED, RESUBMITTED = "queued", "done", "failed", "retried", "resubmitted"

#: ``MIGRATIONS[n]`` takes a store from version n to n + 1. Only ever append.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL UNIQUE,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        host TEXT NOT NULL,
        model TEXT NOT NULL,
        lines INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        status TEXT NOT NULL,
        file_id TEXT,
        batch_id TEXT UNIQUE,
        output_file_id TEXT,
        error_file_id TEXT,
        resubmit_of INTEGER REFERENCES jobs(id),
        note TEXT
    );
    CREATE INDEX jobs_status ON jobs(status);
    CREATE TABLE lines (
        job_id INTEGER NOT NULL REFERENCES jobs(id),
        fingerprint TEXT NOT NULL,
        article_id TEXT NOT NULL,
        request TEXT NOT NULL,
        state TEXT NOT NULL,
        error TEXT,
        prompt_tokens INTEGER NOT NULL DEFAULT 0,
        completion_tokens INTEGER NOT NULL DEFAULT 0,
        cached_prompt_tokens INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (job_id, fingerprint)
    );
    CREATE INDEX lines_fingerprint ON lines(fingerprint);
    """,
    # 2: what answering a line cost in full (a live retry can take several calls), and
    # when a brief first used its answer: that brief counts it as a call, later ones as
    # a cache hit. Answers collected before this version are taken as used already, so
    # that an upgrade never counts a call twice.
    f"""
    ALTER TABLE lines ADD COLUMN calls INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE lines ADD COLUMN reasks INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE lines ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE lines ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE lines ADD COLUMN briefed_at TEXT;
    UPDATE lines SET briefed_at = 'before schema 2' WHERE state IN ('{DONE}', '{RETRIED}')
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)


def batches_path_for(cache_path: Path) -> Path:
    """``$DIPLOSUM_BATCHES``, else ``<cache stem>.batches.sqlite3`` next to the cache."""
    configured = os.environ.get(BATCHES_ENV)
    if configured:
        return Path(configured)
    return cache_path.with_name(f"{cache_path.stem}.batches.sqlite3")


@dataclass(frozen=True)
class Job:
    id: int
    key: str
    created_at: str
    updated_at: str
    host: str
    model: str
    lines: int
    bytes: int
    status: str
    file_id: str | None
    batch_id: str | None
    output_file_id: str | None
    error_file_id: str | None
    resubmit_of: int | None
    note: str | None

    @property
    def active(self) -> bool:
        return self.status != COLLECTED


@dataclass(frozen=True)
class Line:
    job_id: int
    request: ExtractionRequest
    state: str
    error: str | None
    prompt_tokens: int
    completion_tokens: int
    cached_prompt_tokens: int


@dataclass(frozen=True)
class Answered:
    """A collected answer, the first time a brief uses it: how it was answered
    (``DONE``: by the batch, at the batch price; ``RETRIED``: live, after the batch
    failed it) and what that cost."""

    state: str
    stats: CallStats


@dataclass(frozen=True)
class LineUsage:
    """Tokens one job's answered lines used (at batch prices)."""

    answered: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0


def request_json(request: ExtractionRequest) -> str:
    data = dataclasses.asdict(request)
    data["key_fields"] = dict(request.key_fields)
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


def request_from_json(text: str) -> ExtractionRequest:
    return ExtractionRequest(**json.loads(text))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class BatchStore(SQLiteStore):
    what = "batch store"
    MIGRATIONS = MIGRATIONS
    PRAGMAS = ("PRAGMA foreign_keys = ON",)

    @property
    def schema_version(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("PRAGMA user_version").fetchone()[0])

    # -- jobs ----------------------------------------------------------------------

    def add_job(
        self,
        *,
        key: str,
        host: str,
        model: str,
        requests: Sequence[ExtractionRequest],
        size: int,
        resubmit_of: int | None = None,
    ) -> Job:
        """Record a planned job and its requests, in one transaction; with
        ``resubmit_of``, those requests' lines in that job become ``resubmitted``."""
        stamp = _now()
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            cursor = conn.execute(
                "INSERT INTO jobs (key, created_at, updated_at, host, model, lines, bytes, "
                "status, resubmit_of) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (key, stamp, stamp, host, model, len(requests), size, PLANNED, resubmit_of),
            )
            job_id = int(cursor.lastrowid or 0)
            conn.executemany(
                "INSERT INTO lines (job_id, fingerprint, article_id, request, state) "
                "VALUES (?, ?, ?, ?, ?)",
                [(job_id, r.fingerprint, r.article_id, request_json(r), QUEUED) for r in requests],
            )
            if resubmit_of is not None:  # in the same transaction: never resubmitted twice
                conn.executemany(
                    "UPDATE lines SET state = ? WHERE job_id = ? AND fingerprint = ?",
                    [(RESUBMITTED, resubmit_of, r.fingerprint) for r in requests],
                )
            conn.execute("COMMIT")
        return self.job(job_id)

    def job(self, job_id: int) -> Job:
        with self._connect() as conn:
            row = conn.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs WHERE id = ?", (job_id,)
            ).fetchone()
        if row is None:
            raise KeyError(job_id)
        return Job(*row)

    def jobs(self, *, active: bool | None = None) -> list[Job]:
        """Every job, oldest first; ``active=True`` only those not collected yet."""
        where = "" if active is None else ("WHERE status != ?" if active else "WHERE status = ?")
        params: tuple[str, ...] = () if active is None else (COLLECTED,)
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT {_JOB_COLUMNS} FROM jobs {where} ORDER BY id", params
            ).fetchall()
        return [Job(*row) for row in rows]

    def set_uploaded(self, job_id: int, file_id: str) -> None:
        self._update(job_id, status=UPLOADED, file_id=file_id)

    def set_submitted(self, job_id: int, batch_id: str, status: str) -> None:
        self._update(job_id, status=status, batch_id=batch_id)

    def set_status(
        self,
        job_id: int,
        status: str,
        *,
        output_file_id: str | None = None,
        error_file_id: str | None = None,
        note: str | None = None,
    ) -> None:
        self._update(
            job_id,
            status=status,
            output_file_id=output_file_id,
            error_file_id=error_file_id,
            note=note,
        )

    def _update(self, job_id: int, **values: str | None) -> None:
        given = {k: v for k, v in values.items() if v is not None}
        sets = ", ".join(f"{name} = ?" for name in given)
        with self._connect() as conn:
            conn.execute(
                f"UPDATE jobs SET {sets}, updated_at = ? WHERE id = ?",
                (*given.values(), _now(), job_id),
            )

    # -- lines ---------------------------------------------------------------------

    def lines(self, job_id: int) -> list[Line]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT job_id, request, state, error, prompt_tokens, completion_tokens, "
                "cached_prompt_tokens FROM lines WHERE job_id = ? ORDER BY rowid",
                (job_id,),
            ).fetchall()
        return [
            Line(int(j), request_from_json(r), str(s), e, int(p), int(c), int(cp))
            for j, r, s, e, p, c, cp in rows
        ]

    def set_line(
        self,
        job_id: int,
        fingerprint: str,
        state: str,
        *,
        error: str | None = None,
        stats: CallStats | None = None,
    ) -> None:
        """Set a line's state; ``stats``: what answering it cost (an answered line)."""
        cost = stats or CallStats()
        with self._connect() as conn:
            conn.execute(
                "UPDATE lines SET state = ?, error = ?, prompt_tokens = ?, "
                "completion_tokens = ?, cached_prompt_tokens = ?, calls = ?, reasks = ?, "
                "retries = ?, reasoning_tokens = ? WHERE job_id = ? AND fingerprint = ?",
                (
                    state,
                    error,
                    cost.prompt_tokens,
                    cost.completion_tokens,
                    cost.cached_prompt_tokens,
                    cost.calls,
                    cost.reasks,
                    cost.retries,
                    cost.reasoning_tokens,
                    job_id,
                    fingerprint,
                ),
            )

    def first_use(self, fingerprint: str) -> Answered | None:
        """The collected answer for ``fingerprint`` if no brief has used it yet, marking
        it used (in one transaction: of two briefs at once, one gets it); else None.

        The cache holds one answer per fingerprint, the last collected: that line is the
        one counted, and every other collected line of the fingerprint (a request the
        cache had lost and a later batch answered again) is marked used with it, so that
        one answer is never counted by two briefs."""
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")  # SQLite before 3.35 has no UPDATE ... RETURNING
            row = conn.execute(
                "SELECT state, calls, reasks, retries, prompt_tokens, completion_tokens, "
                "cached_prompt_tokens, reasoning_tokens FROM lines WHERE fingerprint = ? "
                "AND state IN (?, ?) AND briefed_at IS NULL ORDER BY job_id DESC LIMIT 1",
                (fingerprint, DONE, RETRIED),
            ).fetchone()
            if row is not None:
                conn.execute(
                    "UPDATE lines SET briefed_at = ? WHERE fingerprint = ? AND state IN (?, ?) "
                    "AND briefed_at IS NULL",
                    (_now(), fingerprint, DONE, RETRIED),
                )
            conn.execute("COMMIT")
        if row is None:
            return None
        state, *numbers = row
        return Answered(str(state), CallStats(*(int(n) for n in numbers)))

    def waiting(self, fingerprints: Iterable[str] | None = None) -> dict[str, Job]:
        """Fingerprints queued in a job not collected yet, with that job."""
        jobs = {job.id: job for job in self.jobs(active=True)}
        if not jobs:
            return {}
        wanted = None if fingerprints is None else set(fingerprints)
        marks = ",".join("?" * len(jobs))
        with self._connect() as conn:
            rows = conn.execute(
                f"SELECT fingerprint, job_id FROM lines WHERE state = ? AND job_id IN ({marks})",
                (QUEUED, *jobs),
            ).fetchall()
        return {str(fp): jobs[int(job_id)] for fp, job_id in rows if wanted is None or fp in wanted}

    def usage(self, job_id: int) -> LineUsage:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT count(*), coalesce(sum(prompt_tokens), 0), "
                "coalesce(sum(completion_tokens), 0), coalesce(sum(cached_prompt_tokens), 0) "
                "FROM lines WHERE job_id = ? AND state = ?",
                (job_id, DONE),
            ).fetchone()
        return LineUsage(*(int(v) for v in row))

    def counts(self, job_id: int) -> dict[str, int]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT state, count(*) FROM lines WHERE job_id = ? GROUP BY state", (job_id,)
            ).fetchall()
        return {str(state): int(n) for state, n in rows}


_JOB_COLUMNS = (
    "id, key, created_at, updated_at, host, model, lines, bytes, status, file_id, batch_id, "
    "output_file_id, error_file_id, resubmit_of, note"
)
