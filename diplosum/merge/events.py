"""Event clustering: which sourced events report the same real event.

Candidates are blocked (see ``_candidates``) so the work grows with the number of
events that share people, not with the square of all events.
Each candidate pair is scored (``score``); accepted pairs are then joined best score
first, refusing any join that would put two events of one article together, mix dates
more than ``NEAR_DAYS`` apart, mix a call with an in-person event, or mix places that
do not contain one another (unless the pair itself was accepted despite its places).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import combinations
from typing import NamedTuple

from rapidfuzz import fuzz

from diplosum.contracts.extraction import EventKind
from diplosum.contracts.sourced import SourcedEvent
from diplosum.merge.dates import NEAR_DAYS, Span, gap, month_hint, parse_span, span_has_month
from diplosum.merge.places import location_key, locations_compatible
from diplosum.merge.text import STOPWORDS, words

# Score weights and the acceptance threshold (see ``score``).
W_PEOPLE = 1.5
W_PLACE = 0.8
W_PLACE_DIFFERS = -1.2
W_DATE = {3: 1.0, 2: 0.6, 1: 0.3}
W_DATE_NEAR = -0.7
W_KIND = 0.2
ACCEPT = 2.2
ANCHORLESS_TITLE = 0.8
MAX_PAIR_PEOPLE = 8
MAX_MONTHS = 3
MAX_BLOCK = 1500
SMALL_BLOCK = 12
_FOREVER = 10**9


@dataclass(slots=True)
class Unit:
    """One event of one article: ``rep``, plus ``extra`` copies that differ from it."""

    source_id: str
    index: int
    rep: SourcedEvent
    # Usually empty: a shared empty tuple costs nothing (a list per unit would).
    extra: tuple[SourcedEvent, ...] = ()
    mentions: range = range(0)
    persons: frozenset[int] = frozenset()
    kind: EventKind = field(init=False)
    span: Span | None = field(init=False)
    hint: int | None = field(init=False)
    place: frozenset[str] | None = field(init=False)
    title_words: frozenset[str] = field(init=False)
    title: str = field(init=False)

    def __post_init__(self) -> None:
        rep = self.rep
        self.kind = rep.kind
        self.span = parse_span(rep.start_date, rep.end_date)
        self.hint = month_hint(rep.date_text) if self.span is None else None
        self.place = location_key(rep.location)
        self.title_words, self.title = _title(rep.title)

    @property
    def events(self) -> tuple[SourcedEvent, ...]:
        return (self.rep, *self.extra)


@lru_cache(maxsize=65536)
def _title(text: str) -> tuple[frozenset[str], str]:
    """Content words of a title, and the same sorted into one string for rapidfuzz."""
    content = frozenset(w for w in words(text) if w not in STOPWORDS)
    return content, " ".join(sorted(content))


class Verdict(NamedTuple):
    score: float
    places_differ: bool


def _people(a: Unit, b: Unit) -> float | None:
    """How far the people agree (0-1), -1 when disjoint, None when either names nobody.

    One list within the other scores the share of the shorter list that is shared (1.0);
    lists that each name someone the other lacks score shared / all named (Jaccard), so
    one well-known person in common is weak evidence.
    """
    pa, pb = a.persons, b.persons
    if not pa or not pb:
        return None
    shared = len(pa & pb)
    if not shared:
        return -1.0
    la, lb = len(pa), len(pb)
    if shared == (la if la < lb else lb):
        return 1.0
    return shared / (la + lb - shared)


def title_similarity(a: str, b: str) -> float:
    """rapidfuzz token set ratio rescaled so that 50 (one shared word) and below is 0."""
    return max(0.0, fuzz.token_set_ratio(a, b) - 50.0) / 50.0


def score(a: Unit, b: Unit) -> Verdict | None:
    """Evidence that two events are one; None when they are not.

    people (``_people`` x1.5; disjoint lists -1.5), title (``title_similarity``), date
    (overlapping: +1.0 at day precision, +0.6 month, +0.3 year; day-precise and at most
    ``NEAR_DAYS`` apart: -0.7; further apart: never), place (one within the other: +0.8;
    different: -1.2), same kind (+0.2). Accepted from 2.2, and only with an anchor: a date
    or a place both sides share, or else near-identical titles (0.8), the same kind and
    the same people. Different places need overlapping day-precise dates; near dates
    need the same place. A call never merges with an in-person event.
    """
    if a.source_id == b.source_id or (a.kind == "call") != (b.kind == "call"):
        return None
    date = 0.0
    if a.span is not None and b.span is not None:
        apart = gap(a.span, b.span)
        if apart <= 0:
            date = W_DATE[min(a.span.precision, b.span.precision)]
        elif apart <= NEAR_DAYS and a.span.precision == b.span.precision == 3:
            date = W_DATE_NEAR
        else:
            return None
    elif not _hint_fits(a, b) or not _hint_fits(b, a):
        return None
    place = 0.0
    if a.place is not None and b.place is not None:
        place = W_PLACE if locations_compatible(a.place, b.place) else W_PLACE_DIFFERS
    overlap = _people(a, b)
    people = W_PEOPLE * overlap if overlap is not None else 0.0
    same_kind = a.kind == b.kind
    total = people + date + place + (W_KIND if same_kind else 0.0)
    if total + 1.0 < ACCEPT:  # not even identical titles would do
        return None
    title = title_similarity(a.title, b.title)
    total += title
    if total < ACCEPT:
        return None
    if place < 0 and (date < W_DATE[3] or people <= 0):
        return None
    if date < 0 and (place <= 0 or people <= 0):
        return None
    if date <= 0 and place <= 0:
        everyone = overlap == 1.0 or (overlap is None and not a.persons and not b.persons)
        if title < ANCHORLESS_TITLE or not same_kind or not everyone:
            return None
    return Verdict(total, place < 0)


def _hint_fits(a: Unit, b: Unit) -> bool:
    """An undated event whose text names a month ("in April") only fits that month."""
    if a.hint is None:
        return True
    if b.span is not None:
        return span_has_month(b.span, a.hint)
    return b.hint is None or b.hint == a.hint


Key = tuple[object, ...]


def _months(span: Span) -> list[tuple[int, int]]:
    """The (year, month)s a month- or day-precise span touches, give or take NEAR_DAYS."""
    first = date.fromordinal(span.lo - NEAR_DAYS)
    last = date.fromordinal(span.hi + NEAR_DAYS)
    out: list[tuple[int, int]] = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month) and len(out) < MAX_MONTHS:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def _place_words(place: frozenset[str] | None) -> list[str]:
    """Words of a place finer than its country, or its countries if that is all it has."""
    if place is None:
        return []
    fine = sorted(w for w in place if not w.startswith("#"))
    return fine or sorted(place)


def _candidates(units: Sequence[Unit]) -> set[tuple[int, int]]:
    """Pairs worth scoring, smaller index first.

    Blocks: every pair of people named (all against all); one person and a month; one
    person and a place word, and one person alone for events naming only one person (the
    last two only for events without a month-precise date, against everyone); title
    words for events naming nobody. Pairs more than a year apart are skipped. Blocks
    keyed by one person that exceed ``MAX_BLOCK`` are skipped as carrying too little
    evidence (a person in every article); the pair blocks still cover them.
    """
    anonymous = any(not u.persons for u in units)
    full: dict[Key, list[int]] = defaultdict(list)
    probes: dict[Key, list[int]] = defaultdict(list)
    members: dict[Key, list[int]] = defaultdict(list)
    for i, u in enumerate(units):
        people = sorted(u.persons)
        for x, y in combinations(people[:MAX_PAIR_PEOPLE], 2):
            full[("pp", x, y)].append(i)
        precise = u.span is not None and u.span.precision >= 2
        months = _months(u.span) if u.span is not None and precise else []
        places = _place_words(u.place)
        for p in people:
            for ym in months:
                full[("pm", p, ym)].append(i)
            for w in places:
                (members if precise else probes)[("pl", p, w)].append(i)
            (probes if len(people) == 1 else members)[("p", p)].append(i)
        if anonymous:
            for w in u.title_words:
                (probes if not people else members)[("t", w)].append(i)
    pairs: set[tuple[int, int]] = set()
    for key, block in full.items():
        if len(block) > 1 and (key[0] == "pp" or len(block) <= MAX_BLOCK):
            _within(units, block, pairs)
    for key, asking in probes.items():
        others = sorted(set(members.get(key, ())) | set(asking))
        if len(others) > 1 and (key[0] == "t" or len(others) <= MAX_BLOCK):
            _across(units, asking, others, pairs)
    return pairs


def _by_year(units: Sequence[Unit], block: Sequence[int]) -> tuple[dict[int, list[int]], list[int]]:
    years: dict[int, list[int]] = defaultdict(list)
    undated: list[int] = []
    for i in block:
        span = units[i].span
        (years[span.start.year] if span else undated).append(i)
    return years, undated


def _within(units: Sequence[Unit], block: list[int], out: set[tuple[int, int]]) -> None:
    """Pairs within a block (indices ascending) whose start years are at most one apart."""
    if len(block) <= SMALL_BLOCK:  # cheaper to let ``score`` reject the odd far pair
        out.update(combinations(block, 2))
        return
    years, undated = _by_year(units, block)
    out.update(combinations(undated, 2))
    for year, group in years.items():
        out.update(combinations(group, 2))
        later = years.get(year + 1, [])
        for i in group:
            out.update((i, j) if i < j else (j, i) for j in undated)
            out.update((i, j) if i < j else (j, i) for j in later)


def _across(
    units: Sequence[Unit], asking: list[int], others: list[int], out: set[tuple[int, int]]
) -> None:
    """Pairs of an asking unit with any other, start years at most one apart."""
    years, undated = _by_year(units, others)
    for i in asking:
        span = units[i].span
        if span is None:
            near: list[int] = others
        else:
            y = span.start.year
            near = [*years.get(y - 1, ()), *years.get(y, ()), *years.get(y + 1, ()), *undated]
        out.update((i, j) if i < j else (j, i) for j in near if j != i)


def cluster(units: Sequence[Unit]) -> list[list[int]]:
    """Group unit indices into events; clusters and members in index order."""
    accepted: list[tuple[float, int, int, bool]] = []
    for i, j in _candidates(units):
        verdict = score(units[i], units[j])
        if verdict is not None:
            accepted.append((-verdict.score, i, j, verdict.places_differ))
    accepted.sort()
    # Cluster state by root unit, in flat immutable values (cheap for the GC). Accepted
    # pairs never mix calls with other kinds, so clusters never do either.
    root = list(range(len(units)))
    ids: dict[frozenset[str], int] = {}
    places = [() if u.place is None else (ids.setdefault(u.place, len(ids)),) for u in units]
    known = list(ids)
    sources: list[tuple[str, ...]] = [(u.source_id,) for u in units]
    # Latest start and earliest end of the dated members; undated ones constrain nothing.
    lo = [u.span.lo if u.span else -_FOREVER for u in units]
    hi = [u.span.hi if u.span else _FOREVER for u in units]

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    def covers(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
        return (
            all(any(locations_compatible(known[x], known[y]) for x in a) for y in b) if a else True
        )

    for _neg, i, j, differ in accepted:
        a, b = find(i), find(j)
        if a == b or set(sources[a]) & set(sources[b]):
            continue
        if max(lo[a], lo[b]) - min(hi[a], hi[b]) > NEAR_DAYS:
            continue
        if not differ and not (covers(places[a], places[b]) and covers(places[b], places[a])):
            continue
        keep, drop = min(a, b), max(a, b)
        root[drop] = keep
        sources[keep] += sources[drop]
        places[keep] = tuple(sorted({*places[keep], *places[drop]}))
        lo[keep], hi[keep] = max(lo[a], lo[b]), min(hi[a], hi[b])
    groups: dict[int, list[int]] = defaultdict(list)
    for i in range(len(units)):
        groups[find(i)].append(i)
    return sorted(groups.values())
