"""The live backend: any OpenAI-compatible Chat Completions endpoint.

``OpenAIBackend.extract`` sends one article's prompts in the request's
structured-output mode (see ``diplosum.llm.modes``), retries transient failures
(see ``diplosum.llm.retry``), re-asks when the output does not validate, and
returns the canonical JSON of the validated ``ArticleExtraction``.

Exactly one layer retries: this one. The SDK's own retries are off. A circuit
breaker shared by all requests of one backend (``diplosum.llm.breaker``) stops
sending once the endpoint looks unreachable.

``mode="auto"`` sends ``json_schema`` until the server refuses it (a 400 about
``response_format``/``json_schema``), then ``json_object`` for the rest of the run
(one warning). When the server reports far fewer prompt tokens than the local
count, a warning says the prompt was probably truncated (a local server's
context window). The API key is never logged, put in an exception message, or
returned.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

import openai
from openai._legacy_response import LegacyAPIResponse
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

from diplosum.errors import ContextLengthError, ExtractionValidationError, ModelError
from diplosum.llm import modes, status
from diplosum.llm.base import CallStats, ExtractionRequest, ModelReply, SentMode
from diplosum.llm.breaker import ConnectionBreaker, is_connection_failure
from diplosum.llm.clients import SDKClient, as_async_client, build_client
from diplosum.llm.retry import RetryPolicy, TransientError, call_with_retries
from diplosum.llm.settings import ClientSettings, url_host
from diplosum.llm.tokens import ROUGH_SHARE

__all__ = ["ClientSettings", "OpenAIBackend", "RetryPolicy"]

log = logging.getLogger("diplosum.llm")

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

_REDACTED = "[REDACTED]"
#: A reported prompt under this share of the local count looks truncated...
TRUNCATION_RATIO = 0.5
#: ...when the local count is at least this many tokens (tokenizers differ).
TRUNCATION_MIN_TOKENS = 200


class _SchemaRefused(Exception):
    """``mode="auto"``: the server refused ``json_schema``; ask again in ``json_object``."""


class OpenAIBackend:
    """``ExtractionBackend`` for a live OpenAI-compatible endpoint.

    ``settings`` says where and how hard to try. ``client`` injects a ready SDK
    client: ``AsyncOpenAI`` or ``AsyncAzureOpenAI`` (used through a copy with
    ``max_retries=0``; the caller keeps owning and closing it), or a sync
    ``OpenAI``/``AzureOpenAI`` (its async twin is made, and closed by ``aclose``).
    ``sleep`` and ``clock`` replace ``asyncio.sleep`` and
    ``time.monotonic`` for the retry waits and time budget (tests).

    Use as ``async with OpenAIBackend(...) as backend:`` or call ``aclose()``.
    Concurrency is the caller's choice: ``extract`` may run many times at once.
    """

    def __init__(
        self,
        settings: ClientSettings | None = None,
        *,
        client: SDKClient | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        self._settings = settings if settings is not None else ClientSettings()
        self._sleep = sleep
        self._clock = clock
        if client is None:
            built = build_client(self._settings)
            self._secret: str | None = built.secret
            self._client = built.client
            self._owns_client = True
        else:
            self._client = as_async_client(client)
            key = getattr(client, "api_key", None)
            self._secret = key if isinstance(key, str) else None
            self._owns_client = not isinstance(client, openai.AsyncOpenAI)
        base_url = str(self._client.base_url)
        self._host = url_host(base_url)
        self._breaker = ConnectionBreaker(self._host, self._settings.unreachable_after)
        self._prompt_cache = self._settings.sends_prompt_cache_key(base_url)
        #: ``mode="auto"`` fell back to ``json_object`` (once per backend, i.e. per run).
        self.auto_fell_back = False

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
            try:
                return await self._extract(
                    self._as_sent(request), stats, auto=request.mode == "auto"
                )
            except _SchemaRefused:
                return await self._extract(self._as_sent(request), stats, auto=False)
        except ModelError as exc:
            exc.stats = stats
            raise

    def _as_sent(self, request: ExtractionRequest) -> ExtractionRequest:
        """``request`` with ``auto`` resolved to the mode sent now."""
        if request.mode != "auto":
            return request
        mode: SentMode = "json_object" if self.auto_fell_back else "json_schema"
        return dataclasses.replace(request, mode=mode)

    def _fall_back(self, request: ExtractionRequest, exc: openai.APIStatusError) -> None:
        if not self.auto_fell_back:
            self.auto_fell_back = True
            log.warning(
                "%s refused json_schema (HTTP %d%s); --mode auto uses json_object for the "
                "rest of this run",
                self._host,
                exc.status_code,
                self._redact(status.server_detail(exc)),
            )
        log.info("article %s: asking again in json_object", request.article_id)

    async def _extract(
        self, request: ExtractionRequest, stats: CallStats, *, auto: bool
    ) -> ModelReply:
        messages = modes.initial_messages(request)
        max_answers = self._settings.max_reasks + 1
        outcome: modes.Outcome | None = None
        for answer in range(1, max_answers + 1):
            raw, completion = await self._call(request, messages, stats, auto=auto)
            if answer == 1:
                self._check_truncation(request, completion)
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
        *,
        auto: bool,
    ) -> tuple[LegacyAPIResponse[Any], ChatCompletion]:
        async def attempt() -> tuple[LegacyAPIResponse[Any], ChatCompletion]:
            return await self._attempt(request, messages, stats, auto=auto)

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
        *,
        auto: bool,
    ) -> tuple[LegacyAPIResponse[Any], ChatCompletion]:
        self._breaker.check(request.article_id)
        stats.calls += 1  # counted when sent, answered or not
        timeout = openai.Timeout(
            self._settings.read_timeout(request.model), connect=self._settings.connect_timeout
        )
        try:
            raw = await modes.send(
                self._client, request, messages, timeout=timeout, options=self._options(request)
            )
        except openai.APIStatusError as exc:
            self._breaker.answered()
            if auto and request.mode == "json_schema" and status.refuses_json_schema(exc):
                self._fall_back(request, exc)
                raise _SchemaRefused() from None
            raise status.classify(
                exc, host=self._host, policy=self._settings.retry, redact=self._redact
            ) from None
        except openai.APIConnectionError as exc:
            raise self._connection_error(exc, request) from None
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
        _count_usage(completion, stats)
        log.debug(
            "article %s: %s answered %d (model %s)",
            request.article_id,
            self._host,
            raw.status_code,
            completion.model,
        )
        return raw, completion

    # -- errors -------------------------------------------------------------------

    def _options(self, request: ExtractionRequest) -> modes.SendOptions:
        cache_key = None
        if self._prompt_cache:
            basis = (
                str(request.key_fields.get("prompt_sha256") or "")
                or hashlib.sha256(request.system_prompt.encode("utf-8")).hexdigest()
            )
            cache_key = f"diplosum-{basis[:16]}"
        return modes.SendOptions(
            max_completion_tokens=self._settings.max_output_tokens, prompt_cache_key=cache_key
        )

    def _connection_error(
        self, exc: openai.APIConnectionError, request: ExtractionRequest
    ) -> TransientError:
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
            limit = self._settings.read_timeout(request.model)
            description = f"no response from {self._host} within {limit:g}s (read timeout)"
            return TransientError(description, read_timeout=True)
        return TransientError(description)

    @staticmethod
    def _cause_name(exc: BaseException) -> str:
        cause = exc.__cause__ or exc.__context__
        return type(cause).__name__ if cause is not None else type(exc).__name__

    def _redact(self, text: str) -> str:
        if self._secret and len(self._secret) >= 4:
            return text.replace(self._secret, _REDACTED)
        return text

    # -- prompt length ------------------------------------------------------------

    def _expected_prompt_tokens(self, request: ExtractionRequest) -> int:
        return modes.prompt_tokens(request, encoding=self._settings.token_encoding).tokens

    def _check_truncation(self, request: ExtractionRequest, completion: ChatCompletion) -> None:
        """Counted once the answer is in, never before sending; exactly (tiktoken) only
        when the server's count is short of the rough one, so a whole prompt costs one
        regex pass and no encoding is loaded for it."""
        reported = completion.usage.prompt_tokens if completion.usage is not None else None
        if not reported:
            return
        if reported >= TRUNCATION_RATIO * modes.rough_prompt_tokens(request) / ROUGH_SHARE:
            return  # at or above what a whole prompt could count (rough_tokens' floor)
        expected = self._expected_prompt_tokens(request)
        if expected < TRUNCATION_MIN_TOKENS:
            return
        if reported < expected * TRUNCATION_RATIO:
            log.warning(
                "article %s: %s counted %d prompt tokens where ~%d were sent; the server "
                "probably cut the prompt to its context window (on a local server, raise "
                "its context size, e.g. Ollama num_ctx, llama.cpp -c, vLLM --max-model-len)",
                request.article_id,
                self._host,
                reported,
                expected,
            )

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


def _count_usage(completion: ChatCompletion, stats: CallStats) -> None:
    """Add the completion's reported token usage, cached and reasoning tokens included."""
    usage = completion.usage
    if usage is None:
        return
    stats.prompt_tokens += usage.prompt_tokens or 0
    stats.completion_tokens += usage.completion_tokens or 0
    prompt_details = getattr(usage, "prompt_tokens_details", None)
    cached = getattr(prompt_details, "cached_tokens", None)
    if isinstance(cached, int):
        stats.cached_prompt_tokens += cached
    completion_details = getattr(usage, "completion_tokens_details", None)
    reasoning = getattr(completion_details, "reasoning_tokens", None)
    if isinstance(reasoning, int):
        stats.reasoning_tokens += reasoning
