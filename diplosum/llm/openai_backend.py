"""The live backend: any OpenAI-compatible Chat Completions endpoint.

``OpenAIBackend.extract`` sends one article's prompts in the request's
structured-output mode (see ``diplosum.llm.modes``), retries transient failures
(see ``diplosum.llm.retry``), re-asks when the output does not validate, and
returns the canonical JSON of the validated ``ArticleExtraction``.

Exactly one layer retries: this one. The SDK's own retries are off. A circuit
breaker shared by all requests of one backend (``diplosum.llm.breaker``) stops
sending once the endpoint looks unreachable.
The API key is never logged, put in an exception message, or returned.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import openai
from openai import AsyncOpenAI
from openai._legacy_response import LegacyAPIResponse
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from diplosum.errors import ContextLengthError, ExtractionValidationError, ModelError
from diplosum.llm import modes
from diplosum.llm.base import CallStats, ExtractionRequest, ModelReply
from diplosum.llm.breaker import ConnectionBreaker, is_connection_failure
from diplosum.llm.retry import RetryPolicy, TransientError, call_with_retries, parse_retry_after
from diplosum.llm.settings import ClientSettings, url_host

__all__ = ["ClientSettings", "OpenAIBackend", "RetryPolicy"]

log = logging.getLogger("diplosum.llm")

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

_REDACTED = "[REDACTED]"
_MAX_SERVER_MESSAGE = 300


class OpenAIBackend:
    """``ExtractionBackend`` for a live OpenAI-compatible endpoint.

    ``settings`` says where and how hard to try. ``client`` injects a ready
    ``AsyncOpenAI`` (its ``max_retries`` is forced to 0; the caller keeps owning
    and closing it). ``sleep`` and ``clock`` replace ``asyncio.sleep`` and
    ``time.monotonic`` for the retry waits and time budget (tests).

    Use as ``async with OpenAIBackend(...) as backend:`` or call ``aclose()``.
    Concurrency is the caller's choice: ``extract`` may run many times at once.
    """

    def __init__(
        self,
        settings: ClientSettings | None = None,
        *,
        client: AsyncOpenAI | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        self._settings = settings if settings is not None else ClientSettings()
        self._sleep = sleep
        self._clock = clock
        self._timeout = openai.Timeout(
            self._settings.request_timeout, connect=self._settings.connect_timeout
        )
        if client is None:
            base_url = self._settings.resolved_base_url()
            self._secret = self._settings.resolved_api_key()
            self._client = AsyncOpenAI(
                api_key=self._secret,
                base_url=base_url,
                timeout=self._timeout,
                max_retries=0,
                default_headers=dict(self._settings.default_headers) or None,
            )
            self._owns_client = True
        else:
            self._secret = client.api_key
            self._client = client if client.max_retries == 0 else client.with_options(max_retries=0)
            self._owns_client = False
        self._host = url_host(str(self._client.base_url))
        self._breaker = ConnectionBreaker(self._host, self._settings.unreachable_after)

    @property
    def settings(self) -> ClientSettings:
        return self._settings

    @property
    def host(self) -> str:
        """``host[:port]`` of the endpoint (safe to show)."""
        return self._host

    def __repr__(self) -> str:
        return f"OpenAIBackend(host={self._host!r}, mode={self._settings.mode!r})"

    async def aclose(self) -> None:
        """Close the HTTP client if this backend created it."""
        if self._owns_client:
            await self._client.close()

    async def __aenter__(self) -> OpenAIBackend:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- the interface -----------------------------------------------------------

    async def extract(self, request: ExtractionRequest) -> ModelReply:
        """Answer ``request`` with a validated extraction, or raise ``ModelError``.

        Raises ``ContextLengthError`` (prompt too long), ``ExtractionValidationError``
        (output still invalid after ``max_reasks`` re-asks), or ``ModelError`` with
        ``retryable=True`` (transient failures outlasted the retry policy, or the
        server asked for a wait longer than the budget has left) or
        ``retryable=False`` (the request itself was refused: 4xx; or the endpoint is
        unreachable, see ``ClientSettings.unreachable_after``). Errors carry what was
        spent in ``error.stats``; ``calls`` counts every request sent, answered or not.
        """
        self._check_prompt_length(request)
        stats = CallStats()
        try:
            return await self._extract(request, stats)
        except ModelError as exc:
            exc.stats = stats
            raise

    async def _extract(self, request: ExtractionRequest, stats: CallStats) -> ModelReply:
        messages = modes.initial_messages(request)
        max_answers = self._settings.max_reasks + 1
        outcome: modes.Outcome | None = None
        for answer in range(1, max_answers + 1):
            raw, completion = await self._call(request, messages, stats)
            outcome = modes.interpret(raw, completion, request.mode)
            if outcome.extraction is not None:
                return ModelReply(
                    content=outcome.extraction.model_dump_json(),
                    model=completion.model or request.model,
                    origin="live",
                    stats=stats,
                )
            problem = self._redact(outcome.problem or "invalid output")
            if answer == max_answers:
                break
            stats.reasks += 1
            log.info(
                "article %s: invalid output from %s, re-asking (%d/%d):\n%s",
                request.article_id,
                self._host,
                stats.reasks,
                self._settings.max_reasks,
                problem,
            )
            messages = [*messages, *outcome.followup]
        assert outcome is not None
        last = self._redact(outcome.output) if outcome.output is not None else None
        problem = self._redact(outcome.problem or "invalid output")
        log.warning(
            "article %s: output from %s still invalid after %d answers",
            request.article_id,
            self._host,
            max_answers,
        )
        raise ExtractionValidationError(
            f"article {request.article_id}: model output from {self._host} failed validation "
            f"{max_answers} times; last problem:\n{problem}",
            attempts=max_answers,
            last_output=last,
        )

    # -- one model call, with retries -------------------------------------------

    async def _call(
        self,
        request: ExtractionRequest,
        messages: list[ChatCompletionMessageParam],
        stats: CallStats,
    ) -> tuple[LegacyAPIResponse[Any], ChatCompletion]:
        async def attempt() -> tuple[LegacyAPIResponse[Any], ChatCompletion]:
            return await self._attempt(request, messages, stats)

        def on_retry(error: TransientError, attempt_number: int, wait: float) -> None:
            stats.retries += 1
            log.warning(
                "article %s: %s; retry %d/%d in %.2fs",
                request.article_id,
                error.description,
                attempt_number,
                self._settings.retry.max_attempts - 1,
                wait,
            )

        def give_up(error: TransientError, attempts: int, elapsed: float) -> str:
            return (
                f"article {request.article_id}: gave up after {attempts} attempt(s) in "
                f"{elapsed:.1f}s; last error: {error.description}"
            )

        async def backoff(seconds: float) -> None:
            await self._breaker.sleep(self._sleep, seconds)

        return await call_with_retries(
            attempt,
            self._settings.retry,
            sleep=backoff,
            clock=self._clock,
            on_retry=on_retry,
            give_up_message=give_up,
        )

    async def _attempt(
        self,
        request: ExtractionRequest,
        messages: list[ChatCompletionMessageParam],
        stats: CallStats,
    ) -> tuple[LegacyAPIResponse[Any], ChatCompletion]:
        self._breaker.check(request.article_id)
        stats.calls += 1  # counted when sent, answered or not
        try:
            raw = await modes.send(self._client, request, messages, timeout=self._timeout)
        except openai.APIStatusError as exc:
            self._breaker.answered()
            raise self._status_error(exc) from None
        except openai.APIConnectionError as exc:
            raise self._connection_error(exc) from None
        except openai.OpenAIError as exc:
            raise ModelError(
                f"request to {self._host} failed: {type(exc).__name__}: {self._redact(str(exc))}",
                retryable=False,
            ) from None
        self._breaker.answered()
        try:
            completion = modes.plain_completion(raw)
        except modes.MalformedResponse as exc:
            raise TransientError(
                f"malformed response from {self._host}: {exc}", status=raw.status_code
            ) from None
        if completion.usage is not None:
            stats.prompt_tokens += completion.usage.prompt_tokens or 0
            stats.completion_tokens += completion.usage.completion_tokens or 0
        log.debug(
            "article %s: %s answered %d (model %s)",
            request.article_id,
            self._host,
            raw.status_code,
            completion.model,
        )
        return raw, completion

    # -- errors -------------------------------------------------------------------

    def _connection_error(self, exc: openai.APIConnectionError) -> TransientError:
        """The ``TransientError`` for an attempt that got no answer; feeds the breaker."""
        cause = self._cause_name(exc)
        unreachable = is_connection_failure(exc)
        if unreachable:
            self._breaker.failed(cause)
        if not isinstance(exc, openai.APITimeoutError):
            description = f"connection to {self._host} failed ({cause})"
        elif unreachable:
            limit = self._settings.connect_timeout
            description = f"could not connect to {self._host} within {limit:g}s (timeout)"
        else:
            limit = self._settings.request_timeout
            description = f"no response from {self._host} within {limit:g}s (timeout)"
        return TransientError(description)

    def _status_error(self, exc: openai.APIStatusError) -> Exception:
        """A ``TransientError`` to retry, or the ``ModelError`` to fail with."""
        status = exc.status_code
        detail = self._server_detail(exc)
        description = f"HTTP {status} from {self._host}{detail}"
        headers = exc.response.headers
        should_retry = headers.get("x-should-retry", "").lower()
        code = (exc.code or "").lower()
        if status == 429 and code == "insufficient_quota":
            return ModelError(f"{description} (out of quota, not retried)", retryable=False)
        retryable = status in self._settings.retry.retry_statuses
        if should_retry in ("true", "false"):
            retryable = should_retry == "true"
        if retryable:
            return TransientError(
                description, status=status, retry_after=parse_retry_after(dict(headers))
            )
        if status == 400 and (
            code == "context_length_exceeded" or "context length" in exc.message.lower()
        ):
            return ContextLengthError(f"{description} (prompt too long for the model)")
        hint = {
            401: " (check the API key)",
            403: " (the key may not have access to this model or endpoint)",
            404: " (check the base URL and the model name)",
        }.get(status, "")
        return ModelError(f"{description}{hint}", retryable=False)

    def _server_detail(self, exc: openai.APIStatusError) -> str:
        parts = []
        if exc.code:
            parts.append(f"code={exc.code}")
        body = exc.body
        message: object = None
        if isinstance(body, dict):
            error = body.get("error", body)
            message = error.get("message") if isinstance(error, dict) else error
        elif isinstance(body, str):
            message = body
        if message:
            text = " ".join(str(message).split())
            if len(text) > _MAX_SERVER_MESSAGE:
                text = text[:_MAX_SERVER_MESSAGE] + "..."
            parts.append(text)
        if exc.request_id:
            parts.append(f"request id {exc.request_id}")
        return self._redact(": " + "; ".join(parts)) if parts else ""

    @staticmethod
    def _cause_name(exc: BaseException) -> str:
        cause = exc.__cause__ or exc.__context__
        return type(cause).__name__ if cause is not None else type(exc).__name__

    def _redact(self, text: str) -> str:
        if self._secret and len(self._secret) >= 4:
            return text.replace(self._secret, _REDACTED)
        return text

    # -- prompt length ------------------------------------------------------------

    def _check_prompt_length(self, request: ExtractionRequest) -> None:
        limit = self._settings.max_input_tokens
        if limit is None:
            return
        counted = modes.prompt_tokens(request, encoding=self._settings.token_encoding)
        if counted.tokens > limit:
            raise ContextLengthError(
                f"article {request.article_id}: prompt is {counted.tokens} tokens "
                f"({counted.encoding}), over max_input_tokens={limit}; not sent",
                tokens=counted.tokens,
                limit=limit,
            )
