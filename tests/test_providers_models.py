"""Models as they are today: the default model, what each family is sent, what a
rejected parameter says, and ``--mode auto``, against the loopback server."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import logging
import re
from pathlib import Path
from typing import Any, get_args

import pytest
from openai.types.shared import chat_model
from openai.types.shared.chat_model import ChatModel

import diplosum
from diplosum.errors import ModelError
from diplosum.llm import modes
from diplosum.llm.base import ExtractionRequest
from diplosum.llm.models import DEFAULT_MODEL, is_reasoning_model, sampling
from diplosum.llm.openai_backend import OpenAIBackend
from diplosum.settings import resolve_model
from diplosum.store.fingerprint import fingerprint, fingerprint_fields
from tests.chat_server import Action, Answer, ChatServer, HttpError, RecordedRequest
from tests.helpers import SEEDS
from tests.openai_backend_helpers import GOOD, KEY, extract, extract_error, request, settings

pytestmark = pytest.mark.server


def _deprecated_models() -> set[str]:
    """Every name the SDK's ``ChatModel`` notes announce a shutdown for."""
    source = inspect.getsource(chat_model)
    _, found, notes = source.partition('"""Deprecated values:')
    return set(re.findall(r'"([^"]+)"', notes)) if found else set()


def test_default_model_is_current_in_the_sdk() -> None:
    deprecated = _deprecated_models()
    if deprecated:  # older SDKs (still allowed, e.g. 3.4) have no shutdown notes
        assert "gpt-4.1-mini" in deprecated  # the notes are read right
    assert DEFAULT_MODEL in get_args(ChatModel)
    assert DEFAULT_MODEL not in deprecated


def test_default_model_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIPLOSUM_MODEL", raising=False)
    assert resolve_model(None) == DEFAULT_MODEL


@pytest.mark.parametrize(
    ("model", "reasoning"),
    [
        ("o1", True),
        ("o3-mini-2025-01-31", True),
        ("o4-mini", True),
        ("gpt-5", True),
        ("gpt-5.4-mini", True),
        ("openai/gpt-5-nano", True),
        ("gpt-6-luna", True),
        ("gpt-4.1-mini", False),
        ("gpt-4o", False),
        ("llama3.1:8b", False),
        ("ollama-model", False),
        ("handwritten", False),
    ],
)
def test_model_families(model: str, reasoning: bool) -> None:
    assert is_reasoning_model(model) is reasoning
    expected = None if reasoning else 0.3
    assert sampling(model, 0.3) == {"temperature": expected}


def _sent(server: ChatServer, model: str, temperature: float | None, **overrides: Any) -> Any:
    server.enqueue(Answer(GOOD))
    req = dataclasses.replace(request(model=model), temperature=temperature)
    extract(server, req, **overrides)
    return server.requests[-1].body


def test_reasoning_models_get_no_sampling_and_max_completion_tokens(
    chat_server: ChatServer,
) -> None:
    body = _sent(chat_server, "gpt-5.4-mini", 0.0, max_output_tokens=4000)
    assert "temperature" not in body
    assert body["max_completion_tokens"] == 4000
    assert "max_tokens" not in body

    body = _sent(chat_server, "o3", 0.7)
    assert "temperature" not in body
    assert "max_completion_tokens" not in body  # no cap unless asked


def test_other_models_get_the_temperature_asked_for(chat_server: ChatServer) -> None:
    assert _sent(chat_server, "gpt-4.1-mini", 0.0)["temperature"] == 0.0
    assert _sent(chat_server, "llama3.1:8b", 0.7)["temperature"] == 0.7
    assert "temperature" not in _sent(chat_server, "llama3.1:8b", None)
    body = _sent(chat_server, "gpt-4.1-mini", 0.0, max_output_tokens=100)
    assert body["max_completion_tokens"] == 100
    assert "max_tokens" not in body


def _fields(model: str, temperature: float | None) -> dict[str, Any]:
    return fingerprint_fields(
        model=model,
        mode="json_schema",
        prompt_sha256="p",
        article_sha256="a",
        temperature=temperature,
    )


def test_fingerprint_hashes_what_is_sent() -> None:
    assert _fields("o3", 0.0)["sampling"] == {"temperature": None}
    # a reasoning model is sent no temperature, whatever was asked: one fingerprint
    assert fingerprint(_fields("o3", 0.0)) == fingerprint(_fields("o3", 0.9))
    assert fingerprint(_fields("o3", 0.0)) == fingerprint(_fields("o3", None))
    assert fingerprint(_fields("gpt-4.1", 0.0)) != fingerprint(_fields("gpt-4.1", 0.9))
    assert _fields("gpt-4.1", 0.0)["sampling"] == {"temperature": 0.0}


