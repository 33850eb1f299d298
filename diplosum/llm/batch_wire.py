"""The Batch API edge: batch lines as the live client would send them, answers read as
live answers are, and the Files and Batches calls.

A batch line's ``body`` is made by sending the request with ``modes.send`` through an
SDK client whose HTTP transport is local (``_LocalTransport``): nothing leaves the
process, and the body is byte for byte what the live client sends in that mode
(for ``json_schema`` the strict ``response_format`` the SDK builds from the pydantic
model). An answer from the batch output file is read the same way: it is handed to
the SDK as the response to that very request, and ``modes.interpret`` validates it
exactly like a live answer.

``BatchAPI`` wraps ``files.create`` (purpose ``batch``), ``batches.create``
(``/v1/chat/completions``, ``24h``), ``batches.retrieve``, ``batches.list`` and
``files.content``. Errors become ``BatchAPIError`` with the key redacted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from diplosum.errors import DiplosumError, ModelError
from diplosum.llm import modes
from diplosum.llm.base import CallStats, ExtractionRequest
from diplosum.llm.settings import ClientSettings, url_host

if TYPE_CHECKING:  # the SDK is imported when a batch is made or read, not before
    import httpx2
    from openai.types import Batch

BATCH_ENDPOINT: Final = "/v1/chat/completions"
COMPLETION_WINDOW: Final = "24h"
#: The Batch API's limits per input file.
MAX_LINES = 50_000
MAX_BYTES = 200 * 1024 * 1024
#: Metadata key naming the diplosum job a batch was made for.
JOB_METADATA_KEY = "diplosum_job"
#: Batches looked through for one already made from a file (newest first).
LIST_SCAN = 500

_LOCAL_BASE_URL = "http://batch.local/v1"
_REDACTED = "[REDACTED]"


class BatchAPIError(DiplosumError):
    """A Files or Batches call failed (the message names the host, never the key)."""


class _Captured:
    """The request the SDK built (its JSON body and path)."""

    def __init__(self) -> None:
        self.body: Any = None
        self.path = ""


def _local_transport(answer: bytes, captured: _Captured) -> httpx2.AsyncBaseTransport:
    """An HTTP transport that keeps the request in ``captured`` and answers ``answer``."""
    import httpx2

    class LocalTransport(httpx2.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
            captured.body = json.loads(await request.aread())
            captured.path = request.url.path
            return httpx2.Response(
                200, content=answer, headers={"content-type": "application/json"}
            )

    return LocalTransport()


async def _through_sdk(
    request: ExtractionRequest, options: modes.SendOptions, answer: bytes
) -> tuple[Any, _Captured]:
    import httpx2
    from openai import AsyncOpenAI

    transport = _Captured()
    async with httpx2.AsyncClient(transport=_local_transport(answer, transport)) as http:
        client = AsyncOpenAI(
            api_key="local", base_url=_LOCAL_BASE_URL, max_retries=0, http_client=http
        )
        sent = as_sent(request)
        raw = await modes.send(
            client, sent, modes.initial_messages(sent), timeout=60.0, options=options
        )
    return raw, transport


def as_sent(request: ExtractionRequest) -> ExtractionRequest:
    """``auto`` goes out as ``json_schema`` in a batch (no fallback is possible there)."""
    if request.mode == "auto":
        return dataclasses.replace(request, mode="json_schema")
    return request


def send_options(settings: ClientSettings, request: ExtractionRequest) -> modes.SendOptions:
    """The live backend's per-request options: answer cap and prompt-cache key."""
    cache_key = None
    if settings.sends_prompt_cache_key(settings.resolved_base_url()):
        basis = (
            str(request.key_fields.get("prompt_sha256") or "")
            or hashlib.sha256(request.system_prompt.encode("utf-8")).hexdigest()
        )
        cache_key = f"diplosum-{basis[:16]}"
    return modes.SendOptions(
        max_completion_tokens=settings.max_output_tokens, prompt_cache_key=cache_key
    )


async def batch_line(request: ExtractionRequest, options: modes.SendOptions) -> bytes:
    """One JSONL line (with its newline): ``custom_id`` is the request's fingerprint."""
    _, transport = await _through_sdk(as_sent(request), options, b"{}")
    line = {
        "custom_id": request.fingerprint,
        "method": "POST",
        "url": BATCH_ENDPOINT,
        "body": transport.body,
    }
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"


@dataclass(frozen=True)
class LineAnswer:
    """A batch answer read like a live one: ``content`` (validated JSON) or ``problem``."""

    content: str | None
    model: str
    stats: CallStats
    problem: str | None = None


