"""``brief()`` and ``abrief()``: wire ingest, the model edge, verify, merge into a Brief."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import logging
import os
import queue
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from diplosum import runloop
from diplosum._version import __version__
from diplosum.arrivals import Arrivals
from diplosum.contracts.brief import Brief, Failure, Provenance, Usage
from diplosum.contracts.extraction import ArticleExtraction
from diplosum.errors import (
    ConfigurationError,
    ModelError,
    RecordingError,
    describe_validation_error,
)
from diplosum.ingest.copies import CopyFinder
from diplosum.ingest.load import InputItem, Loaded, load_articles
from diplosum.llm import progress
from diplosum.llm.base import (
    CallStats,
    ExtractionBackend,
    ExtractionRequest,
    Mode,
    ModelReply,
    aclose_backend,
)
from diplosum.llm.modes import prompt_tokens
from diplosum.llm.settings import ClientSettings
from diplosum.llm.tokens import encoding_name
from diplosum.prompts import Prompt, load_prompt
from diplosum.requests import plan_requests
from diplosum.settings import (
    Recordings,
    resolve_concurrency,
    resolve_mode,
    resolve_model,
    resolve_recordings,
)
from diplosum.store.cache import CachingBackend, ResponseCache
from diplosum.store.fingerprint import schema_sha256
from diplosum.store.recordings import RecordingBackend, RecordingFile, ReplayBackend

if TYPE_CHECKING:  # the SDK is imported only when a live call is needed
    from diplosum.llm.clients import SDKClient

log = logging.getLogger("diplosum")

PathArg = str | os.PathLike[str]
Renderer = Callable[[Brief], str]


@dataclass
class _Tally:
    """Usage of the whole run, summed over articles."""

    stats: CallStats = field(default_factory=CallStats)
    #: The part of ``stats`` answered through the Batch API (priced at the batch price).
    batch: CallStats = field(default_factory=CallStats)
    estimated_prompt_tokens: int = 0
    cached: int = 0
    replayed: int = 0
    models: set[str] = field(default_factory=set)

    def add(self, reply: ModelReply) -> None:
        if reply.origin == "cache":
            self.cached += 1
        elif reply.origin == "replay":
            self.replayed += 1
        else:
            self.stats.add(reply.stats)
            if reply.origin == "batch":
                self.batch.add(reply.stats)
            self.models.add(reply.model)

    def usage(self) -> Usage:
        cost: float | None = 0.0
        if len(self.models) == 1:
            (model,) = self.models
            cost = _cost(model, self.stats, self.batch)
        elif len(self.models) > 1:
            cost = None  # tokens are not kept per model
        return Usage(
            calls=self.stats.calls,
            batch_calls=self.batch.calls,
            cached_calls=self.cached,
            replayed_calls=self.replayed,
            reasks=self.stats.reasks,
            retries=self.stats.retries,
            prompt_tokens=self.stats.prompt_tokens,
            completion_tokens=self.stats.completion_tokens,
            cached_prompt_tokens=self.stats.cached_prompt_tokens,
            reasoning_tokens=self.stats.reasoning_tokens,
            cost_usd=cost,
            estimated_prompt_tokens=self.estimated_prompt_tokens,
        )


def _cost(model: str, every: CallStats, batch: CallStats) -> float | None:
    """The standard price of the calls not sent through a batch (``every`` less
    ``batch``) plus the batch price of those that were."""
    from diplosum.batch.pricing import batch_cost_usd
    from diplosum.llm.pricing import cost_usd

    standard = cost_usd(
        model,
        every.prompt_tokens - batch.prompt_tokens,
        every.completion_tokens - batch.completion_tokens,
        cached_prompt_tokens=every.cached_prompt_tokens - batch.cached_prompt_tokens,
    )
    if standard is None or not batch.calls:
        return standard
    batched = batch_cost_usd(
        model,
        batch.prompt_tokens,
        batch.completion_tokens,
        cached_prompt_tokens=batch.cached_prompt_tokens,
    )
    return None if batched is None else standard + batched


def brief(
    inputs: InputItem | Iterable[InputItem],
    *,
    model: str | None = None,
    replay: PathArg | None = None,
    record: PathArg | None = None,
    auto_record: PathArg | None = None,
    mode: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    concurrency: int | None = None,
    cache: bool | PathArg | None = None,
    prompt_dir: PathArg | None = None,
    temperature: float | None = 0.0,
    timeout: float | None = None,
    client: ClientSettings | SDKClient | None = None,
    backend: ExtractionBackend | None = None,
    max_chunk_tokens: int | None = None,
    detect_copies: bool = True,
    formats: Iterable[str] = ("markdown", "html"),
) -> Brief:
    """Summarise articles into a ``Brief``; see ``abrief`` for the arguments.

    Runs its own event loop: inside async code, ``await abrief(...)`` instead.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise ConfigurationError("brief() was called inside an event loop: use await abrief()")
    return runloop.run(
        abrief(
            inputs,
            model=model,
            replay=replay,
            record=record,
            auto_record=auto_record,
            mode=mode,
            base_url=base_url,
            api_key=api_key,
            concurrency=concurrency,
            cache=cache,
            prompt_dir=prompt_dir,
            temperature=temperature,
            timeout=timeout,
            client=client,
            backend=backend,
            max_chunk_tokens=max_chunk_tokens,
            detect_copies=detect_copies,
            formats=formats,
        )
    )


