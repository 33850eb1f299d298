"""Entity resolution for people named across all the sourced events.

1. Full names ("Antony Blinken", "Anthony Blinken") are grouped when their spellings
   match (``names.full_names_match``) and their countries do not contradict; fuzzy
   (non-identical) spellings also need compatible roles. Each person has a main
   spelling (the one most sources use) and every other spelling must match it, so a
   chain of near-matches never glues two people together.
2. A partial name ("Sullivan", "Yi", "Secretary of State Blinken") is attached to the
   one matching person in the narrowest scope that has one: the same event, else the
   same article, else the whole input. A candidate whose role or country contradicts
   the mention is never used; two remaining candidates leave the name unresolved.
3. Unresolved partial names become people of their own, grouped by the same word.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import NamedTuple

from diplosum.contracts.brief import Attribution
from diplosum.merge.names import (
    Name,
    block_keys,
    full_names_match,
    given_equal,
    parse_name,
    partial_matches,
    surname_keys,
)
from diplosum.merge.places import Affiliation, countries_compatible, normalise_affiliation
from diplosum.merge.roles import Role, normalise_role, roles_compatible


class Mention(NamedTuple):
    """One participant as one source names them in one event (a tuple: cheap to make)."""

    unit: int
    source_id: str
    attribution: Attribution
    # The rest is what ``describe`` works out once per distinct wording.
    name: Name
    role: Role | None
    raw_role: str | None
    affiliation: Affiliation | None
    raw_affiliation: str | None
    # The affiliation's country, else the role's ("US National Security Advisor").
    country: str | None
    # For the merged participant: (role key, role as said) and (affiliation key, as
    # shown), when there is one.
    role_said: tuple[str, str] | None
    affiliation_said: tuple[str, str] | None


def make_mention(
    unit: int,
    source_id: str,
    name: str,
    role: str | None,
    affiliation: str | None,
    attribution: Attribution,
    full_name: str | None = None,
    office: str | None = None,
) -> Mention:
    """The model's ``full_name`` and ``office``, when given, are preferred to the name
    and role as written; the name as written is still kept as an alias."""
    return mention_of(
        unit, source_id, attribution, describe(name, role, affiliation, full_name, office)
    )


def mention_of(
    unit: int, source_id: str, attribution: Attribution, described: Described
) -> Mention:
    """A mention from what ``describe`` says of its wording."""
    return tuple.__new__(Mention, (unit, source_id, attribution, *described))


Described = tuple[
    Name,
    Role | None,
    str | None,
    Affiliation | None,
    str | None,
    str | None,
    tuple[str, str] | None,
    tuple[str, str] | None,
]


@lru_cache(maxsize=1 << 18)
def describe(
    name: str, role: str | None, affiliation: str | None, full_name: str | None, office: str | None
) -> Described:
    """What a mention says about its person; one parse per distinct wording."""
    parsed = parse_name(name)
    if full_name and full_name.strip():
        full = parse_name(full_name)
        if full.tokens and (full.full or not parsed.full):
            parsed = Name(
                raw=parsed.raw, display=full.display, tokens=full.tokens, title=parsed.title
            )
    # "Secretary of State Blinken" with no role: the title is the role.
    role = office if office and office.strip() else role
    norm_role = normalise_role(role) or normalise_role(parsed.title)
    norm_affiliation = normalise_affiliation(affiliation)
    country = norm_affiliation.country if norm_affiliation is not None else None
    if country is None and norm_role is not None:
        country = norm_role.country
    raw_role = role.strip() if role and role.strip() else None
    raw_affiliation = affiliation.strip() if affiliation and affiliation.strip() else None
    said_role = raw_role or parsed.title
    said_norm = normalise_role(said_role) if said_role else None
    said = (said_norm.key, said_role) if said_role and said_norm else None
    aff = norm_affiliation or normalise_affiliation(norm_role.country if norm_role else None)
    shown = None
    if aff is not None:
        shown = (aff.key, aff.display if aff.country else raw_affiliation or aff.display)
    return (
        parsed,
        norm_role,
        raw_role,
        norm_affiliation,
        raw_affiliation,
        country,
        said,
        shown,
    )


@dataclass
class _Group:
    """People being built: name variants with what is known about them."""

    variants: list[tuple[str, ...]] = field(default_factory=list)
    countries: set[str] = field(default_factory=set)
    roles: set[Role] = field(default_factory=set)


@dataclass(frozen=True)
class People:
    """``person_of[i]`` is the person of mention i; people are numbered from 0."""

    person_of: list[int]
    names: list[str]
    countries: list[str | None]


def _roles_fit(a: Iterable[Role], b: Iterable[Role]) -> bool:
    """No contradiction: either side unknown, or some pair of roles compatible."""
    left, right = list(a), list(b)
    return not left or not right or any(roles_compatible(x, y) for x in left for y in right)


def _fits(mention: Mention, group: _Group) -> bool:
    country = mention.country
    if country is not None and group.countries and country not in group.countries:
        return False
    return mention.role is None or _roles_fit([mention.role], group.roles)


@dataclass
class _Variant:
    """Full-name mentions sharing a spelling and a country (or none)."""

    tokens: tuple[str, ...]
    country: str | None
    mentions: list[int] = field(default_factory=list)
    sources: set[str] = field(default_factory=set)
    roles: set[Role] = field(default_factory=set)

    def fits(self, other: _Variant) -> bool:
        if not countries_compatible(self.country, other.country):
            return False
        if self.tokens == other.tokens:
            return True
        return full_names_match(self.tokens, other.tokens) and _roles_fit(self.roles, other.roles)


def _components(variants: list[_Variant]) -> list[list[int]]:
    """Connected components of the "may be the same person" graph, found by blocking."""
    parent = list(range(len(variants)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    blocks: dict[str, list[int]] = defaultdict(list)
    for i, v in enumerate(variants):
        for key in block_keys(v.tokens):
            blocks[key].append(i)
    # Every pair that may match is either tested or already connected, so the components
    # do not depend on the order of the tests. A failed pair is not tested again.
    failed: set[tuple[int, int]] = set()

    def link(i: int, js: Sequence[int]) -> None:
        a = find(i)  # stays the root: the unions below only join others to it
        for j in js:
            b = parent[j]
            if b != j:
                b = find(b)
            if a == b:
                continue
            pair = (i, j) if i < j else (j, i)
            if pair in failed:
                continue
            if variants[pair[0]].fits(variants[pair[1]]):
                parent[b] = a
            else:
                failed.add(pair)

    surnames: dict[tuple[int, ...], list[int]] = {}
    for key, members in blocks.items():
        if len(members) < 2:
            continue
        if key[0] not in "=~":  # a surname's one-letter deletions often block the same names
            surnames.setdefault(tuple(members), members)
            continue
        # Equal spellings, or reversed: one test per pair.
        for x, i in enumerate(members):
            link(i, members[x + 1 :])
    for members in surnames.values():
        first = find(members[0])
        if all(find(i) == first for i in members):
            continue  # one person already: nothing left to test
        # A surname block: only names whose given names are equal (``given_equal``) can
        # match here (equal or reversed spellings meet in their own blocks), so pairs are
        # tested by given name, and a surname shared by many people stays cheap.
        by_given: dict[str, list[int]] = {}
        for i in members:
            by_given.setdefault(variants[i].tokens[0], []).append(i)
        given = list(by_given)
        for x, g in enumerate(given):
            mine = by_given[g]
            for y, i in enumerate(mine):
                link(i, mine[y + 1 :])
            for h in [h for h in given[x + 1 :] if given_equal(g, h)]:
                theirs = by_given[h]
                for i in mine:
                    link(i, theirs)
    comps: dict[int, list[int]] = defaultdict(list)
    for i in range(len(variants)):
        comps[find(i)].append(i)
    return sorted(comps.values())


def _joins(variants: Sequence[_Variant], i: int, cluster: list[int]) -> bool:
    """A spelling joins a person when it matches the person's main (first) spelling and
    no spelling of the person has a different country."""
    v = variants[i]
    return v.fits(variants[cluster[0]]) and all(
        countries_compatible(v.country, variants[j].country) for j in cluster
    )


def _full_people(mentions: Sequence[Mention]) -> tuple[list[_Group], dict[int, int]]:
    by_key: dict[tuple[tuple[str, ...], str | None], _Variant] = {}
    for i, m in enumerate(mentions):
        if not m.name.full:
            continue
        key = (m.name.tokens, m.country)
        v = by_key.get(key)
        if v is None:
            v = by_key[key] = _Variant(m.name.tokens, m.country)
        v.mentions.append(i)
        v.sources.add(m.source_id)
        if m.role is not None:
            v.roles.add(m.role)
    variants = sorted(by_key.values(), key=lambda v: (v.tokens, v.country or ""))
    groups: list[_Group] = []
    person_of: dict[int, int] = {}
    for comp in _components(variants):
        order = sorted(
            comp,
            key=lambda i: (-len(variants[i].sources), -len(variants[i].mentions), i),
        )
        clusters: list[list[int]] = []
        for i in order:
            home = next((c for c in clusters if _joins(variants, i, c)), None)
            if home is None:
                clusters.append([i])
            else:
                home.append(i)
        for cluster in clusters:
            group = _Group()
            for i in cluster:
                v = variants[i]
                group.variants.append(v.tokens)
                group.roles |= v.roles
                if v.country is not None:
                    group.countries.add(v.country)
                person_of.update(dict.fromkeys(v.mentions, len(groups)))
            groups.append(group)
    return groups, person_of


def _pick(fitting_set: set[int], mention: Mention, groups: list[_Group]) -> int | bool | None:
    """Of the candidates that fit: the one, None when there is none, False when it is
    ambiguous."""
    if len(fitting_set) == 1:
        return next(iter(fitting_set))
    fitting = sorted(fitting_set)
    if len(fitting) > 1 and mention.role is not None:
        by_role = [p for p in fitting if groups[p].roles]
        fitting = by_role or fitting
    if len(fitting) > 1 and mention.country is not None:
        by_country = [p for p in fitting if mention.country in groups[p].countries]
        fitting = by_country or fitting
    if not fitting:
        return None
    return fitting[0] if len(fitting) == 1 else False


def resolve(mentions: Sequence[Mention]) -> People:
    """Assign every mention a person; see the module docstring for the rules.

    The mentions of one event, and of one source, must be contiguous (``merge`` orders
    them by source, event and position).
    """
    groups, person_of = _full_people(mentions)
    index: dict[str, set[int]] = defaultdict(set)
    named = dict(person_of)  # full names only, before partial names are resolved
    unit_run: dict[int, tuple[int, int]] = {}
    source_run: dict[str, tuple[int, int]] = {}
    for i, m in enumerate(mentions):
        unit_run[m.unit] = (unit_run.get(m.unit, (i, i))[0], i + 1)
        source_run[m.source_id] = (source_run.get(m.source_id, (i, i))[0], i + 1)
    # People named by full name in each event and each source, made when first needed.
    in_unit: dict[int, set[int]] = {}
    in_source: dict[str, set[int]] = {}

    def named_in(run: tuple[int, int]) -> set[int]:
        return {p for p in map(named.get, range(*run)) if p is not None}

    for p, group in enumerate(groups):
        for tokens in group.variants:
            for word in tokens:
                index[word].add(p)
            for key in surname_keys(tokens[-1]):
                index[key].add(p)

    def matching(tokens: tuple[str, ...]) -> set[int]:
        """Everyone whose full name the partial name fits."""
        near = set().union(*(index.get(k, set()) for k in surname_keys(tokens[-1])))
        if len(tokens) == 1:
            near |= index.get(tokens[0], set())
        return {p for p in near if any(partial_matches(tokens, v) for v in groups[p].variants)}

    known: dict[tuple[int, str | None, str | None], bool] = {}

    def fits(p: int, m: Mention, role: str | None) -> bool:
        key = (p, m.country, role)
        found = known.get(key)
        if found is None:
            found = known[key] = _fits(m, groups[p])
        return found

    def pick(pool: set[int], m: Mention, role: str | None) -> int | bool | None:
        return _pick({p for p in pool if fits(p, m, role)}, m, groups)

    fitting: dict[tuple[str, ...], set[int]] = {}
    # The whole input's pick for a name, country and role: the full-name people it
    # picks from never change below.
    widely: dict[tuple[tuple[str, ...], str | None, str | None], int | bool | None] = {}
    unresolved: dict[tuple[str, ...], list[tuple[int, _Group]]] = defaultdict(list)
    for i, m in enumerate(mentions):
        if i in person_of:
            continue
        tokens = m.name.tokens or (m.name.raw.casefold(),)
        wide = fitting.get(tokens)
        if wide is None:
            wide = fitting[tokens] = matching(tokens)
        found: int | bool | None = None
        if wide:  # narrowest scope first: the event, the article, everyone
            role = m.role.key if m.role is not None else None
            unit = in_unit.get(m.unit)
            if unit is None:
                unit = in_unit[m.unit] = named_in(unit_run[m.unit])
            pool = unit & wide
            if pool:
                found = pick(pool, m, role)
            if found is None:
                source = in_source.get(m.source_id)
                if source is None:
                    source = in_source[m.source_id] = named_in(source_run[m.source_id])
                pool = source & wide
                if pool:
                    found = pick(pool, m, role)
            if found is None:
                said = (tokens, m.country, role)
                if said in widely:
                    found = widely[said]
                else:
                    found = widely[said] = pick(wide, m, role)
        if found is not None and found is not False:
            person_of[i] = int(found)
            continue
        # Still unknown: share a person with earlier unresolved mentions of the same word.
        slots = unresolved[tokens]
        slot = next((s for s in slots if _fits(m, s[1])), None)
        if slot is None:
            slot = (len(groups), _Group(variants=[tokens]))
            groups.append(slot[1])
            slots.append(slot)
        person_of[i] = slot[0]
        if m.country is not None:
            slot[1].countries.add(m.country)
        if m.role is not None:
            slot[1].roles.add(m.role)
    return _describe(mentions, person_of, len(groups))


def _display(said: Sequence[Mention]) -> str:
    """Full names first, then the spelling most sources use, then the most used, then the
    longest."""
    if len(said) == 1:
        return said[0].name.shown[1]
    pairs = [(m.name.shown, m.source_id) for m in said]
    uses = Counter([shown for shown, _ in pairs])
    if len(uses) == 1:
        return next(iter(uses))[1]
    by_source = Counter([shown for shown, _ in set(pairs)])
    best = min(uses, key=lambda s: (not s[0], -by_source[s], -uses[s], -len(s[1]), s[1]))
    return best[1]


def _commonest(said: Sequence[Mention]) -> str | None:
    counts = Counter(m.country for m in said if m.country is not None)
    return min(counts, key=lambda k: (-counts[k], k)) if counts else None


def _describe(mentions: Sequence[Mention], person_of: dict[int, int], count: int) -> People:
    of = [person_of[i] for i in range(len(mentions))]
    said: list[list[Mention]] = [[] for _ in range(count)]
    for m, p in zip(mentions, of, strict=True):
        said[p].append(m)
    return People(
        person_of=of,
        names=[_display(ms) if ms else "" for ms in said],
        countries=[_commonest(ms) for ms in said],
    )
