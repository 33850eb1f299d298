"""Shared helpers for the OpenAIBackend tests: a fake clock, settings, requests, and
calls through a real backend against the loopback chat server.

Retry waits go through an injected sleep that only records (and advances a fake
clock), so nothing here sleeps for real.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pytest

from diplosum.contracts.extraction import (
    AgendaItem,
    ArticleExtraction,
    Event,
    Outcome,
    Participant,
)
from diplosum.errors import ModelError
from diplosum.llm.base import ExtractionRequest, Mode, ModelReply
from diplosum.llm.openai_backend import ClientSettings, OpenAIBackend, RetryPolicy
from tests.chat_server import ChatServer

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