async def abrief(
    inputs: InputItem | Iterable[InputItem],
    *,
    model: str | None = None,
    replay: PathArg | None = None,
    record: PathArg | None = None,
    auto_record: PathArg | None = None,
    mode: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    concurrency: int | None = None,
    cache: bool | PathArg | None = None,
    prompt_dir: PathArg | None = None,
    temperature: float | None = 0.0,
    timeout: float | None = None,
    client: ClientSettings | SDKClient | None = None,
    backend: ExtractionBackend | None = None,
    max_chunk_tokens: int | None = None,
    detect_copies: bool = True,
    formats: Iterable[str] = ("markdown", "html"),
) -> Brief:
    """Summarise articles into a ``Brief``, extracting up to ``concurrency`` at once.

    inputs: paths, folders, globs, ``"-"`` (stdin), ``Article`` objects, or strings
        holding article text (any string with a newline).
    replay / record / auto_record: a JSONL recording file to answer from only, to
        write every response to, or to answer from and extend. Without any of them,
        ``$DIPLOSUM_RECORDINGS`` and ``$DIPLOSUM_RECORDING_MODE`` apply.
    cache: ``True`` for the default cache file, a path for another, ``None``/``False``
        for none (the CLI turns it on by default).
    client: settings of the live client (retries, re-asks, timeout, token limit);
        ``base_url``, ``api_key`` and ``timeout`` given here take precedence. Or an
        openai SDK client (``AsyncOpenAI``, ``OpenAI``, ``AsyncAzureOpenAI``,
        ``AzureOpenAI``) to send through; cache and recordings still apply.
    backend: answer requests with this instead (tests, custom model clients).
    max_chunk_tokens: article tokens per request (default 8,000); a longer article is
        split into chunks on paragraph and sentence boundaries, extracted in parallel
        and combined.
    detect_copies: a syndicated copy of an earlier article (the same text, or nearly)
        is extracted once and verified against its own text; ``False`` extracts each.
    formats: the output formats (``"markdown"``, ``"html"``) the brief is proved to
        render in before it is returned: an event one cannot render is left out and its
        sources listed in ``failures``. ``()`` proves none (JSON always renders); the CLI
        proves only the format it writes.
    An article that cannot be summarised is listed in ``brief.failures``.
    """
    chosen_mode = resolve_mode(mode)
    renderers = _renderers(formats)
    limit = resolve_concurrency(concurrency)
    recordings = resolve_recordings(replay=replay, record=record, auto_record=auto_record)
    prompt = load_prompt(prompt_dir)
    loaded = load_articles(inputs)

    recording_file = _open_recordings(recordings)
    replaying = recordings is not None and recordings.mode == "replay"
    chosen_model = resolve_model(
        model, recorded_models=recording_file.models() if replaying and recording_file else None
    )
    owned = backend is None
    if backend is None and not loaded.articles:
        backend = ReplayBackend(RecordingFile("(nothing to extract)"))  # never asked
    elif backend is None:
        sdk = None if client is None or isinstance(client, ClientSettings) else client
        settings = _client_settings(
            client if sdk is None else None, base_url=base_url, api_key=api_key, timeout=timeout
        )
        backend = _make_backend(recordings, recording_file, cache, settings, sdk)
    try:
        return await _run(
            loaded,
            backend,
            prompt,
            chosen_model,
            chosen_mode,
            temperature,
            limit,
            max_chunk_tokens=max_chunk_tokens,
            detect_copies=detect_copies,
            renderers=renderers,
        )
    finally:
        if owned:
            await aclose_backend(backend)


