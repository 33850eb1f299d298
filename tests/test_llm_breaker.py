"""The endpoint-unreachable circuit breaker and the counting of unanswered calls.

Everything goes through the real openai client over real loopback sockets: a port
that was bound and closed (connection refused), a listener whose backlog is full
(connect timeout), and the loopback Chat Completions server (resets, stalls).
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import diplosum
from diplosum.cli import main
from diplosum.errors import ModelError
from diplosum.llm.base import ExtractionRequest
from diplosum.llm.openai_backend import ClientSettings, OpenAIBackend, RetryPolicy
from diplosum.llm.settings import DEFAULT_UNREACHABLE_AFTER
from diplosum.settings import resolve_concurrency
from tests.chat_server import Answer, ChatServer, Reset, Stall, server_error
from tests.openai_backend_helpers import GOOD, FakeTime, request

pytestmark = pytest.mark.server

MANY_TRIES = RetryPolicy(max_attempts=20, max_seconds=600, initial_backoff=0.5, jitter=0)


@pytest.fixture
def closed_port() -> int:
    """A loopback port that was just bound and closed: connecting is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def full_backlog() -> Iterator[int]:
    """A loopback port whose listen queue is full: connecting times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = int(listener.getsockname()[1])
    fillers = [socket.socket() for _ in range(3)]
    for filler in fillers:
        filler.setblocking(False)
        filler.connect_ex(("127.0.0.1", port))
    try:
        yield port
    finally:
        for sock in [*fillers, listener]:
            sock.close()


def _articles(n: int) -> list[str]:
    return [
        f"Envoys meet in city {i}\n\nThe foreign minister of country {i} met envoys on Monday.\n"
        for i in range(n)
    ]


class NeverWakes(FakeTime):
    """Fake time whose sleeps only end when cut short (the test would time out)."""

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        await asyncio.Event().wait()


def _extract_all(
    url: str, requests: list[ExtractionRequest], fake: FakeTime, **overrides: Any
) -> list[Any]:
    settings = ClientSettings(base_url=url, api_key="x", timeout=2.0, retry=MANY_TRIES)
    settings = dataclasses.replace(settings, **overrides)

    async def main() -> list[Any]:
        async with OpenAIBackend(settings, sleep=fake.sleep, clock=fake.clock) as backend:
            answers = asyncio.gather(
                *(backend.extract(r) for r in requests), return_exceptions=True
            )
            return await asyncio.wait_for(answers, timeout=60)  # a guard, not a measure

    return asyncio.run(main())


def _unreachable(error: object) -> bool:
    return isinstance(error, ModelError) and "endpoint unreachable" in str(error)


# -- the breaker inside one backend ---------------------------------------------------


def test_refused_connections_open_the_breaker(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/v1"
    fake = FakeTime()
    (error,) = _extract_all(url, [request()], fake, unreachable_after=3)

    assert isinstance(error, ModelError) and error.retryable is False
    message = str(error)
    assert message.startswith("article a1: endpoint unreachable: 3 consecutive connection")
    assert f"to 127.0.0.1:{closed_port} (last: ConnectError); request not sent" in message
    assert error.stats is not None
    assert (error.stats.calls, error.stats.retries) == (3, 3)
    # once open, the 3rd backoff was skipped and the 4th attempt failed without sending
    assert len(fake.sleeps) == 2


def test_articles_waking_from_backoff_fail_at_once(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/v1"
    requests = [request(article_id=f"a{i}") for i in range(4)]
    errors = _extract_all(url, requests, NeverWakes(), unreachable_after=4)

    assert all(_unreachable(e) for e in errors)
    # each sent once and went to sleep; the 4th failure woke them all, and none sent again
    assert [e.stats.calls for e in errors] == [1, 1, 1, 1]
    assert [e.stats.retries for e in errors] == [1, 1, 1, 1]


def test_connect_timeouts_open_the_breaker(full_backlog: int) -> None:
    url = f"http://127.0.0.1:{full_backlog}/v1"
    (error,) = _extract_all(url, [request()], FakeTime(), unreachable_after=2, timeout=0.3)
    assert _unreachable(error)
    assert "2 consecutive connection failures" in str(error)
    assert "(last: ConnectTimeout)" in str(error)


def test_read_timeouts_do_not_open_the_breaker(chat_server: ChatServer) -> None:
    chat_server.enqueue(Stall(30), Answer(GOOD))
    (reply,) = _extract_all(
        chat_server.base_url, [request()], FakeTime(), unreachable_after=1, timeout=0.3
    )
    assert not isinstance(reply, BaseException), reply
    assert reply.content == GOOD
    assert (reply.stats.calls, reply.stats.retries) == (2, 1)


def test_resets_count_and_any_http_answer_resets_the_count(chat_server: ChatServer) -> None:
    chat_server.enqueue(Reset(), Reset(), server_error(503), Reset(), Reset(), Answer(GOOD))
    (reply,) = _extract_all(chat_server.base_url, [request()], FakeTime(), unreachable_after=3)
    assert not isinstance(reply, BaseException), reply
    assert reply.content == GOOD
    assert len(chat_server.requests) == 6


def test_consecutive_resets_open_the_breaker(chat_server: ChatServer) -> None:
    chat_server.enqueue(Reset(), Reset(), Reset())
    (error,) = _extract_all(chat_server.base_url, [request()], FakeTime(), unreachable_after=3)
    assert _unreachable(error)
    assert len(chat_server.requests) == 3  # the fixture fails on a 4th, unscripted one


def test_unanswered_attempts_are_calls(chat_server: ChatServer) -> None:
    chat_server.enqueue(Reset(), Stall(30), server_error(502), Answer(GOOD))
    (reply,) = _extract_all(chat_server.base_url, [request()], FakeTime(), timeout=0.3)
    assert not isinstance(reply, BaseException), reply
    assert (reply.stats.calls, reply.stats.retries) == (4, 3)
    assert reply.stats.calls == len(chat_server.requests)


# -- the whole pipeline against a closed port ------------------------------------------


def test_twenty_articles_against_a_closed_port_fail_fast(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/v1"
    brief = diplosum.brief(_articles(20), base_url=url, api_key="x", cache=False)

    assert len(brief.sources) == 20
    assert len(brief.failures) == 20
    errors = [f.error for f in brief.failures]
    assert all("endpoint unreachable" in e or "ConnectError" in e for e in errors)
    concurrency = resolve_concurrency(None)
    unreachable = [e for e in errors if "endpoint unreachable" in e]
    assert len(unreachable) >= 20 - concurrency
    assert all(f"to 127.0.0.1:{closed_port}" in e and "request not sent" in e for e in unreachable)
    assert DEFAULT_UNREACHABLE_AFTER <= brief.usage.calls <= DEFAULT_UNREACHABLE_AFTER + concurrency


def test_cli_exits_3_when_the_endpoint_is_unreachable(
    closed_port: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "x")
    folder = tmp_path / "articles"
    folder.mkdir()
    for i, text in enumerate(_articles(20)):
        (folder / f"a{i:02d}.txt").write_text(text, encoding="utf-8")
    out = tmp_path / "brief.json"
    url = f"http://127.0.0.1:{closed_port}/v1"
    args = ["brief", str(folder), "--base-url", url, "--no-cache", "--format", "json"]
    assert main([*args, "-o", str(out)]) == 3
    brief = diplosum.Brief.model_validate_json(out.read_text(encoding="utf-8"))
    assert len(brief.failures) == 20
    assert brief.usage.calls <= DEFAULT_UNREACHABLE_AFTER + resolve_concurrency(None)
