"""The whole pipeline against the loopback Chat Completions server, through the real
openai client: the acceptance checks of the "Model client" and "Recordings and cache"
issues. The server answers with the hand-written gold extractions of the seeds."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import diplosum
from diplosum.cli import main
from diplosum.estimate import estimate
from diplosum.llm.retry import RetryPolicy
from diplosum.llm.settings import ClientSettings
from tests.chat_server import (
    Action,
    Answer,
    ChatServer,
    FaultInjector,
    HttpError,
    RawBody,
    RecordedRequest,
    Reset,
    Stall,
    context_length_exceeded,
    rate_limited,
    server_error,
)
from tests.helpers import SEEDS, gold_answers

pytestmark = pytest.mark.server

KEY = "sk-diplosum-test-SECRET-0123456789abcdefXYZ"
FAST = RetryPolicy(max_attempts=8, max_seconds=60, initial_backoff=0.001, max_backoff=0.01)


def _gold_by_text() -> list[tuple[str, str]]:
    """(a distinctive line of each seed, its gold extraction as JSON)."""
    pairs = []
    for article_id, extraction in gold_answers().items():
        text = (SEEDS / f"{article_id}.txt").read_text(encoding="utf-8")
        marker = max(text.splitlines(), key=len)[:80]
        pairs.append((marker, json.dumps(extraction)))
    return pairs


GOLD_BY_TEXT = _gold_by_text()


def gold_responder(request: RecordedRequest) -> Action:
    for marker, answer in GOLD_BY_TEXT:
        if marker in request.user_text:
            return Answer(answer, prompt_tokens=1000, completion_tokens=300)
    return HttpError(400, "no scripted answer for this article", type="invalid_request_error")


def _copies(tmp_path: Path, n: int) -> Path:
    """n articles: the five seeds over and over, under distinct ids."""
    folder = tmp_path / "articles"
    folder.mkdir()
    seeds = sorted(SEEDS.glob("*.txt"))
    for i in range(n):
        shutil.copy(seeds[i % len(seeds)], folder / f"a{i:02d}_{seeds[i % len(seeds)].stem}.txt")
    return folder


def _client(server: ChatServer) -> ClientSettings:
    return ClientSettings(base_url=server.base_url, api_key=KEY, timeout=1.0, retry=FAST)


def _mixed_faults(request: RecordedRequest) -> Action:
    faults: list[Action] = [
        rate_limited(retry_after_ms=5),
        server_error(500),
        server_error(502),
        server_error(503),
        server_error(504),
        Reset(),
        Stall(1.5),
        RawBody(b"<html>bad gateway</html>"),
    ]
    return faults[len(request.user_text) % len(faults)]


def test_twenty_articles_survive_thirty_percent_transient_faults(
    chat_server: ChatServer, tmp_path: Path
) -> None:
    folder = _copies(tmp_path, 20)
    injector = FaultInjector(gold_responder, probability=0.3, seed=11, fault=_mixed_faults)
    chat_server.responder = injector
    # the copies are the same text: without detect_copies=False they would be sent once
    brief = diplosum.brief(
        [folder], client=_client(chat_server), concurrency=6, detect_copies=False
    )
    assert brief.failures == []
    assert len(brief.sources) == 20
    assert {sid for e in brief.events for sid in e.source_ids} == {s.id for s in brief.sources}
    assert injector.faults >= 5
    assert brief.usage.retries == injector.faults
    assert len(chat_server.requests) == 20 + injector.faults


def test_one_article_failing_every_call_is_listed(chat_server: ChatServer, tmp_path: Path) -> None:
    folder = _copies(tmp_path, 20)
    doomed = "a07_"
    # Make a07 unique so only its requests fail: every one of them gets a 503.
    doomed_path = next(folder.glob(f"{doomed}*"))
    doomed_path.write_text(doomed_path.read_text(encoding="utf-8") + "\nUnique tail.\n", "utf-8")

    def failing(request: RecordedRequest) -> Action:
        if "Unique tail." in request.user_text:
            return server_error(503)
        return gold_responder(request)

    chat_server.responder = failing
    brief = diplosum.brief([folder], client=_client(chat_server), detect_copies=False)
    assert len(brief.sources) == 20
    (failure,) = brief.failures
    assert failure.source_id.startswith(doomed) and failure.stage == "extract"
    assert "503" in failure.error
    reported = {sid for e in brief.events for sid in e.source_ids}
    assert len(reported) == 19 and failure.source_id not in reported


def test_cli_exit_1_when_one_article_fails_fast(
    chat_server: ChatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)

    def responder(request: RecordedRequest) -> Action:
        if "Alaska" in request.user_text:
            return context_length_exceeded()
        return gold_responder(request)

    chat_server.responder = responder
    out = tmp_path / "b.json"
    code = main(
        ["brief", str(SEEDS), "--base-url", chat_server.base_url, "--no-cache",
         "--format", "json", "-o", str(out)]
    )  # fmt: skip
    assert code == 1
    brief = diplosum.Brief.model_validate_json(out.read_text(encoding="utf-8"))
    assert [f.source_id[:3] for f in brief.failures] == ["003"]
    assert len(chat_server.requests) == 5  # fails fast: one call for 003


def _brief_json(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    data["provenance"].pop("generated_at")
    data.pop("usage")
    return data


def test_second_run_is_free_and_identical(
    chat_server: ChatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    chat_server.responder = gold_responder
    cache = tmp_path / "cache.sqlite3"
    runs = []
    for n in (1, 2):
        out = tmp_path / f"run{n}.json"
        args = ["brief", str(SEEDS), "--base-url", chat_server.base_url, "--cache", str(cache)]
        assert main([*args, "--model", "gpt-4.1-mini", "--format", "json", "-o", str(out)]) == 0
        runs.append(json.loads(out.read_text(encoding="utf-8"))["usage"])
    assert (runs[0]["calls"], runs[0]["cached_calls"]) == (5, 0)
    assert (runs[1]["calls"], runs[1]["cached_calls"]) == (0, 5)
    assert runs[0]["cost_usd"] > 0 and runs[1]["cost_usd"] == 0
    assert len(chat_server.requests) == 5
    assert _brief_json(tmp_path / "run1.json") == _brief_json(tmp_path / "run2.json")


@pytest.mark.parametrize("mode", ["json_object", "tools"])
def test_modes_give_the_same_brief(chat_server: ChatServer, tmp_path: Path, mode: str) -> None:
    chat_server.responder = gold_responder
    client = _client(chat_server)
    reference = diplosum.brief([SEEDS], client=client, mode="json_schema")
    other = diplosum.brief([SEEDS], client=client, mode=mode)
    asked = {r.mode for r in chat_server.requests}
    assert asked == {"json_schema", mode}
    assert other.events == reference.events
    assert other.conflicts == reference.conflicts
    assert other.provenance.mode == mode


def test_record_then_replay_offline(chat_server: ChatServer, tmp_path: Path) -> None:
    chat_server.responder = gold_responder
    recording = tmp_path / "rec.jsonl"
    live = diplosum.brief([SEEDS], client=_client(chat_server), record=recording)
    replayed = diplosum.brief([SEEDS], replay=recording, model=live.provenance.model)
    assert replayed.usage.calls == 0 and replayed.usage.replayed_calls == 5
    assert replayed.events == live.events
    entries = [json.loads(x) for x in recording.read_text(encoding="utf-8").splitlines()]
    assert {e["origin"] for e in entries} == {"recorded"}


def test_api_key_never_leaks(
    chat_server: ChatServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    caplog.set_level("DEBUG")

    def responder(request: RecordedRequest) -> Action:
        if "Alaska" in request.user_text:  # an error whose body echoes the key
            return HttpError(401, f"Incorrect API key provided: {KEY}", type="invalid_api_key")
        return gold_responder(request)

    chat_server.responder = responder
    out, recording, cache = tmp_path / "b.json", tmp_path / "r.jsonl", tmp_path / "c.sqlite3"
    code = main(
        ["-vv", "brief", str(SEEDS), "--base-url", chat_server.base_url, "--auto-record",
         str(recording), "--cache", str(cache), "--format", "json", "-o", str(out)]
    )  # fmt: skip
    assert code == 1
    assert any(r.header("Authorization") == f"Bearer {KEY}" for r in chat_server.requests)
    captured = capsys.readouterr()
    leaks = {
        "output": out.read_text(encoding="utf-8"),
        "recording": recording.read_text(encoding="utf-8"),
        "cache": cache.read_bytes().decode("utf-8", "replace"),
        "stdout": captured.out,
        "stderr": captured.err,
        "logs": "\n".join(r.getMessage() for r in caplog.records),
    }
    for where, text in leaks.items():
        assert KEY not in text, where
        assert KEY[10:30] not in text, where
    assert "401" in leaks["output"]


def test_max_input_tokens_fails_long_articles_without_calling(
    chat_server: ChatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    chat_server.responder = gold_responder
    out = tmp_path / "b.json"
    # The limit falls between the prompts of the seeds, counted as the client counts
    # them, so that the two longest are refused whatever the prompt's wording.
    sizes = {a.article_id[:3]: a.prompt_tokens for a in estimate([SEEDS], cache=False).articles}
    ranked = sorted(sizes, key=sizes.__getitem__)
    limit = (sizes[ranked[-3]] + sizes[ranked[-2]]) // 2
    args = ["brief", str(SEEDS), "--base-url", chat_server.base_url, "--no-cache"]
    args += ["--max-input-tokens", str(limit), "--format", "json", "-o", str(out)]
    assert main(args) == 1
    brief = diplosum.Brief.model_validate_json(out.read_text(encoding="utf-8"))
    failed = sorted(f.source_id[:3] for f in brief.failures)
    assert failed == sorted(ranked[-2:])
    assert all(f"over max_input_tokens={limit}; not sent" in f.error for f in brief.failures)
    assert len(chat_server.requests) == 5 - len(failed)


def test_retry_after_longer_than_the_time_left_fails_the_article_at_once(
    chat_server: ChatServer,
) -> None:
    def responder(request: RecordedRequest) -> Action:
        if "Alaska" in request.user_text:
            return rate_limited(retry_after=3600)
        return gold_responder(request)

    chat_server.responder = responder
    brief = diplosum.brief([SEEDS], client=_client(chat_server))
    (failure,) = brief.failures
    assert failure.source_id.startswith("003")
    assert "HTTP 429" in failure.error
    assert "asked to wait 3600s, more than the" in failure.error
    assert "s left of the 60s retry budget" in failure.error
    assert len(chat_server.requests) == 5  # one request for 003: no retry, no sleep
    assert brief.usage.retries == 0
