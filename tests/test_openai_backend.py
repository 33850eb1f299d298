"""OpenAIBackend against a real loopback Chat Completions server, through the real SDK:
the request on the wire, modes, re-asks, usage and configuration.

Retries, timeouts and failures are in test_openai_backend_retries.py; the shared
helpers are in openai_backend_helpers.py.
"""

from __future__ import annotations

import json

import pytest

from diplosum.contracts.extraction import ArticleExtraction
from diplosum.errors import ConfigurationError, ExtractionValidationError
from diplosum.llm.base import SENT_MODES, Mode
from diplosum.llm.openai_backend import ClientSettings, OpenAIBackend
from diplosum.llm.pricing import cost_usd
from tests.chat_server import Answer, ChatServer, rate_limited, server_error
from tests.openai_backend_helpers import (
    EXTRACTION,
    GOOD,
    KEY,
    SCHEMA_VIOLATION,
    extract,
    extract_error,
    request,
    stats_of,
)

pytestmark = pytest.mark.server


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
