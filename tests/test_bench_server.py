"""The bench's loopback server (``bench/run.py``), whose counts the benchmark's cost
figures rest on: its simulated prefix cache and one short run of each contender."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.server


def _bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_simulated_cache_bills_what_openai_documents() -> None:
    """A prefix seen before is cached from 1,024 tokens on, in steps of 128; a prefix
    shorter than 1,024 tokens, or a first sight, is not."""
    sim = _bench().Sim()
    prefix = list(range(1300))
    assert sim.cached_tokens([*prefix, 1, 2, 3]) == 0  # first sight
    assert sim.cached_tokens([*prefix, 7, 8, 9, 10]) == 1280  # 1,300 shared: 1,024 + 2 x 128
    assert sim.cached_tokens(list(range(1000)) + [5] * 400) == 0  # 1,000 shared: under 1,024
    assert sim.cached_tokens([*range(1100), *range(9000, 9400)]) == 1024


def test_each_contender_runs_against_the_server(tmp_path: Path) -> None:
    bench = _bench()
    sim = bench.Sim(latency=0.01)
    server, url = bench.serve(sim)
    try:
        folder = tmp_path / "articles"
        bench.make_articles(folder, 6)
        for who in ("diplosum", "bare", bench.SAME_SCHEMA):
            row = bench.run_one(sim, url, who, folder, 6, 3, "smoke")
            assert row.code == 0, who
            assert row.stats.calls == 6 and row.stats.invalid == 0, who
            assert row.stats.fixed > 0 and row.stats.completion > 0, who
        fixed = {}
        for mode in ("json_schema", "json_object", "tools"):
            row = bench.run_one(sim, url, "diplosum", folder, 6, 3, mode, mode=mode)
            assert row.code == 0 and row.stats.calls == 6, mode
            fixed[mode] = row.stats.fixed / row.stats.calls
        assert all(1000 < tokens < 1400 for tokens in fixed.values()), fixed
    finally:
        server.shutdown()
        server.server_close()
