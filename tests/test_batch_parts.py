"""The parts of a batch run: lines equal to live requests, files split at the limits, the
store's migrations, ``digest --batch``, and the batch price in ``estimate``."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from diplosum.batch.plan import plan_batch
from diplosum.batch.pricing import BATCH_DISCOUNT, batch_cost_usd
from diplosum.batch.submit import Submitter
from diplosum.cli import main
from diplosum.estimate import estimate
from diplosum.ingest.load import load_articles
from diplosum.llm.batch_wire import BatchAPI
from diplosum.llm.pricing import cost_usd
from diplosum.llm.settings import ClientSettings
from diplosum.store.batches import SCHEMA_VERSION, BatchStore, batches_path_for
from diplosum.store.cache import ResponseCache
from tests.batch_server import BatchServer, extraction_responder, write_articles

pytestmark = pytest.mark.server

MODEL = "gpt-4.1-mini"
CHAT = ("POST", "/v1/chat/completions")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[BatchServer]:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-key-for-batches")
    for name in ("OPENAI_BASE_URL", "DIPLOSUM_BATCHES", "DIPLOSUM_MODEL", "DIPLOSUM_MODE"):
        monkeypatch.delenv(name, raising=False)
    with BatchServer(extraction_responder) as running:
        yield running
    assert not running.errors, running.errors


@pytest.mark.parametrize("mode", ["json_schema", "json_object", "tools"])
def test_a_batch_line_is_the_body_the_live_client_sends(
    server: BatchServer, tmp_path: Path, mode: str
) -> None:
    articles = write_articles(tmp_path / "articles", 1)
    common = [str(articles), "--base-url", server.base_url, "--model", MODEL, "--mode", mode]
    cache = tmp_path / "cache.sqlite3"
    assert main(["brief", *common, "--batch", "--cache", str(cache), "-o", "/dev/null"]) == 0
    (batch,) = server.batches.values()
    (line,) = server.lines(batch["input_file_id"])
    assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"

    assert main(["brief", *common, "--no-cache", "-o", str(tmp_path / "live.md")]) == 0
    (live,) = [r for r in server.requests if (r.method, r.path) == CHAT]
    assert line["body"] == live.body
    if mode == "json_schema":
        schema = line["body"]["response_format"]
        assert schema["type"] == "json_schema" and schema["json_schema"]["strict"] is True
        assert schema["json_schema"]["name"] == "ArticleExtraction"


def _submit(
    server: BatchServer, tmp_path: Path, n: int, *, max_lines: int = 50_000, max_bytes: int = 2**30
) -> list[list[str]]:
    """Submit ``n`` articles' requests with these limits; the custom ids of each file."""
    cache = ResponseCache(tmp_path / "cache.sqlite3")
    store = BatchStore(batches_path_for(cache.path))
    articles = load_articles([str(write_articles(tmp_path / "articles", n))]).articles
    plan = plan_batch(articles, cache=cache, store=store, model=MODEL)
    settings = ClientSettings(base_url=server.base_url)

    async def go() -> None:
        api = BatchAPI(settings)
        try:
            submitter = Submitter(store, api, settings, max_lines=max_lines, max_bytes=max_bytes)
            await submitter.submit(plan.to_submit)
        finally:
            await api.aclose()

    asyncio.run(go())
    assert [job.lines for job in store.jobs()] == [
        len(server.lines(b["input_file_id"])) for b in server.batches.values()
    ]
    return [
        [line["custom_id"] for line in server.lines(b["input_file_id"])]
        for b in server.batches.values()
    ]


def test_files_are_split_at_the_line_limit(server: BatchServer, tmp_path: Path) -> None:
    files = _submit(server, tmp_path, 10, max_lines=4)
    assert [len(ids) for ids in files] == [4, 4, 2]
    assert len({i for ids in files for i in ids}) == 10


def test_files_are_split_at_the_byte_limit(server: BatchServer, tmp_path: Path) -> None:
    one = _submit(server, tmp_path / "one", 1)
    size = len(server.files[next(iter(server.batches.values()))["input_file_id"]])
    server.batches.clear()
    files = _submit(server, tmp_path / "many", 7, max_bytes=int(size * 2.5))
    assert len(one) == 1 and [len(ids) for ids in files] == [2, 2, 2, 1]
    for batch in server.batches.values():
        assert len(server.files[batch["input_file_id"]]) <= size * 2.5


def test_the_store_migrates_in_order_and_refuses_a_newer_one(tmp_path: Path) -> None:
    path = tmp_path / "batches.sqlite3"
    assert BatchStore(path).schema_version == SCHEMA_VERSION == 2
    assert BatchStore(path).jobs() == []  # opening again changes nothing
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(Exception, match="newer diplosum"):
        BatchStore(path)


def test_answers_collected_before_the_upgrade_are_not_counted_again(tmp_path: Path) -> None:
    """A store from before briefs counted batch answers as calls: its collected lines
    may already be in a brief, so the upgrade marks them used (no call counted twice);
    a line collected after it is counted once, by the first brief that uses it."""
    from diplosum.llm.base import CallStats, ExtractionRequest
    from diplosum.store.batches import DONE, MIGRATIONS
    from diplosum.store.migrate import migrate, statements

    path = tmp_path / "batches.sqlite3"
    with sqlite3.connect(path, isolation_level=None) as conn:  # version 1, as it wrote
        migrate(conn, [statements(MIGRATIONS[0])])
        conn.execute(
            "INSERT INTO jobs (id, key, created_at, updated_at, host, model, lines, bytes, "
            "status) VALUES (1, 'k', 't', 't', 'h', ?, 2, 10, 'collected')",
            (MODEL,),
        )
        conn.execute(
            "INSERT INTO lines (job_id, fingerprint, article_id, request, state, "
            "prompt_tokens, completion_tokens) VALUES (1, 'sha256:0', 'a0', '{}', ?, 900, 200)",
            (DONE,),
        )
    store = BatchStore(path)
    assert store.schema_version == 2
    assert store.first_use("sha256:0") is None  # collected before: taken as used
    request = ExtractionRequest("a1", MODEL, "json_schema", "s", "u", "sha256:1")
    job = store.add_job(key="k2", host="h", model=MODEL, requests=[request], size=5)
    stats = CallStats(calls=1, prompt_tokens=900, completion_tokens=200)
    store.set_line(job.id, "sha256:1", DONE, stats=stats)
    first = store.first_use("sha256:1")
    assert first is not None and (first.state, first.stats) == (DONE, stats)
    assert store.first_use("sha256:1") is None  # the next brief reads it as a cache hit


