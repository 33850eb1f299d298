"""``brief()`` and ``abrief()``: wire ingest, the model edge, verify, merge into a Brief."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from diplosum._version import __version__
from diplosum.article import Article
from diplosum.assemble import assemble
from diplosum.contracts.brief import Brief, Failure, Provenance, Usage
from diplosum.contracts.extraction import ArticleExtraction
from diplosum.errors import (
    ConfigurationError,
    ModelError,
    RecordingError,
    describe_validation_error,
)
from diplosum.ingest.load import InputItem, Loaded, load_articles
from diplosum.llm.base import (
    CallStats,
    ExtractionBackend,
    ExtractionRequest,
    Mode,
    ModelReply,
    aclose_backend,
)
from diplosum.llm.modes import prompt_tokens
from diplosum.llm.openai_backend import ClientSettings, OpenAIBackend
from diplosum.llm.tokens import encoding_name
from diplosum.prompts import Prompt, load_prompt
from diplosum.render import RENDERERS
from diplosum.requests import build_request
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

log = logging.getLogger("diplosum")

PathArg = str | os.PathLike[str]


@dataclass
class _Tally:
    """Usage of the whole run, summed over articles."""

    stats: CallStats = field(default_factory=CallStats)
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
            self.models.add(reply.model)

    def usage(self) -> Usage:
        from diplosum.llm.pricing import cost_usd

        cost: float | None = 0.0
        if len(self.models) == 1:
            (model,) = self.models
            cost = cost_usd(model, self.stats.prompt_tokens, self.stats.completion_tokens)
        elif len(self.models) > 1:
            cost = None  # tokens are not kept per model
        return Usage(
            calls=self.stats.calls,
            cached_calls=self.cached,
            replayed_calls=self.replayed,
            reasks=self.stats.reasks,
            retries=self.stats.retries,
            prompt_tokens=self.stats.prompt_tokens,
            completion_tokens=self.stats.completion_tokens,
            cost_usd=cost,
            estimated_prompt_tokens=self.estimated_prompt_tokens,
        )


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
    client: ClientSettings | None = None,
    backend: ExtractionBackend | None = None,
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
    return asyncio.run(
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
    client: ClientSettings | None = None,
    backend: ExtractionBackend | None = None,
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
        ``base_url``, ``api_key`` and ``timeout`` given here take precedence.
    backend: answer requests with this instead (tests, custom model clients).
    An article that cannot be summarised is listed in ``brief.failures``.
    """
    chosen_mode = resolve_mode(mode)
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
        settings = _client_settings(client, base_url=base_url, api_key=api_key, timeout=timeout)
        backend = _make_backend(recordings, recording_file, cache, settings)
    try:
        return await _run(loaded, backend, prompt, chosen_model, chosen_mode, temperature, limit)
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
) -> Brief:
    tally = _Tally()
    failures: list[Failure] = list(loaded.failures)
    semaphore = asyncio.Semaphore(limit)
    encoding = encoding_name(chosen_model)

    # Rendering every prompt first makes a broken template fail before any call.
    requests = [
        build_request(
            article, prompt=prompt, model=chosen_model, mode=chosen_mode, temperature=temperature
        )
        for article in loaded.articles
    ]
    for request in requests:
        tally.estimated_prompt_tokens += prompt_tokens(request, encoding=encoding).tokens

    async def run_one(
        article: Article, request: ExtractionRequest
    ) -> tuple[ArticleExtraction | None, Failure | None]:
        async with semaphore:
            try:
                reply = await backend.extract(request)
            except (ModelError, RecordingError) as exc:
                if isinstance(exc, ModelError) and exc.stats is not None:
                    tally.stats.add(exc.stats)
                log.warning("article %s failed: %s", article.id, exc)
                return None, Failure(source_id=article.id, stage="extract", error=str(exc))
            except Exception as exc:  # a bug or I/O error must not cost the other articles
                log.exception("article %s failed unexpectedly", article.id)
                error = f"{type(exc).__name__}: {exc}"
                return None, Failure(source_id=article.id, stage="extract", error=error)
            tally.add(reply)
            try:
                extraction = ArticleExtraction.model_validate_json(reply.content)
            except ValidationError as exc:
                error = f"response does not match the schema ({describe_validation_error(exc)})"
                return None, Failure(source_id=article.id, stage="validate", error=error)
            log.info("extracted %s (%s)", article.id, reply.origin)
            return extraction, None

    results = await asyncio.gather(
        *(run_one(a, r) for a, r in zip(loaded.articles, requests, strict=True))
    )
    extractions: dict[str, ArticleExtraction] = {}
    for article, (extraction, failure) in zip(loaded.articles, results, strict=True):
        if failure is not None:
            failures.append(failure)
        elif extraction is not None:
            extractions[article.id] = extraction

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

    return assemble(
        loaded.articles,
        extractions,
        failures=failures,
        make_brief=make_brief,
        renderers=RENDERERS,
    )


def _client_settings(
    client: ClientSettings | None,
    *,
    base_url: str | None,
    api_key: str | None,
    timeout: float | None,
) -> ClientSettings:
    settings = client or ClientSettings()
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
) -> ExtractionBackend:
    if recordings is not None and recordings.mode == "replay":
        assert recording_file is not None
        return ReplayBackend(recording_file)

    response_cache: ResponseCache | None = None
    if cache and (recordings is None or recordings.mode == "auto"):
        response_cache = ResponseCache(None if cache is True else Path(cache))
    live: ExtractionBackend = OpenAIBackend(settings)
    if response_cache is not None:
        live = CachingBackend(live, response_cache)
    if recordings is not None:
        assert recording_file is not None
        live = RecordingBackend(live, recording_file, mode=recordings.mode)
    return live


__all__ = ["abrief", "brief"]
