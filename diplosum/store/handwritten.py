"""Turn hand-written gold extractions into recording entries, and re-stamp them.

A gold file is JSON: ``{"_comment": ..., "article_id": ..., "extraction": {...}}``.
Its entry gets ``origin: "handwritten"`` and ``model: "handwritten"``, so nobody
mistakes it for a model's answer. Because no prompt produced it, re-stamping it
for a changed prompt is legitimate; it is still re-validated against the schema.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import ValidationError

from diplosum.article import Article
from diplosum.contracts.extraction import ArticleExtraction
from diplosum.errors import RecordingError, describe_validation_error
from diplosum.llm.base import Mode
from diplosum.prompts import Prompt
from diplosum.requests import build_request
from diplosum.store.fingerprint import fingerprint, fingerprint_fields
from diplosum.store.recordings import RecordingEntry, RecordingFile

HANDWRITTEN_MODEL = "handwritten"


def _validated(extraction: object, where: str) -> ArticleExtraction:
    try:
        return ArticleExtraction.model_validate(extraction)
    except ValidationError as exc:
        raise RecordingError(f"{where}: extraction: {describe_validation_error(exc)}") from None


def stamp_gold_files(
    gold_files: Iterable[str | os.PathLike[str]],
    articles: Mapping[str, Article],
    *,
    prompt: Prompt,
    mode: Mode = "json_schema",
    temperature: float | None = 0.0,
) -> list[RecordingEntry]:
    entries: list[RecordingEntry] = []
    for gold in map(Path, gold_files):
        try:
            data = json.loads(gold.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise RecordingError(f"{gold}: cannot read gold extraction: {exc}") from None
        article_id = data.get("article_id") if isinstance(data, dict) else None
        if not isinstance(article_id, str):
            raise RecordingError(f"{gold}: article_id is missing")
        if article_id not in articles:
            raise RecordingError(f"{gold}: no article {article_id!r} among the given articles")
        extraction = _validated(data.get("extraction"), str(gold))
        request = build_request(
            articles[article_id],
            prompt=prompt,
            model=HANDWRITTEN_MODEL,
            mode=mode,
            temperature=temperature,
        )
        entries.append(
            RecordingEntry.for_request(
                request,
                origin="handwritten",
                response=extraction.model_dump(mode="json"),
                note=str(data.get("_comment") or f"written by hand ({gold.name})"),
            )
        )
    return entries


def restamp(recordings: RecordingFile, *, prompt: Prompt) -> int:
    """Re-fingerprint hand-written entries for the current prompt and schema."""
    changed = 0
    for entry in recordings.entries:
        if entry.origin != "handwritten":
            continue
        _validated(entry.response, f"{recordings.path}: {entry.article_id}")
        fields = fingerprint_fields(
            model=entry.model,
            mode=entry.mode,
            prompt_sha256=prompt.sha256,
            article_sha256=entry.article_sha256,
            temperature=entry.temperature,
            published=entry.published,
        )
        new = fingerprint(fields)
        if new == entry.fingerprint:
            continue
        recordings.add(
            entry.model_copy(
                update={
                    "fingerprint": new,
                    "prompt_sha256": fields["prompt_sha256"],
                    "schema_sha256": fields["schema_sha256"],
                }
            )
        )
        changed += 1
    return changed
