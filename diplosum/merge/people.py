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

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import NamedTuple

from diplosum.merge.mentions import Mention
from diplosum.merge.names import (
    full_names_match,
    given_equal,
    partial_matches,
    spelling_keys,
    surname_keys,
)
from diplosum.merge.places import countries_compatible
from diplosum.merge.roles import Role, roles_compatible


@dataclass
class _Group:
    """People being built: name variants with what is known about them."""

    variants: list[tuple[str, ...]] = field(default_factory=list)
    countries: set[str] = field(default_factory=set)
    # Roles by key: whether two roles are compatible only depends on their keys, and a
    # string hashes faster than a role.
    roles: dict[str, Role] = field(default_factory=dict)


@dataclass(frozen=True)
class People:
    """``person_of[i]`` is the person of mention i; people are numbered from 0."""

    person_of: list[int]
    names: list[str]
    countries: list[str | None]


def _roles_fit(a: Collection[Role], b: Collection[Role]) -> bool:
    """No contradiction: either side unknown, or some pair of roles compatible."""
    return not a or not b or any(roles_compatible(x, y) for x in a for y in b)


def _fits(mention: Mention, group: _Group) -> bool:
    country = mention.country
    if country is not None and group.countries and country not in group.countries:
        return False
    return mention.role is None or _roles_fit((mention.role,), group.roles.values())


class _Shown(NamedTuple):
    """A spelling's mentions that show the name one way, and their sources."""

    shown: tuple[bool, str]
    mentions: list[int]
    sources: set[str]


@dataclass
class _Variant:
    """Full-name mentions sharing a spelling and a country (or none)."""

    tokens: tuple[str, ...]
    country: str | None
    shown: list[_Shown]
    sources: set[str]
    roles: dict[str, Role]
    count: int  # mentions

    def fits(self, other: _Variant) -> bool:
        if not countries_compatible(self.country, other.country):
            return False
        if self.tokens == other.tokens:
            return True
        return full_names_match(self.tokens, other.tokens) and _roles_fit(
            self.roles.values(), other.roles.values()
        )


def _variants(mentions: Sequence[Mention]) -> tuple[list[_Variant], list[int]]:
    """The full-name spellings, ordered by spelling and country, and the mentions that
    have a partial name."""
    # By spelling, display and country: the display decides how the name is shown
    # (``_describe`` then counts per display, not per mention). Each display's mentions,
    # their sources and their roles by key are gathered in one pass in mention order
    # (reading the mentions again later, display by display, is slower).
    by_display: dict[
        tuple[tuple[str, ...], str, str | None], tuple[list[int], set[str], dict[str, Role]]
    ] = {}
    partial: list[int] = []
    for i, m in enumerate(mentions):
        name = m.name
        if not name.full:
            partial.append(i)
            continue
        key = (name.tokens, name.display, m.country)
        gathered = by_display.get(key)
        if gathered is None:
            gathered = by_display[key] = ([], set(), {})
        gathered[0].append(i)
        gathered[1].add(m.source_id)
        role = m.role
        if role is not None:
            gathered[2][role.key] = role
    by_key: dict[tuple[tuple[str, ...], str | None], list[tuple[_Shown, dict[str, Role]]]] = {}
    for (tokens, _display, country), (said, sources, roles) in by_display.items():
        way = _Shown(mentions[said[0]].name.shown, said, sources)
        known = by_key.get((tokens, country))
        if known is None:
            by_key[tokens, country] = [(way, roles)]
        else:
            known.append((way, roles))
    variants = []
    for (tokens, country), shown in sorted(
        by_key.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")
    ):
        ways = [way for way, _ in shown]
        if len(ways) == 1:  # the usual case: one display
            sources, count = ways[0].sources, len(ways[0].mentions)
            roles = shown[0][1]
        else:
            sources = set().union(*(way.sources for way in ways))
            count = sum(len(way.mentions) for way in ways)
            roles = {}
            for _, said_roles in shown:
                roles.update(said_roles)
        variants.append(_Variant(tokens, country, ways, sources, roles, count))
    return variants, partial


class _Surnames:
    """The full-name spellings by surname, and the surnames under each of their
    ``surname_keys``: two surnames that are ``surname_equal`` share a key."""

    def __init__(self, variants: Sequence[_Variant]) -> None:
        self.spellings: dict[str, list[int]] = {}
        for i, v in enumerate(variants):
            self.spellings.setdefault(v.tokens[-1], []).append(i)
        self.by_key: dict[str, list[str]] = {}
        for surname in self.spellings:
            for key in surname_keys(surname):
                self.by_key.setdefault(key, []).append(surname)

    def near(self, word: str) -> list[int]:
        """The spellings whose surname may be ``surname_equal`` to the word."""
        found = {s for key in surname_keys(word) for s in self.by_key.get(key, ())}
        return [i for s in found for i in self.spellings[s]]


