"""Conflicts: competing claims, each with the attributions of the sources that make it.

``role_holder`` compares everyone the input names in a one-holder role of a country
("United States National Security Advisor"); ``participants`` does the same within one
event. The per-event date, location, status and outcome conflicts are built with
``make_conflict`` by ``build``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from diplosum.contracts.brief import Attribution, Claim, Conflict
from diplosum.merge.dates import PartialDate
from diplosum.merge.ids import counted_attributions
from diplosum.merge.mentions import Mention
from diplosum.merge.people import People

# A source is taken to speak for this many days either side of its publication date.
ROLE_WINDOW_DAYS = 30

RoleKey = tuple[str, str]


def make_conflict(
    kind: str,
    subject: str,
    event_id: str | None,
    claims: Mapping[str, Iterable[Attribution]],
) -> Conflict:
    """A conflict whose claims are ordered by how many sources make them, then by value."""
    counted = [(v, *counted_attributions(a)) for v, a in claims.items()]
    counted.sort(key=lambda c: (-c[2], c[0].casefold(), c[0]))
    built = [Claim(value=v, attributions=a) for v, a, _ in counted]
    return Conflict(kind=kind, subject=subject, event_id=event_id, claims=built)


def _holders(
    indices: Iterable[int], mentions: Sequence[Mention], people: People
) -> dict[RoleKey, tuple[str, dict[int, list[int]]]]:
    found: dict[RoleKey, tuple[str, dict[int, list[int]]]] = {}
    person_of, countries = people.person_of, people.countries
    for i in indices:
        m = mentions[i]
        role = m.role
        if role is None or not role.single:  # a role many hold names no holder
            continue
        person = person_of[i]
        # The mention's country, else its person's: (country, office) is the key, and
        # its subject is made once per key.
        country = m.country or countries[person]
        if country is None:
            continue
        key = (country, role.office)
        entry = found.get(key)
        if entry is None:
            entry = found[key] = (f"{country} {role.display}", defaultdict(list))
        entry[1][person].append(i)
    return found


def _claims(
    holders: Mapping[int, list[int]],
    persons: Iterable[int],
    mentions: Sequence[Mention],
    people: People,
) -> dict[str, list[Attribution]]:
    claims: dict[str, list[Attribution]] = defaultdict(list)
    for p in persons:
        claims[people.names[p]].extend(mentions[i].attribution for i in holders[p])
    return claims


def _times_overlap(a: set[PartialDate | None], b: set[PartialDate | None]) -> bool:
    if None in a or None in b:
        return True
    return any(
        max(x.first, y.first) - min(x.last, y.last) <= ROLE_WINDOW_DAYS
        for x in a
        for y in b
        if x is not None and y is not None
    )


def role_holder_conflicts(
    mentions: Sequence[Mention], people: People, published: Mapping[str, PartialDate | None]
) -> list[Conflict]:
    """Different people named in the same one-holder role by sources of overlapping time.

    A source's time is its ``published`` date, widened by ``ROLE_WINDOW_DAYS`` each
    side; a source whose date is unknown overlaps every other source.
    """
    out: list[Conflict] = []
    for (_country, _role), (subject, holders) in _holders(
        range(len(mentions)), mentions, people
    ).items():
        if len(holders) < 2:
            continue
        times = {
            p: {published.get(mentions[i].source_id) for i in idx} for p, idx in holders.items()
        }
        persons = sorted(holders)
        parent = {p: p for p in persons}
        for x, p in enumerate(persons):
            for q in persons[x + 1 :]:
                if _times_overlap(times[p], times[q]):
                    root_p, root_q = _root(parent, p), _root(parent, q)
                    parent[max(root_p, root_q)] = min(root_p, root_q)
        parts: dict[int, list[int]] = defaultdict(list)
        for p in persons:
            parts[_root(parent, p)].append(p)
        for part in parts.values():
            claims = _claims(holders, part, mentions, people)
            if len(claims) > 1:
                out.append(make_conflict("role_holder", subject, None, claims))
    out.sort(key=lambda c: (c.subject, [cl.value for cl in c.claims]))
    return out


def _root(parent: dict[int, int], p: int) -> int:
    while parent[p] != p:
        p = parent[p]
    return p


def participant_conflicts(
    event_id: str, indices: Iterable[int], mentions: Sequence[Mention], people: People
) -> list[Conflict]:
    """Within one event, different people named in the same one-holder role."""
    out = []
    for subject, holders in _holders(indices, mentions, people).values():
        claims = _claims(holders, sorted(holders), mentions, people)
        if len(claims) > 1:
            out.append(make_conflict("participants", subject, event_id, claims))
    out.sort(key=lambda c: (c.subject, [cl.value for cl in c.claims]))
    return out
