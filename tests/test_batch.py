"""``diplosum brief --batch`` and ``diplosum batch status|collect`` against the loopback
Files + Batches server (tests/batch_server.py), through the real openai client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from diplosum.batch.command import brief_or_submit
from diplosum.batch.pricing import batch_cost_usd
from diplosum.cli import _parser, main
from diplosum.contracts.brief import Brief
from diplosum.llm.pricing import cost_usd
from diplosum.store.batches import UPLOADED, BatchStore, batches_path_for
from tests.batch_server import BatchServer, extraction_responder, write_articles

pytestmark = pytest.mark.server

KEY = "sk-diplosum-batch-SECRET-0123456789abcdef"
MODEL = "gpt-4.1-mini"
CHAT = ("POST", "/v1/chat/completions")
UPLOAD = ("POST", "/v1/files")
CREATE = ("POST", "/v1/batches")


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[BatchServer]:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("DIPLOSUM_BATCHES", raising=False)
    monkeypatch.delenv("DIPLOSUM_MODEL", raising=False)
    monkeypatch.delenv("DIPLOSUM_MODE", raising=False)
    with BatchServer(extraction_responder) as running:
        yield running
    assert not running.errors, running.errors


class Run:
    """The commands of one batch run, all against ``server`` and one cache."""

    def __init__(self, server: BatchServer, tmp_path: Path, n: int) -> None:
        self.server = server
        self.articles = write_articles(tmp_path / "articles", n)
        self.cache = tmp_path / "cache.sqlite3"
        self.out = tmp_path / "brief.json"

    def brief_args(self, *extra: str) -> list[str]:
        return [
            "brief",
            str(self.articles),
            "--batch",
            "--base-url",
            self.server.base_url,
            "--cache",
            str(self.cache),
            "--model",
            MODEL,
            "--format",
            "json",
            "-o",
            str(self.out),
            *extra,
        ]

    def brief(self, *extra: str) -> int:
        return main(self.brief_args(*extra))

    def batch(self, action: str, *extra: str) -> int:
        return main(
            [
                "batch",
                action,
                "--base-url",
                self.server.base_url,
                "--cache",
                str(self.cache),
                *extra,
            ]
        )

    @property
    def store(self) -> BatchStore:
        return BatchStore(batches_path_for(self.cache))

    def written(self) -> dict[str, object]:
        data: dict[str, object] = json.loads(self.out.read_text(encoding="utf-8"))
        return data


def test_fifty_articles_submitted_collected_and_briefed_without_a_live_call(
    server: BatchServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = Run(server, tmp_path, 50)
    assert run.brief() == 0
    submitted = capsys.readouterr().err
    assert "submitted 50 request(s) in 1 batch(es) (batch_" in submitted
    assert "at batch prices (standard $" in submitted
    assert not run.out.exists()
    assert (server.count(*UPLOAD), server.count(*CREATE), server.count(*CHAT)) == (1, 1, 0)
    (batch,) = server.batches.values()
    lines = server.lines(batch["input_file_id"])
    assert len({line["custom_id"] for line in lines}) == 50
    assert all(line["custom_id"].startswith("sha256:") for line in lines)
    assert {line["body"]["response_format"]["type"] for line in lines} == {"json_schema"}

    assert run.brief() == 0  # still running: nothing new is sent, nothing written
    assert "still waiting in batch_" in capsys.readouterr().err
    assert (server.count(*UPLOAD), server.count(*CREATE)) == (1, 1)

    assert run.batch("status") == 0
    assert f"{batch['id']} (job 1): in_progress, 50 request(s)" in capsys.readouterr().out

    server.finish()
    assert run.batch("collect") == 0
    collected = capsys.readouterr().out
    assert "completed; 50 answered into the cache, 0 retried live, 0 resubmitted, 0 failed" in (
        collected
    )
    assert "45,000 prompt + 10,000 completion tokens" in collected  # 900 + 200 per line
    assert "at batch prices (standard $" in collected

    assert run.brief() == 0
    assert "50 calls (50 through the Batch API), 0 cached" in capsys.readouterr().err
    brief = run.written()
    assert len(brief["sources"]) == 50  # type: ignore[arg-type]
    assert brief["failures"] == []
    assert server.count(*CHAT) == 0  # not one live call in the whole run
    for path in (run.cache, batches_path_for(run.cache)):
        assert KEY.encode() not in path.read_bytes()


def test_failed_lines_are_retried_live(
    server: BatchServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = Run(server, tmp_path, 10)
    assert run.brief() == 0
    (batch,) = server.batches.values()
    failing = {line["custom_id"] for line in server.lines(batch["input_file_id"])[:3]}
    server.finish(fail=lambda custom_id: custom_id in failing)
    capsys.readouterr()
    assert run.batch("collect") == 0
    out = capsys.readouterr().out
    assert "7 answered into the cache, 3 retried live, 0 resubmitted, 0 failed" in out
    assert "live retries: 3 call(s)" in out
    assert server.count(*CHAT) == 3
    live_prompts = {r.user_text for r in server.requests if r.path == CHAT[1]}
    batch_prompts = {
        line["body"]["messages"][1]["content"]
        for line in server.lines(batch["input_file_id"])
        if line["custom_id"] in failing
    }
    assert live_prompts == batch_prompts  # exactly the failed lines, nothing else

    assert run.brief() == 0
    assert "10 calls (7 through the Batch API), 0 cached" in capsys.readouterr().err
    assert server.count(*CHAT) == 3


def test_failed_lines_are_resubmitted_on_request(
    server: BatchServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = Run(server, tmp_path, 10)
    assert run.brief() == 0
    (first,) = server.batches.values()
    failing = {line["custom_id"] for line in server.lines(first["input_file_id"])[-2:]}
    server.finish(fail=lambda custom_id: custom_id in failing)
    assert run.batch("collect", "--failed", "resubmit") == 0
    assert "8 answered into the cache, 0 retried live, 2 resubmitted, 0 failed" in (
        capsys.readouterr().out
    )
    assert server.count(*CHAT) == 0
    assert server.count(*CREATE) == 2
    second = next(b for b in server.batches.values() if b["id"] != first["id"])
    assert {line["custom_id"] for line in server.lines(second["input_file_id"])} == failing

    assert run.brief() == 0  # the resubmitted two are still running
    assert "2 request(s) still waiting in " + second["id"] in capsys.readouterr().err
    server.finish(second["id"])
    assert run.batch("collect") == 0
    assert run.brief() == 0
    assert "10 calls (10 through the Batch API), 0 cached" in capsys.readouterr().err
    assert server.count(*CHAT) == 0


@pytest.mark.parametrize("status", ["expired", "cancelled"])
def test_an_ended_batch_is_resubmitted_for_what_is_missing(
    server: BatchServer, tmp_path: Path, capsys: pytest.CaptureFixture[str], status: str
) -> None:
    run = Run(server, tmp_path, 12)
    assert run.brief() == 0
    (first,) = server.batches.values()
    server.finish(status=status, answered=5)
    capsys.readouterr()
    assert run.batch("collect") == 0  # --failed retry: but never-run lines go to a new batch
    out = capsys.readouterr().out
    assert f"{status}; 5 answered into the cache, 0 retried live, 7 resubmitted, 0 failed" in out
    assert "1 new batch(es) submitted" in out
    assert server.count(*CHAT) == 0
    second = next(b for b in server.batches.values() if b["id"] != first["id"])
    missing = [line["custom_id"] for line in server.lines(first["input_file_id"])[5:]]
    assert [line["custom_id"] for line in server.lines(second["input_file_id"])] == missing

    server.finish(second["id"])
    assert run.batch("collect") == 0
    assert run.brief() == 0
    assert "12 calls (12 through the Batch API), 0 cached" in capsys.readouterr().err
    assert len(run.written()["sources"]) == 12  # type: ignore[arg-type]


def test_the_brief_counts_what_went_through_the_batch_as_calls_at_the_batch_price(
    server: BatchServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The brief written from collected answers reports them as what they were: calls
    sent (7 through the batch, at the batch price; 3 the batch failed, retried live at
    the standard price), with the tokens the endpoint reported; the same brief written
    again reads them from the cache, like any second run, and costs nothing."""
    run = Run(server, tmp_path, 10)
    assert run.brief() == 0
    (batch,) = server.batches.values()
    failing = {line["custom_id"] for line in server.lines(batch["input_file_id"])[:3]}
    server.finish(fail=lambda custom_id: custom_id in failing)
    assert run.batch("collect") == 0
    capsys.readouterr()

    assert run.brief() == 0
    assert "10 calls (7 through the Batch API), 0 cached, 0 replayed" in capsys.readouterr().err
    usage = run.written()["usage"]
    assert isinstance(usage, dict)
    expected = {"calls": 10, "batch_calls": 7, "cached_calls": 0, "replayed_calls": 0}
    assert {k: usage[k] for k in expected} == expected
    assert (usage["prompt_tokens"], usage["completion_tokens"]) == (10 * 900, 10 * 200)
    assert usage["estimated_prompt_tokens"] == 0  # counted by the endpoint, not guessed
    batched, live = batch_cost_usd(MODEL, 7 * 900, 7 * 200), cost_usd(MODEL, 3 * 900, 3 * 200)
    assert batched is not None and live is not None
    assert usage["cost_usd"] == pytest.approx(batched + live)
    header = Brief.model_validate_json(run.out.read_text(encoding="utf-8")).to_markdown()
    assert "· 10 calls (7 through the Batch API), 0 cached, 0 replayed · 9,000 prompt" in header

    assert run.brief() == 0
    assert "0 calls, 10 cached, 0 replayed" in capsys.readouterr().err
    again = run.written()["usage"]
    assert isinstance(again, dict)
    assert (again["calls"], again["batch_calls"], again["cached_calls"]) == (0, 0, 10)
    assert (again["prompt_tokens"], again["cost_usd"]) == (0, 0.0)
    assert server.count(*CHAT) == 3  # the live retries of the collect, nothing since


