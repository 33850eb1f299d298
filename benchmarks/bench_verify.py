"""Quote verification: the current locator against the first wave's, in the same run.

    python benchmarks/bench_verify.py               # seeds x 40, and one 50,000-word text
    python benchmarks/bench_verify.py --repeat 100

Times building a ``verify.QuoteLocator`` for each source text and locating every
evidence quote of its hand-written gold extraction (``examples/recordings/gold``), against
the baseline: the first wave's locator (commit b1317e3), copied below unchanged, which
normalised the text one character at a time in Python. Also times one long text (the
seeds joined until they reach 50,000 words) with the quotes of every seed. Both
locators must place the same quotes; the figures are printed, never asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from diplosum.verify import QuoteLocator

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = ROOT / "examples" / "recordings" / "gold"


# -- the baseline: the first wave's locator (b1317e3:diplosum/verify.py), unchanged --------

_CHAR_MAP = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-",
    "\u2015": "-", "\u2212": "-",
    "\u2026": "...",
    "\u00a0": " ",
}  # fmt: skip


@dataclass(frozen=True)
class _NormalisedText:
    text: str
    origin: tuple[int, ...]


def _normalise(text: str) -> _NormalisedText:
    chars: list[str] = []
    origin: list[int] = []
    in_space = False
    for i, ch in enumerate(text):
        if ch.isspace():
            if not in_space and chars:
                chars.append(" ")
                origin.append(i)
            in_space = True
            continue
        in_space = False
        for out in _CHAR_MAP.get(ch, ch).lower():
            chars.append(out)
            origin.append(i)
    if chars and chars[-1] == " ":
        chars.pop()
        origin.pop()
    return _NormalisedText("".join(chars), tuple(origin))


class FirstWaveLocator:
    def __init__(self, source_id: str, text: str) -> None:
        self.source_id = source_id
        self._norm = _normalise(text)

    def locate(self, quote: str) -> tuple[int, int] | None:
        needle = _normalise(quote).text.strip(" \"'")
        if not needle:
            return None
        at = self._norm.text.find(needle)
        if at < 0:
            return None
        last = at + len(needle) - 1
        return self._norm.origin[at], self._norm.origin[last] + 1


# -- the measurement ------------------------------------------------------------------------


def _quotes(value: object) -> list[str]:
    """Every ``evidence`` string in a gold extraction."""
    if isinstance(value, dict):
        found = [value["evidence"]] if isinstance(value.get("evidence"), str) else []
        return found + [q for v in value.values() for q in _quotes(v)]
    if isinstance(value, list):
        return [q for v in value for q in _quotes(v)]
    return []


def cases() -> list[tuple[str, str, list[str]]]:
    found = []
    for path in sorted(SEEDS.glob("*.txt")):
        gold = json.loads((GOLD / f"{path.stem}.json").read_text(encoding="utf-8"))
        found.append((path.stem, path.read_text(encoding="utf-8"), _quotes(gold)))
    return found


Locator = Callable[[str, str], QuoteLocator | FirstWaveLocator]


def time_locator(make: Locator, work: list[tuple[str, str, list[str]]], repeat: int) -> float:
    """Median seconds over ``repeat`` rounds of the whole ``work``."""
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for source_id, text, quotes in work:
            locator = make(source_id, text)
            for quote in quotes:
                locator.locate(quote)
        rounds.append(time.perf_counter() - start)
    return statistics.median(rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40, help="rounds (median reported)")
    args = parser.parse_args()
    seeds = cases()
    same = sum(
        QuoteLocator(s, t).locate(q) == FirstWaveLocator(s, t).locate(q)
        for s, t, quotes in seeds
        for q in quotes
    )
    total = sum(len(q) for _, _, q in seeds)
    print(f"seeds: {len(seeds)} texts, {total} quotes; both locators agree on {same}")
    words = 0
    parts = []
    while words < 50_000:
        for _, text, _ in seeds:
            parts.append(text)
            words += len(text.split())
    long_work = [("long", "\n\n".join(parts), [q for _, _, qs in seeds for q in qs])]
    print(f"long text: {words:,} words, {len(long_work[0][2])} quotes")
    print("| work | first wave (per character) s | now s | speed-up |")
    print("|---|---|---|---|")
    for name, work, repeat in (("seeds", seeds, args.repeat), ("long", long_work, 5)):
        old = time_locator(FirstWaveLocator, work, repeat)
        new = time_locator(QuoteLocator, work, repeat)
        print(f"| {name} | {old:.4f} | {new:.4f} | {old / new:.1f}x |")


if __name__ == "__main__":
    main()