def test_brief_and_cli_temperature_reach_the_wire(
    chat_server: ChatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    article = "Talks in Beijing.\nJake Sullivan arrived in Beijing on Tuesday."
    chat_server.responder = lambda r: Answer(GOOD)
    common: dict[str, Any] = {"base_url": chat_server.base_url, "cache": False}
    diplosum.brief([article], model="gpt-4.1-mini", temperature=0.4, **common)
    diplosum.brief([article], model="gpt-5.4-mini", temperature=0.4, **common)
    assert chat_server.requests[0].body["temperature"] == 0.4
    assert "temperature" not in chat_server.requests[1].body

    from diplosum.cli import main

    out = tmp_path / "b.md"
    args = ["brief", str(SEEDS / "000_ea10c8c546df09f6.txt"), "--no-cache", "-o", str(out)]
    args += ["--base-url", chat_server.base_url, "-m", "my-local-model"]
    assert main([*args, "--temperature", "none"]) == 0
    assert main([*args, "--temperature", "0.25"]) == 0
    assert chat_server.requests[-2].body["model"] == "my-local-model"
    assert "temperature" not in chat_server.requests[-2].body
    assert chat_server.requests[-1].body["temperature"] == 0.25


@pytest.mark.parametrize(
    ("error", "option"),
    [
        (
            HttpError(
                400,
                "Unsupported value: 'temperature' does not support 0 with this model. "
                "Only the default (1) value is supported.",
                type="invalid_request_error",
                code="unsupported_value",
            ),
            "--temperature none",
        ),
        (
            HttpError(
                400,
                "Unsupported parameter: 'max_tokens' is not supported with this model. "
                "Use 'max_completion_tokens' instead.",
                code="unsupported_parameter",
            ),
            "max_output_tokens=None",
        ),
        (
            HttpError(400, "Unrecognized request argument supplied: prompt_cache_key"),
            "prompt_cache=False",
        ),
        (
            HttpError(400, "'response_format.type' must be 'json_schema' or 'text'"),
            "--mode",
        ),
    ],
)
def test_a_rejected_parameter_names_the_option(
    chat_server: ChatServer, error: HttpError, option: str
) -> None:
    chat_server.enqueue(error)
    failure = extract_error(chat_server, request(model="my-deployment"))
    assert not failure.retryable
    assert "does not accept" in str(failure)
    assert option in str(failure)
    assert len(chat_server.requests) == 1


def test_an_unrelated_400_gets_no_parameter_hint(chat_server: ChatServer) -> None:
    chat_server.enqueue(HttpError(400, "Invalid 'messages[1].content': empty"))
    failure = extract_error(chat_server)
    assert "does not accept" not in str(failure)


# -- --mode auto ---------------------------------------------------------------------------


def refuses_json_schema(record: RecordedRequest) -> Action:
    if record.mode == "json_schema":
        return HttpError(400, 'response_format type must be one of "text" or "json_object"')
    return Answer(GOOD)


def test_auto_mode_falls_back_once_per_run(
    chat_server: ChatServer, caplog: pytest.LogCaptureFixture
) -> None:
    chat_server.responder = refuses_json_schema
    requests = [request("auto", article_id=f"a{i}", model="llama3.1:8b") for i in range(3)]

    async def main() -> list[Any]:
        async with OpenAIBackend(settings(chat_server, mode="auto")) as backend:
            replies = [await backend.extract(r) for r in requests]
            assert backend.auto_fell_back
            return replies

    with caplog.at_level(logging.WARNING, logger="diplosum.llm"):
        replies = asyncio.run(main())
    assert [r.content for r in replies] == [GOOD] * 3
    assert [r.mode for r in chat_server.requests] == [
        "json_schema",
        "json_object",
        "json_object",
        "json_object",
    ]
    # json_object carries the schema in the system prompt
    assert '"properties"' in chat_server.requests[1].system_text
    warnings = [r for r in caplog.records if "refused json_schema" in r.getMessage()]
    assert len(warnings) == 1
    assert replies[0].stats.calls == 2


def test_auto_mode_keeps_json_schema_when_the_server_takes_it(chat_server: ChatServer) -> None:
    chat_server.responder = lambda r: Answer(GOOD)
    reply = extract(chat_server, request("auto"))
    assert reply.content == GOOD
    assert chat_server.requests[0].mode == "json_schema"


def test_auto_mode_does_not_fall_back_for_other_errors(chat_server: ChatServer) -> None:
    chat_server.enqueue(HttpError(401, "bad key"))
    failure = extract_error(chat_server, request("auto"))
    assert "401" in str(failure)
    assert [r.mode for r in chat_server.requests] == ["json_schema"]


# -- truncation and prompt caching ---------------------------------------------------------


def _long_request(model: str = "llama3.1:8b") -> ExtractionRequest:
    text = " ".join(f"Sentence {i} says the ministers met in Geneva." for i in range(200))
    return dataclasses.replace(request(model=model), user_prompt=text)


def test_a_prompt_the_server_counted_short_is_reported_as_truncated(
    chat_server: ChatServer, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from diplosum.llm.openai_backend import OpenAIBackend

    exact_counts: list[str] = []
    real = OpenAIBackend._expected_prompt_tokens

    def counting(self: OpenAIBackend, request: ExtractionRequest) -> int:
        exact_counts.append(request.article_id)
        return real(self, request)

    monkeypatch.setattr(OpenAIBackend, "_expected_prompt_tokens", counting)
    whole = modes.prompt_tokens(_long_request()).tokens
    chat_server.enqueue(Answer(GOOD, prompt_tokens=512), Answer(GOOD, prompt_tokens=whole))
    with caplog.at_level(logging.WARNING, logger="diplosum.llm"):
        extract(chat_server, _long_request())
        truncated = [r.getMessage() for r in caplog.records if "cut the prompt" in r.getMessage()]
        assert len(truncated) == 1
        assert "512 prompt tokens" in truncated[0]
        assert len(exact_counts) == 1  # a short count is confirmed exactly
        extract(chat_server, _long_request())  # counted in full: no warning, no exact count
    assert len([r for r in caplog.records if "cut the prompt" in r.getMessage()]) == 1
    assert len(exact_counts) == 1


def test_a_list_the_server_cut_short_is_reported_too(
    chat_server: ChatServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Text laid out one item per line counts more tokens than its words: the rough
    count that decides whether to count exactly keeps up with it."""
    names = ["Paris", "London", "Berlin", "Rome", "Madrid", "Oslo", "Bern", "Vienna"]
    listed = "Results of the regional vote:\n" + "\n".join(names * 600)
    listing = dataclasses.replace(request(model="llama3.1:8b"), user_prompt=listed)
    cut = int(modes.prompt_tokens(listing).tokens * 0.45)
    chat_server.enqueue(Answer(GOOD, prompt_tokens=cut))
    with caplog.at_level(logging.WARNING, logger="diplosum.llm"):
        extract(chat_server, listing)
    assert any(f"{cut} prompt tokens" in r.getMessage() for r in caplog.records)


def test_prompt_cache_key_is_sent_where_asked_and_stable(chat_server: ChatServer) -> None:
    chat_server.enqueue(Answer(GOOD), Answer(GOOD), Answer(GOOD))
    extract(chat_server, request(article_id="a1"))
    extract(chat_server, request(article_id="a1"), prompt_cache=True)
    extract(chat_server, request(article_id="a2"), prompt_cache=True)
    first, second, third = (r.body for r in chat_server.requests)
    assert "prompt_cache_key" not in first  # a loopback server is not known to take it
    assert second["prompt_cache_key"] == third["prompt_cache_key"]
    assert second["prompt_cache_key"].startswith("diplosum-")
    # the fixed part comes first and is byte-identical across articles
    assert second["messages"][0] == third["messages"][0]
    assert second["messages"][0]["role"] == "system"


def test_prompt_cache_key_defaults_to_openai_only() -> None:
    from diplosum.llm.settings import ClientSettings

    assert ClientSettings().sends_prompt_cache_key("https://api.openai.com/v1")
    assert not ClientSettings().sends_prompt_cache_key("http://localhost:11434/v1")
    assert ClientSettings(prompt_cache=True).sends_prompt_cache_key("http://localhost:1/v1")
    assert not ClientSettings(prompt_cache=False).sends_prompt_cache_key(
        "https://api.openai.com/v1"
    )


def test_model_error_is_raised_for_bad_settings() -> None:
    from diplosum.errors import ConfigurationError
    from diplosum.llm.settings import ClientSettings

    with pytest.raises(ConfigurationError, match="max_output_tokens"):
        ClientSettings(max_output_tokens=0)
    with pytest.raises(ConfigurationError, match="connect_timeout"):
        ClientSettings(connect_timeout=0)
    assert issubclass(ConfigurationError, Exception) and not issubclass(
        ConfigurationError, ModelError
    )
