"""Benchmark ``diplosum.merge.merge`` on synthetic article extractions.

    python benchmarks/bench_merge.py            # the curve: 1,000, 10,000, 100,000
    python benchmarks/bench_merge.py --quick    # 1,000 and 10,000 only
    python benchmarks/bench_merge.py 500 2000 --seed 7

Each article extraction reports 2-4 events: one primary and a few recalled ones, drawn
from a shared pool of a few thousand real events among a few thousand people, so every
event is reported by many sources with varied spellings, date precision, places, roles
and topics. Each size runs in its own interpreter. Times are wall-clock, without tracing
(medians over ``--repeat`` runs, one run above 10,000); peak traced memory comes from a
separate traced run (up to ``--trace-max``);
RSS is the process's peak after generating the input and after merging, and their
difference (what the merge adds: the input alone is most of the peak, about 12 KiB of
pydantic models per extracted event). Clustering is scored against the generator's truth
as pairwise precision and recall. ``bench_pipeline_memory.py`` measures a whole
``diplosum.brief()`` run.

The merge memoises per wording (names, places, titles, topics) in module-level caches,
and loads two tables at first use (places, nicknames). Each child first merges 50
unrelated articles, so the tables are loaded as in a pipeline run (whose warm-up thread
loads them while the model calls are out); ``tables`` is that small merge's time, the
loading included. ``cold`` runs then empty every memo cache of the merge (all but the
size-one caches that hold the tables): a first merge of this input, in a process that
has loaded the tables and merged something else before. ``warm`` runs keep the caches
of the run before: a second merge of the same input. ``us/extr`` is the cold median per
extraction.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import statistics
import string
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from diplosum.contracts.brief import Attribution, BriefEvent, Source
from diplosum.contracts.sourced import (
    SourcedEvent,
    SourcedItem,
    SourcedOutcome,
    SourcedParticipant,
)
from diplosum.merge import MergeResult, merge


def _words(text: str) -> list[str]:
    return [w.replace("_", " ") for w in text.split()]


FIRST = _words(
    "Anna Antony Boris Carla Chen Dmitri Elena Farid Gita Hana Ivan Jake Jin Karin Lars Li "
    "Maria Mei Nadia Omar Pavel Quinn Rosa Sergei Tara Ulrich Vera Wei Xavier Yuki Zara Amir "
    "Bruno Celia Dario Emma Felix Greta Hugo Ines Jonas Kofi Lidia Marco Nina Oscar Paula"
)
COUNTRIES = _words(
    "United_States China Japan South_Korea Russia India France Germany Brazil Australia "
    "Indonesia Turkey Mexico Canada Vietnam Thailand"
)
ADJECTIVE = {"United States": "US", "China": "Chinese", "Japan": "Japanese", "Russia": "Russian"}
AFFILIATION_SPELLINGS = {"United States": ["United States", "US", "U.S.", "America"]}
SOLE_ROLES = ["President", "Foreign Minister", "Defense Minister", "National Security Advisor"]
SHARED_ROLES = ["senior official", "ambassador", "spokesperson", "deputy minister", "senator"]
ROLE_SPELLINGS = {"National Security Advisor": ["national security adviser", "NSA"]}
CITIES = {
    "United States": ["Washington", "New York", "Anchorage, Alaska", "Woodside, Calif."],
    "China": ["Beijing", "Shanghai"],
    "Japan": ["Tokyo", "Osaka"],
    "South Korea": ["Seoul", "Busan"],
    "Thailand": ["Bangkok"],
    "Indonesia": ["Jakarta", "Bali"],
}
KINDS = ["talks", "visit", "summit", "call", "dialogue"]
TOPICS = [
    ("fentanyl", "fentanyl crisis", "Fentanyl precursors"),
    ("Taiwan", "Taiwan Strait", "Taiwan"),
    ("AI", "artificial intelligence", "AI risks"),
    ("trade", "trade practices", "Trade"),
    ("military communication", "military-to-military communication", "mil-mil talks"),
    ("climate change", "climate", "Climate change"),
    ("North Korea", "DPRK", "North Korea"),
    ("South China Sea", "South China Sea", "South China Sea disputes"),
    ("Ukraine", "war in Ukraine", "Russia's war in Ukraine"),
    ("human rights", "human rights concerns", "Human rights"),
]


@dataclass
class Person:
    first: str
    last: str
    role: str
    country: str


@dataclass
class RealEvent:
    title: str
    kind: str
    day: date
    days: int
    country: str
    city: str
    people: list[Person]
    topics: list[int]


def _surname(rng: random.Random) -> str:
    syllables = ["ka", "lo", "mi", "ra", "ten", "vo", "sel", "dor", "an", "bi", "que", "zu"]
    return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3))).capitalize()


def _near(surname: str) -> set[str]:
    """The surname and its one-letter deletions: two surnames one edit apart share one."""
    return {surname, *(surname[:i] + surname[i + 1 :] for i in range(len(surname)))}


def _people(rng: random.Random, count: int) -> list[Person]:
    """Distinct people. Two people may share a surname, but no surname is one letter away
    from another's: reports misspell names by one letter (``_name``), so such pairs would
    be one person misspelt, not two people, and the truth would be unknowable."""
    out: list[Person] = []
    names: set[tuple[str, str]] = set()
    surnames: set[str] = set()
    taken: set[str] = set()

    def new_person(role: str, country: str) -> bool:
        key = (rng.choice(FIRST), _surname(rng))
        near = _near(key[1])
        if key in names or (key[1] not in surnames and near & taken):
            return False
        names.add(key)
        surnames.add(key[1])
        taken.update(near)
        out.append(Person(key[0], key[1], role, country))
        return True

    for country in COUNTRIES:
        for role in SOLE_ROLES:
            while not new_person(role, country):
                pass
    while len(out) < count:
        new_person(rng.choice(SHARED_ROLES), rng.choice(COUNTRIES))
    return out


def _events(rng: random.Random, people: list[Person], count: int) -> list[RealEvent]:
    weights = [8.0 if p.role in SOLE_ROLES else 1.0 for p in people]
    out: list[RealEvent] = []
    for _ in range(count):
        cast: list[Person] = []
        while len(cast) < rng.randint(2, 4):
            p = rng.choices(people, weights)[0]
            if p not in cast:
                cast.append(p)
        country = rng.choice([p.country for p in cast if p.country in CITIES] or ["China"])
        city = rng.choice(CITIES.get(country, ["Beijing"]))
        kind = rng.choice(KINDS)
        day = date(2015, 1, 1) + timedelta(days=rng.randrange(3650))
        title = f"{cast[0].last}-{cast[1].last} {kind} in {city.split(',')[0]}"
        topics = rng.sample(range(len(TOPICS)), rng.randint(2, 4))
        out.append(
            RealEvent(title, kind, day, rng.choice([0, 0, 1, 2]), country, city, cast, topics)
        )
    return out


def _quote(rng: random.Random, source: str, start: int) -> Attribution:
    quote = "".join(rng.choices(string.ascii_lowercase + " ", k=rng.randint(20, 60)))
    return Attribution(
        source_id=source, quote=quote, start=start, end=start + len(quote), verified=True
    )


def _name(rng: random.Random, p: Person) -> str:
    roll = rng.random()
    if roll < 0.15:
        return p.last
    if roll < 0.2:
        return f"{p.role.title()} {p.last}"
    if roll < 0.23:
        i = rng.randrange(1, len(p.first))
        return f"{p.first[:i]}{p.first[i - 1]}{p.first[i:]} {p.last}"  # a doubled letter
    return f"{p.first} {p.last}"


def _report(
    rng: random.Random, e: RealEvent, source: str, index: int, primary: bool
) -> SourcedEvent:
    cursor = rng.randrange(10_000)
    precision = rng.choice([3, 3, 2, 1, 0] if primary else [3, 2, 2, 1, 0])
    end = e.day + timedelta(days=e.days)
    start_date = end_date = None
    if precision:
        start_date = e.day.isoformat()[: {3: 10, 2: 7, 1: 4}[precision]]
        end_date = end.isoformat() if precision == 3 and e.days else None
    location = rng.choice([e.city, f"{e.city}, {e.country}", None])
    participants = []
    for p in rng.sample(e.people, rng.randint(2, len(e.people))):
        role = rng.choice([*ROLE_SPELLINGS.get(p.role, [p.role]), p.role])
        if p.country in ADJECTIVE and rng.random() < 0.3:
            role = f"{ADJECTIVE[p.country]} {role}"
        affiliation = rng.choice([*AFFILIATION_SPELLINGS.get(p.country, [p.country]), None])
        participants.append(
            SourcedParticipant(
                name=_name(rng, p),
                role=role,
                affiliation=affiliation,
                attribution=_quote(rng, source, cursor := cursor + 90),
            )
        )
    agenda = [
        SourcedItem(
            topic=rng.choice(TOPICS[t]), attribution=_quote(rng, source, cursor := cursor + 90)
        )
        for t in rng.sample(e.topics, rng.randint(1, len(e.topics)))
    ]
    outcomes = (
        [
            SourcedOutcome(
                description=f"Both sides agreed to continue talks on {TOPICS[e.topics[0]][0]}",
                status=rng.choice(["agreed", "agreed", "expected"]),
                attribution=_quote(rng, source, cursor + 90),
            )
        ]
        if rng.random() < 0.4
        else []
    )
    return SourcedEvent(
        source_id=source,
        index=index,
        title=e.title if rng.random() < 0.7 else e.title.replace(" in ", " held in "),
        kind=e.kind,  # type: ignore[arg-type]
        status=rng.choice(["held", "planned"]),
        prominence="primary" if primary else "background",
        start_date=start_date,
        end_date=end_date,
        location=location,
        participants=participants,
        agenda=agenda,
        outcomes=outcomes,
        attribution=_quote(rng, source, cursor),
    )


def generate(
    articles: int, seed: int = 2024, truth: dict[tuple[str, int], int] | None = None
) -> tuple[list[SourcedEvent], list[Source]]:
    """Sourced events of ``articles`` synthetic article extractions, and their sources.

    ``truth``, when given, is filled with the real event behind each (source, index).
    """
    rng = random.Random(seed)
    people = _people(rng, max(300, articles // 3))
    pool = _events(rng, people, max(100, articles // 3))
    position = {id(e): n for n, e in enumerate(pool)}
    events: list[SourcedEvent] = []
    sources: list[Source] = []
    for n in range(articles):
        source = f"art{n:06d}"
        chosen = rng.sample(pool, rng.randint(2, 4))
        published = chosen[0].day + timedelta(days=rng.randint(0, 3))
        sources.append(Source(id=source, sha256="0" * 64, published=published.isoformat()))
        events.extend(_report(rng, e, source, i, i == 0) for i, e in enumerate(chosen))
        if truth is not None:
            truth.update({(source, i): position[id(e)] for i, e in enumerate(chosen)})
    return events, sources


def _key(a: Attribution) -> tuple[str, int | None, str]:
    return (a.source_id, a.start, a.quote)


def _pair_scores(
    events: list[BriefEvent], reports: list[SourcedEvent], truth: dict[tuple[str, int], int]
) -> tuple[float, float]:
    """Pairwise precision and recall of the clustering against the real events."""
    where = {_key(r.attribution): (r.source_id, r.index) for r in reports}
    found: dict[tuple[str, int], int] = {}
    for n, e in enumerate(events):
        for a in e.attributions:
            found[where[_key(a)]] = n
    by_found: Counter[int] = Counter(found.values())
    by_truth: Counter[int] = Counter(truth.values())
    both: Counter[tuple[int, int]] = Counter((found[k], truth[k]) for k in truth)

    def pairs(counts: Counter[Any]) -> int:
        return sum(c * (c - 1) // 2 for c in counts.values())

    agreed = pairs(both)
    return agreed / max(1, pairs(by_found)), agreed / max(1, pairs(by_truth))


@dataclass
class Point:
    """One size of the curve."""

    articles: int
    events_in: int
    real: int
    events_out: int
    conflicts: int
    precision: float
    recall: float
    tables: float
    cold: float
    warm: float
    runs: int
    traced_mib: float | None
    input_rss_mib: float
    peak_rss_mib: float


def _load_tables(seed: int) -> float:
    """Merge a small unrelated input: loads the merge's tables. Returns the seconds taken."""
    events, sources = generate(50, seed + 1)
    started = time.perf_counter()
    merge(events, sources)
    return time.perf_counter() - started


