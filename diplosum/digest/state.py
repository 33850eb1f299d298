"""The digest's memory between runs: a SQLite file (WAL), migrated in order.

- ``articles``: every article that went into a digest, by content hash (and
  canonical URL when known), with its day and the article itself, so a later run
  the same day can rebuild that day's digest (its answers come from the cache).
- ``events``: the events of past digests, to tell follow-ups from new events.
- ``fetches``: per page URL, the validators of the last fetch (ETag,
  Last-Modified) and, for a page that failed, when to try again.
- ``runs``: when each run started and finished, and how.

Nothing is marked as digested until the digest files are written, so a run that is
killed leaves the state as it was and the next run does the same work (paying only
for answers the cache does not hold yet).
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from diplosum.article import Article
from diplosum.contracts.brief import BriefEvent
from diplosum.errors import ConfigurationError

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE articles (
        sha256 TEXT PRIMARY KEY,
        url TEXT,
        article_id TEXT NOT NULL,
        day TEXT NOT NULL,
        article TEXT NOT NULL,
        added_at TEXT NOT NULL
    );
    CREATE INDEX articles_url ON articles(url);
    CREATE INDEX articles_day ON articles(day);
    CREATE TABLE events (
        day TEXT NOT NULL,
        event_id TEXT NOT NULL,
        event TEXT NOT NULL,
        PRIMARY KEY (day, event_id)
    );
    CREATE TABLE fetches (
        url TEXT PRIMARY KEY,
        etag TEXT,
        last_modified TEXT,
        failures INTEGER NOT NULL DEFAULT 0,
        retry_after TEXT,
        last_error TEXT,
        entry TEXT
    );
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        day TEXT,
        outcome TEXT
    );
    """,
)


@dataclass(frozen=True)
class PastEvent:
    day: str
    event: BriefEvent


@dataclass(frozen=True)
class FetchRecord:
    url: str
    etag: str | None
    last_modified: str | None
    failures: int
    retry_after: str | None
    last_error: str | None
    entry: str | None = None  # JSON of what the feed said about the page


class DigestState:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.execute("PRAGMA journal_mode = WAL")
                self._migrate(conn)
        except sqlite3.DatabaseError as exc:
            raise ConfigurationError(f"digest state {self.path} is unusable: {exc}") from None
        except OSError as exc:
            raise ConfigurationError(f"cannot create digest state {self.path}: {exc}") from None

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            yield conn
        finally:
            conn.close()

    @staticmethod
    def _migrate(conn: sqlite3.Connection) -> None:
        """Apply the missing migrations in one write transaction, so two processes
        opening a new state file at once never both try to create it."""
        conn.execute("BEGIN IMMEDIATE")
        try:
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            if version > len(MIGRATIONS):
                raise sqlite3.DatabaseError(
                    f"made by a newer diplosum (schema {version}, this one knows {len(MIGRATIONS)})"
                )
            for number in range(version, len(MIGRATIONS)):
                for statement in MIGRATIONS[number].split(";"):
                    if statement.strip():
                        conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # -- articles ------------------------------------------------------------------

    def digested(self, sha256s: Iterable[str], urls: Iterable[str]) -> tuple[set[str], set[str]]:
        """Of these hashes and URLs, the ones already in a digest."""
        hashes, links = list(sha256s), list(urls)
        with self._connect() as conn:
            seen_hashes = _present(conn, "sha256", hashes)
            seen_urls = _present(conn, "url", links)
        return seen_hashes, seen_urls

    def articles_of(self, day: str) -> list[Article]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT article FROM articles WHERE day = ? ORDER BY added_at, article_id", (day,)
            ).fetchall()
        return [Article.model_validate_json(row[0]) for row in rows]

    def record_digest(
        self, day: str, articles: Sequence[Article], events: Sequence[BriefEvent], now: datetime
    ) -> None:
        """Mark ``articles`` as digested on ``day`` and make ``events`` that day's events."""
        stamp = now.isoformat(timespec="seconds")
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT OR IGNORE INTO articles VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (a.sha256, a.url, a.id, day, a.model_dump_json(exclude={"sha256"}), stamp)
                    for a in articles
                ],
            )
            conn.execute("DELETE FROM events WHERE day = ?", (day,))
            conn.executemany(
                "INSERT INTO events VALUES (?, ?, ?)",
                [(day, e.id, e.model_dump_json()) for e in events],
            )
            conn.execute("COMMIT")

    def past_events(self, before_day: str) -> list[PastEvent]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT day, event FROM events WHERE day < ? ORDER BY day", (before_day,)
            ).fetchall()
        return [PastEvent(str(d), BriefEvent.model_validate_json(e)) for d, e in rows]

    # -- fetches -------------------------------------------------------------------

    def fetch_record(self, url: str) -> FetchRecord | None:
        with self._connect() as conn:
            row = conn.execute("SELECT * FROM fetches WHERE url = ?", (url,)).fetchone()
        return None if row is None else FetchRecord(*row)

    def pending_fetches(self) -> list[FetchRecord]:
        """Pages that failed before and are waiting to be tried again."""
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM fetches WHERE failures > 0 ORDER BY url").fetchall()
        return [FetchRecord(*row) for row in rows]

    def save_fetch(self, record: FetchRecord) -> None:
        with self._connect() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO fetches VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.url,
                    record.etag,
                    record.last_modified,
                    record.failures,
                    record.retry_after,
                    record.last_error,
                    record.entry,
                ),
            )

    # -- runs ----------------------------------------------------------------------

    def start_run(self, now: datetime) -> int:
        with self._connect() as conn:
            cursor = conn.execute(
                "INSERT INTO runs (started_at) VALUES (?)", (now.isoformat(timespec="seconds"),)
            )
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, now: datetime, day: str, outcome: str) -> None:
        with self._connect() as conn:
            conn.execute(
                "UPDATE runs SET finished_at = ?, day = ?, outcome = ? WHERE id = ?",
                (now.isoformat(timespec="seconds"), day, outcome, run_id),
            )

    def last_success(self) -> str | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT max(finished_at) FROM runs "
                "WHERE outcome IN ('ok', 'partial', 'nothing new')"
            ).fetchone()
        return None if row is None or row[0] is None else str(row[0])


def _present(conn: sqlite3.Connection, column: str, values: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(values), 500):
        chunk = values[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(
            f"SELECT {column} FROM articles WHERE {column} IN ({marks})", chunk
        ).fetchall()
        found.update(str(r[0]) for r in rows)
    return found
