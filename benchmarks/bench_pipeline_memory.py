"""Peak memory of a whole ``diplosum.brief()`` run over many synthetic articles, offline.

    python benchmarks/bench_pipeline_memory.py            # 5,000 articles
    python benchmarks/bench_pipeline_memory.py 1000 --seed 7

The articles and the model's answers come from the merge benchmark's generator
(``bench_merge.generate``): each answer is that article's events as an
``ArticleExtraction``, and each article's text is made of the answer's evidence
sentences, so every quote verifies. A backend answers from memory (no network, no
recording file); everything else is the library as a user runs it: prompts, copy
detection, verification, merge and rendering proof. Printed: wall time, the peak RSS of
the process (Linux ``ru_maxrss``) and how it splits: after the input is built, just
before the merge, after it. Runs in its own interpreter per size, so each peak is its own.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_merge import generate

import diplosum
import diplosum.assemble
from diplosum.contracts.sourced import SourcedEvent
from diplosum.llm.base import ExtractionRequest, ModelReply


def _rss_mib() -> tuple[float, float]:
    """Current and peak resident set size of this process, MiB (Linux /proc)."""
    fields: dict[str, float] = {}
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in ("VmRSS", "VmHWM"):
                    fields[name] = int(value.split()[0]) / 1024
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak
    return fields.get("VmRSS", 0.0), fields.get("VmHWM", 0.0)


_FILLER = [
    "officials",
    "diplomats",
    "analysts",
    "said",
    "noted",
    "added",
    "warned",
    "stressed",
    "expected",
    "markets",
    "region",
    "security",
    "economy",
    "pressure",
    "week",
    "month",
    "statement",
    "briefing",
    "reporters",
    "capital",
    "relations",
    "allies",
    "tensions",
    "sanctions",
    "exports",
    "border",
    "ministry",
    "spokesman",
    "agency",
]


def _article(events: Sequence[SourcedEvent], rng: random.Random) -> tuple[str, dict[str, Any]]:
    """An article's text and the model's answer for it: every evidence is a sentence, and
    a paragraph of the article's own words keeps reports of one event from being copies."""
    sentences: list[str] = [" ".join(rng.choices(_FILLER, k=80)).capitalize() + "."]

    def said(text: str) -> str:
        sentences.append(text)
        return text

    answer_events = []
    for e in events:
        where = f" in {e.location}" if e.location else ""
        when = f" on {e.start_date}" if e.start_date else ""
        evidence = said(f"The {e.title} ({e.kind}) was reported{where}{when}.")
        answer_events.append(
            {
                "title": e.title,
                "kind": e.kind,
                "status": e.status,
                "prominence": e.prominence,
                "date_text": e.start_date,
                "start_date": e.start_date,
                "end_date": e.end_date,
                "location": e.location,
                "venue": None,
                "city": None,
                "region": None,
                "country": None,
                "participants": [
                    {
                        "name": p.name,
                        "role": p.role,
                        "affiliation": p.affiliation,
                        "full_name": None,
                        "office": None,
                        "evidence": said(f"{p.name}, {p.role or 'an official'}, took part."),
                    }
                    for p in e.participants
                ],
                "agenda": [
                    {
                        "topic": a.topic,
                        "detail": None,
                        "evidence": said(f"They discussed {a.topic} at the {e.kind}."),
                    }
                    for a in e.agenda
                ],
                "outcomes": [
                    {
                        "description": o.description,
                        "status": o.status,
                        "evidence": said(f"{o.description}, officials said."),
                    }
                    for o in e.outcomes
                ],
                "evidence": evidence,
            }
        )
    title = events[0].title
    text = f"{title}\n\n" + "\n\n".join(sentences) + "\n"
    return text, {"headline": title, "events": answer_events}


class _Answers:
    """A backend that answers each article from memory."""

    def __init__(self, answers: dict[str, str]) -> None:
        self._answers = answers

    async def extract(self, request: ExtractionRequest) -> ModelReply:
        return ModelReply(content=self._answers[request.article_id], model="replayed")


def measure(articles: int, seed: int) -> dict[str, Any]:
    events, _sources = generate(articles, seed)
    by_source: dict[str, list[SourcedEvent]] = {}
    for e in events:
        by_source.setdefault(e.source_id, []).append(e)
    del events
    texts: list[diplosum.Article] = []
    answers: dict[str, str] = {}
    rng = random.Random(seed)
    for source_id, reported in sorted(by_source.items()):
        text, answer = _article(reported, rng)
        texts.append(diplosum.Article(id=source_id, text=text))
        answers[source_id] = json.dumps(answer)
    del by_source
    marks: dict[str, float] = {"input_rss_mib": _rss_mib()[0]}
    real_merge = getattr(diplosum.assemble, "merge")  # noqa: B009 - not re-exported

    def watched(*args: Any, **kwargs: Any) -> Any:
        marks["before_merge_rss_mib"], marks["before_merge_peak_mib"] = _rss_mib()
        started = time.perf_counter()
        result = real_merge(*args, **kwargs)
        marks["merge_s"] = time.perf_counter() - started
        marks["after_merge_rss_mib"], marks["after_merge_peak_mib"] = _rss_mib()
        return result

    setattr(diplosum.assemble, "merge", watched)  # noqa: B010 - not re-exported
    started = time.perf_counter()
    brief = diplosum.brief(texts, backend=_Answers(answers), cache=False)
    wall = time.perf_counter() - started
    return {
        "articles": articles,
        "events_in": sum(len(json.loads(a)["events"]) for a in answers.values()),
        "events_out": len(brief.events),
        "failures": len(brief.failures),
        "wall_s": wall,
        "peak_rss_mib": _rss_mib()[1],
        **marks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="articles (default: 5,000)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        print(json.dumps(measure(args.child, args.seed)))
        return
    print(
        f"{'articles':>8} {'events in':>9} {'out':>6} {'failed':>6} {'wall s':>7} "
        f"{'merge s':>7} {'RSS MiB: input':>14} {'before merge':>12} {'after merge':>11} "
        f"{'peak to merge end':>17} {'peak':>6}"
    )
    for size in args.sizes or [5_000]:
        command = [sys.executable, __file__, "--child", str(size), "--seed", str(args.seed)]
        done = subprocess.run(command, check=True, capture_output=True, text=True)
        p = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{p['articles']:>8,} {p['events_in']:>9,} {p['events_out']:>6,} "
            f"{p['failures']:>6} {p['wall_s']:>7.1f} {p.get('merge_s', float('nan')):>7.2f} "
            f"{p['input_rss_mib']:>14.0f} {p.get('before_merge_rss_mib', 0):>12.0f} "
            f"{p.get('after_merge_rss_mib', 0):>11.0f} "
            f"{p.get('after_merge_peak_mib', 0):>17.0f} {p['peak_rss_mib']:>6.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