async def _run(
    loaded: Loaded,
    backend: ExtractionBackend,
    prompt: Prompt,
    chosen_model: str,
    chosen_mode: Mode,
    temperature: float | None,
    limit: int,
    *,
    max_chunk_tokens: int | None,
    detect_copies: bool,
    renderers: Sequence[Renderer],
) -> Brief:
    from diplosum.render import RENDERERS_BY_FORMAT

    tally = _Tally()
    failures: list[Failure] = list(loaded.failures)
    semaphore = asyncio.Semaphore(limit)
    encoding = encoding_name(chosen_model)

    # Rendering every prompt first makes a broken template fail before any call. Copies
    # are found while the first requests are out (``send_all``).
    plans = collections.deque(
        plan_requests(
            loaded.articles,
            prompt=prompt,
            model=chosen_model,
            mode=chosen_mode,
            temperature=temperature,
            encoding=encoding,
            max_chunk_tokens=max_chunk_tokens,
            copies=False,
        )
    )

    # Set when every slot is taken (the first requests are going out) or, with fewer
    # requests than slots, when the first answer is in: the moment to start loading in
    # a thread what the rest of the run needs, before the first answers need it.
    first_out = asyncio.Event()
    slots_taken = 0
    # Requests answered without a call (cache, recording) or stopped before one: their
    # prompt tokens are counted locally, in a thread, as they come (a sent request's
    # tokens are the endpoint's own count, in usage.prompt_tokens).
    unsent = _LocalCount(encoding)

    async def run_one(request: ExtractionRequest) -> ArticleExtraction | Failure:
        nonlocal slots_taken
        async with semaphore:
            slots_taken += 1
            if slots_taken >= limit:
                first_out.set()
            try:
                reply = await backend.extract(request)
            except (ModelError, RecordingError) as exc:
                if isinstance(exc, ModelError) and exc.stats is not None:
                    tally.stats.add(exc.stats)
                if not isinstance(exc, ModelError) or exc.stats is None or not exc.stats.calls:
                    unsent.add(request)
                log.warning("article %s failed: %s", request.article_id, exc)
                return Failure(source_id=request.article_id, stage="extract", error=str(exc))
            except Exception as exc:  # a bug or I/O error must not cost the other articles
                log.exception("article %s failed unexpectedly", request.article_id)
                unsent.add(request)
                error = f"{type(exc).__name__}: {exc}"
                return Failure(source_id=request.article_id, stage="extract", error=error)
            finally:
                first_out.set()
            tally.add(reply)
            if reply.origin not in ("live", "batch"):  # the endpoint counted a sent one's
                unsent.add(request)
            try:
                extraction = ArticleExtraction.model_validate_json(reply.content)
            except ValidationError as exc:
                error = f"response does not match the schema ({describe_validation_error(exc)})"
                return Failure(source_id=request.article_id, stage="validate", error=error)
            log.info("extracted %s (%s)", request.article_id, reply.origin)
            return extraction

    # Each article is sanitized and verified as soon as its last answer is in, while
    # the other requests are still out (``prepare`` is per article and never raises).
    early = Arrivals()
    shown = _Progress()

    async def run_call(index: int, chunk_index: int, request: ExtractionRequest) -> None:
        result = await run_one(request)
        shown.advance()
        # The request waiting for this one's slot is sent first; then this is verified.
        await asyncio.sleep(0)
        early.arrived(index, chunk_index, result)

    # Every chunk of every article at once (up to the concurrency limit), started as
    # each article is found not to be a copy of an earlier one: the first requests go
    # out while the rest is compared. Once they are out, a thread loads what the rest
    # of the run needs (``first_out``) while the first answers are awaited, so neither
    # the first request nor the end waits for it (a thread holds the interpreter lock
    # while it works, so it must not start earlier).
    calls: list[asyncio.Task[None]] = []

    async def send_all() -> None:
        finder = CopyFinder() if detect_copies else None
        while plans:  # taken off the queue: a request lives as long as its call does
            plan = plans.popleft()
            original = finder.add(plan.article) if finder is not None else None
            if original is not None:
                plan = dataclasses.replace(plan, copy_of=original, requests=[])
            index = early.register(plan)
            for k, (_, request) in enumerate(plan.calls):
                calls.append(asyncio.ensure_future(run_call(index, k, request)))
            await asyncio.sleep(0)  # let the requests just started go out
        shown.start(len(calls))

    async def in_idle_time() -> None:
        await first_out.wait()
        await asyncio.sleep(0)  # one more turn for the request that took the last slot
        html = RENDERERS_BY_FORMAT["html"] in renderers
        await asyncio.to_thread(_warm_up, chosen_model, html=html)

    warming = asyncio.ensure_future(in_idle_time())
    try:
        await send_all()
        await asyncio.gather(*calls)
    except BaseException:
        warming.cancel()  # a run that stops loads nothing more
        for call in calls:
            call.cancel()
        await asyncio.gather(*calls, warming, return_exceptions=True)
        raise
    finally:
        first_out.set()  # no request at all
        tally.estimated_prompt_tokens = await unsent.total()
        if not warming.cancelled():
            await warming
    extractions, extract_failures = early.per_article()
    failures += extract_failures

    def make_brief(**fields: Any) -> Brief:
        return Brief(
            **fields,
            usage=tally.usage(),
            provenance=Provenance(
                model=", ".join(sorted(tally.models)) if tally.models else chosen_model,
                prompt_sha256=prompt.sha256,
                diplosum_version=__version__,
                generated_at=datetime.now(UTC).isoformat(timespec="seconds"),
                mode=chosen_mode,
                schema_sha256=schema_sha256(),
                token_encoding=encoding,
            ),
        )

    from diplosum.assemble import assemble

    return assemble(
        early.articles,
        extractions,
        failures=failures,
        make_brief=make_brief,
        renderers=renderers,
        prepared=early.prepared,
    )


