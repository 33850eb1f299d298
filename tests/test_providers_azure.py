"""Azure OpenAI through the SDK's own client, and SDK clients passed to ``brief``,
against the loopback server (which answers Azure deployment paths)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from openai import AsyncAzureOpenAI, AzureOpenAI, OpenAI

import diplosum
from diplosum.errors import ConfigurationError
from diplosum.llm.openai_backend import OpenAIBackend
from diplosum.llm.settings import ClientSettings
from tests.chat_server import Answer, ChatServer
from tests.openai_backend_helpers import GOOD, request

pytestmark = pytest.mark.server

AZURE_KEY = "azure-TEST-key-5b9e0c41d2f7-never-logged"
VERSION = "2024-10-21"
ARTICLE = "Talks in Beijing.\nJake Sullivan arrived in Beijing on Tuesday."


def _root(server: ChatServer) -> str:
    return server.base_url.removesuffix("/v1")


@pytest.fixture
def azure_env(chat_server: ChatServer, monkeypatch: pytest.MonkeyPatch) -> ChatServer:
    for name in ("OPENAI_BASE_URL", "OPENAI_API_KEY", "AZURE_OPENAI_AD_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", _root(chat_server))
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", AZURE_KEY)
    monkeypatch.setenv("OPENAI_API_VERSION", VERSION)
    chat_server.responder = lambda r: Answer(GOOD)
    return chat_server


def test_azure_from_the_sdk_environment_names(
    azure_env: ChatServer, caplog: pytest.LogCaptureFixture
) -> None:
    async def main() -> str:
        async with OpenAIBackend(ClientSettings(timeout=5)) as backend:
            return (await backend.extract(request(model="my-gpt-deployment"))).content

    with caplog.at_level(logging.DEBUG):
        assert asyncio.run(main()) == GOOD
    (sent,) = azure_env.requests
    assert sent.deployment == "my-gpt-deployment"
    assert sent.path == "/openai/deployments/my-gpt-deployment/chat/completions"
    assert sent.query == {"api-version": VERSION}
    assert sent.header("api-key") == AZURE_KEY
    assert sent.header("authorization") is None
    logged = "\n".join(f"{r.getMessage()} {r.args}" for r in caplog.records)
    assert any(r.levelno == logging.DEBUG for r in caplog.records)  # DEBUG was on
    assert AZURE_KEY not in logged
    assert AZURE_KEY[7:20] not in logged


def test_azure_needs_an_api_version(azure_env: ChatServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_VERSION")
    with pytest.raises(ConfigurationError, match="OPENAI_API_VERSION"):
        OpenAIBackend(ClientSettings())
    monkeypatch.delenv("AZURE_OPENAI_API_KEY")
    monkeypatch.setenv("OPENAI_API_VERSION", VERSION)
    with pytest.raises(ConfigurationError, match="AZURE_OPENAI_API_KEY"):
        OpenAIBackend(ClientSettings())


def test_openai_base_url_wins_over_the_azure_endpoint(
    azure_env: ChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Azure's v1 endpoint is an ordinary OpenAI-compatible base URL
    monkeypatch.setenv("OPENAI_BASE_URL", _root(azure_env) + "/openai/v1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-v1")
    diplosum.brief([ARTICLE], model="gpt-5.4-mini", cache=False)
    (sent,) = azure_env.requests
    assert sent.path == "/openai/v1/chat/completions"
    assert sent.header("authorization") == "Bearer sk-v1"
    assert sent.query == {}


def test_brief_with_an_async_azure_client_uses_the_cache(
    azure_env: ChatServer, tmp_path: Path
) -> None:
    cache = tmp_path / "cache.sqlite3"

    async def main() -> tuple[diplosum.Brief, diplosum.Brief]:
        async with AsyncAzureOpenAI(
            azure_endpoint=_root(azure_env), api_key=AZURE_KEY, api_version=VERSION
        ) as client:
            first = await diplosum.abrief([ARTICLE], model="dep-1", client=client, cache=cache)
            second = await diplosum.abrief([ARTICLE], model="dep-1", client=client, cache=cache)
            assert not client.is_closed()  # the caller's client stays the caller's
            return first, second

    first, second = asyncio.run(main())
    assert (first.usage.calls, second.usage.calls, second.usage.cached_calls) == (1, 0, 1)
    assert not first.failures and first.events
    (sent,) = azure_env.requests
    assert sent.deployment == "dep-1"
    assert sent.header("x-stainless-retry-count") in (None, "0")


def test_brief_with_sync_clients_records(azure_env: ChatServer, tmp_path: Path) -> None:
    recording = tmp_path / "rec.jsonl"
    plain = OpenAI(base_url=azure_env.base_url, api_key="sk-sync", max_retries=3)
    diplosum.brief([ARTICLE], model="gpt-4.1-mini", client=plain, record=recording)
    assert azure_env.requests[-1].header("authorization") == "Bearer sk-sync"
    assert recording.read_text(encoding="utf-8").count("\n") == 1
    assert "sk-sync" not in recording.read_text(encoding="utf-8")
    replayed = diplosum.brief([ARTICLE], replay=recording)
    assert replayed.usage.replayed_calls == 1

    azure = AzureOpenAI(azure_endpoint=_root(azure_env), api_key=AZURE_KEY, api_version=VERSION)
    result = diplosum.brief([ARTICLE], model="dep-2", client=azure, cache=False)
    assert not result.failures
    sent = azure_env.requests[-1]
    assert (sent.deployment, sent.query, sent.header("api-key")) == (
        "dep-2",
        {"api-version": VERSION},
        AZURE_KEY,
    )


def test_other_clients_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="openai client"):
        OpenAIBackend(client=object())  # type: ignore[arg-type]
