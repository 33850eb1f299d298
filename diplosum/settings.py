"""Run settings from arguments and environment, checked once, with errors naming the source."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from diplosum.errors import ConfigurationError
from diplosum.llm.base import MODES, Mode
from diplosum.store.recordings import RECORDING_MODES, RecordingMode

DEFAULT_MODEL = "gpt-4.1-mini"
DEFAULT_CONCURRENCY = 4

MODEL_ENV = "DIPLOSUM_MODEL"
MODE_ENV = "DIPLOSUM_MODE"
CONCURRENCY_ENV = "DIPLOSUM_CONCURRENCY"
RECORDINGS_ENV = "DIPLOSUM_RECORDINGS"
RECORDING_MODE_ENV = "DIPLOSUM_RECORDING_MODE"


@dataclass(frozen=True)
class Recordings:
    path: Path
    mode: RecordingMode


def resolve_mode(mode: str | None) -> Mode:
    value = mode or os.environ.get(MODE_ENV) or "json_schema"
    if value not in MODES:
        where = "mode" if mode else MODE_ENV
        raise ConfigurationError(f"{where}={value!r}: choose one of {', '.join(MODES)}")
    return value


def resolve_concurrency(concurrency: int | None) -> int:
    if concurrency is not None:
        value, where = concurrency, "concurrency"
    else:
        raw = os.environ.get(CONCURRENCY_ENV)
        if raw is None:
            return DEFAULT_CONCURRENCY
        where = CONCURRENCY_ENV
        try:
            value = int(raw)
        except ValueError:
            raise ConfigurationError(f"{where}={raw!r} is not a whole number") from None
    if value < 1:
        raise ConfigurationError(f"{where}={value} must be at least 1")
    return value


def resolve_recordings(
    *,
    replay: str | os.PathLike[str] | None,
    record: str | os.PathLike[str] | None,
    auto_record: str | os.PathLike[str] | None,
) -> Recordings | None:
    """At most one of replay/record/auto_record; else ``$DIPLOSUM_RECORDINGS``."""
    given = [
        (p, m) for p, m in ((replay, "replay"), (record, "record"), (auto_record, "auto")) if p
    ]
    if len(given) > 1:
        raise ConfigurationError("give only one of replay, record and auto_record")
    if given:
        path, mode = given[0]
        return Recordings(Path(path), cast(RecordingMode, mode))
    env_path = os.environ.get(RECORDINGS_ENV)
    if not env_path:
        return None
    env_mode = os.environ.get(RECORDING_MODE_ENV, "replay")
    if env_mode not in RECORDING_MODES:
        raise ConfigurationError(
            f"{RECORDING_MODE_ENV}={env_mode!r}: choose one of {', '.join(RECORDING_MODES)}"
        )
    return Recordings(Path(env_path), env_mode)


def resolve_model(model: str | None, *, recorded_models: set[str] | None = None) -> str:
    """Explicit model, else the one model a replay file holds, else ``$DIPLOSUM_MODEL``."""
    if model:
        return model
    if recorded_models is not None and len(recorded_models) == 1:
        return next(iter(recorded_models))
    if recorded_models and len(recorded_models) > 1 and not os.environ.get(MODEL_ENV):
        raise ConfigurationError(
            f"the recording file holds several models ({', '.join(sorted(recorded_models))}); "
            "choose one with --model"
        )
    return os.environ.get(MODEL_ENV) or DEFAULT_MODEL
