"""The one interface between the pipeline and anything that answers extraction requests.

Live endpoints, replay files, the cache and test fakes all implement
``ExtractionBackend.extract``: a request in, a validated JSON reply out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

#: A structured-output mode as sent to the server.
SentMode = Literal["json_schema", "json_object", "tools"]
#: A mode as configured: ``auto`` is ``json_schema``, falling back to ``json_object``
#: for the rest of the run when the server refuses JSON schemas.
Mode = SentMode | Literal["auto"]
SENT_MODES: tuple[SentMode, ...] = ("json_schema", "json_object", "tools")
MODES: tuple[Mode, ...] = (*SENT_MODES, "auto")
#: Where an answer came from: a request sent now (``live``), the response cache or a
#: recording (no request), or a Batch API job, collected into the cache and used here
#: for the first time (``batch``: a request sent, billed at the batch price).
Origin = Literal["live", "cache", "replay", "batch"]


@dataclass(frozen=True)
class ExtractionRequest:
    """Everything needed to ask for one article's extraction.

    ``system_prompt`` and ``user_prompt`` are fully rendered (the article text is
    inside ``user_prompt``); ``fingerprint`` identifies the request in stores and
    ``key_fields`` are the values it was computed from (see ``store.fingerprint``).
    """

    article_id: str
    model: str
    mode: Mode
    system_prompt: str
    user_prompt: str
    fingerprint: str
    temperature: float | None = 0.0
    key_fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class CallStats:
    """What answering one request cost.

    ``cached_prompt_tokens`` (``usage.prompt_tokens_details.cached_tokens``) are part
    of ``prompt_tokens``, read from the provider's prompt cache at a lower price;
    ``reasoning_tokens`` (``usage.completion_tokens_details.reasoning_tokens``) are
    part of ``completion_tokens``, the hidden thinking of a reasoning model.
    """

    calls: int = 0
    reasks: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0
    reasoning_tokens: int = 0

    def add(self, other: CallStats) -> None:
        self.calls += other.calls
        self.reasks += other.reasks
        self.retries += other.retries
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.cached_prompt_tokens += other.cached_prompt_tokens
        self.reasoning_tokens += other.reasoning_tokens


@dataclass(frozen=True)
class ModelReply:
    """A reply whose ``content`` is JSON that validates as ``ArticleExtraction``."""

    content: str
    model: str
    origin: Origin = "live"
    stats: CallStats = field(default_factory=CallStats)


class ExtractionBackend(Protocol):
    """Anything that can answer an ``ExtractionRequest``.

    Raises ``diplosum.errors.ModelError`` (or a subclass) when it cannot; the
    pipeline turns that into a ``Failure`` for the article and carries on.
    """

    async def extract(self, request: ExtractionRequest) -> ModelReply: ...


async def aclose_backend(backend: object) -> None:
    """Close a backend (and what it wraps) if it holds resources; others need nothing."""
    aclose = getattr(backend, "aclose", None)
    if callable(aclose):
        await aclose()
