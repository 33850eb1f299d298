"""Recordings: replay files of model responses, one JSON object per line (JSONL).

Each line is a ``RecordingEntry``: the request's fingerprint and the values it was
computed from, the article id, the response (the extraction as a JSON object),
token usage, and how the entry was made (``recorded`` from an endpoint, or
``handwritten``). Nothing secret is ever part of an entry.

While recording, each new entry is appended to the file as one line (flushed, not
fsynced), so a run costs one small write per article. When the run ends
(``RecordingBackend.aclose``) the file is compacted: rewritten atomically with
one line per entry, sorted by article id so files diff well. A run killed before
that leaves the appended lines: ``RecordingFile.load`` reads them in order, later
lines replacing earlier ones for the same fingerprint or the same article, model
and mode (as ``RecordingFile.add`` does), and skips, with a warning, a last line
torn by a kill mid-write. A broken line anywhere else is an error.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from diplosum._version import __version__
from diplosum.errors import (
    MissingRecordingError,
    RecordingError,
    StaleRecordingError,
    describe_validation_error,
)
from diplosum.llm.base import (
    CallStats,
    ExtractionBackend,
    ExtractionRequest,
    ModelReply,
    aclose_backend,
)
from diplosum.store.atomic import write_atomic
from diplosum.store.fingerprint import canonical_json

FORMAT: Literal["diplosum.recording/1"] = "diplosum.recording/1"
RecordingMode = Literal["replay", "record", "auto"]
RECORDING_MODES: tuple[RecordingMode, ...] = ("replay", "record", "auto")

log = logging.getLogger("diplosum")


class RecordedUsage(BaseModel):
    """Tokens the endpoint reported; ``cached_prompt_tokens`` are part of
    ``prompt_tokens``, ``reasoning_tokens`` part of ``completion_tokens``."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_prompt_tokens: int = 0
    reasoning_tokens: int = 0


class RecordingEntry(BaseModel):
    format: Literal["diplosum.recording/1"] = FORMAT
    fingerprint: str
    article_id: str
    model: str
    mode: str
    prompt_sha256: str
    schema_sha256: str
    article_sha256: str
    published: str | None = None
    temperature: float | None = None
    origin: Literal["recorded", "handwritten"]
    created_at: str
    diplosum_version: str = __version__
    usage: RecordedUsage | None = None
    note: str | None = None
    response: dict[str, Any]

    @classmethod
    def for_request(
        cls,
        request: ExtractionRequest,
        *,
        origin: Literal["recorded", "handwritten"],
        response: dict[str, Any],
        usage: RecordedUsage | None = None,
        note: str | None = None,
    ) -> RecordingEntry:
        return cls(
            fingerprint=request.fingerprint,
            article_id=request.article_id,
            **_key_values(request),
            origin=origin,
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            usage=usage,
            note=note,
            response=response,
        )

    @classmethod
    def from_reply(cls, request: ExtractionRequest, reply: ModelReply) -> RecordingEntry:
        return cls.for_request(
            request,
            origin="recorded",
            response=json.loads(reply.content),
            usage=RecordedUsage(
                prompt_tokens=reply.stats.prompt_tokens,
                completion_tokens=reply.stats.completion_tokens,
                cached_prompt_tokens=reply.stats.cached_prompt_tokens,
                reasoning_tokens=reply.stats.reasoning_tokens,
            ),
            note=f"recorded from model {reply.model}",
        )


def _key_values(request: ExtractionRequest) -> dict[str, Any]:
    fields = request.key_fields
    missing = {"model", "mode", "prompt_sha256", "schema_sha256", "article_sha256"} - set(fields)
    if missing:
        raise RecordingError(f"request for {request.article_id} lacks {sorted(missing)}")
    return {
        "model": fields["model"],
        "mode": fields["mode"],
        "prompt_sha256": fields["prompt_sha256"],
        "schema_sha256": fields["schema_sha256"],
        "article_sha256": fields["article_sha256"],
        "published": fields.get("published"),
        "temperature": fields.get("sampling", {}).get("temperature"),
    }


