"""Everything a run could summarise: the inbox folders' articles and the feeds' pages."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from diplosum.article import Article
from diplosum.contracts.brief import Failure
from diplosum.digest.config import DigestConfig
from diplosum.digest.state import DigestState, FetchRecord
from diplosum.ingest.load import load_articles


@dataclass
class Found:
    articles: list[Article] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    links: dict[str, str] = field(default_factory=dict)  # feed article id -> entry link
    feeds: list[FetchRecord] = field(default_factory=list)  # validators to keep


async def collect(
    config: DigestConfig, state: DigestState, *, now: datetime, since: date | None, dry_run: bool
) -> Found:
    found = Found()
    inbox = [p for p in config.inbox if not _empty_folder(p)]
    if inbox:
        loaded = load_articles(inbox)
        found.articles += [a for a in loaded.articles if _after(a, since, config)]
        found.failures += loaded.failures
    if config.feeds:
        from diplosum.digest.feeds import collect_feeds

        taken = {a.id for a in found.articles} | {f.source_id for f in found.failures}
        feed_found = await collect_feeds(
            config,
            state,
            since=since,
            dry_run=dry_run,
            taken=taken,
            now=now,
            fetch_timeout=config.fetch_timeout,
        )
        found.articles += feed_found.articles
        found.failures += feed_found.failures
        found.links = feed_found.links
        found.feeds = feed_found.validators
    return found


def _empty_folder(path: Path) -> bool:
    """An inbox folder with nothing in it to read: nothing new, not a failure (processed
    files are often moved out). A folder holding only other files still is a failure."""
    try:
        if not path.is_dir():
            return False
        with os.scandir(path) as entries:
            return not any(not e.name.startswith(".") for e in entries)
    except OSError:
        return False


def _after(article: Article, since: date | None, config: DigestConfig) -> bool:
    """With ``--since``: only files modified on or after that day (in the digest's zone)."""
    if since is None or article.path is None:
        return True
    try:
        modified = datetime.fromtimestamp(os.stat(article.path).st_mtime, config.zone()).date()
    except OSError:
        return True
    return modified >= since
