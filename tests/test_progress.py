"""The progress bar of ``diplosum brief``, seen on a real terminal: the CLI runs with its
stderr on a pseudo-terminal (so it takes the same ``isatty()`` path as for a person at a
terminal) against the loopback chat server, and what reached the terminal is replayed
through a small terminal model to get the screen a person would be left with."""

from __future__ import annotations

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest

from tests.chat_actions import Action, HttpError, RecordedRequest, Stall
from tests.chat_server import ChatServer
from tests.digest_helpers import responder, write_articles
from tests.helpers import ROOT, SEEDS, SEEDS_RECORDING

pytestmark = pytest.mark.server

WIDTH = 100
_CSI = re.compile(r"\x1b\[([?0-9;]*)([A-Za-z])")


def screen(raw: str, width: int = WIDTH) -> list[str]:
    """The lines left on a terminal ``width`` columns wide after ``raw`` was written to
    it (printable text, CR, LF, and the CSI codes rich uses: erase line, cursor up,
    colours and cursor visibility, which change nothing on the screen)."""
    rows: list[list[str]] = [[]]
    row = col = 0
    i = 0
    while i < len(raw):
        ch = raw[i]
        match = _CSI.match(raw, i)
        if match:
            params, final = match.groups()
            if final == "K":  # erase in line; rich only erases whole lines (2K)
                rows[row] = [] if params == "2" else rows[row][:col]
            elif final == "A":
                row = max(0, row - int(params or 1))
            i = match.end()
            continue
        if ch == "\r":
            col = 0
        elif ch == "\n":
            row += 1
            col = 0
        elif ch >= " ":
            if col >= width:  # the terminal wraps a long line
                row += 1
                col = 0
            while len(rows) <= row:
                rows.append([])
            line = rows[row]
            line.extend(" " * (col - len(line) + 1))
            line[col] = ch
            col += 1
        while len(rows) <= row:
            rows.append([])
        i += 1
    lines = ["".join(r).rstrip() for r in rows]
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _slow(request: RecordedRequest) -> Action:
    """Each answer after a short wait (so the bar is drawn in between); article 1 fails."""
    if "Tomas Novak" in request.user_text:
        return Stall(0.3, then=HttpError(400, "not this one", type="invalid_request_error"))
    return Stall(0.3, then=responder(request))


def _on_a_terminal(args: list[str], tmp_path: Path) -> tuple[int, bytes, str]:
    """Run the CLI with stderr on a pseudo-terminal ``WIDTH`` columns wide; its exit
    code, its stdout (a file, so a long brief never blocks the child) and what it wrote
    to the terminal. A run still going after a minute is killed and fails the test."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, WIDTH, 0, 0))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm-256color"}
    for name in ("COLUMNS", "LINES", "NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE"):
        env.pop(name, None)
    deadline = time.monotonic() + 60
    stdout = tmp_path / "stdout"
    with (
        stdout.open("wb") as out,
        subprocess.Popen(
            [sys.executable, "-m", "diplosum", *args],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=slave,
            env=env,
        ) as process,
    ):
        os.close(slave)
        chunks: list[bytes] = []
        try:
            while True:
                ready, _, _ = select.select([master], [], [], max(0.0, deadline - time.monotonic()))
                if not ready:
                    process.kill()
                    pytest.fail(f"no end after 60 s: {b''.join(chunks)!r}")
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the child closed the terminal
                    break
                if not data:
                    break
                chunks.append(data)
        finally:
            os.close(master)
        code = process.wait(timeout=max(1.0, deadline - time.monotonic()))
    return code, stdout.read_bytes(), b"".join(chunks).decode("utf-8", errors="replace")


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_the_bar_counts_every_request_to_the_total_and_leaves_a_clean_screen(
    chat_server: ChatServer, tmp_path: Path
) -> None:
    chat_server.responder = _slow
    inbox = tmp_path / "inbox"
    write_articles(inbox, range(4))
    args = ["brief", str(inbox), "--base-url", chat_server.base_url, "--model", "gpt-4.1-mini",
            "--no-cache", "--concurrency", "1", "-o", "-"]  # fmt: skip
    code, out, raw = _on_a_terminal(args, tmp_path)
    assert code == 1, raw  # one article failed

    # The bar was drawn, and its count rose to the total, never back.
    plain = re.sub(r"\x1b\[[?0-9;]*[A-Za-z]", "", raw)
    counts = [int(done) for done, total in re.findall(r"extracting .*?(\d+)/(\d+)", plain)]
    assert set(re.findall(r"extracting .*?\d+/(\d+)", plain)) == {"4"}, plain
    assert counts == sorted(counts) and counts[-1] == 4 and len(set(counts)) > 1, counts

    # stdout holds the brief and nothing else: no bar, no escape code, no log line.
    brief = out.decode("utf-8")
    assert brief.startswith("# Diplomatic brief: 4 sources, 3 events\n"), brief[:200]
    assert "\x1b" not in brief and "extracting" not in brief and "WARNING" not in brief

    # The screen left behind: the bar is gone (transient), and every line the run
    # wrote while it was shown stands on its own, not glued to a stale bar.
    lines = screen(raw)
    assert not [line for line in lines if "extracting" in line], lines
    logged = [line for line in lines if "diplosum:" in line]
    assert logged and all(line.startswith("diplosum: ") for line in logged), lines
    assert any("WARNING: article article-01 failed: HTTP 400" in line for line in lines), lines
    assert lines[-1].startswith("diplosum: 4 sources, 3 events, 0 conflicts, 1 failures; 4 calls")


def test_the_screen_model_erases_wraps_and_moves_up() -> None:
    raw = "bar 1/2\r\x1b[2Kbar 2/2\r\n\x1b[?25h\r\x1b[1A\x1b[2Kdone\r\n" + "x" * 105 + "\r\n"
    assert screen(raw) == ["done", "x" * 100, "x" * 5]


def test_no_bar_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    """Cron, pipes, CI: stderr gets the plain lines only."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "diplosum",
            "brief",
            str(SEEDS),
            "--replay",
            str(SEEDS_RECORDING),
            "--no-cache",
            "-o",
            str(tmp_path / "brief.md"),
        ],
        capture_output=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == b""
    assert done.stderr.decode().startswith("diplosum: 5 sources, 14 events")
    assert b"\x1b" not in done.stderr and b"extracting" not in done.stderr
