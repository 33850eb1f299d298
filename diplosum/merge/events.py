"""Event clustering: which sourced events report the same real event.

Candidate pairs come from blocks of reports that share people (``candidates``) and are
scored all at once (``scoring``). Accepted pairs of dated reports are joined best score
first; then an undated report joins the dated event it fits when all the dated events
it fits are one, else it clusters only with other undated reports (``attach`` may place
those later). A join is refused when it would put two events of one article together,
mix dates more than ``NEAR_DAYS`` apart, mix a call with an in-person event, or mix
places that are far apart (``places.FAR``) unless the pair itself was accepted despite
its places.
Identical reports (same kind, date, place, people and title: syndicated copies) are
scored once, so a story copied by a thousand outlets costs what one report costs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import groupby
from operator import itemgetter

import numpy as np

from diplosum.contracts.extraction import EventKind
from diplosum.contracts.sourced import SourcedEvent
from diplosum.merge.candidates import candidate_pairs
from diplosum.merge.dates import NEAR_DAYS, Span, month_hint, parse_span
from diplosum.merge.places import FAR, Place, parse_place, relate
from diplosum.merge.scoring import Features, score_pairs
from diplosum.merge.text import STOPWORDS, words

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
    # A node of several copies stays one only if its report would merge with a copy of
    # itself (a report naming nobody with an empty title would not).
    several = [n for n, node in enumerate(nodes) if len(node) > 1]
    reps = [units[nodes[n][0]] for n in several]
    same = np.arange(len(reps), dtype=np.int64)
    joins = set(score_pairs(Features.of(reps), same, same, copies=True).left.tolist())
    alone = {n for k, n in enumerate(several) if k not in joins}
    return [
        part
        for n, node in enumerate(nodes)
        for part in ([[i] for i in node] if n in alone else [node])
    ]


def cluster(units: Sequence[Unit]) -> list[list[int]]:
    """Group unit indices into events; clusters and members in index order."""
    nodes = _nodes(units)
    reps = [units[n[0]] for n in nodes]
    features = Features.of(reps)
    scored = score_pairs(features, *candidate_pairs(reps, features))
    best_first = np.lexsort((scored.right, scored.left, -scored.score))
    left, right = scored.left[best_first], scored.right[best_first]
    differs = scored.places_differ[best_first]
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

    def join(a: int, b: int, differ: bool) -> None:
        """Join the clusters of roots ``a`` and ``b`` unless that breaks a rule."""
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
    dated_left, dated_right = features.dated[left], features.dated[right]
    both = dated_left & dated_right
    for i, j, differ in zip(
        left[both].tolist(), right[both].tolist(), differs[both].tolist(), strict=True
    ):
        # Most accepted pairs are already together, most nodes point at their root: look
        # one step up before walking.
        a, b = root[i], root[j]
        if root[a] != a:
            a = find(a)
        if root[b] != b:
            b = find(b)
        if a != b:
            join(a, b, differ)
    one = dated_left ^ dated_right
    undated_side = np.where(dated_left, right, left)[one]
    dated_side = np.where(dated_left, left, right)[one]
    # By undated report, each one's dated fits in best-first order.
    by_report = np.argsort(undated_side, kind="stable")
    mixed = zip(
        undated_side[by_report].tolist(),
        dated_side[by_report].tolist(),
        differs[one][by_report].tolist(),
        strict=True,
    )
    for n, group in groupby(mixed, key=itemgetter(0)):
        fits = [(d, differ) for _, d, differ in group]
        if len({find(d) for d, _ in fits}) == 1:
            for d, differ in fits:
                join(find(n), find(d), differ)
    neither = ~(dated_left | dated_right)
    for i, j, differ in zip(
        left[neither].tolist(), right[neither].tolist(), differs[neither].tolist(), strict=True
    ):
        a, b = find(i), find(j)
        if lo[a] == lo[b] == -_FOREVER:
            join(a, b, differ)
    groups: dict[int, list[int]] = defaultdict(list)
    for n, node in enumerate(nodes):
        groups[find(n)].extend(node)
    return sorted(sorted(g) for g in groups.values())
