"""RSS/Atom feeds (feedparser) to Articles: each entry's page fetched and extracted.

A feed is a URL (fetched with conditional GET; its validators are kept in the state)
or a file. A feed that cannot be fetched or parsed is a failure naming it, and the
other feeds go on. For each entry whose link is not in a digest yet, the page is
fetched and its article extracted (``diplosum.ingest.html``); what the page lacks
(title, date, URL) comes from the feed. A page that cannot be fetched is a failure
of this run and is tried again on later runs, waiting longer after each failure
(``retry_delay``), whether or not the feed still lists it: it is never dropped.
"""

from __future__ import annotations

import asyncio
import calendar
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser

from diplosum.article import Article
from diplosum.contracts.brief import Failure
from diplosum.digest.backoff import retry_delay
from diplosum.digest.config import DigestConfig
from diplosum.digest.fetch import Fetched, Fetcher, FetchError, decode_body
from diplosum.digest.state import DigestState, FetchRecord
from diplosum.ids import UniqueNames
from diplosum.ingest.clean import clean_text
from diplosum.ingest.decode import Undecodable
from diplosum.ingest.html import extract_page
from diplosum.safetext import one_line

_ID_JUNK = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Entry:
    link: str
    title: str | None = None
    published: str | None = None
    outlet: str | None = None

    def to_json(self) -> str:
        return json.dumps(self.__dict__, sort_keys=True)

    @classmethod
    def from_json(cls, link: str, text: str | None) -> Entry:
        data: dict[str, Any] = json.loads(text) if text else {}
        return cls(link, data.get("title"), data.get("published"), data.get("outlet"))


@dataclass
class FeedResult:
    """The feeds' articles and failures; ``links`` maps an article id to its entry's
    link, ``validators`` are the feeds' new ETag/Last-Modified, to be kept only once a
    digest holds what they answered (else a later 304 would hide entries not done)."""

    articles: list[Article] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)
    validators: list[FetchRecord] = field(default_factory=list)


class _Run:
    def __init__(
        self, state: DigestState, fetcher: Fetcher, now: datetime, save: bool, taken: set[str]
    ) -> None:
        self.state = state
        self.fetcher = fetcher
        self.now = now
        self.save = save
        self.names = UniqueNames(taken)
        self.result = FeedResult()

    def fail(self, base: str, error: str) -> None:
        self.result.failures.append(
            Failure(source_id=self._id(base), stage="ingest", error=one_line(error))
        )

    def _id(self, base: str) -> str:
        return self.names.make(_ID_JUNK.sub("-", base).strip("-")[:60] or "page")

    async def feed_entries(self, feed: str) -> list[Entry]:
        name = _feed_name(feed)
        try:
            raw = await self._feed_bytes(feed)
        except (FetchError, OSError) as exc:
            self.fail(f"feed-{name}", f"feed {feed} cannot be read: {exc}")
            return []
        if raw is None:  # not modified since the last run
            return []
        parsed = feedparser.parse(raw)
        malformed = bool(parsed.get("bozo"))
        outlet = one_line(str(parsed.get("feed", {}).get("title") or "")) or None
        entries = []
        for item in parsed.get("entries", []):
            link = item.get("link")
            if isinstance(link, str) and urlsplit(link).scheme in ("http", "https"):
                entries.append(Entry(link, _text(item.get("title")), _entry_date(item), outlet))
            elif not malformed:
                title = item.get("title") or "an entry"
                self.fail(f"feed-{name}", f"feed {feed}: {title!r} has no http(s) link")
        if malformed:
            reason = parsed.get("bozo_exception")
            read = f"; read its {len(entries)} entries with links anyway" if entries else ""
            self.fail(f"feed-{name}", f"feed {feed} is malformed ({reason}){read}")
        return entries

    async def _feed_bytes(self, feed: str) -> bytes | None:
        if urlsplit(feed).scheme not in ("http", "https"):
            return Path(feed).read_bytes()
        record = self.state.fetch_record(feed)
        etag = record.etag if record else None
        modified = record.last_modified if record else None
        fetched = await self.fetcher.get(feed, etag=etag, last_modified=modified)
        self.result.validators.append(
            FetchRecord(
                feed, fetched.etag or etag, fetched.last_modified or modified, 0, None, None
            )
        )
        return None if fetched.status == 304 else fetched.body

    async def page(self, entry: Entry) -> None:
        record = self.state.fetch_record(entry.link)
        base = _page_id(entry.link)
        waiting = record is not None and record.failures and record.retry_after
        if waiting and record and self.now < datetime.fromisoformat(record.retry_after or ""):
            self.fail(
                base,
                f"{entry.link} failed {record.failures} time(s) ({record.last_error}); "
                f"next try after {record.retry_after}",
            )
            return
        try:
            fetched = await self.fetcher.get(entry.link)
            article = self._article(base, entry, fetched)
        except (FetchError, Undecodable) as exc:
            failures = (record.failures if record else 0) + 1
            retry = (self.now + retry_delay(failures)).isoformat(timespec="seconds")
            if self.save:
                self.state.save_fetch(
                    FetchRecord(entry.link, None, None, failures, retry, str(exc), entry.to_json())
                )
            self.fail(base, f"{exc}; will try again after {retry}")
            return
        if record is not None and record.failures and self.save:
            self.state.save_fetch(
                FetchRecord(entry.link, None, None, 0, None, None, entry.to_json())
            )
        self.result.articles.append(article)
        self.result.links[article.id] = entry.link

    def _article(self, base: str, entry: Entry, fetched: Fetched) -> Article:
        if fetched.content_type and "html" not in fetched.content_type:
            raise Undecodable(f"{entry.link}: not an HTML page ({fetched.content_type})")
        page = extract_page(decode_body(fetched), where=entry.link)
        text = clean_text(page.text)
        return Article(
            id=self._id(base),
            text=text,
            title=page.title or entry.title,
            outlet=page.outlet or entry.outlet,
            url=page.url or entry.link,
            published=page.published or entry.published,
            author=page.author,
        )


