"""The response cache: a SQLite file of validated replies keyed by request fingerprint.

Safe with several processes at once (WAL journal, busy timeout, one short
transaction per write). A file that SQLite cannot read is moved aside to
``<name>.corrupt-<timestamp>`` with a warning, and a fresh cache is started.

The file's schema version is SQLite's ``user_version``. Opening a cache applies
the ``MIGRATIONS`` it has not had yet, in order, each in one exclusive
transaction (so two processes opening an old cache at once migrate it once). A
cache from a newer diplosum (a higher version) is refused with a ``CacheError``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

from diplosum.errors import CacheError
from diplosum.llm.base import (
    CallStats,
    ExtractionBackend,
    ExtractionRequest,
    ModelReply,
    aclose_backend,
)
from diplosum.store.migrate import NewerSchema, migrate

CACHE_ENV = "DIPLOSUM_CACHE"
log = logging.getLogger("diplosum.cache")

#: Schema migrations: ``MIGRATIONS[n]`` takes a cache from version n to n + 1.
#: Version 0 is a new file or a cache made before versions were kept (which has the
#: version 1 table already, hence IF NOT EXISTS). Only ever append here.
MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE IF NOT EXISTS responses (
            fingerprint TEXT PRIMARY KEY,
            article_id TEXT NOT NULL,
            model TEXT NOT NULL,
            content TEXT NOT NULL,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            created_at TEXT NOT NULL
        )""",
    ),
    (
        "ALTER TABLE responses ADD COLUMN cached_prompt_tokens INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE responses ADD COLUMN reasoning_tokens INTEGER NOT NULL DEFAULT 0",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def default_cache_path() -> Path:
    """``$DIPLOSUM_CACHE``, else ``responses.sqlite3`` in the user cache dir (XDG)."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    return Path(platformdirs.user_cache_dir("diplosum")) / "responses.sqlite3"


@dataclass(frozen=True)
class CacheStats:
    path: Path
    entries: int
    bytes: int
    models: dict[str, int]


class ResponseCache:
    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self.recovered_from: Path | None = None
        self._local = threading.local()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CacheError(f"cannot create cache folder {self.path.parent}: {exc}") from exc
        try:
            self._init()
        except sqlite3.DatabaseError as exc:
            self._move_aside(exc)
            self._init()

    def _kept(self) -> sqlite3.Connection:
        """This thread's connection for ``get`` and ``put``, opened on first use and kept:
        opening one per answer cost more than the write. ``synchronous = NORMAL`` (WAL):
        a committed answer survives the process being killed (only a power cut can
        take the last ones)."""
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
            conn.execute("PRAGMA busy_timeout = 30000")
            conn.execute("PRAGMA synchronous = NORMAL")
            self._local.conn = conn
        return conn

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            yield conn
        finally:
            conn.close()

    def _init(self) -> None:
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            (status,) = conn.execute("PRAGMA quick_check").fetchone()
            if status != "ok":
                raise sqlite3.DatabaseError(f"integrity check failed: {status}")
            self._migrate(conn)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        try:
            current = migrate(conn, MIGRATIONS)
        except NewerSchema:
            raise CacheError(
                f"cache {self.path} has schema version {_version(conn)}, newer than this "
                f"diplosum's {SCHEMA_VERSION}: upgrade diplosum or use another --cache"
            ) from None
        if current and current != SCHEMA_VERSION:
            log.info("cache %s migrated from version %d to %d", self.path, current, SCHEMA_VERSION)

    @property
    def schema_version(self) -> int:
        with self._connect() as conn:
            return _version(conn)

    def _move_aside(self, exc: sqlite3.DatabaseError) -> None:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
        aside = self.path.with_name(f"{self.path.name}.corrupt-{stamp}-{os.getpid()}")
        for suffix in ("", "-wal", "-shm"):
            part = Path(str(self.path) + suffix)
            if part.exists():
                part.replace(Path(str(aside) + suffix))
        self.recovered_from = aside
        log.warning("cache %s is unreadable (%s); moved it to %s", self.path, exc, aside)

    def get(self, fingerprint: str) -> tuple[str, str] | None:
        """The cached ``(content, model)`` for a fingerprint, or None."""
        row = (
            self._kept()
            .execute("SELECT content, model FROM responses WHERE fingerprint = ?", (fingerprint,))
            .fetchone()
        )
        return None if row is None else (str(row[0]), str(row[1]))

    def put(self, request: ExtractionRequest, reply: ModelReply) -> None:
        """Store one answer, committed at once (autocommit)."""
        self._kept().execute(
            "INSERT OR REPLACE INTO responses (fingerprint, article_id, model, content, "
            "prompt_tokens, completion_tokens, cached_prompt_tokens, reasoning_tokens, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                request.fingerprint,
                request.article_id,
                reply.model,
                reply.content,
                reply.stats.prompt_tokens,
                reply.stats.completion_tokens,
                reply.stats.cached_prompt_tokens,
                reply.stats.reasoning_tokens,
                datetime.now(UTC).isoformat(timespec="seconds"),
            ),
        )

    def stats(self) -> CacheStats:
        with self._connect() as conn:
            rows = conn.execute("SELECT model, count(*) FROM responses GROUP BY model").fetchall()
        size = sum(
            Path(str(self.path) + s).stat().st_size
            for s in ("", "-wal")
            if Path(str(self.path) + s).exists()
        )
        models = {str(m): int(n) for m, n in rows}
        return CacheStats(self.path, sum(models.values()), size, models)

    def clear(self) -> int:
        with self._connect() as conn:
            removed = conn.execute("DELETE FROM responses").rowcount
            conn.execute("VACUUM")
        return int(removed)


def _version(conn: sqlite3.Connection) -> int:
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    return int(version)


class CachingBackend:
    """Answers from the cache when it can; otherwise asks ``inner`` and stores the reply."""

    def __init__(self, inner: ExtractionBackend, cache: ResponseCache) -> None:
        self.inner = inner
        self.cache = cache

    async def aclose(self) -> None:
        await aclose_backend(self.inner)

    async def extract(self, request: ExtractionRequest) -> ModelReply:
        hit = self.cache.get(request.fingerprint)
        if hit is not None:
            content, model = hit
            return ModelReply(content=content, model=model, origin="cache", stats=CallStats())
        started = time.monotonic()
        reply = await self.inner.extract(request)
        self.cache.put(request, reply)
        log.debug("cached %s after %.1fs", request.article_id, time.monotonic() - started)
        return reply