class RecordingFile:
    """The entries of one JSONL replay file, indexed by fingerprint."""

    def __init__(self, path: str | os.PathLike[str], entries: Iterable[RecordingEntry] = ()):
        self.path = Path(path)
        self._by_fingerprint: dict[str, RecordingEntry] = {}
        self._by_subject: dict[tuple[str, str, str], str] = {}
        self._tail_checked = False
        for entry in entries:
            self.add(entry)

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, missing_ok: bool = False) -> RecordingFile:
        """Read a sorted or an appended file (see the module docstring)."""
        path = Path(path)
        if not path.exists():
            if missing_ok:
                return cls(path)
            raise RecordingError(f"{path}: recording file not found")
        recordings = cls(path)
        for entry in _read_entries(path):
            recordings.add(entry)
        return recordings

    @property
    def entries(self) -> list[RecordingEntry]:
        return sorted(self._by_fingerprint.values(), key=lambda e: (e.article_id, e.fingerprint))

    def models(self) -> set[str]:
        return {e.model for e in self._by_fingerprint.values()}

    def get(self, fingerprint: str) -> RecordingEntry | None:
        return self._by_fingerprint.get(fingerprint)

    def add(self, entry: RecordingEntry) -> None:
        """Add an entry, replacing any older one for the same article, model and mode."""
        old = self._by_subject.pop(_subject(entry), None)
        if old is not None:
            self._by_fingerprint.pop(old, None)
        stale = self._by_fingerprint.pop(entry.fingerprint, None)
        if stale is not None:
            self._by_subject.pop(_subject(stale), None)
        self._by_fingerprint[entry.fingerprint] = entry
        self._by_subject[_subject(entry)] = entry.fingerprint

    def append(self, entry: RecordingEntry) -> None:
        """``add`` the entry and append it to the file as one line (no fsync)."""
        self.add(entry)
        if not self._tail_checked and self._has_torn_tail():
            self.save()  # appending after a torn line would make it a broken middle line
            return
        with self.path.open("a", encoding="utf-8", newline="\n") as handle:
            handle.write(_line(entry))
        self._tail_checked = True

    def save(self) -> None:
        """Rewrite the file atomically: one line per entry, sorted."""
        write_atomic(self.path, "".join(_line(e) for e in self.entries))
        self._tail_checked = True

    def _has_torn_tail(self) -> bool:
        try:
            with self.path.open("rb") as handle:
                handle.seek(0, os.SEEK_END)
                if handle.tell() == 0:
                    return False
                handle.seek(-1, os.SEEK_END)
                return handle.read(1) != b"\n"
        except FileNotFoundError:
            return False

    def explain_miss(self, request: ExtractionRequest) -> RecordingError:
        """The error for a request with no entry: stale (with what changed) or missing."""
        candidates = [e for e in self.entries if e.article_id == request.article_id]
        wanted = _key_values(request)
        if not candidates:
            return MissingRecordingError(
                f"no recording for article {request.article_id} "
                f"(fingerprint {request.fingerprint}) in {self.path}; "
                f"record it with: {_record_command(self.path)}"
            )
        entry = candidates[0]
        changed = [
            f"{name} {str(getattr(entry, name))[:12]} -> {str(wanted[name])[:12]}"
            for name in (
                "prompt_sha256",
                "schema_sha256",
                "article_sha256",
                "published",
                "model",
                "mode",
            )
            if getattr(entry, name) != wanted[name]
        ]
        if entry.temperature != wanted["temperature"]:
            changed.append(f"temperature {entry.temperature} -> {wanted['temperature']}")
        only_prompt_or_schema = all(
            n.split()[0] in ("prompt_sha256", "schema_sha256") for n in changed
        )
        if entry.origin != "handwritten":
            command = _record_command(self.path)
        elif only_prompt_or_schema:
            command = f"diplosum recordings restamp {self.path} [--prompt-dir DIR]"
        else:
            command = f"diplosum recordings stamp <gold files> --articles <articles> -o {self.path}"
        return StaleRecordingError(
            f"recording for article {request.article_id} in {self.path} is stale "
            f"({'; '.join(changed)}); re-record with: {command}"
        )


def _subject(entry: RecordingEntry) -> tuple[str, str, str]:
    return entry.article_id, entry.model, entry.mode


def _line(entry: RecordingEntry) -> str:
    return canonical_json(entry.model_dump()) + "\n"


def _read_entries(path: Path) -> list[RecordingEntry]:
    # Split bytes on b"\n" only: entries may hold U+2028 and the like (ensure_ascii=False),
    # and a torn last line may end inside a multi-byte character.
    lines = path.read_bytes().split(b"\n")
    entries: list[RecordingEntry] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entries.append(RecordingEntry.model_validate_json(line))
        except ValidationError as exc:
            problem = describe_validation_error(exc)
            if number == len(lines):  # no newline after it: cut short by a kill
                log.warning(
                    "%s:%d: skipped an incomplete last line (%s); was the recording interrupted?",
                    path,
                    number,
                    problem,
                )
                continue
            raise RecordingError(f"{path}:{number}: {problem}") from None
    return entries


def _record_command(path: Path) -> str:
    return f"diplosum brief <articles> --auto-record {path}"


class ReplayBackend:
    """Answers only from a recording file; never calls a model."""

    def __init__(self, recordings: RecordingFile) -> None:
        self.recordings = recordings

    async def extract(self, request: ExtractionRequest) -> ModelReply:
        entry = self.recordings.get(request.fingerprint)
        if entry is None:
            raise self.recordings.explain_miss(request)
        return ModelReply(
            content=json.dumps(entry.response, ensure_ascii=False),
            model=entry.model,
            origin="replay",
            stats=CallStats(),
        )


class RecordingBackend:
    """Calls ``inner`` and appends each reply to the file (``record``), or only for
    requests the file cannot answer yet (``auto``); ``aclose`` compacts the file."""

    def __init__(
        self, inner: ExtractionBackend, recordings: RecordingFile, *, mode: RecordingMode
    ) -> None:
        if mode not in ("record", "auto"):
            raise ValueError(f"RecordingBackend mode must be record or auto, not {mode!r}")
        self.inner = inner
        self.recordings = recordings
        self.mode = mode
        self._appended = False

    async def aclose(self) -> None:
        """Compact the file if anything was appended, then close ``inner``."""
        try:
            if self._appended:
                self.recordings.save()
                self._appended = False
        finally:
            await aclose_backend(self.inner)

    async def extract(self, request: ExtractionRequest) -> ModelReply:
        if self.mode == "auto" and self.recordings.get(request.fingerprint) is not None:
            return await ReplayBackend(self.recordings).extract(request)
        reply = await self.inner.extract(request)
        # no await between here and the write: entries never interleave
        self.recordings.append(RecordingEntry.from_reply(request, reply))
        self._appended = True
        return reply
