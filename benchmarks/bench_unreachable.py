"""How long a run takes to fail when the endpoint is down, with and without the breaker.

    python benchmarks/bench_unreachable.py              # 20 articles, default settings
    python benchmarks/bench_unreachable.py --articles 40 --no-baseline

Binds a loopback port and closes it, so every connection is refused, then runs
``diplosum.brief`` over distinct articles against it (cache off): once with the
default circuit breaker (``ClientSettings.unreachable_after``) and, as a baseline,
once with the breaker out of reach, where every article retries on its own
(``RetryPolicy`` defaults: 5 attempts, backoff 1, 2, 4, 8 s plus jitter).
"""

from __future__ import annotations

import argparse
import logging
import socket
import time

import diplosum
from diplosum.llm.settings import DEFAULT_UNREACHABLE_AFTER, ClientSettings

NEVER = 10**9


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def articles(n: int) -> list[str]:
    return [f"Envoys meet, part {i}\n\nThe minister met envoys, day {i}.\n" for i in range(n)]


def run(texts: list[str], url: str, unreachable_after: int) -> tuple[float, diplosum.Brief]:
    settings = ClientSettings(unreachable_after=unreachable_after)
    start = time.perf_counter()
    brief = diplosum.brief(texts, base_url=url, api_key="x", cache=False, client=settings)
    return time.perf_counter() - start, brief


def report(label: str, seconds: float, brief: diplosum.Brief) -> None:
    unreachable = sum("endpoint unreachable" in f.error for f in brief.failures)
    print(
        f"{label:<26} {seconds:6.2f} s  failed {len(brief.failures)}/{len(brief.sources)}"
        f"  (endpoint unreachable: {unreachable})  calls {brief.usage.calls}"
        f"  retries {brief.usage.retries}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20)
    parser.add_argument("--no-baseline", action="store_true", help="skip the slow baseline")
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # hundreds of retry warnings are not the point
    texts = articles(args.articles)
    url = f"http://127.0.0.1:{closed_port()}/v1"
    print(f"{args.articles} articles against {url} (connection refused)")
    label = f"breaker (after {DEFAULT_UNREACHABLE_AFTER})"
    report(label, *run(texts, url, DEFAULT_UNREACHABLE_AFTER))
    if not args.no_baseline:
        report("no breaker (baseline)", *run(texts, url, NEVER))


if __name__ == "__main__":
    main()
