"""``diplosum digest`` over an inbox, against the loopback chat server: incremental,
never paying twice, never losing an article, safe to kill and to run twice at once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from diplosum.cli import main
from diplosum.digest import load_config
from diplosum.errors import ConfigurationError
from tests.chat_server import Action, ChatServer, RecordedRequest, Stall
from tests.digest_helpers import responder, write_articles
from tests.helpers import ROOT, SEEDS, SEEDS_RECORDING

pytestmark = pytest.mark.server
DAY = "2026-12-01"


def _digest(chat: ChatServer, inbox: Path, out: Path, *extra: str, day: str = DAY) -> list[str]:
    return ["digest", "--inbox", str(inbox), "--out-dir", str(out), "--base-url",
            chat.base_url, "--day", day, "--concurrency", "2", *extra]  # fmt: skip


def _events(out: Path, day: str = DAY) -> list[tuple[str, list[str]]]:
    data = json.loads((out / f"{day}.json").read_text(encoding="utf-8"))
    return sorted(
        (e["title"], sorted({a["source_id"] for a in e["attributions"]})) for e in data["events"]
    )


def test_three_runs_over_a_growing_inbox_pay_once_per_article(
    chat_server: ChatServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chat_server.responder = responder
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    write_articles(inbox, range(5))
    assert main(_digest(chat_server, inbox, out)) == 0
    assert "5 new article(s)" in capsys.readouterr().err
    assert len(chat_server.requests) == 5

    write_articles(inbox, range(5, 8))
    assert main(_digest(chat_server, inbox, out)) == 0
    err = capsys.readouterr().err
    assert "3 new article(s) (5 earlier today), 8 events" in err and "3 calls, 5 cached" in err
    assert len(chat_server.requests) == 8
    assert len(_events(out)) == 8  # the day's digest holds both runs' articles

    assert main(_digest(chat_server, inbox, out)) == 0
    assert "no new articles since" in capsys.readouterr().err
    assert len(chat_server.requests) == 8  # the third run made no model call
    for name in (
        f"{DAY}.md",
        f"{DAY}.json",
        f"{DAY}.html",
        "latest.md",
        "latest.json",
        "latest.html",
    ):
        assert (out / name).stat().st_size > 0
    assert (out / "latest.json").read_text() == (out / f"{DAY}.json").read_text()


def test_works_without_a_config_file_and_names_bad_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no diplosum.toml here
    args = ["digest", "--inbox", str(SEEDS), "--out-dir", "out", "--replay", str(SEEDS_RECORDING)]
    assert main(args) == 0
    assert (tmp_path / "out" / "latest.md").read_text().startswith("# Diplomatic brief: 5 sources")
    (tmp_path / "diplosum.toml").write_text('inbox = ["x"]\nmax_artikles = 3\n')
    assert main(["digest"]) == 2
    assert "diplosum.toml: unknown key 'max_artikles'" in capsys.readouterr().err


def test_config_file_paths_are_relative_to_it(tmp_path: Path) -> None:
    folder = tmp_path / "etc"
    folder.mkdir()
    config = folder / "digest.toml"
    config.write_text(
        f'inbox = ["{SEEDS}"]\nout_dir = "digests"\nreplay = "{SEEDS_RECORDING}"\n'
        'timezone = "Europe/Berlin"\n',
        encoding="utf-8",
    )
    assert main(["digest", "--config", str(config), "--quiet"]) == 0
    assert list((folder / "digests").glob("20*.md"))


def test_budget_defers_the_rest_and_the_next_run_takes_it(
    chat_server: ChatServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chat_server.responder = responder
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    write_articles(inbox, range(5))
    assert main(_digest(chat_server, inbox, out, "--max-articles", "2")) == 0
    err = capsys.readouterr().err
    assert err.count("diplosum: deferred: article-0") == 3
    assert "max_articles=2 reached" in (out / f"{DAY}.md").read_text()
    assert len(chat_server.requests) == 2
    assert main(_digest(chat_server, inbox, out, "--max-articles", "2")) == 0
    assert main(_digest(chat_server, inbox, out, "--max-articles", "2")) == 0
    assert len(chat_server.requests) == 5 and len(_events(out)) == 5


def test_cost_budget_stops_before_spending_more(
    chat_server: ChatServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    chat_server.responder = responder
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    write_articles(inbox, range(4))
    args = _digest(chat_server, inbox, out, "--model", "gpt-4.1-mini", "--max-cost-usd", "0.006")
    assert main(args) == 0
    err = capsys.readouterr().err
    summarised = len(chat_server.requests)
    assert 0 < summarised < 4
    assert err.count("max_cost_usd=0.006 reached") == 4 - summarised


def test_dry_run_sends_nothing_and_changes_nothing(
    chat_server: ChatServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    write_articles(inbox, range(3))
    assert main(_digest(chat_server, inbox, out, "--dry-run", "--model", "gpt-4.1-mini")) == 0
    printed = capsys.readouterr().out
    assert printed.count("would summarise article-") == 3
    assert "3 call(s) to make" in printed and "estimated ~$0.00" in printed
    assert chat_server.requests == [] and not out.exists()  # no digest, state or lock


def test_an_event_covered_yesterday_is_a_follow_up(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "001_6e3fd4499fd64c22.txt").write_bytes(
        (SEEDS / "001_6e3fd4499fd64c22.txt").read_bytes()
    )
    base = [
        "digest",
        "--inbox",
        str(inbox),
        "--out-dir",
        str(out),
        "--replay",
        str(SEEDS_RECORDING),
    ]
    assert main([*base, "--day", "2026-11-30"]) == 0
    (inbox / "002_48f8343459885b5d.txt").write_bytes(
        (SEEDS / "002_48f8343459885b5d.txt").read_bytes()
    )
    assert main([*base, "--day", "2026-12-01"]) == 0
    today = json.loads((out / "2026-12-01.json").read_text())
    yesterday = json.loads((out / "2026-11-30.json").read_text())
    beijing = {e["id"] for e in yesterday["events"] if "Beijing" in (e["location"] or "")}
    follow = [f for f in today["follow_ups"] if f["earlier_event_id"] in beijing]
    assert follow and follow[0]["earlier_day"] == "2026-11-30"
    assert follow[0]["link"] == f"2026-11-30.html#{follow[0]['earlier_event_id']}"
    md = (out / "2026-12-01.md").read_text()
    assert "## Follow-ups" in md and f"(2026-11-30.html#{follow[0]['earlier_event_id']})" in md
    assert (
        f'href="2026-11-30.html#{follow[0]["earlier_event_id"]}"'
        in (out / "2026-12-01.html").read_text()
    )


def _cli(args: list[str]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "diplosum", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def _wait_for(condition: Any, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.02)


def test_a_run_killed_halfway_pays_only_for_the_rest_and_writes_the_same_digest(
    chat_server: ChatServer, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    write_articles(inbox, range(8))
    answered = 0

    def stall_after_three(request: RecordedRequest) -> Action:
        nonlocal answered
        answered += 1
        return responder(request) if answered <= 3 else Stall(30)

    chat_server.responder = stall_after_three
    out = tmp_path / "out"
    run = _cli([*_digest(chat_server, inbox, out)[:-2], "--concurrency", "1"])
    _wait_for(lambda: len(chat_server.requests) >= 4)
    run.send_signal(signal.SIGKILL)
    run.communicate(timeout=30)
    assert not (out / f"{DAY}.json").exists()

    chat_server.responder = responder
    sent_before = len(chat_server.requests)
    assert main(_digest(chat_server, inbox, out)) == 0
    assert len(chat_server.requests) - sent_before == 5  # the 3 answered ones came from the cache

    clean = tmp_path / "clean"
    assert main(_digest(chat_server, inbox, clean)) == 0
    assert _events(out) == _events(clean)


def test_two_runs_started_together_process_each_article_once(
    chat_server: ChatServer, tmp_path: Path
) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    write_articles(inbox, range(6))

    def slow(request: RecordedRequest) -> Action:
        time.sleep(0.2)
        return responder(request)

    chat_server.responder = slow
    first = _cli(_digest(chat_server, inbox, out))
    second = _cli(_digest(chat_server, inbox, out))
    results = [p.communicate(timeout=120) for p in (first, second)]
    errs = [err.decode() for _, err in results]
    assert [p.returncode for p in (first, second)] == [0, 0], errs
    texts = sorted(r.user_text for r in chat_server.requests)
    assert len(texts) == 6 and len(set(texts)) == 6, errs
    assert (
        sum("another digest run holds" in e for e in errs)
        + sum("no new articles" in e for e in errs)
        == 1
    )
    assert len(_events(out)) == 6


def test_the_example_config_is_valid() -> None:
    config = load_config(ROOT / "examples" / "cron" / "diplosum.toml", {}, required=True)
    assert config.inbox == (ROOT / "examples" / "cron" / "inbox",)
    assert config.max_cost_usd == 1.0 and config.timezone == "Europe/Berlin"


def test_config_values_of_the_wrong_type_are_named(tmp_path: Path) -> None:
    config = tmp_path / "d.toml"
    config.write_text('inbox = ["in"]\nbatch = "yes"\n', encoding="utf-8")
    with pytest.raises(ConfigurationError, match=r"d\.toml: batch must be bool, not 'yes'"):
        load_config(config, {}, required=True)
    config.write_text('inbox = ["in"]\nbatch = true\ntimezone = "Mars/Olympus"\n')
    with pytest.raises(ConfigurationError, match="'Mars/Olympus' is not an IANA time zone"):
        load_config(config, {}, required=True)


def test_copies_in_two_files_both_stay_sources_when_the_day_is_rebuilt(tmp_path: Path) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    seed = (SEEDS / "001_6e3fd4499fd64c22.txt").read_bytes()
    (inbox / "001_a.txt").write_bytes(seed)
    (inbox / "001_b.txt").write_bytes(seed)
    base = [
        "digest",
        "--inbox",
        str(inbox),
        "--out-dir",
        str(out),
        "--replay",
        str(SEEDS_RECORDING),
    ]
    assert main([*base, "--day", DAY]) == 0
    (inbox / "002_48f8343459885b5d.txt").write_bytes(
        (SEEDS / "002_48f8343459885b5d.txt").read_bytes()
    )
    assert main([*base, "--day", DAY]) == 0
    sources = json.loads((out / f"{DAY}.json").read_text())["sources"]
    assert sorted(s["id"] for s in sources) == ["001_a", "001_b", "002_48f8343459885b5d"]
    assert main([*base, "--day", "2026-12-02"]) == 0  # nothing new the next day either
    assert not (out / "2026-12-02.json").exists()


def test_an_empty_inbox_is_nothing_new_and_keeps_latest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inbox, out = tmp_path / "inbox", tmp_path / "out"
    inbox.mkdir()
    (inbox / "001.txt").write_bytes((SEEDS / "001_6e3fd4499fd64c22.txt").read_bytes())
    base = [
        "digest",
        "--inbox",
        str(inbox),
        "--out-dir",
        str(out),
        "--replay",
        str(SEEDS_RECORDING),
    ]
    assert main([*base, "--day", DAY]) == 0
    latest = (out / "latest.md").read_text()
    (inbox / "001.txt").unlink()  # processed files moved away
    assert main([*base, "--day", "2026-12-02"]) == 0
    assert "no new articles" in capsys.readouterr().err
    assert (out / "latest.md").read_text() == latest


def test_an_article_that_fails_waits_before_it_is_paid_for_again(
    chat_server: ChatServer, tmp_path: Path
) -> None:
    from datetime import UTC, datetime, timedelta

    from diplosum.digest import run_digest
    from tests.chat_server import HttpError

    inbox = tmp_path / "inbox"
    write_articles(inbox, range(2))
    broken = True

    def flaky(request: RecordedRequest) -> Action:
        if broken and "Tomas Novak" in request.user_text:
            return HttpError(400, "this model cannot read that", type="invalid_request_error")
        return responder(request)

    chat_server.responder = flaky
    config = load_config(None, {"inbox": [inbox], "out_dir": tmp_path / "out",
                                "base_url": chat_server.base_url})  # fmt: skip
    now = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    first = run_digest(config, now=now)
    assert first.exit_code == 1 and len(chat_server.requests) == 2
    second = run_digest(config, now=now + timedelta(minutes=30))
    assert second.exit_code == 1 and len(chat_server.requests) == 2  # not sent again
    assert second.brief is not None
    (waiting,) = second.brief.failures
    assert waiting.source_id == "article-01"
    assert (
        "failed 1 time(s)" in waiting.error
        and "next try after 2026-12-01T07:00:00" in waiting.error
    )
    broken = False
    third = run_digest(config, now=now + timedelta(hours=2))
    assert third.exit_code == 0 and len(chat_server.requests) == 3
    assert third.brief is not None and len(third.brief.sources) == 2
