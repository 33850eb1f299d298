"""What ``--record`` costs: the same run with and without writing a recording.

    python benchmarks/bench_record.py                   # 1,000 articles, 3 rounds
    python benchmarks/bench_record.py --articles 300 --rounds 5 --concurrency 8

Starts the loopback Chat Completions server (``tests/chat_server.py``) answering
every request at once with the same valid extraction (a seed's gold extraction,
so entries have a realistic size), then runs ``diplosum.brief`` over distinct
articles (cache off), alternating a plain run and one with ``record=`` a fresh
file, and prints both wall times per round, their medians and the ratio.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

import diplosum  # noqa: E402
from tests.chat_server import Answer, ChatServer  # noqa: E402
from tests.helpers import gold_answers  # noqa: E402


def articles(n: int) -> list[str]:
    return [
        f"Envoys meet, part {i}\n\nThe foreign minister met envoys in the capital on day {i}; "
        "talks covered trade, security and a possible summit.\n"
        for i in range(n)
    ]


def timed(texts: list[str], url: str, concurrency: int, record: Path | None) -> float:
    start = time.perf_counter()
    brief = diplosum.brief(
        texts, base_url=url, api_key="x", cache=False, concurrency=concurrency, record=record
    )
    seconds = time.perf_counter() - start
    if brief.failures:
        raise SystemExit(f"unexpected failures: {brief.failures[:3]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    answer = Answer(json.dumps(next(iter(gold_answers().values()))))
    texts = articles(args.articles)
    plain: list[float] = []
    recorded: list[float] = []
    with ChatServer(lambda _request: answer) as server, tempfile.TemporaryDirectory() as tmp:
        for round_number in range(1, args.rounds + 1):
            plain.append(timed(texts, server.base_url, args.concurrency, None))
            path = Path(tmp) / f"round{round_number}.jsonl"
            recorded.append(timed(texts, server.base_url, args.concurrency, path))
            lines = path.read_text(encoding="utf-8").count("\n")
            print(
                f"round {round_number}: without recording {plain[-1]:6.2f} s, "
                f"with --record {recorded[-1]:6.2f} s ({lines} entries)"
            )
    without, with_record = statistics.median(plain), statistics.median(recorded)
    print(
        f"{args.articles} articles, concurrency {args.concurrency}: median "
        f"{without:.2f} s without recording, {with_record:.2f} s with --record, "
        f"ratio {with_record / without:.2f}x"
    )


if __name__ == "__main__":
    main()