def _clear_caches() -> None:
    """Empty the merge's memo caches; the caches of size one hold its tables and stay."""
    for name, module in list(sys.modules.items()):
        if not name.startswith("diplosum.merge"):
            continue
        for value in vars(module).values():
            params = getattr(value, "cache_parameters", None)
            if params is not None and params()["maxsize"] != 1:
                value.cache_clear()


def _timed(
    events: list[SourcedEvent], sources: list[Source], cold: bool
) -> tuple[float, MergeResult]:
    if cold:
        _clear_caches()
    gc.collect()
    started = time.perf_counter()
    result = merge(events, sources)
    return time.perf_counter() - started, result


def measure(articles: int, seed: int, repeat: int, trace: bool) -> Point:
    truth: dict[tuple[str, int], int] = {}
    events, sources = generate(articles, seed, truth)
    gc.collect()
    input_rss = _max_rss_mib()
    tables = _load_tables(seed)
    cold = [_timed(events, sources, cold=True)[0] for _ in range(repeat)]
    warm: list[float] = []
    for _ in range(repeat):
        seconds, result = _timed(events, sources, cold=False)
        warm.append(seconds)
    traced: float | None = None
    if trace:
        gc.collect()
        tracemalloc.start()
        merge(events, sources)
        traced = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    precision, recall = _pair_scores(result.events, events, truth)
    return Point(
        articles=articles,
        events_in=len(events),
        real=len(set(truth.values())),
        events_out=len(result.events),
        conflicts=len(result.conflicts),
        precision=precision,
        recall=recall,
        tables=tables,
        cold=statistics.median(cold),
        warm=statistics.median(warm),
        runs=repeat,
        traced_mib=traced,
        input_rss_mib=input_rss,
        peak_rss_mib=_max_rss_mib(),
    )


