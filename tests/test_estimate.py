"""``diplosum estimate``: tokens, chunks, calls, what is already held, and the cost,
computed from the very requests a brief would send, without sending any."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import diplosum
from diplosum.cli import main
from diplosum.estimate import COMPLETION_TOKENS_PER_CALL, estimate
from diplosum.llm.modes import prompt_tokens
from diplosum.llm.pricing import cost_usd, price_for
from tests.fakes import FakeBackend
from tests.helpers import SEEDS, SEEDS_RECORDING
from tests.test_chunks import long_article


def test_a_five_megabyte_text_is_chunked_and_its_cost_shown(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    big = tmp_path / "big.txt"
    text = long_article(850_000, seed=3)
    big.write_text(text, encoding="utf-8")
    assert big.stat().st_size >= 5_000_000
    code = main(["estimate", str(big), "--no-cache", "--model", "gpt-4.1-mini"])
    out = capsys.readouterr().out
    assert code == 0, out
    row = next(line for line in out.splitlines() if line.startswith("big "))
    tokens, chunks, calls, held, to_send = (int(x.replace(",", "")) for x in row.split()[1:])
    assert tokens > 900_000 and chunks == calls and calls >= tokens // 8000 and held == 0
    assert f"{calls} calls, 0 already held by the cache or recordings, {calls} to send" in out
    expected = cost_usd("gpt-4.1-mini", to_send, calls * COMPLETION_TOKENS_PER_CALL)
    assert expected is not None
    price = price_for("gpt-4.1-mini")
    assert price is not None
    at = f"at ${price.input_per_mtok:.2f} in / ${price.output_per_mtok:.2f} out per 1M tokens"
    assert f"~${expected:.2f} {at}" in out


def test_recordings_count_as_held_and_cost_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["estimate", str(SEEDS), "--recordings", str(SEEDS_RECORDING), "--no-cache"])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("model handwritten (json_schema)")
    assert "5 calls, 5 already held by the cache or recordings, 0 to send" in out
    assert "~0 prompt tokens" in out and ": ~$0.00" in out


def test_the_estimate_counts_what_the_brief_then_counts(tmp_path: Path) -> None:
    (tmp_path / "long.txt").write_text(long_article(6000), encoding="utf-8")
    (tmp_path / "copy.txt").write_text(
        (SEEDS / "004_75e4185e15a56da3.txt").read_text(encoding="utf-8"), encoding="utf-8"
    )
    inputs = [SEEDS, tmp_path]
    est = estimate(inputs, max_chunk_tokens=2000)
    fake = FakeBackend({}, default={"headline": None, "events": []})
    brief = diplosum.brief(inputs, backend=fake, max_chunk_tokens=2000)
    assert est.calls == len(fake.requests) == 5 + 5
    sent = [prompt_tokens(r, encoding=est.encoding).tokens for r in fake.requests]
    assert est.all_prompt_tokens == sum(sent)
    # answered live: the endpoint's count is the one kept, nothing is counted locally
    assert brief.usage.estimated_prompt_tokens == 0

    (copy,) = [a for a in est.articles if a.copy_of is not None]
    assert (copy.article_id, copy.copy_of, copy.calls) == ("copy", "004_75e4185e15a56da3", 0)


def test_answers_from_recordings_are_counted_locally_as_the_estimate_counts() -> None:
    est = estimate([SEEDS])
    brief = diplosum.brief([SEEDS], replay=SEEDS_RECORDING)
    assert brief.usage.replayed_calls == est.calls == 5
    assert brief.usage.estimated_prompt_tokens == est.all_prompt_tokens > 1000


def test_unknown_model_price_and_unreadable_inputs_are_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.txt").write_text("Alpha met Beta in May.\n", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\x00\x01")
    code = main(["estimate", str(tmp_path), "--no-cache", "--model", "my-local-model"])
    out = capsys.readouterr().out
    assert code == 1
    assert re.search(r"^bad +not read: .*bad.txt looks like a binary file", out, re.M)
    assert "cost unknown (no price for my-local-model; see DIPLOSUM_PRICES)" in out


def test_the_digest_budget_and_the_batch_line_cost_what_the_estimate_costs(
    tmp_path: Path,
) -> None:
    """One estimate before sending: the digest's ``max_cost_usd`` budget and the
    ``--batch`` submit line cost the very requests ``diplosum estimate`` costs (a long
    article's chunks included), with the same guess of each answer's length."""
    from diplosum.batch.command import estimated_cost
    from diplosum.batch.plan import plan_batch
    from diplosum.digest.budget import plan_budget
    from diplosum.digest.config import DigestConfig
    from diplosum.ingest.load import load_articles
    from diplosum.store.batches import BatchStore
    from diplosum.store.cache import ResponseCache

    (tmp_path / "long.txt").write_text(long_article(9000), encoding="utf-8")
    inputs = [SEEDS, tmp_path / "long.txt"]
    model = "gpt-4.1-mini"
    est = estimate(inputs, model=model)
    (long,) = [a for a in est.articles if a.article_id == "long"]
    assert long.chunks > 1 and est.to_send == 5 + long.chunks and est.cost_usd is not None
    articles = load_articles(inputs).articles
    config = DigestConfig(inbox=(SEEDS,), model=model, cache=tmp_path / "none.sqlite3")
    budget = plan_budget(articles, config)
    assert (budget.calls, budget.cached) == (est.to_send, 0)
    assert budget.estimated_cost_usd == pytest.approx(est.cost_usd)
    assert sum(e.tokens for e in budget.estimates) == est.all_prompt_tokens
    cache = ResponseCache(tmp_path / "c.sqlite3")
    plan = plan_batch(articles, cache=cache, store=BatchStore(tmp_path / "b.sqlite3"), model=model)
    assert estimated_cost(plan) == pytest.approx(est.cost_usd)
