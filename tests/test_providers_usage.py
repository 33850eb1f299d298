"""Usage and cost: cached and reasoning tokens from the wire to the brief, recordings
and cache rows; prices from genai-prices; the cache's schema migrations."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

import diplosum
from diplosum.errors import CacheError, ConfigurationError
from diplosum.llm.pricing import (
    PRICES_ENV,
    ModelPrice,
    base_model_name,
    cost_usd,
    price_for,
    prices_source,
)
from diplosum.store.cache import SCHEMA_VERSION, ResponseCache
from tests.chat_server import Answer, ChatServer
from tests.openai_backend_helpers import GOOD, KEY, extract

ARTICLE = "Talks in Beijing.\nJake Sullivan arrived in Beijing on Tuesday."


def test_cached_and_reasoning_tokens_are_counted(chat_server: ChatServer) -> None:
    chat_server.enqueue(Answer(GOOD, prompt_tokens=1200, cached_tokens=1024, reasoning_tokens=64))
    stats = extract(chat_server).stats
    assert (stats.prompt_tokens, stats.cached_prompt_tokens, stats.reasoning_tokens) == (
        1200,
        1024,
        64,
    )


def test_the_brief_shows_cached_tokens_priced_as_cached(
    chat_server: ChatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv(PRICES_ENV, raising=False)
    chat_server.responder = lambda r: Answer(
        GOOD,
        model="gpt-5.4-mini",
        prompt_tokens=10_000,
        completion_tokens=1_000,
        cached_tokens=8_000,
        reasoning_tokens=400,
    )
    recording = tmp_path / "rec.jsonl"
    result = diplosum.brief(
        [ARTICLE], model="gpt-5.4-mini", base_url=chat_server.base_url, record=recording
    )
    usage = result.usage
    assert (usage.prompt_tokens, usage.cached_prompt_tokens, usage.reasoning_tokens) == (
        10_000,
        8_000,
        400,
    )
    price = price_for("gpt-5.4-mini")
    assert price is not None and price.cached_input < price.input_per_mtok
    expected = (2_000 * price.input_per_mtok + 8_000 * price.cached_input) / 1e6 + (
        1_000 * price.output_per_mtok / 1e6
    )
    assert usage.cost_usd == pytest.approx(expected)
    assert usage.cost_usd < cost_usd("gpt-5.4-mini", 10_000, 1_000)  # type: ignore[operator]
    assert '"cached_prompt_tokens":8000' in result.model_dump_json()
    assert "10,000 prompt (8,000 cached) + 1,000 completion (400 reasoning) tokens" in (
        result.to_markdown()
    )
    assert "10,000 prompt (8,000 cached) + 1,000 completion (400 reasoning) tokens" in (
        result.to_html()
    )

    (entry,) = [json.loads(line) for line in recording.read_text(encoding="utf-8").splitlines()]
    assert entry["usage"]["cached_prompt_tokens"] == 8_000
    assert entry["usage"]["reasoning_tokens"] == 400


def test_cache_rows_keep_cached_and_reasoning_tokens(
    chat_server: ChatServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    chat_server.responder = lambda r: Answer(GOOD, cached_tokens=30, reasoning_tokens=7)
    cache = tmp_path / "c.sqlite3"
    diplosum.brief([ARTICLE], model="m", base_url=chat_server.base_url, cache=cache)
    with sqlite3.connect(cache) as conn:
        row = conn.execute(
            "SELECT cached_prompt_tokens, reasoning_tokens FROM responses"
        ).fetchone()
        (version,) = conn.execute("PRAGMA user_version").fetchone()
    assert row == (30, 7)
    assert version == SCHEMA_VERSION == 2


def test_an_old_cache_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    with sqlite3.connect(path) as conn:  # the table as diplosum 0.1 made it, no version
        conn.execute(
            "CREATE TABLE responses (fingerprint TEXT PRIMARY KEY, article_id TEXT NOT NULL, "
            "model TEXT NOT NULL, content TEXT NOT NULL, prompt_tokens INTEGER NOT NULL "
            "DEFAULT 0, completion_tokens INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL)"
        )
        conn.execute("INSERT INTO responses VALUES ('fp', 'a1', 'm', '{}', 5, 6, 'then')")
    cache = ResponseCache(path)
    assert cache.schema_version == SCHEMA_VERSION
    assert cache.get("fp") == ("{}", "m")
    assert ResponseCache(path).schema_version == SCHEMA_VERSION  # opening again: no-op
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT cached_prompt_tokens FROM responses").fetchone() == (0,)


def test_a_cache_from_a_newer_diplosum_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(CacheError, match="newer"):
        ResponseCache(path)


# -- prices -------------------------------------------------------------------------------


def test_prices_come_from_genai_prices() -> None:
    assert prices_source().startswith("genai-prices ")
    for model in ("gpt-5.4-mini", "gpt-4.1", "o3", "gpt-4o-mini"):
        price = price_for(model)
        assert price is not None, model
        assert price.input_per_mtok > 0 and price.output_per_mtok > 0
    assert cost_usd("gpt-4.1", 1_000_000, 1_000_000) == pytest.approx(10.0)
    assert cost_usd("gpt-4o", 0, 0) == 0.0


@pytest.mark.parametrize(
    ("model", "base"),
    [
        ("gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
        ("gpt-4o-2024-08-06", "gpt-4o"),
        ("GPT-4.1", "gpt-4.1"),
        ("openai/gpt-4.1-nano", "gpt-4.1-nano"),
    ],
)
def test_snapshots_and_prefixed_names_are_priced(model: str, base: str) -> None:
    assert base_model_name(model) == base
    assert cost_usd(model, 1000, 1000) == cost_usd(base, 1000, 1000)
    assert cost_usd(model, 1000, 1000) is not None


def test_models_nobody_prices_cost_none() -> None:
    assert cost_usd("llama-3.1-8b-instruct", 1000, 1000) is None
    assert cost_usd("gpt-4.1-mega", 1000, 1000) is None
    assert cost_usd("handwritten", 1000, 1000) is None


def test_prices_can_be_overridden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    override = {"gpt-4o": ModelPrice(1.0, 2.0), "local": ModelPrice(0, 0)}
    assert cost_usd("gpt-4o-2024-08-06", 1_000_000, 0, prices=override) == 1.0
    assert cost_usd("gpt-4o", 1_000_000, 0, cached_prompt_tokens=10**6, prices=override) == 1.0
    assert cost_usd("local", 5000, 5000, prices=override) == 0.0

    price_file = tmp_path / "prices.json"
    price_file.write_text(
        json.dumps(
            {
                "my-model": {"input": 3, "output": 4},
                "gpt-5.4-mini": {"input": 1, "output": 1, "cached_input": 0.5},
            }
        )
    )
    monkeypatch.setenv(PRICES_ENV, str(price_file))
    assert cost_usd("my-model", 1_000_000, 1_000_000) == 7.0
    assert cost_usd("gpt-5.4-mini", 2_000_000, 0, cached_prompt_tokens=1_000_000) == 1.5
    assert cost_usd("gpt-4.1", 1_000_000, 0) == 2.0  # genai-prices still answers the rest

    price_file.write_text(json.dumps({"my-model": {"input": "cheap"}}))
    with pytest.raises(ConfigurationError, match="my-model"):
        cost_usd("my-model", 1, 1)
    monkeypatch.setenv(PRICES_ENV, str(tmp_path / "missing.json"))
    with pytest.raises(ConfigurationError, match=r"missing\.json"):
        cost_usd("gpt-4.1", 1, 1)