async def collect_feeds(
    config: DigestConfig,
    state: DigestState,
    *,
    since: date | None,
    dry_run: bool,
    taken: set[str],
    now: datetime | None = None,
    fetch_timeout: float = 20.0,
) -> FeedResult:
    """The articles of every feed entry not in a digest yet: those the feeds list now and
    those seen before (a page that failed waits for its retry time)."""
    moment = now or datetime.now(UTC)
    async with Fetcher(timeout=fetch_timeout) as fetcher:
        run = _Run(state, fetcher, moment, not dry_run, taken)
        listed = await asyncio.gather(*(run.feed_entries(feed) for feed in config.feeds))
        entries = {e.link: e for feed_entries in listed for e in feed_entries}
        done = state.digested_links(entries)
        if not dry_run:
            state.remember_entries(
                FetchRecord(e.link, None, None, 0, None, None, e.to_json())
                for e in entries.values()
                if e.link not in done
            )
        for record in state.pending_entries():
            entries.setdefault(record.url, Entry.from_json(record.url, record.entry))
        done = state.digested_links(entries)
        wanted = [e for e in entries.values() if e.link not in done and _published_since(e, since)]
        await asyncio.gather(*(run.page(e) for e in wanted))
    # Pages arrive in any order; articles (and so the budget) go in the feeds' order.
    order = {e.link: i for i, e in enumerate(wanted)}
    run.result.articles.sort(key=lambda a: order[run.result.links[a.id]])
    return run.result


def _text(value: object) -> str | None:
    return one_line(value) or None if isinstance(value, str) else None


def _entry_date(item: Any) -> str | None:
    parsed = item.get("published_parsed") or item.get("updated_parsed")
    if not parsed:
        return None
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC).date().isoformat()


def _published_since(entry: Entry, since: date | None) -> bool:
    if since is None or entry.published is None:
        return True
    return entry.published[:10] >= since.isoformat()


def _feed_name(feed: str) -> str:
    parts = urlsplit(feed)
    return parts.hostname or Path(feed).stem or "feed"


def _page_id(link: str) -> str:
    parts = urlsplit(link)
    segment = Path(parts.path.rstrip("/")).stem
    return segment or parts.hostname or "page"
