"""From per-article extractions to a ``Brief`` that always renders; pure, no I/O.

Each article's extraction is sanitized (``sanitize``) and its quotes located
(``verify``); the events of all articles are merged (``merge``); the brief is then
rendered once to prove it can be. A failure in any of these steps that is caused by
one article's extraction costs that article only: it becomes a ``Failure`` with the
stage (``verify``, ``merge`` or ``render``), and the rest of the brief is kept.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from diplosum.article import Article
from diplosum.contracts.brief import Brief, Failure, FailureStage, Note, Source
from diplosum.contracts.extraction import ArticleExtraction
from diplosum.contracts.sourced import SourcedEvent
from diplosum.merge import MergeResult, merge
from diplosum.sanitize import sanitize_extraction
from diplosum.verify import verify_extraction

Renderer = Callable[[Brief], str]


def describe_unexpected(exc: BaseException) -> str:
    """``Type: message (at file.py:line in function)``: enough to report a bug."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = ""
    if frames:
        last = frames[-1]
        where = f" (at {Path(last.filename).name}:{last.lineno} in {last.name})"
    return f"{type(exc).__name__}: {exc}{where}"


def _failure(source_id: str, stage: FailureStage, exc: BaseException) -> Failure:
    return Failure(source_id=source_id, stage=stage, error=describe_unexpected(exc))


@dataclass(frozen=True)
class Prepared:
    """One article's extraction, sanitized and with its quotes located."""

    extraction: ArticleExtraction
    headline: str | None
    notes: list[Note]
    events: list[SourcedEvent]


def prepare(article: Article, extraction: ArticleExtraction) -> Prepared | Failure:
    """Sanitize and verify one article's extraction; a bug fails this article only.

    Pure and per article, so the pipeline runs it as each answer arrives.
    """
    try:
        clean, notes = sanitize_extraction(article.id, extraction)
        events = verify_extraction(article.id, article.text, clean)
    except Exception as exc:  # a bug must cost this article only
        return _failure(article.id, "verify", exc)
    return Prepared(extraction, clean.headline, notes, events)


def assemble(
    articles: Sequence[Article],
    extractions: Mapping[str, ArticleExtraction],
    *,
    failures: Sequence[Failure],
    make_brief: Callable[..., Brief],
    renderers: Sequence[Renderer] = (),
    prepared: Mapping[str, Prepared | Failure] | None = None,
) -> Brief:
    """Build the brief of ``articles``; ``extractions`` holds those that were extracted.

    ``make_brief(**fields)`` adds what the caller knows (usage, provenance); every
    renderer in ``renderers`` must render the result. ``prepared`` holds articles
    already sanitized and verified (``prepare``) from the very extraction in
    ``extractions``; the others are prepared here.
    """
    failed = list(failures)
    sources: list[Source] = []
    notes: list[Note] = []
    by_source: dict[str, list[SourcedEvent]] = {}
    done = prepared or {}
    for article in articles:
        extraction = extractions.get(article.id)
        if extraction is None:
            sources.append(article.to_source())
            continue
        ready = done.get(article.id)
        if ready is None or (isinstance(ready, Prepared) and ready.extraction is not extraction):
            ready = prepare(article, extraction)
        if isinstance(ready, Failure):
            failed.append(ready)
            sources.append(article.to_source())
            continue
        sources.append(article.to_source(title=ready.headline))
        notes += ready.notes
        by_source[article.id] = ready.events
    merged, merge_failures = _merge_isolating(by_source, sources)
    failed += merge_failures
    brief = make_brief(
        sources=sources,
        events=merged.events,
        conflicts=merged.conflicts,
        failures=failed,
        notes=notes,
    )
    return _renderable(brief, renderers)


def _flatten(by_source: Mapping[str, list[SourcedEvent]], ids: Sequence[str]) -> list[SourcedEvent]:
    return [e for sid in ids for e in by_source[sid]]


def _merge_isolating(
    by_source: Mapping[str, list[SourcedEvent]], sources: Sequence[Source]
) -> tuple[MergeResult, list[Failure]]:
    """Merge everything; if that fails, find the articles that make it fail and leave
    them out: first those that fail on their own, then, one by one, those that fail in
    combination with the articles already kept."""
    ids = list(by_source)
    try:
        return merge(_flatten(by_source, ids), sources), []
    except Exception:  # a bug: find the articles that trigger it
        pass
    failures: list[Failure] = []
    alone_ok: list[str] = []
    for sid in ids:
        try:
            merge(by_source[sid], sources)
        except Exception as exc:
            failures.append(_failure(sid, "merge", exc))
        else:
            alone_ok.append(sid)
    try:
        return merge(_flatten(by_source, alone_ok), sources), failures
    except Exception:
        pass
    kept: list[str] = []
    for sid in alone_ok:
        try:
            merge(_flatten(by_source, [*kept, sid]), sources)
        except Exception as exc:
            failures.append(_failure(sid, "merge", exc))
        else:
            kept.append(sid)
    return merge(_flatten(by_source, kept), sources), failures


#: The texts rendered to prove the brief last returned renders (``rendered``).
_proof: tuple[Brief, dict[Renderer, str]] | None = None
_proof_lock = threading.Lock()


def rendered(brief: Brief, render: Renderer) -> str:
    """``render(brief)``: the text rendered to prove it when ``brief`` is the very object
    ``assemble`` last returned (and ``render`` one of its renderers), else rendered now.
    Call it before changing ``brief``: the proof's text is of the brief as returned."""
    with _proof_lock:
        proof = _proof
    if proof is not None and proof[0] is brief and render in proof[1]:
        return proof[1][render]
    return render(brief)


def _render_error(brief: Brief, renderers: Sequence[Renderer]) -> BaseException | None:
    global _proof
    texts: dict[Renderer, str] = {}
    for render in renderers:
        try:
            texts[render] = render(brief)
        except Exception as exc:
            return exc
    if texts:
        with _proof_lock:
            _proof = (brief, texts)
    return None


def _renderable(brief: Brief, renderers: Sequence[Renderer]) -> Brief:
    """The brief, without the events that cannot be rendered (their sources failed)."""
    if _render_error(brief, renderers) is None:
        return brief
    bad: dict[str, BaseException] = {}
    for event in brief.events:
        alone = brief.model_copy(
            update={
                "events": [event],
                "conflicts": [c for c in brief.conflicts if c.event_id == event.id],
            }
        )
        error = _render_error(alone, renderers)
        if error is not None:
            bad[event.id] = error
    failures = list(brief.failures)
    failed_ids = {f.source_id for f in failures}
    for event in brief.events:
        if event.id not in bad:
            continue
        for sid in event.source_ids:
            if sid not in failed_ids:
                failed_ids.add(sid)
                failures.append(
                    Failure(
                        source_id=sid,
                        stage="render",
                        error=f"event {event.title[:80]!r} cannot be rendered: "
                        + describe_unexpected(bad[event.id]),
                    )
                )
    kept = brief.model_copy(
        update={
            "events": [e for e in brief.events if e.id not in bad],
            "conflicts": [c for c in brief.conflicts if c.event_id not in bad],
            "failures": failures,
        }
    )
    error = _render_error(kept, renderers)
    if error is not None:
        raise error
    return kept
