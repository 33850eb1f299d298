"""pytest plugin: run code that calls ``diplosum.brief()`` offline, from recordings.

Installed with diplosum (entry point ``pytest11``), so a user's test can write::

    def test_my_digest(diplosum_recordings):
        diplosum_recordings("recordings/digest.jsonl")   # relative to the test file
        assert "Beijing" in my_digest_script.run("articles/")

By default every ``brief()`` in the test answers only from that file (no network,
no key); a missing or stale recording is listed in the brief's failures with the
command that fixes it. ``pytest --diplosum-record`` calls the configured endpoint
instead and rewrites the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from diplosum.settings import RECORDING_MODE_ENV, RECORDINGS_ENV
from diplosum.store.recordings import RecordingMode

RECORD_OPTION = "--diplosum-record"


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


@pytest.fixture
def diplosum_recordings(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Callable[[str | os.PathLike[str]], RecordingsInUse]:
    """Point every ``diplosum.brief()`` in this test at a recording file."""
    recording = bool(request.config.getoption(RECORD_OPTION))

    def use(path: str | os.PathLike[str]) -> RecordingsInUse:
        resolved = Path(path)
        if not resolved.is_absolute():
            resolved = Path(request.path).parent / resolved
        mode: RecordingMode = "record" if recording else "replay"
        if mode == "replay" and not resolved.exists():
            pytest.fail(
                f"diplosum recording {resolved} does not exist: "
                f"run pytest {RECORD_OPTION} with a model endpoint configured to create it"
            )
        monkeypatch.setenv(RECORDINGS_ENV, str(resolved))
        monkeypatch.setenv(RECORDING_MODE_ENV, mode)
        return RecordingsInUse(resolved, mode)

    return use
