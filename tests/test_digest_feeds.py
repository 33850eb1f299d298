"""Feeds in the digest, against a loopback web server (feeds, pages) and the loopback chat
server: pages fetched and extracted, bad feeds named while the rest goes on, a page
that fails is listed and retried on a later run, conditional GET for feeds.

The feeds and pages are written here, around the synthetic articles of
``tests.digest_helpers``; they are not scraped from anywhere.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from html import escape
from pathlib import Path

import pytest

from diplosum.digest import DigestConfig, load_config, run_digest
from tests.chat_server import ChatServer
from tests.digest_helpers import article_text, responder
from tests.web_server import STALL, Page, WebServer

pytestmark = pytest.mark.server
DAY = "2026-12-01"


def page(i: int) -> Page:
    paragraphs = "".join(f"<p>{escape(p)}</p>" for p in article_text(i).split("\n\n"))
    filler = "<p>" + "Officials on both sides gave further details to reporters. " * 4 + "</p>"
    html = f"""<!DOCTYPE html><html><head><title>Talks {i} | Example Wire</title>
<meta property="og:site_name" content="Example Wire"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a> <a href="/login">Sign in</a></nav>
<div class="cookie-banner">We use cookies. <button>Accept all</button></div>
<article><h1>Talks {i}</h1>{paragraphs}{filler}</article>
<aside><h2>Related</h2><ul><li><a href="/x">Other story</a></li></ul></aside>
<footer>© Example Wire</footer></body></html>"""
    return Page(html.encode("utf-8"))


def rss(base: str, items: list[int], *, broken_link: bool = False) -> Page:
    entries = "".join(
        f"<item><title>Talks {i}</title><link>{base}/news/talks-{i}.html</link>"
        f"<pubDate>Mon, 30 Nov 2026 08:00:00 GMT</pubDate></item>"
        for i in items
    )
    if broken_link:
        entries += f"<item><title>Gone</title><link>{base}/news/gone.html</link></item>"
    body = f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Example Wire</title>
<link>{base}/</link><description>News</description>{entries}</channel></rss>"""
    return Page(body.encode("utf-8"), "application/rss+xml", etag='"v1"')


def _config(tmp_path: Path, chat: ChatServer, feeds: list[str]) -> DigestConfig:
    return load_config(
        None,
        {
            "feeds": feeds,
            "out_dir": tmp_path / "out",
            "base_url": chat.base_url,
            "fetch_timeout": 1.0,
        },
    )


def test_feeds_pages_and_bad_feeds(chat_server: ChatServer, tmp_path: Path) -> None:
    chat_server.responder = responder
    with WebServer(stall_seconds=3) as web:
        base = web.base_url
        web.routes = {
            "/good.xml": rss(base, [0, 1], broken_link=True),
            "/news/talks-0.html": page(0),
            "/news/talks-1.html": page(1),
            "/slow.xml": STALL,
            "/bad.xml": Page(b"<rss><channel><item>unclosed", "application/rss+xml"),
        }
        (tmp_path / "local.xml").write_bytes(rss(base, [1]).body)  # a feed file, same entry
        feeds = [web.url("/good.xml"), web.url("/missing.xml"), web.url("/slow.xml"),
                 web.url("/bad.xml"), str(tmp_path / "local.xml")]  # fmt: skip
        config = _config(tmp_path, chat_server, feeds)
        result = run_digest(config, day=DAY)

        assert result.exit_code == 1
        assert result.brief is not None
        sources = {s.id: s for s in result.brief.sources}
        assert sorted(sources) == ["talks-0", "talks-1"]
        assert sources["talks-0"].url == web.url("/news/talks-0.html")
        assert sources["talks-0"].outlet == "Example Wire"
        assert len(chat_server.requests) == 2
        errors = {f.source_id: f.error for f in result.brief.failures}
        assert "HTTP 404" in errors["feed-127-0-0-1"]
        assert any("/slow.xml: no answer in time (timeout)" in e for e in errors.values())
        assert any("/bad.xml is malformed" in e for e in errors.values())
        assert "gone.html: HTTP 404 Not Found; will try again after" in errors["gone"]

        # Next run: the good feed is unchanged (304), the digested pages are not fetched
        # again, and the failed page waits for its retry time: listed, not dropped.
        web.requests.clear()
        again = run_digest(config, day=DAY)
        assert again.brief is not None
        assert "/news/talks-0.html" not in web.paths()
        good_fetch = next(h for p, h in web.requests if p == "/good.xml")
        assert good_fetch.get("if-none-match") == '"v1"'
        gone = next(f for f in again.brief.failures if f.source_id == "gone")
        assert "next try after" in gone.error and "/news/gone.html" not in web.paths()

        # Once its time has come, the page is fetched again, even though the feed now
        # answers 304 and no longer lists it; this time it works.
        web.routes["/news/gone.html"] = page(2)
        later = datetime.now(UTC) + timedelta(hours=2)
        third = run_digest(config, day=DAY, now=later)
        assert third.brief is not None
        assert "gone" in {s.id for s in third.brief.sources}
        assert not [f for f in third.brief.failures if f.source_id == "gone"]
        digest = json.loads((tmp_path / "out" / f"{DAY}.json").read_text())
        assert len(digest["sources"]) == 3


def test_a_page_without_article_text_is_a_failure_not_a_call(
    chat_server: ChatServer, tmp_path: Path
) -> None:
    with WebServer() as web:
        web.routes = {
            "/feed.xml": rss(web.base_url, [0]),
            "/news/talks-0.html": Page(
                b"<html><body><nav>Home</nav><p>Accept cookies</p></body></html>"
            ),
        }
        result = run_digest(_config(tmp_path, chat_server, [web.url("/feed.xml")]), day=DAY)
    assert result.exit_code == 3
    assert result.brief is not None
    (failure,) = result.brief.failures
    assert "only 19 characters of article text in the page" in failure.error
    assert chat_server.requests == []


def test_an_entry_deferred_by_the_budget_survives_the_feed_answering_304(
    chat_server: ChatServer, tmp_path: Path
) -> None:
    chat_server.responder = responder
    with WebServer() as web:
        web.routes = {
            "/feed.xml": rss(web.base_url, [0, 1]),
            "/news/talks-0.html": page(0),
            "/news/talks-1.html": page(1),
        }
        config = load_config(
            None,
            {"feeds": [web.url("/feed.xml")], "out_dir": tmp_path / "out",
             "base_url": chat_server.base_url, "max_articles": 1},
        )  # fmt: skip
        first = run_digest(config, day=DAY)
        assert [d.source_id for d in first.deferred] == ["talks-1"]
        second = run_digest(config, day=DAY)
        feed_fetches = [h for p, h in web.requests if p == "/feed.xml"]
        assert feed_fetches[-1].get("if-none-match") == '"v1"'  # answered 304
        assert second.brief is not None
        assert sorted(s.id for s in second.brief.sources) == ["talks-0", "talks-1"]
        assert len(chat_server.requests) == 2