def _max_rss_mib() -> float:
    """Peak resident set size of this process (Linux reports KiB, macOS bytes)."""
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / 2**20 if sys.platform == "darwin" else rss / 2**10


def _in_child(articles: int, args: argparse.Namespace) -> Point:
    """Measure one size in a fresh interpreter, so its peak RSS is its own."""
    command = [sys.executable, __file__, "--child", str(articles), "--seed", str(args.seed)]
    command += ["--repeat", str(_repeats(articles, args)), "--trace-max", str(args.trace_max)]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return Point(**json.loads(done.stdout.strip().splitlines()[-1]))


def _repeats(articles: int, args: argparse.Namespace) -> int:
    return max(1, args.repeat if articles <= 10_000 else 1)


def _print(points: list[Point]) -> None:
    print(
        f"{'extractions':>11} {'events in':>9} {'real':>6} {'out':>6} {'precision':>9} "
        f"{'recall':>6} {'tables s':>8} {'cold s':>8} {'warm s':>8} {'us/extr':>7} "
        f"{'traced MiB':>10} "
        f"{'RSS MiB (input -> peak)':>23} {'merge MiB':>9}"
    )
    for p in points:
        traced = f"{p.traced_mib:.1f}" if p.traced_mib is not None else "-"
        rss = f"{p.input_rss_mib:.0f} -> {p.peak_rss_mib:.0f}"
        print(
            f"{p.articles:>11,} {p.events_in:>9,} {p.real:>6,} {p.events_out:>6,} "
            f"{p.precision:>9.3f} {p.recall:>6.3f} {p.tables:>8.2f} "
            f"{p.cold:>6.2f}/{p.runs} {p.warm:>6.2f}/{p.runs} "
            f"{1e6 * p.cold / p.articles:>7.0f} {traced:>10} "
            f"{rss:>23} {p.peak_rss_mib - p.input_rss_mib:>9.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, help="extractions (default: the curve)")
    parser.add_argument("--quick", action="store_true", help="only 1,000 and 10,000")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs up to 10,000")
    parser.add_argument(
        "--trace-max",
        type=int,
        default=10_000,
        help="trace Python memory (a slow extra run) only up to this size",
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        point = measure(args.child, args.seed, args.repeat, args.child <= args.trace_max)
        print(json.dumps(asdict(point)))
        return
    sizes = args.sizes or ([1_000, 10_000] if args.quick else [1_000, 10_000, 100_000])
    points: list[Point] = []
    for size in sizes:
        points.append(_in_child(size, args))
        print(f"... {size:,} done", file=sys.stderr, flush=True)
    _print(points)


if __name__ == "__main__":
    main()
