"""A ``--record`` run killed with SIGKILL leaves a recording that loads and resumes.

The recording runs in a child process against the loopback server, which answers
the first few requests and then holds every other one open, so the child is
certainly mid-run, with entries appended but not compacted, when it is killed.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import diplosum
from diplosum.store.recordings import RecordingFile
from tests.chat_server import Action, Answer, ChatServer, RecordedRequest, Stall
from tests.helpers import ROOT
from tests.openai_backend_helpers import GOOD

pytestmark = pytest.mark.server

ANSWERED = 6
ARTICLES = 20
CHILD = """
import sys
import diplosum
folder, url, recording = sys.argv[1:]
diplosum.brief([folder], base_url=url, api_key="x", record=recording, cache=False, concurrency=4)
"""


def _articles(folder: Path) -> None:
    folder.mkdir()
    for i in range(ARTICLES):
        text = f"Talks in city {i}\n\nJake Sullivan arrived in Beijing on Tuesday, day {i}.\n"
        (folder / f"a{i:02d}.txt").write_text(text, encoding="utf-8")


def _first_answered(request: RecordedRequest) -> Action:
    return Answer(GOOD) if request.index < ANSWERED else Stall(120)


def _wait_for_lines(path: Path, count: int, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60  # a guard against hanging, not a measure
    while time.monotonic() < deadline and child.poll() is None:
        if path.exists() and path.read_bytes().count(b"\n") >= count:
            return
        time.sleep(0.05)
    pytest.fail(f"the child never wrote {count} lines (exit code {child.poll()})")


def test_recording_killed_mid_run_loads_and_resumes(
    chat_server: ChatServer, tmp_path: Path
) -> None:
    folder, recording = tmp_path / "articles", tmp_path / "rec.jsonl"
    _articles(folder)
    chat_server.responder = _first_answered
    command = [sys.executable, "-c", CHILD, str(folder), chat_server.base_url, str(recording)]
    with (tmp_path / "child.log").open("wb") as log:
        child = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=log)
        try:
            _wait_for_lines(recording, ANSWERED, child)
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait()
    assert child.returncode == -signal.SIGKILL

    killed = RecordingFile.load(recording)
    assert len(killed.entries) == ANSWERED
    assert len({e.article_id for e in killed.entries}) == ANSWERED

    chat_server.responder = lambda _request: Answer(GOOD)
    sent_before = len(chat_server.requests)
    brief = diplosum.brief(
        [folder], base_url=chat_server.base_url, api_key="x", auto_record=recording, cache=False
    )
    assert brief.failures == []
    assert brief.usage.replayed_calls == ANSWERED
    assert len(chat_server.requests) - sent_before == ARTICLES - ANSWERED
    lines = recording.read_text(encoding="utf-8").splitlines()
    # compacted at the end of the run: one line per article, sorted
    assert [json.loads(line)["article_id"] for line in lines] == [
        f"a{i:02d}" for i in range(ARTICLES)
    ]
