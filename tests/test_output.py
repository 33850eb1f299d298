"""``-o``: files replaced atomically, pipes and devices written into, checked up front."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from diplosum.cli import main
from tests.chat_server import ChatServer
from tests.helpers import ROOT, SEEDS, SEEDS_RECORDING

REPLAY = ["--replay", str(SEEDS_RECORDING), "--no-cache"]


def test_named_pipe_is_streamed_into_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "brief.pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert main(["brief", str(SEEDS), *REPLAY, "-o", str(fifo)]) == 0
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert received and received[0].startswith(b"# Diplomatic brief: 5 sources")


def test_dev_null_stays_a_device() -> None:
    before = os.stat("/dev/null")
    assert main(["brief", str(SEEDS), *REPLAY, "-o", "/dev/null"]) == 0
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_ino == before.st_ino


@pytest.mark.parametrize("target", ["-", "/dev/stdout"])
def test_stdout_targets_write_to_stdout(target: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "diplosum", "brief", str(SEEDS), *REPLAY, "-o", target],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.startswith(b"# Diplomatic brief: 5 sources")
    assert not Path("/dev/stdout").is_file() or Path("/dev/stdout").is_symlink()


def test_symlink_to_a_file_keeps_the_link(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old\n", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    assert main(["brief", str(SEEDS), *REPLAY, "-o", str(link)]) == 0
    assert link.is_symlink()
    assert real.read_text(encoding="utf-8").startswith("# Diplomatic brief")


def test_unwritable_output_fails_before_any_model_call(
    chat_server: ChatServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("", encoding="utf-8")
    args = ["brief", str(SEEDS), "--base-url", chat_server.base_url, "--no-cache"]
    assert main([*args, "-o", str(blocker / "brief.md")]) == 2
    err = capsys.readouterr().err
    assert f"diplosum: error: cannot write output {blocker / 'brief.md'}: Not a directory" in err
    assert chat_server.requests == []


def test_output_that_is_a_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["brief", str(SEEDS), *REPLAY, "-o", str(tmp_path)]) == 2
    assert f"cannot write output {tmp_path}: it is a folder" in capsys.readouterr().err


def test_a_write_that_fails_after_the_run_is_exit_3_not_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this system")
    assert main(["brief", str(SEEDS), *REPLAY, "-o", "/dev/full"]) == 3
    err = capsys.readouterr().err
    assert "the brief could not be written to /dev/full: No space left on device" in err


def test_stdout_redirected_to_a_file_in_append_mode_is_appended_to(tmp_path: Path) -> None:
    log = tmp_path / "log.md"
    log.write_text("earlier\n", encoding="utf-8")
    with log.open("a", encoding="utf-8") as handle:
        done = subprocess.run(
            [sys.executable, "-m", "diplosum", "brief", str(SEEDS), *REPLAY, "-o", "/dev/stdout"],
            stdout=handle,
            stderr=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=120,
            check=False,
        )
    assert done.returncode == 0, done.stderr.decode()
    text = log.read_text(encoding="utf-8")
    assert text.startswith("earlier\n# Diplomatic brief: 5 sources")
