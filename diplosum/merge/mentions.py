"""What one participant mention says about its person, worked out once per wording.

``describe`` parses a participant's name, role and affiliation as a source words them
(the model's ``full_name`` and ``office``, when given, are preferred to the name and role
as written; the name as written is still kept as an alias); a ``Mention`` is that
description with where it was said. ``people`` resolves mentions into people.
"""

from __future__ import annotations

from functools import lru_cache
from typing import NamedTuple

from diplosum.contracts.brief import Attribution
from diplosum.merge.names import Name, parse_name
from diplosum.merge.places import Affiliation, normalise_affiliation
from diplosum.merge.roles import Role, normalise_role


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


def mention_of(
    unit: int, source_id: str, attribution: Attribution, described: Described
) -> Mention:
    """A mention from what ``describe`` says of its wording."""
    return tuple.__new__(Mention, (unit, source_id, attribution, *described))


# ``Mention``'s fields from ``role`` on, as ``_office`` works them out.
Office = tuple[
    Role | None,
    str | None,
    Affiliation | None,
    str | None,
    str | None,
    tuple[str, str] | None,
    tuple[str, str] | None,
]
Described = tuple[Name, *Office]


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
    return (parsed, *_office(role, parsed.title, affiliation))


@lru_cache(maxsize=1 << 16)
def _office(role: str | None, title: str | None, affiliation: str | None) -> Office:
    """``describe`` past the name: a role or a title and an affiliation recur across
    names, so they are normalised once for all the names they come with."""
    norm_role = normalise_role(role) or normalise_role(title)
    norm_affiliation = normalise_affiliation(affiliation)
    country = norm_affiliation.country if norm_affiliation is not None else None
    if country is None and norm_role is not None:
        country = norm_role.country
    raw_role = role.strip() if role and role.strip() else None
    raw_affiliation = affiliation.strip() if affiliation and affiliation.strip() else None
    said_role = raw_role or title
    said_norm = normalise_role(said_role) if said_role else None
    said = (said_norm.key, said_role) if said_role and said_norm else None
    aff = norm_affiliation or normalise_affiliation(norm_role.country if norm_role else None)
    shown = None
    if aff is not None:
        shown = (aff.key, aff.display if aff.country else raw_affiliation or aff.display)
    return (
        norm_role,
        raw_role,
        norm_affiliation,
        raw_affiliation,
        country,
        said,
        shown,
    )
