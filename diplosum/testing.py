"""pytest plugin: run code that calls ``diplosum.brief()`` offline, from recordings.

Installed with diplosum (entry point ``pytest11``), so a user's test can write::

    def test_my_digest(diplosum_recordings):
        diplosum_recordings("recordings/digest.jsonl")   # relative to the test file
        assert "Beijing" in my_digest_script.run("articles/")

By default every ``brief()`` in the test answers only from that file (no network,
no key); a missing or stale recording is listed in the brief's failures with the
command that fixes it. ``pytest --diplosum-record-mode=MODE`` picks another mode,
in diplosum's words or vcrpy's: ``replay``/``none`` (the default), ``auto``/
``new_episodes`` (replay what exists, record the rest), ``record``/``all`` (call
the configured endpoint for everything and rewrite the file), ``once`` (record
when the file does not exist, else replay). ``--diplosum-record`` is short for
``--diplosum-record-mode=record``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from diplosum.errors import ConfigurationError
from diplosum.settings import (
    RECORDING_MODE_ENV,
    RECORDING_MODE_NAMES,
    RECORDINGS_ENV,
    recording_mode,
)
from diplosum.store.recordings import RecordingMode

RECORD_OPTION = "--diplosum-record"
RECORD_MODE_OPTION = "--diplosum-record-mode"


@dataclass(frozen=True)
class RecordingsInUse:
    path: Path
    mode: RecordingMode


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("diplosum")
    group.addoption(
        RECORD_OPTION,
        action="store_true",
        default=False,
        help="diplosum: call the model endpoint and rewrite recordings instead of replaying",
    )
    group.addoption(
        RECORD_MODE_OPTION,
        choices=RECORDING_MODE_NAMES,
        default=None,
        help="diplosum: how recordings are used: replay|none (default), auto|new_episodes, "
        "record|all, once",
    )


def _mode_name(config: pytest.Config) -> str:
    named = config.getoption(RECORD_MODE_OPTION)
    if named is not None:
        return str(named)
    return "record" if config.getoption(RECORD_OPTION) else "replay"


@pytest.fixture
def diplosum_recordings(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str | os.PathLike[str]], RecordingsInUse]:
    """Point every ``diplosum.brief()`` in this test at a recording file."""
    name = _mode_name(request.config)

    def use(path: str | os.PathLike[str]) -> RecordingsInUse:
        resolved = Path(path)
        if not resolved.is_absolute():
            resolved = Path(request.path).parent / resolved
        try:
            mode = recording_mode(name, resolved, where=RECORD_MODE_OPTION)
        except ConfigurationError as exc:  # pragma: no cover - argparse checks choices
            pytest.fail(str(exc))
        if mode == "replay" and not resolved.exists():
            pytest.fail(
                f"diplosum recording {resolved} does not exist: run pytest "
                f"{RECORD_MODE_OPTION}=once (or =record) with a model endpoint configured "
                "to create it"
            )
        monkeypatch.setenv(RECORDINGS_ENV, str(resolved))
        monkeypatch.setenv(RECORDING_MODE_ENV, mode)
        return RecordingsInUse(resolved, mode)

    return use
