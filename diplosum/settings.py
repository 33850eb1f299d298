"""Run settings from arguments and environment, checked once, with errors naming the source."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from diplosum.errors import ConfigurationError
from diplosum.llm.base import MODES, Mode
from diplosum.llm.models import DEFAULT_MODEL
from diplosum.store.recordings import RECORDING_MODES, RecordingMode

__all__ = [
    "DEFAULT_MODEL",
    "RECORDING_MODE_NAMES",
    "Recordings",
    "recording_mode",
    "resolve_concurrency",
    "resolve_mode",
    "resolve_model",
    "resolve_recordings",
]
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


#: vcrpy's record modes, as aliases: ``none`` replays only, ``new_episodes`` replays
#: what exists and records the rest, ``all`` records everything, and ``once`` records
#: when the file does not exist yet and replays only when it does.
RECORDING_MODE_ALIASES: dict[str, RecordingMode] = {
    "none": "replay",
    "new_episodes": "auto",
    "all": "record",
}
RECORDING_MODE_NAMES: tuple[str, ...] = (*RECORDING_MODES, *RECORDING_MODE_ALIASES, "once")


def recording_mode(name: str, path: str | os.PathLike[str], *, where: str) -> RecordingMode:
    """The recording mode ``name`` means for the file at ``path`` (aliases resolved)."""
    value = name.strip().lower()
    if value == "once":
        return "replay" if Path(path).exists() else "record"
    if value in RECORDING_MODE_ALIASES:
        return RECORDING_MODE_ALIASES[value]
    if value in RECORDING_MODES:
        return value
    raise ConfigurationError(f"{where}={name!r}: choose one of {', '.join(RECORDING_MODE_NAMES)}")


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
    return Recordings(Path(env_path), recording_mode(env_mode, env_path, where=RECORDING_MODE_ENV))


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
