"""The digest's memory between runs: a SQLite file (WAL), migrated in order.

- ``articles``: every article that went into a digest, by content hash and origin
  (its file's absolute path, or its feed entry's link) and canonical URL when known,
  with its day and the article itself, so a later run the same day can rebuild that
  day's digest (its answers come from the cache). A copy of an article in another
  file is a source of its own; an edited file is a new article.
- ``events``: the events of past digests, to tell follow-ups from new events.
- ``fetches``: per feed URL, the validators of the last fetch that went into a
  digest (ETag, Last-Modified); per feed entry not in a digest yet, what the feed said
  of it and, when its page failed, when to try again. An entry stays until a digest
  holds it, whatever the feed answers later (a 304 included).
- ``failed_articles``: articles whose extraction failed, with when to try again, so
  one that always fails is not paid for on every run.
- ``runs``: when each run started and finished, and how.

Nothing is marked as digested until the digest files are written, so a run that is
killed leaves the state as it was and the next run does the same work (paying only
for answers the cache does not hold yet).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from diplosum.article import Article
from diplosum.contracts.brief import BriefEvent
from diplosum.store.migrate import SQLiteStore

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE articles (
        sha256 TEXT NOT NULL,
        url TEXT,
        article_id TEXT NOT NULL,
        day TEXT NOT NULL,
        article TEXT NOT NULL,
        added_at TEXT NOT NULL,
        origin TEXT NOT NULL,
        PRIMARY KEY (sha256, origin)
    );
    CREATE INDEX articles_url ON articles(url);
    CREATE INDEX articles_origin ON articles(origin);
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
    """
    CREATE TABLE failed_articles (
        sha256 TEXT NOT NULL,
        origin TEXT NOT NULL,
        failures INTEGER NOT NULL,
        retry_after TEXT NOT NULL,
        last_error TEXT NOT NULL,
        PRIMARY KEY (sha256, origin)
    );
    """,
)


@dataclass(frozen=True)
class PastEvent:
    day: str
    event: BriefEvent


@dataclass(frozen=True)
class FailedArticle:
    sha256: str
    origin: str
    failures: int
    retry_after: str
    last_error: str


@dataclass(frozen=True)
class FetchRecord:
    url: str
    etag: str | None
    last_modified: str | None
    failures: int
    retry_after: str | None
    last_error: str | None
    entry: str | None = None  # JSON of what the feed said about the page


class DigestState(SQLiteStore):
    what = "digest state"
    MIGRATIONS = MIGRATIONS

    # -- articles ------------------------------------------------------------------

    def digested(self, articles: Iterable[tuple[Article, str]]) -> set[str]:
        """The ids of those (article, origin) pairs already in a digest: the same text
        from the same origin, or the same URL."""
        wanted = list(articles)
        with self._connect() as conn:
            pairs = {
                (str(h), str(o))
                for chunk in _chunks([a.sha256 for a, _ in wanted])
                for h, o in conn.execute(
                    f"SELECT sha256, origin FROM articles WHERE sha256 IN ({_marks(chunk)})",
                    chunk,
                )
            }
        urls = self.digested_links(a.url for a, _ in wanted if a.url)
        return {a.id for a, o in wanted if (a.sha256, o) in pairs or (a.url or "") in urls}

    def digested_links(self, links: Iterable[str]) -> set[str]:
        """Of these URLs, the ones a digested article has as its URL or feed link."""
        wanted = list(links)
        with self._connect() as conn:
            return _present(conn, "url", wanted) | _present(conn, "origin", wanted)

    def articles_of(self, day: str) -> list[Article]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT article FROM articles WHERE day = ? ORDER BY added_at, article_id", (day,)
            ).fetchall()
        return [Article.model_validate_json(row[0]) for row in rows]

    def failed_before(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], FailedArticle]:
        """Of these (sha256, origin) keys, the articles that failed before."""
        wanted = set(keys)
        with self._connect() as conn:
            rows = conn.execute("SELECT * FROM failed_articles").fetchall()
        return {(r[0], r[1]): FailedArticle(*r) for r in rows if (r[0], r[1]) in wanted}

    def record_failures(self, failed: Iterable[FailedArticle]) -> None:
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO failed_articles VALUES (?, ?, ?, ?, ?)",
                [(f.sha256, f.origin, f.failures, f.retry_after, f.last_error) for f in failed],
            )

    def record_digest(
        self,
        day: str,
        articles: Sequence[Article],
        events: Sequence[BriefEvent],
        now: datetime,
        *,
        origins: Mapping[str, str],
        links: Mapping[str, str] | None = None,
        feeds: Sequence[FetchRecord] = (),
    ) -> None:
        """Mark ``articles`` as digested on ``day`` (``origins`` by id; ``links``: the
        feed links of those from feeds), make ``events`` that day's events, forget the
        feed entries now digested and keep the feeds' validators, in one transaction."""
        stamp = now.isoformat(timespec="seconds")
        links = links or {}
        with self._connect() as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT OR IGNORE INTO articles VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        a.sha256,
                        a.url,
                        a.id,
                        day,
                        a.model_dump_json(exclude={"sha256"}),
                        stamp,
                        origins[a.id],
                    )
                    for a in articles
                ],
            )
            conn.executemany(
                "DELETE FROM failed_articles WHERE sha256 = ? AND origin = ?",
                [(a.sha256, origins[a.id]) for a in articles],
            )
            done = [links[a.id] for a in articles if a.id in links]
            conn.executemany("DELETE FROM fetches WHERE url = ?", [(link,) for link in done])
            conn.executemany(
                "INSERT OR REPLACE INTO fetches VALUES (?, ?, ?, 0, NULL, NULL, NULL)",
                [(f.url, f.etag, f.last_modified) for f in feeds],
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

    def pending_entries(self) -> list[FetchRecord]:
        """Feed entries seen before and not in a digest yet."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT * FROM fetches WHERE entry IS NOT NULL ORDER BY url"
            ).fetchall()
        return [FetchRecord(*row) for row in rows]

    def remember_entries(self, records: Iterable[FetchRecord]) -> None:
        """Keep these feed entries until a digest holds them (known ones stay as they are)."""
        with self._connect() as conn:
            conn.executemany(
                "INSERT OR IGNORE INTO fetches VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        r.url,
                        r.etag,
                        r.last_modified,
                        r.failures,
                        r.retry_after,
                        r.last_error,
                        r.entry,
                    )
                    for r in records
                ],
            )

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


def _chunks(values: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _marks(chunk: list[str]) -> str:
    return ",".join("?" * len(chunk))


def _present(conn: sqlite3.Connection, column: str, values: list[str]) -> set[str]:
    found: set[str] = set()
    for chunk in _chunks(values):
        rows = conn.execute(
            f"SELECT {column} FROM articles WHERE {column} IN ({_marks(chunk)})", chunk
        ).fetchall()
        found.update(str(r[0]) for r in rows)
    return found
