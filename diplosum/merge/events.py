"""Event clustering: which sourced events report the same real event.

Candidates are blocked (see ``_candidates``) so the work grows with the number of
events that share people, not with the square of all events.
Each candidate pair is scored (``score``). Accepted pairs of dated reports are joined
best score first; then an undated report joins the dated event it fits when all the
dated events it fits are one, else it clusters only with other undated reports
(``attach`` may place those later). A join is refused when it would put two events of
one article together, mix dates more than ``NEAR_DAYS`` apart, mix a call with an
in-person event, or mix places that are far apart (``places.FAR``) unless the pair
itself was accepted despite its places.
Identical reports (same kind, date, place, people and title: syndicated copies) are
scored once, so a story copied by a thousand outlets costs what one report costs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import combinations
from typing import NamedTuple

from rapidfuzz import fuzz

from diplosum.contracts.extraction import EventKind
from diplosum.contracts.sourced import SourcedEvent
from diplosum.merge.dates import NEAR_DAYS, Span, month_hint, parse_span, span_has_month
from diplosum.merge.places import FAR, NEAR, SAME, UNKNOWN, Place, parse_place, relate
from diplosum.merge.text import STOPWORDS, words

# Score weights and the acceptance threshold (see ``score``).
W_PEOPLE = 1.5
W_PLACE = 0.8
W_PLACE_NEAR = -0.3
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
    place: Place | None = field(init=False)
    title_words: frozenset[str] = field(init=False)
    title: str = field(init=False)

    def __post_init__(self) -> None:
        rep = self.rep
        self.kind = rep.kind
        self.span = parse_span(rep.start_date, rep.end_date)
        self.hint = month_hint(rep.date_text) if self.span is None else None
        self.place = parse_place(rep.location, rep.venue, rep.city, rep.region, rep.country)
        self.title_words, self.title = _title(rep.title)

    def signature(self) -> tuple[object, ...]:
        """What clustering looks at: units with equal signatures cluster alike."""
        return (self.kind, self.span, self.hint, self.place, self.persons, self.title)

    @property
    def events(self) -> tuple[SourcedEvent, ...]:
        return (self.rep, *self.extra)


@lru_cache(maxsize=65536)
def _title(text: str) -> tuple[frozenset[str], str]:
    """Content words of a title, and the same sorted into one string for rapidfuzz."""
    content = frozenset(w for w in words(text) if w not in STOPWORDS)
    return content, " ".join(sorted(content))


_PLACE_WEIGHT = {SAME: W_PLACE, UNKNOWN: 0.0, NEAR: W_PLACE_NEAR, FAR: W_PLACE_DIFFERS}


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


def _weak_people(a: Unit, b: Unit, same_kind: bool) -> bool:
    """For lists that each name someone the other lacks: too weak to be one event."""
    if a.span is None and b.span is None:
        return True
    return not same_kind and len(a.persons & b.persons) < 2


_token_set_ratio = fuzz.token_set_ratio


def title_similarity(a: str, b: str) -> float:
    """rapidfuzz token set ratio rescaled so that 50 (one shared word) and below is 0."""
    return max(0.0, _token_set_ratio(a, b) - 50.0) / 50.0


def score(a: Unit, b: Unit, *, copies: bool = False) -> Verdict | None:
    """Evidence that two events are one; None when they are not.

    people (``_people`` x1.5; disjoint lists -1.5), title (``title_similarity``), date
    (overlapping: +1.0 at day precision, +0.6 month, +0.3 year; day-precise and at most
    ``NEAR_DAYS`` apart: -0.7; further apart: never), place (``SAME``: +0.8; a venue
    against a town: 0; different towns ``NEAR`` each other: -0.3; ``FAR``: -1.2), same
    kind (+0.2). Accepted from 2.2, and only with an anchor: a date or a place both sides
    share, or else near-identical titles (0.8), no call against an in-person event, and
    the same people. Different places need overlapping day-precise dates and shared
    people; near dates need the same place. A call never merges with an in-person event.
    When each side names someone the other lacks, two undated reports are never one
    event, and dated ones sharing a single person must be of one kind: one person at
    two meetings on one day in one city is common (a minister's bilaterals at a summit).
    """
    found = _score(a, b, copies, None)
    return None if found is None else Verdict(*found)


def _score(
    a: Unit, b: Unit, copies: bool, ratios: dict[tuple[str, str], float] | None
) -> tuple[float, bool] | None:
    """``score`` as a plain tuple; ``ratios`` caches title ratios by pair of titles (many
    reports share their titles)."""
    # The hot loop of clustering: ``_people``, ``gap`` and ``title_similarity`` inlined.
    kind_a, kind_b = a.kind, b.kind
    if (a.source_id == b.source_id and not copies) or (kind_a == "call") != (kind_b == "call"):
        return None
    sa, sb = a.span, b.span
    date = 0.0
    if sa is not None and sb is not None:
        apart = (sa.lo if sa.lo > sb.lo else sb.lo) - (sa.hi if sa.hi < sb.hi else sb.hi)
        pa_, pb_ = sa.precision, sb.precision
        if apart <= 0:
            date = W_DATE[pa_ if pa_ < pb_ else pb_]
        elif apart <= NEAR_DAYS and pa_ == pb_ == 3:
            date = W_DATE_NEAR
        else:
            return None
    elif (a.hint is not None or b.hint is not None) and (
        not _hint_fits(a, b) or not _hint_fits(b, a)
    ):
        return None
    place = 0.0
    if a.place is not None and b.place is not None:
        place = _PLACE_WEIGHT[relate(a.place, b.place)]
    pa, pb = a.persons, b.persons
    overlap: float | None = None
    people = 0.0
    if pa and pb:
        shared = len(pa & pb)
        if not shared:
            overlap = -1.0
        else:
            la, lb = len(pa), len(pb)
            overlap = 1.0 if shared == (la if la < lb else lb) else shared / (la + lb - shared)
        people = W_PEOPLE * overlap
    same_kind = kind_a == kind_b
    total = people + date + place + (W_KIND if same_kind else 0.0)
    if total + 1.0 < ACCEPT:  # not even identical titles would do
        return None
    ta, tb = a.title, b.title
    if ta == tb:
        ratio = 100.0 if ta else 0.0
    elif ratios is None:
        ratio = _token_set_ratio(ta, tb)
    else:
        pair = (ta, tb)
        ratio = ratios.get(pair, -1.0)
        if ratio < 0:
            ratio = ratios[pair] = _token_set_ratio(ta, tb)
    title = (ratio - 50.0) / 50.0 if ratio > 50.0 else 0.0
    total += title
    if total < ACCEPT:
        return None
    if place < 0 and (date < W_DATE[3] or people <= 0):
        return None
    if date < 0 and (place <= 0 or people <= 0):
        return None
    if overlap is not None and overlap < 1.0 and _weak_people(a, b, same_kind):
        return None
    if date <= 0 and place <= 0:
        everyone = overlap == 1.0 or (overlap is None and not pa and not pb)
        if title < ANCHORLESS_TITLE or not everyone:
            return None
    return (total, place < 0)


def _hint_fits(a: Unit, b: Unit) -> bool:
    """An undated event whose text names a month ("in April") only fits that month."""
    if a.hint is None:
        return True
    if b.span is not None:
        return span_has_month(b.span, a.hint)
    return b.hint is None or b.hint == a.hint


Key = tuple[object, ...]


@lru_cache(maxsize=65536)
def _months(span: Span) -> tuple[int, ...]:
    """The months (12 x year + month) a month- or day-precise span touches, give or take
    NEAR_DAYS."""
    first = date.fromordinal(span.lo - NEAR_DAYS)
    last = date.fromordinal(span.hi + NEAR_DAYS)
    out: list[int] = []
    y, m = first.year, first.month
    while (y, m) <= (last.year, last.month) and len(out) < MAX_MONTHS:
        out.append(12 * y + m)
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


@lru_cache(maxsize=65536)
def _place_words(place: Place | None) -> tuple[str, ...]:
    """Words of a place finer than its country, or its country if that is all it has."""
    if place is None:
        return ()
    key = place.key
    fine = sorted(w for w in key if not w.startswith("#"))
    return tuple(fine or sorted(key))


class _Blocks(NamedTuple):
    """Units sharing a pair of people; one person in a month; and probing units (keyed by
    person and place word, person alone, or title word) with their blocks' members."""

    pairs_of: dict[int, list[int]]
    in_month: dict[int, list[int]]
    probes: dict[Key, list[int]]
    members: dict[Key, list[int]]


def _blocks(units: Sequence[Unit]) -> _Blocks:
    # Blocks keyed by numbers: people are numbered from 0, so ``x * count + y`` is a
    # pair of people and ``month * count + p`` a person in a month.
    count = 1 + max((p for u in units for p in u.persons), default=0)
    pairs_of: dict[int, list[int]] = defaultdict(list)
    in_month: dict[int, list[int]] = defaultdict(list)
    # Probing units pair with the members of their block and with one another.
    probes: dict[Key, list[int]] = defaultdict(list)
    members: dict[Key, list[int]] = defaultdict(list)
    people_of: list[list[int]] = []
    places_of: list[tuple[str, ...]] = []
    precise_of: list[bool] = []
    for i, u in enumerate(units):
        people = sorted(u.persons)
        if len(people) == 2:
            pairs_of[people[0] * count + people[1]].append(i)
        elif len(people) > 2:
            for x, y in combinations(people[:MAX_PAIR_PEOPLE], 2):
                pairs_of[x * count + y].append(i)
        span = u.span
        precise = span is not None and span.precision >= 2
        if precise:
            assert span is not None
            for month in _months(span):
                base = month * count
                for p in people:
                    in_month[base + p].append(i)
        places = _place_words(u.place)
        if places and not precise:
            for p in people:
                for w in places:
                    probes[("pl", p, w)].append(i)
        if len(people) == 1:
            probes[("p", people[0])].append(i)
        elif not people:
            for w in u.title_words:
                probes[("t", w)].append(i)
        people_of.append(people)
        places_of.append(places)
        precise_of.append(precise)
    # Members only where some unit probes: most keys have no probe.
    probed = {key[1] for key in probes if key[0] != "t"}
    titles = any(key[0] == "t" for key in probes)
    for i, people in enumerate(people_of):
        if people and titles:
            for w in units[i].title_words:
                key: Key = ("t", w)
                if key in probes:
                    members[key].append(i)
        if probed.isdisjoint(people):
            continue
        if precise_of[i]:
            for p in people:
                if p in probed:
                    for w in places_of[i]:
                        key = ("pl", p, w)
                        if key in probes:
                            members[key].append(i)
        if len(people) > 1:
            for p in people:
                key = ("p", p)
                if key in probes:
                    members[key].append(i)
    return _Blocks(pairs_of, in_month, probes, members)


def _candidates(units: Sequence[Unit]) -> Iterator[tuple[int, set[int]]]:
    """Each unit's index with the units worth scoring it against (itself and units of
    any index among them: take the later ones, so that each pair is scored once).

    Blocks: every pair of people named (all against all); one person and a month; one
    person and a place word, and one person alone for events naming only one person (the
    last two only for events without a month-precise date, against everyone); title
    words for events naming nobody. Pairs more than a year apart are skipped. Blocks
    keyed by one person that exceed ``MAX_BLOCK`` are skipped as carrying too little
    evidence (a person in every article); the pair blocks still cover them.

    The blocks are built first; then each unit gathers its partners from the blocks it
    is in: blocks overlap a lot, and a set of numbers is cheaper than a set of pairs.
    """
    pairs_of, in_month, probes, members = _blocks(units)
    years = [u.span.start.year if u.span is not None else None for u in units]
    # For each unit, the blocks it is in: a list pairs with all its units, a ``_Near``
    # only with those at most a year apart.
    partners: list[list[list[int] | _Near]] = [[] for _ in units]
    for block in pairs_of.values():
        if len(block) > 1:
            # Cheaper to let ``score`` reject the odd far pair of a small block than to
            # sort its units by year.
            within = block if len(block) <= SMALL_BLOCK else _Near(block, years)
            for i in block:
                partners[i].append(within)
    for block in in_month.values():
        if 1 < len(block) <= MAX_BLOCK:
            within = block if len(block) <= SMALL_BLOCK else _Near(block, years)
            for i in block:
                partners[i].append(within)
    for key, asking in probes.items():
        # A unit is either asking or a member under one key, and in its list once.
        everyone = members.get(key, [])
        n = len(everyone) + len(asking)
        if n > 1 and (key[0] == "t" or n <= MAX_BLOCK):
            # An asking unit pairs with everyone in the block, the others only with the
            # asking units.
            near = _Near(asking, years)
            around = _Near([*everyone, *asking], years) if everyone else near
            for i in asking:
                partners[i].append(around)
            for i in everyone:
                partners[i].append(near)
    for i, mine in enumerate(partners):
        year = years[i]
        found: set[int] = set()
        for shared in mine:
            found.update(shared if isinstance(shared, list) else shared.of(year))
        yield i, found
        mine.clear()


class _Near:
    """The units of a block, and those of them whose start years are at most one apart
    from a given year (undated units are near every year), worked out once a year."""

    __slots__ = ("_near", "units", "years")

    def __init__(self, units: list[int], years: Sequence[int | None]) -> None:
        self.units = units
        self.years = years
        self._near: dict[int, list[int]] = {}

    def of(self, year: int | None) -> list[int]:
        if year is None:
            return self.units
        near = self._near.get(year)
        if near is None:
            years = self.years
            near = self._near[year] = [
                i for i in self.units if (y := years[i]) is None or -1 <= y - year <= 1
            ]
        return near


def _nodes(units: Sequence[Unit]) -> list[list[int]]:
    """Units that are copies of one report (equal ``signature``), at most one per source,
    in index order. A report that would not merge with a copy of itself stays alone."""
    nodes: list[list[int]] = []
    by_signature: dict[tuple[object, ...], list[int]] = {}
    for i, u in enumerate(units):
        homes = by_signature.setdefault(u.signature(), [])
        # Units come sorted by source: a node holds this source iff its last unit does.
        home = (
            next((n for n in homes if units[nodes[n][-1]].source_id != u.source_id), None)
            if homes
            else None
        )
        if home is None:
            homes.append(len(nodes))
            nodes.append([i])
        else:
            nodes[home].append(i)
    return [
        part
        for node in nodes
        for part in (
            [node] if len(node) == 1 or _self_joins(units[node[0]]) else [[i] for i in node]
        )
    ]


def _self_joins(u: Unit) -> bool:
    return score(u, u, copies=True) is not None


def cluster(units: Sequence[Unit]) -> list[list[int]]:
    """Group unit indices into events; clusters and members in index order."""
    nodes = _nodes(units)
    reps = [units[n[0]] for n in nodes]
    accepted: list[tuple[float, int, int, bool]] = []
    keep = accepted.append
    ratios: dict[tuple[str, str], float] = {}
    for i, partners in _candidates(reps):
        rep = reps[i]
        for j in partners:
            if j > i:
                verdict = _score(rep, reps[j], False, ratios)
                if verdict is not None:
                    keep((-verdict[0], i, j, verdict[1]))
    del ratios
    accepted.sort()
    # Cluster state by root node. Accepted pairs never mix calls with other kinds, so
    # clusters never do either.
    root = list(range(len(nodes)))
    places: list[set[Place]] = [set() if u.place is None else {u.place} for u in reps]
    sources: list[set[str]] = [{units[i].source_id for i in n} for n in nodes]
    # Latest start and earliest end of the dated members; undated ones constrain nothing.
    lo = [u.span.lo if u.span else -_FOREVER for u in reps]
    hi = [u.span.hi if u.span else _FOREVER for u in reps]

    def find(i: int) -> int:
        while root[i] != i:
            root[i] = root[root[i]]
            i = root[i]
        return i

    def join(i: int, j: int, differ: bool) -> None:
        a, b = find(i), find(j)
        if a == b or not sources[a].isdisjoint(sources[b]):
            return
        if max(lo[a], lo[b]) - min(hi[a], hi[b]) > NEAR_DAYS:
            return
        if not differ and any(relate(x, y) == FAR for x in places[a] for y in places[b]):
            return
        keep, drop = (a, b) if len(sources[a]) >= len(sources[b]) else (b, a)
        root[drop] = keep
        sources[keep] |= sources[drop]
        places[keep] |= places[drop]
        lo[keep], hi[keep] = max(lo[a], lo[b]), min(hi[a], hi[b])
        sources[drop], places[drop] = set(), set()

    # Dated reports cluster first. An undated report then joins the dated event it fits
    # when all the dated events it fits are one; undated reports that fit none, or more
    # than one, cluster only among themselves (``attach`` may place them later).
    mixed: dict[int, list[tuple[int, bool]]] = defaultdict(list)
    undated: list[tuple[int, int, bool]] = []
    dated = [u.span is not None for u in reps]
    for _neg, i, j, differ in accepted:
        if dated[i] and dated[j]:
            if find(i) != find(j):  # most accepted pairs are already together
                join(i, j, differ)
        elif dated[i]:
            mixed[j].append((i, differ))
        elif dated[j]:
            mixed[i].append((j, differ))
        else:
            undated.append((i, j, differ))
    for n, fits in sorted(mixed.items()):
        if len({find(d) for d, _ in fits}) == 1:
            for d, differ in fits:
                join(n, d, differ)
    for i, j, differ in undated:
        if lo[find(i)] == lo[find(j)] == -_FOREVER:
            join(i, j, differ)
    groups: dict[int, list[int]] = defaultdict(list)
    for n, node in enumerate(nodes):
        groups[find(n)].extend(node)
    return sorted(sorted(g) for g in groups.values())