class _Progress:
    """``progress`` once the number of requests is known; answers before that are
    shown when it is."""

    def __init__(self) -> None:
        self._early: int | None = 0

    def start(self, total: int) -> None:
        progress.start(total)
        for _ in range(self._early or 0):
            progress.advance()
        self._early = None

    def advance(self) -> None:
        if self._early is None:
            progress.advance()
        else:
            self._early += 1


class _LocalCount:
    """Prompt tokens of requests, counted offline in one worker thread as they are
    added (tiktoken's encoding is loaded only when a request is added)."""

    def __init__(self, encoding: str) -> None:
        self._encoding = encoding
        self._queue: queue.SimpleQueue[ExtractionRequest | None] = queue.SimpleQueue()
        self._worker: asyncio.Future[int] | None = None

    def add(self, request: ExtractionRequest) -> None:
        if self._worker is None:
            self._worker = asyncio.get_running_loop().run_in_executor(None, self._count)
        self._queue.put(request)

    def _count(self) -> int:
        total = 0
        while (request := self._queue.get()) is not None:
            try:
                total += prompt_tokens(request, encoding=self._encoding).tokens
            except Exception:  # a figure for the record: never worth losing the brief
                log.warning("could not count the prompt tokens of %s", request.article_id)
        return total

    async def total(self) -> int:
        """The sum, once every request added so far is counted."""
        if self._worker is None:
            return 0
        self._queue.put(None)
        return await self._worker


def _warm_up(model: str, *, html: bool) -> None:
    """Loads what the brief needs once the answers are in (verify and merge, the place
    table, the price table, the HTML templates when HTML is to be proved), so that is
    not done after the last answer."""
    try:
        from diplosum import assemble  # noqa: F401 - imported for what it imports
        from diplosum.llm.pricing import cost_usd
        from diplosum.merge.gazetteer import gazetteer
        from diplosum.render import warm_up

        gazetteer()
        if html:
            warm_up()
        cost_usd(model, 0, 0)
    except Exception:  # only a head start: the real use reports any real problem
        log.debug("warming up failed", exc_info=True)


def _renderers(formats: Iterable[str]) -> list[Renderer]:
    from diplosum.render import RENDERERS_BY_FORMAT

    chosen = [formats] if isinstance(formats, str) else list(formats)
    unknown = [f for f in chosen if f not in RENDERERS_BY_FORMAT]
    if unknown:
        raise ConfigurationError(
            f"unknown output format {unknown[0]!r} in formats; known: "
            + ", ".join(RENDERERS_BY_FORMAT)
        )
    return [RENDERERS_BY_FORMAT[f] for f in dict.fromkeys(chosen)]


def _client_settings(
    client: ClientSettings | SDKClient | None,
    *,
    base_url: str | None,
    api_key: str | None,
    timeout: float | None,
) -> ClientSettings:
    settings = client if isinstance(client, ClientSettings) else ClientSettings()
    return dataclasses.replace(
        settings,
        base_url=base_url or settings.base_url,
        api_key=api_key or settings.api_key,
        timeout=timeout if timeout is not None else settings.timeout,
    )


def _open_recordings(recordings: Recordings | None) -> RecordingFile | None:
    if recordings is None:
        return None
    return RecordingFile.load(recordings.path, missing_ok=recordings.mode != "replay")


def _make_backend(
    recordings: Recordings | None,
    recording_file: RecordingFile | None,
    cache: bool | PathArg | None,
    settings: ClientSettings,
    sdk: SDKClient | None = None,
) -> ExtractionBackend:
    if recordings is not None and recordings.mode == "replay":
        assert recording_file is not None
        return ReplayBackend(recording_file)

    response_cache: ResponseCache | None = None
    if cache and (recordings is None or recordings.mode == "auto"):
        response_cache = ResponseCache(None if cache is True else Path(cache))
    from diplosum.llm.openai_backend import OpenAIBackend

    live: ExtractionBackend = OpenAIBackend(settings, client=sdk)
    if response_cache is not None:
        live = CachingBackend(live, response_cache)
    if recordings is not None:
        assert recording_file is not None
        live = RecordingBackend(live, recording_file, mode=recordings.mode)
    return live


__all__ = ["abrief", "brief"]