def test_a_failed_batch_is_retried_live(
    server: BatchServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = Run(server, tmp_path, 3)
    assert run.brief() == 0
    server.finish(status="failed")
    capsys.readouterr()
    assert run.batch("collect") == 0
    assert "failed; 0 answered into the cache, 3 retried live" in capsys.readouterr().out
    assert server.count(*CHAT) == 3


class Killed(Exception):
    pass


def test_a_kill_between_upload_and_submit_submits_once_without_uploading_again(
    server: BatchServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = Run(server, tmp_path, 6)

    def kill(job: object) -> None:
        raise Killed()

    with pytest.raises(Killed):
        brief_or_submit(_parser().parse_args(run.brief_args()), after_upload=kill)
    assert (server.count(*UPLOAD), server.count(*CREATE)) == (1, 0)
    (job,) = run.store.jobs()
    assert job.status == UPLOADED and job.file_id is not None and job.batch_id is None

    assert run.brief() == 0
    assert "had been left unsubmitted by an earlier run" in capsys.readouterr().err
    assert (server.count(*UPLOAD), server.count(*CREATE)) == (1, 1)
    (job,) = run.store.jobs()
    assert job.batch_id in server.batches
    assert server.batches[job.batch_id]["input_file_id"] == job.file_id

    assert run.brief() == 0  # recorded: never created again
    assert (server.count(*UPLOAD), server.count(*CREATE)) == (1, 1)


def test_a_kill_after_the_batch_was_made_but_not_recorded_finds_it(
    server: BatchServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The worst moment: the provider made the batch, the store has no id for it."""
    run = Run(server, tmp_path, 4)

    def create_then_kill(job: object) -> None:
        file_id = getattr(job, "file_id", None)
        key = getattr(job, "key", None)
        server.route(
            "POST",
            "/v1/batches",
            {"content-type": "application/json"},
            json.dumps(
                {
                    "endpoint": "/v1/chat/completions",
                    "completion_window": "24h",
                    "input_file_id": file_id,
                    "metadata": {"diplosum_job": key},
                }
            ).encode(),
        )
        raise Killed()

    with pytest.raises(Killed):
        brief_or_submit(_parser().parse_args(run.brief_args()), after_upload=create_then_kill)
    assert run.brief() == 0
    assert server.count(*CREATE) == 1  # the one made before the kill, found and recorded
    (job,) = run.store.jobs()
    assert job.batch_id == next(iter(server.batches))


def test_collecting_twice_costs_nothing(
    server: BatchServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = Run(server, tmp_path, 5)
    assert run.brief() == 0
    server.finish()
    assert run.batch("collect") == 0
    capsys.readouterr()
    before = len(server.requests)
    assert run.batch("collect") == 0
    assert "nothing to collect, nothing asked" in capsys.readouterr().out
    assert len(server.requests) == before  # not one request, free or paid
    assert run.batch("status") == 0
    assert "0 batch(es) not collected yet" in capsys.readouterr().out
    assert len(server.requests) == before


def test_batch_needs_the_cache(server: BatchServer, tmp_path: Path) -> None:
    run = Run(server, tmp_path, 1)
    args = [a for a in run.brief_args() if a not in ("--cache", str(run.cache))]
    assert main([*args, "--no-cache"]) == 2
    assert server.requests == []