def test_a_collected_answer_is_counted_by_one_brief_of_many_at_once(tmp_path: Path) -> None:
    """Briefs running together (each its own connection) race for a collected answer:
    exactly one counts it. A fingerprint a second batch answered again (the cache had
    lost it) is one answer in the cache, counted once: the last collected line."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from diplosum.llm.base import CallStats, ExtractionRequest
    from diplosum.store.batches import DONE, RETRIED, Answered

    path = tmp_path / "batches.sqlite3"
    store = BatchStore(path)
    request = ExtractionRequest("a1", MODEL, "json_schema", "s", "u", "sha256:1")
    first_job = store.add_job(key="k1", host="h", model=MODEL, requests=[request], size=5)
    again = store.add_job(key="k2", host="h", model=MODEL, requests=[request], size=5)
    store.set_line(first_job.id, "sha256:1", DONE, stats=CallStats(calls=1, prompt_tokens=9))
    store.set_line(again.id, "sha256:1", RETRIED, stats=CallStats(calls=2, prompt_tokens=7))

    briefs = 8
    barrier = Barrier(briefs)

    def brief() -> Answered | None:
        mine = BatchStore(path)
        barrier.wait()
        return mine.first_use("sha256:1")

    with ThreadPoolExecutor(briefs) as pool:
        got = [answer for answer in pool.map(lambda _: brief(), range(briefs)) if answer]
    assert len(got) == 1, got
    (answer,) = got
    assert (answer.state, answer.stats) == (RETRIED, CallStats(calls=2, prompt_tokens=7))
    assert store.first_use("sha256:1") is None


def test_the_store_sits_next_to_the_cache_unless_configured(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIPLOSUM_BATCHES", raising=False)
    assert batches_path_for(tmp_path / "c.sqlite3") == tmp_path / "c.batches.sqlite3"
    monkeypatch.setenv("DIPLOSUM_BATCHES", str(tmp_path / "elsewhere.sqlite3"))
    assert batches_path_for(tmp_path / "c.sqlite3") == tmp_path / "elsewhere.sqlite3"


def test_digest_batch_defers_until_collected_then_writes_with_no_live_call(
    server: BatchServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox = write_articles(tmp_path / "inbox", 5)
    out = tmp_path / "digests"
    args = [
        "digest",
        "--inbox",
        str(inbox),
        "--out-dir",
        str(out),
        "--cache",
        str(tmp_path / "cache.sqlite3"),
        "--state",
        str(tmp_path / "state.sqlite3"),
        "--base-url",
        server.base_url,
        "--model",
        MODEL,
        "--day",
        "2026-12-01",
        "--batch",
    ]
    assert main(args) == 0
    first = capsys.readouterr().err
    assert "5 article(s) deferred" in first and "waiting for batch batch_" in first
    assert not (out / "2026-12-01.md").exists()
    assert main(args) == 0  # still running: deferred again, nothing submitted twice
    assert len(server.batches) == 1

    server.finish()
    assert main(args) == 0  # collects at the start, then writes from the cache
    summary = capsys.readouterr().err
    assert "5 new article(s)" in summary
    assert "5 calls (5 through the Batch API), 0 cached" in summary
    digest = json.loads((out / "2026-12-01.json").read_text(encoding="utf-8"))
    assert len(digest["sources"]) == 5 and digest["deferred"] == []
    assert digest["usage"]["batch_calls"] == 5 and digest["usage"]["cost_usd"] > 0
    assert server.count(*CHAT) == 0

    write_articles(inbox, 6)  # one more the same day: the first five are read again
    assert main(args) == 0 and "1 article(s) deferred" in capsys.readouterr().err
    server.finish()
    assert main(args) == 0
    summary = capsys.readouterr().err
    assert "1 new article(s) (5 earlier today)" in summary
    assert "1 calls (1 through the Batch API), 5 cached" in summary  # never counted twice
    assert server.count(*CHAT) == 0


def test_estimate_shows_the_batch_price(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    articles = write_articles(tmp_path / "articles", 3)
    assert main(["estimate", str(articles), "--no-cache", "--model", MODEL]) == 0
    out = capsys.readouterr().out
    standard = estimate([str(articles)], model=MODEL).cost_usd
    assert standard is not None and standard > 0
    assert f"~${standard:.2f}" in out
    assert "with --batch (Batch API, 50% of the standard price, within 24 h): ~$" in out
    assert f"~${standard * BATCH_DISCOUNT:.2f}" in out.splitlines()[-1]


def test_batch_prices_are_half_the_standard_price() -> None:
    standard = cost_usd(MODEL, 1_000_000, 100_000)
    assert standard is not None
    assert batch_cost_usd(MODEL, 1_000_000, 100_000) == pytest.approx(standard / 2)
    assert batch_cost_usd("no-such-model-anywhere", 10, 10) is None