async def read_answer(request: ExtractionRequest, body: Any) -> LineAnswer:
    """Validate one output line's response ``body`` exactly as a live answer."""
    sent = as_sent(request)
    raw, _ = await _through_sdk(sent, modes.SendOptions(), json.dumps(body).encode("utf-8"))
    stats = CallStats(calls=1)  # the line was one request, sent through the batch
    try:
        completion = modes.plain_completion(raw)
    except modes.MalformedResponse as exc:
        return LineAnswer(None, request.model, stats, f"malformed answer: {exc}")
    usage = completion.usage
    if usage is not None:
        stats.prompt_tokens = usage.prompt_tokens or 0
        stats.completion_tokens = usage.completion_tokens or 0
        details = getattr(usage, "prompt_tokens_details", None)
        cached = getattr(details, "cached_tokens", None)
        stats.cached_prompt_tokens = cached if isinstance(cached, int) else 0
    model = completion.model or request.model
    try:
        outcome = modes.interpret(raw, completion, sent.mode)
    except ModelError as exc:
        return LineAnswer(None, model, stats, str(exc))
    if outcome.extraction is None:
        return LineAnswer(None, model, stats, outcome.problem or "invalid output")
    return LineAnswer(outcome.extraction.model_dump_json(), model, stats)


@dataclass(frozen=True)
class BatchInfo:
    """What diplosum needs of a provider's batch object."""

    id: str
    status: str
    input_file_id: str
    output_file_id: str | None = None
    error_file_id: str | None = None
    errors: tuple[str, ...] = ()
    completed: int | None = None
    failed: int | None = None
    total: int | None = None

    @classmethod
    def of(cls, batch: Batch) -> BatchInfo:
        errors = (
            tuple(e.message or e.code or "error" for e in (batch.errors.data or []))
            if (batch.errors)
            else ()
        )
        counts = batch.request_counts
        return cls(
            id=batch.id,
            status=batch.status,
            input_file_id=batch.input_file_id,
            output_file_id=batch.output_file_id,
            error_file_id=batch.error_file_id,
            errors=errors,
            completed=counts.completed if counts else None,
            failed=counts.failed if counts else None,
            total=counts.total if counts else None,
        )


class BatchAPI:
    """The Files and Batches calls of one endpoint (see the module docstring)."""

    def __init__(self, settings: ClientSettings) -> None:
        import openai

        from diplosum.llm.clients import build_client

        self._sdk_error: type[Exception] = openai.OpenAIError
        built = build_client(settings)
        self._client = built.client
        self._secret = built.secret
        self.host = url_host(str(self._client.base_url))

    async def aclose(self) -> None:
        await self._client.close()

    def _error(self, what: str, exc: Exception) -> BatchAPIError:
        detail = str(exc)
        if self._secret and len(self._secret) >= 4:
            detail = detail.replace(self._secret, _REDACTED)
        return BatchAPIError(f"{what} at {self.host} failed: {type(exc).__name__}: {detail}")

    async def upload(self, name: str, data: bytes) -> str:
        try:
            created = await self._client.files.create(
                file=(name, data, "application/jsonl"), purpose="batch"
            )
        except self._sdk_error as exc:
            raise self._error("uploading the batch file", exc) from None
        return created.id

    async def find(self, file_id: str, job_key: str) -> BatchInfo | None:
        """A batch already made from ``file_id`` (a run killed before recording it)."""
        try:
            seen = 0
            async for batch in self._client.batches.list(limit=100):
                metadata = batch.metadata or {}
                if batch.input_file_id == file_id or metadata.get(JOB_METADATA_KEY) == job_key:
                    return BatchInfo.of(batch)
                seen += 1
                if seen >= LIST_SCAN:
                    break
        except self._sdk_error as exc:
            raise self._error("listing batches", exc) from None
        return None

    async def create(self, file_id: str, job_key: str) -> BatchInfo:
        try:
            batch = await self._client.batches.create(
                completion_window=COMPLETION_WINDOW,
                endpoint=BATCH_ENDPOINT,
                input_file_id=file_id,
                metadata={JOB_METADATA_KEY: job_key},
            )
        except self._sdk_error as exc:
            raise self._error("creating the batch", exc) from None
        return BatchInfo.of(batch)

    async def retrieve(self, batch_id: str) -> BatchInfo:
        try:
            batch = await self._client.batches.retrieve(batch_id)
        except self._sdk_error as exc:
            raise self._error(f"reading batch {batch_id}", exc) from None
        return BatchInfo.of(batch)

    async def content(self, file_id: str) -> bytes:
        try:
            response = await self._client.files.content(file_id)
        except self._sdk_error as exc:
            raise self._error(f"downloading file {file_id}", exc) from None
        return response.content
