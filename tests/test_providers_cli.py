"""CLI habits and recording-mode names: ``-m``, ``-v``/``-q`` anywhere, ``--help``
with exit codes and examples, ``cache path``, vcrpy's record-mode names."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from diplosum.cli import _parser, main
from diplosum.errors import ConfigurationError
from diplosum.settings import (
    RECORDING_MODE_ENV,
    RECORDINGS_ENV,
    recording_mode,
    resolve_recordings,
)
from tests.helpers import SEEDS_RECORDING

SEEDS_DIR = str(SEEDS_RECORDING.parents[2] / "seeds")


def test_help_lists_exit_codes_and_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out and "130" in out and "examples:" in out
    examples = out.split("examples:", 1)[1]
    assert examples.count("diplosum brief ") >= 2


def test_model_short_option_and_flags_after_the_subcommand(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "b.md"
    args = ["brief", SEEDS_DIR, "--replay", str(SEEDS_RECORDING), "-o", str(out)]
    assert main([*args, "-m", "handwritten", "-v"]) == 0
    assert "model handwritten" in out.read_text(encoding="utf-8")
    assert main([*args, "-q"]) == 0
    parse = _parser().parse_args
    assert (parse([*args, "-vv"]).verbose, parse(["-v", *args]).verbose) == (2, 1)
    assert (parse([*args, "-q"]).log_quiet, parse(["-q", *args]).log_quiet) == (1, 1)
    assert parse(args).log_quiet == 0
    assert parse(["cache", "stats", "-v"]).verbose == 1
    assert parse(["recordings", "restamp", "f", "-q"]).log_quiet == 1
    assert parse(["digest", "-q"]).quiet is True  # digest's own --quiet still works


def test_cache_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DIPLOSUM_CACHE", str(tmp_path / "here.sqlite3"))
    assert main(["cache", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "here.sqlite3")
    assert main(["cache", "path", "--cache", str(tmp_path / "x")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "x")
    assert not (tmp_path / "here.sqlite3").exists()  # only said, not created


def test_bad_temperature_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["brief", SEEDS_DIR, "--temperature", "warm"])
    assert done.value.code == 2
    assert "not a number or 'none'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "exists", "mode"),
    [
        ("none", True, "replay"),
        ("new_episodes", False, "auto"),
        ("all", True, "record"),
        ("once", False, "record"),
        ("once", True, "replay"),
        ("replay", True, "replay"),
        ("AUTO", True, "auto"),
    ],
)
def test_vcrpy_record_mode_names(tmp_path: Path, name: str, exists: bool, mode: str) -> None:
    path = tmp_path / "r.jsonl"
    if exists:
        path.write_text("", encoding="utf-8")
    assert recording_mode(name, path, where="x") == mode


def test_recording_mode_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(RECORDINGS_ENV, str(tmp_path / "r.jsonl"))
    monkeypatch.setenv(RECORDING_MODE_ENV, "new_episodes")
    found = resolve_recordings(replay=None, record=None, auto_record=None)
    assert found is not None and found.mode == "auto"
    monkeypatch.setenv(RECORDING_MODE_ENV, "sometimes")
    with pytest.raises(ConfigurationError, match="new_episodes"):
        resolve_recordings(replay=None, record=None, auto_record=None)


def _run_pytest(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_pytest_record_mode_option(tmp_path: Path) -> None:
    (tmp_path / "test_it.py").write_text(
        "import os\n"
        "def test_mode(diplosum_recordings):\n"
        '    used = diplosum_recordings("rec.jsonl")\n'
        '    print("MODE", used.mode, os.environ["DIPLOSUM_RECORDING_MODE"])\n',
        encoding="utf-8",
    )
    done = _run_pytest(tmp_path, "--diplosum-record-mode=once")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "MODE record record" in done.stdout