def _components(variants: list[_Variant], surnames: _Surnames) -> list[list[int]]:
    """Connected components of the "may be the same person" graph, found by blocking."""
    parent = list(range(len(variants)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

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

    # Equal spellings, or reversed: one test per pair.
    spelt: dict[str, list[int]] = {}
    for i, v in enumerate(variants):
        for key in spelling_keys(v.tokens):
            spelt.setdefault(key, []).append(i)
    for members in spelt.values():
        for x, i in enumerate(members):
            link(i, members[x + 1 :])
    # Blocks by surname: each surname, then surnames one edit apart (they share a key, and
    # a surname's one-letter deletions often give the same surnames: each set once).
    near = {tuple(names): names for names in surnames.by_key.values() if len(names) > 1}
    blocks = [*surnames.spellings.values()]
    blocks += ([i for s in names for i in surnames.spellings[s]] for names in near.values())
    for members in blocks:
        if len(members) < 2:
            continue
        first = find(members[0])
        if all(find(i) == first for i in members):
            continue  # one person already: nothing left to test
        # A surname block: only names whose given names are equal (``given_equal``) can
        # match here (equal or reversed spellings meet in their own blocks), so pairs are
        # tested by given name, and a surname shared by many people stays cheap.
        by_given: dict[str, list[int]] = {}
        for i in members:
            by_given.setdefault(variants[i].tokens[0], []).append(i)
        given = sorted(by_given)  # each pair once, in one order, for ``given_equal``'s cache
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


def _full_people(variants: list[_Variant], surnames: _Surnames) -> tuple[list[_Group], list[int]]:
    """The people named by full name, and the person of each spelling."""
    groups: list[_Group] = []
    person_of = [0] * len(variants)
    for comp in _components(variants, surnames):
        order = sorted(
            comp,
            key=lambda i: (-len(variants[i].sources), -variants[i].count, i),
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
                group.roles.update(v.roles)
                if v.country is not None:
                    group.countries.add(v.country)
                person_of[i] = len(groups)
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


class _Candidates:
    """The full-name people a partial name may be: by the name alone, then those its role
    fits (each worked out once per name and role key), then those its country fits too.
    The full-name people do not change while partial names are resolved."""

    def __init__(
        self,
        variants: Sequence[_Variant],
        person_of_variant: Sequence[int],
        surnames: _Surnames,
        groups: Sequence[_Group],
    ) -> None:
        self.variants, self.person_of_variant = variants, person_of_variant
        self.surnames, self.groups = surnames, groups
        self.spelt_with: dict[str, list[int]] = {}
        for i, v in enumerate(variants):
            for word in v.tokens:
                self.spelt_with.setdefault(word, []).append(i)
        self.named: dict[tuple[str, ...], set[int]] = {}
        self.with_role: dict[tuple[tuple[str, ...], str | None], set[int]] = {}
        # Whether a role fits someone only depends on the keys of the role and of their
        # roles, and many people have the same roles.
        self.role_keys = [frozenset(g.roles) for g in groups]
        self.role_fits: dict[tuple[str, frozenset[str]], bool] = {}

    def matching(self, tokens: tuple[str, ...]) -> set[int]:
        """Everyone whose full name the partial name fits."""
        near = self.surnames.near(tokens[-1])
        if len(tokens) == 1:
            near += self.spelt_with.get(tokens[0], ())
        variants = self.variants
        return {
            self.person_of_variant[i] for i in near if partial_matches(tokens, variants[i].tokens)
        }

    def _fit_role(self, people: set[int], role: Role) -> set[int]:
        fitting = set()
        for p in people:
            key = (role.key, self.role_keys[p])
            fits = self.role_fits.get(key)
            if fits is None:
                roles = self.groups[p].roles.values()
                fits = self.role_fits[key] = _roles_fit((role,), roles)
            if fits:
                fitting.add(p)
        return fitting

    def fitting(self, tokens: tuple[str, ...], role: Role | None, country: str | None) -> set[int]:
        """The people the name fits whose role and country do not contradict it."""
        role_key = role.key if role is not None else None
        fit = self.with_role.get((tokens, role_key))
        if fit is None:
            fit = self.named.get(tokens)
            if fit is None:
                fit = self.named[tokens] = self.matching(tokens)
            if role is not None:
                fit = self._fit_role(fit, role)
            self.with_role[tokens, role_key] = fit
        if country is None:
            return fit
        groups = self.groups
        return {p for p in fit if not groups[p].countries or country in groups[p].countries}


# The scopes a partial name is looked for in before the whole input: its event, its article.
_SCOPES: tuple[Callable[[Mention], object], ...] = (attrgetter("unit"), attrgetter("source_id"))


def _run(mentions: Sequence[Mention], i: int, scope: Callable[[Mention], object]) -> range:
    """The contiguous run of mentions around i in its scope (its event or its source)."""
    value = scope(mentions[i])
    start, end = i, i + 1
    while start > 0 and scope(mentions[start - 1]) == value:
        start -= 1
    while end < len(mentions) and scope(mentions[end]) == value:
        end += 1
    return range(start, end)


def resolve(mentions: Sequence[Mention]) -> People:
    """Assign every mention a person; see the module docstring for the rules.

    The mentions of one event, and of one source, must be contiguous (``merge`` orders
    them by source, event and position).
    """
    variants, partial = _variants(mentions)
    surnames = _Surnames(variants)
    groups, person_of_variant = _full_people(variants, surnames)
    person_of = [-1] * len(mentions)
    for v, p in zip(variants, person_of_variant, strict=True):
        for shown in v.shown:
            for i in shown.mentions:
                person_of[i] = p
    named = person_of.copy()  # full names only (-1 for the rest), before partial names
    # People named by full name in each event and each source, made when first needed.
    in_scope: dict[tuple[int, object], set[int]] = {}

    def named_around(i: int, scope: int) -> set[int]:
        """Those named in mention i's event (scope 0) or article (scope 1)."""
        key = (scope, _SCOPES[scope](mentions[i]))
        people = in_scope.get(key)
        if people is None:
            run = _run(mentions, i, _SCOPES[scope])
            people = in_scope[key] = set(named[run.start : run.stop])
            people.discard(-1)
        return people

    candidates = _Candidates(variants, person_of_variant, surnames, groups)
    # The people a name fits, given the country and role said with it, and the whole
    # input's pick among them.
    fitting: dict[tuple[tuple[str, ...], str | None, str | None], set[int]] = {}
    widely: dict[tuple[tuple[str, ...], str | None, str | None], int | bool | None] = {}
    unresolved: dict[tuple[str, ...], list[tuple[int, _Group]]] = defaultdict(list)
    for i in partial:
        m = mentions[i]
        tokens = m.name.tokens or (m.name.raw.casefold(),)
        role, country = m.role, m.country
        role_key = role.key if role is not None else None
        said = (tokens, country, role_key)
        fit = fitting.get(said)
        if fit is None:
            fit = fitting[said] = candidates.fitting(tokens, role, country)
        found: int | bool | None = None
        if len(fit) == 1:
            # Every scope picks the one candidate, or has none and leaves it to the next.
            (found,) = fit
        elif fit:  # narrowest scope first: the event, the article, everyone
            for scope in range(len(_SCOPES)):
                pool = named_around(i, scope) & fit
                if pool:
                    found = _pick(pool, m, groups)
                if found is not None:
                    break
            if found is None:
                if said in widely:
                    found = widely[said]
                else:
                    found = widely[said] = _pick(fit, m, groups)
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
            slot[1].roles[m.role.key] = m.role
    return _describe(mentions, person_of, partial, variants, person_of_variant, len(groups))


def _display(
    person: int,
    options: Sequence[tuple[bool, str]],
    uses: Mapping[tuple[int, tuple[bool, str]], int],
    sources: Mapping[tuple[int, tuple[bool, str]], set[str]],
) -> str:
    """Full names first, then the spelling most sources use, then the most used, then the
    longest."""
    if len(options) == 1:
        return options[0][1]
    if not options:
        return ""
    best = min(
        options,
        key=lambda s: (
            not s[0],
            -len(sources[person, s]),
            -uses[person, s],
            -len(s[1]),
            s[1],
        ),
    )
    return best[1]


def _describe(
    mentions: Sequence[Mention],
    person_of: list[int],
    partial: list[int],
    variants: list[_Variant],
    person_of_variant: list[int],
    count: int,
) -> People:
    """Each person's name and commonest country: counted per way a spelling is shown,
    and per mention for partial names."""
    uses: dict[tuple[int, tuple[bool, str]], int] = {}
    sources: dict[tuple[int, tuple[bool, str]], set[str]] = {}
    said_country: dict[tuple[int, str], int] = {}
    for v, p in zip(variants, person_of_variant, strict=True):
        for shown, said, from_sources in v.shown:
            key = (p, shown)
            if key in uses:
                uses[key] += len(said)
                sources[key] |= from_sources
            else:
                uses[key] = len(said)
                sources[key] = set(from_sources)
        if v.country is not None:
            said_country[p, v.country] = said_country.get((p, v.country), 0) + v.count
    for i in partial:
        m = mentions[i]
        key = (person_of[i], m.name.shown)
        if key in uses:
            uses[key] += 1
            sources[key].add(m.source_id)
        else:
            uses[key] = 1
            sources[key] = {m.source_id}
        if m.country is not None:
            said_country[key[0], m.country] = said_country.get((key[0], m.country), 0) + 1
    options: list[list[tuple[bool, str]]] = [[] for _ in range(count)]
    for p, name in uses:
        options[p].append(name)
    countries: list[str | None] = [None] * count
    most = [0] * count
    for (p, country), k in said_country.items():
        current = countries[p]
        if current is None or (-k, country) < (-most[p], current):
            countries[p], most[p] = country, k
    return People(
        person_of=person_of,
        names=[_display(p, names, uses, sources) for p, names in enumerate(options)],
        countries=countries,
    )
