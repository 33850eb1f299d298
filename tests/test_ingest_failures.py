"""No input is lost silently: each kind of unusable input is a Failure with a message
naming it, a line on stderr, and the other articles still make the brief."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import diplosum
from diplosum.cli import main
from tests.fakes import FakeBackend
from tests.helpers import ROOT, SEEDS, SEEDS_RECORDING

ANSWER = {
    "headline": "Talks",
    "events": [
        {
            "title": "Alpha-Beta talks",
            "kind": "talks",
            "status": "held",
            "prominence": "primary",
            "date_text": None,
            "start_date": "2024-05-01",
            "end_date": None,
            "location": None,
            "participants": [],
            "agenda": [],
            "outcomes": [],
            "evidence": "Alpha met Beta",
        }
    ],
}


def _good(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.txt").write_text("Alpha met Beta in May.\n", encoding="utf-8")
    return folder


def _brief(*inputs: str | Path) -> diplosum.Brief:
    return diplosum.brief(list(inputs), backend=FakeBackend({}, default=ANSWER))


def _only_failure(brief: diplosum.Brief) -> diplosum.Failure:
    assert [s.id for s in brief.sources] == ["good"]
    assert brief.events and brief.events[0].source_ids == ["good"]
    (failure,) = brief.failures
    assert failure.stage == "ingest"
    return failure


def test_missing_path(tmp_path: Path) -> None:
    failure = _only_failure(_brief(_good(tmp_path / "in"), tmp_path / "nope.txt"))
    assert failure.source_id == "nope"
    assert failure.error == f"{tmp_path / 'nope.txt'}: no such file or folder"


def test_glob_matching_nothing(tmp_path: Path) -> None:
    failure = _only_failure(_brief(_good(tmp_path / "in"), str(tmp_path / "*.html")))
    assert failure.error == f"{tmp_path / '*.html'}: pattern matches no files"


def test_folder_without_articles(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "photo.jpg").write_bytes(b"\xff\xd8")
    failure = _only_failure(_brief(_good(tmp_path / "in"), tmp_path / "empty"))
    assert failure.source_id == "empty"
    assert failure.error == f"{tmp_path / 'empty'}: folder has no .txt, .md, .html or .htm files"


def test_broken_symlink_in_a_folder(tmp_path: Path) -> None:
    folder = _good(tmp_path / "in")
    (folder / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    failure = _only_failure(_brief(folder))
    assert failure.source_id == "gone"
    assert failure.error == (
        f"{folder / 'gone.txt'} is a broken symlink "
        f"(its target {tmp_path / 'deleted.txt'} does not exist)"
    )


def test_symlink_loop_in_a_folder(tmp_path: Path) -> None:
    folder = _good(tmp_path / "in")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    failure = _only_failure(_brief(folder))
    assert failure.error == f"{folder / 'loop.txt'} is a symlink loop"


def test_binary_files(tmp_path: Path) -> None:
    folder = _good(tmp_path / "in")
    (folder / "scan.txt").write_bytes(b"%PDF-1.7\x00\x01\x02")
    (folder / "noise.txt").write_bytes(bytes(range(1, 32)) * 40)
    brief = _brief(folder)
    assert [s.id for s in brief.sources] == ["good"]
    errors = {f.source_id: f.error for f in brief.failures}
    assert errors == {
        "noise": f"{folder / 'noise.txt'} looks like a binary file (1040 control characters), "
        "not text",
        "scan": f"{folder / 'scan.txt'} looks like a binary file (it contains NUL bytes), not text",
    }


def test_cli_lists_each_failure_on_stderr_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    (tmp_path / "seeds" / "gone.txt").symlink_to(tmp_path / "deleted.txt")
    out = tmp_path / "brief.json"
    args = ["brief", str(tmp_path / "seeds"), str(tmp_path / "missing.md")]
    code = main([*args, "--replay", str(SEEDS_RECORDING), "--format", "json", "-o", str(out)])
    assert code == 1
    err = capsys.readouterr().err
    assert f"diplosum: failed: gone (ingest): {tmp_path / 'seeds' / 'gone.txt'} is a broken" in err
    assert f"diplosum: failed: missing (ingest): {tmp_path / 'missing.md'}: no such file" in err
    brief = diplosum.Brief.model_validate_json(out.read_text(encoding="utf-8"))
    assert len(brief.sources) == 5 and len(brief.failures) == 2


def test_cli_exits_3_when_no_input_is_usable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "brief.md"
    assert main(["brief", str(tmp_path / "nothing-*.txt"), "--no-cache", "-o", str(out)]) == 3
    assert "pattern matches no files" in capsys.readouterr().err
    assert "## Failures" in out.read_text(encoding="utf-8")


def _run_cli(
    args: list[str], *, drop_root_powers: bool, stdin: bytes = b""
) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "diplosum", *args]
    if drop_root_powers and os.geteuid() == 0:
        # Root reads any file whatever its mode; without these two capabilities it
        # cannot, so a chmod 000 file is unreadable to the CLI as it is for a user.
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip(
                "running as root without setpriv (util-linux): cannot make a file unreadable"
            )
        command = [setpriv, "--bounding-set", "-dac_override,-dac_read_search", *command]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        command, input=stdin, capture_output=True, env=env, timeout=120, check=False
    )


def test_unreadable_file_and_folder(tmp_path: Path) -> None:
    shutil.copytree(SEEDS, tmp_path / "seeds")
    locked_file = tmp_path / "seeds" / "locked.txt"
    locked_file.write_text("Secret talks.\n", encoding="utf-8")
    locked_folder = tmp_path / "private"
    locked_folder.mkdir()
    (locked_folder / "x.txt").write_text("More talks.\n", encoding="utf-8")
    locked_file.chmod(0)
    locked_folder.chmod(0)
    out = tmp_path / "brief.json"
    try:
        done = _run_cli(
            ["brief", str(tmp_path / "seeds"), str(locked_folder), "--replay", str(SEEDS_RECORDING),
             "--no-cache", "--format", "json", "-o", str(out)],
            drop_root_powers=True,
        )  # fmt: skip
    finally:
        locked_file.chmod(0o644)
        locked_folder.chmod(0o755)
    assert done.returncode == 1, done.stderr.decode()
    err = done.stderr.decode()
    assert f"failed: locked (ingest): cannot read {locked_file}: permission denied" in err
    assert f"failed: private (ingest): cannot list folder {locked_folder}: permission denied" in err
    brief = diplosum.Brief.model_validate_json(out.read_text(encoding="utf-8"))
    assert len(brief.sources) == 5 and {f.source_id for f in brief.failures} == {
        "locked",
        "private",
    }


def test_binary_stdin_is_a_failure_not_a_traceback(tmp_path: Path) -> None:
    out = tmp_path / "brief.md"
    done = _run_cli(
        ["brief", "-", str(SEEDS), "--replay", str(SEEDS_RECORDING), "--no-cache", "-o", str(out)],
        drop_root_powers=False,
        stdin=b"\x1b[0m\x07\x08" * 100,
    )
    err = done.stderr.decode()
    assert done.returncode == 1, err
    assert "Traceback" not in err
    assert "failed: stdin (ingest): stdin looks like a binary file (300 control characters)" in err
    assert "## Failures" in out.read_text(encoding="utf-8")
