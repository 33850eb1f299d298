"""Roles: normalised so "US national security adviser" == "National Security Advisor",
and one office in other words compares equal ("top diplomat", "Foreign Secretary").

A role's leading country ("US", "China's", "White House") is split off as evidence
of affiliation. Only roles one person holds at a time (``single``) can conflict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from diplosum.merge.places import leading_country
from diplosum.merge.text import word_set

_SPELLING = {"adviser": "advisor", "defence": "defense", "councillor": "councilor"}
_SPELLING |= {"secretarygeneral": "secretary general", "the": ""}
# Said of someone who held the role at another time: never a current holder.
_TEMPORAL = word_set("former then ex late outgoing incoming elect designate nominee retired")
_NOT_SOLE = word_set(
    "deputy assistant associate senior junior special principal under vice member members "
    "fellow official officials spokesperson spokesman spokeswoman analyst expert aide "
    "adviser advisor representative envoy staff cabinet acting co"
)
_SOLE = frozenset(
    [
        "president",
        "vice president",
        "prime minister",
        "premier",
        "chancellor",
        "king",
        "queen",
        "emperor",
        "pope",
        "crown prince",
        "supreme leader",
        "national security advisor",
        "top diplomat",
        "chief diplomat",
        "foreign minister",
        "defense minister",
        "house speaker",
        "secretary general",
        "chief of staff",
    ]
)
_SOLE_PATTERNS = (
    re.compile(r"^secretary of [a-z]+( [a-z]+)?$"),
    re.compile(
        r"^(director|chairman|chair|head|commander|chief|president|governor|leader)"
        r" of .+$"
    ),
    re.compile(r"^ambassador to .+$"),
    re.compile(r"^[a-z]+ minister$"),
)
_SYNONYMS = {
    "speaker of house": "house speaker",
    "speaker": "house speaker",
    "foreign affairs minister": "foreign minister",
    "minister of foreign affairs": "foreign minister",
    "minister for foreign affairs": "foreign minister",
    "minister of defense": "defense minister",
    "minister of national defense": "defense minister",
    "national defense minister": "defense minister",
    "top foreign affairs official": "top diplomat",
    "chief executive": "president",
}
# One office, described in different words: compared as the first of each line.
_SAME_OFFICE = {
    alias: names.split("|")[0]
    for names in (
        "foreign minister|foreign secretary|top diplomat|chief diplomat|secretary of state|"
        "external affairs minister|top foreign affairs official",
        "trade representative|trade envoy|top trade negotiator|chief trade negotiator",
        "defense minister|defense secretary|secretary of defense|defense chief|pentagon chief",
        "national security advisor|security advisor",
        "finance minister|treasury secretary|secretary of treasury|chancellor of exchequer",
        "president|head of state",
        "prime minister|premier|head of government",
    )
    for alias in names.split("|")
}
_SECRETARY_OF = word_set("state defense treasury commerce energy homeland agriculture")
_MINISTER_OF = re.compile(r"^minister (of|for) (.+?)( affairs)?$")
_SMALL = word_set("of the for to and on in at")


@dataclass(frozen=True)
class Role:
    """A normalised role. ``key`` compares; ``single``: one holder at a time."""

    key: str
    country: str | None
    single: bool
    display: str
    words: frozenset[str]
    # The office, whatever the wording: "top diplomat" -> "foreign minister".
    office: str = ""
    _hash: int = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.key, self.country, self.office)))

    def __hash__(self) -> int:
        return self._hash


def _canonical(toks: list[str]) -> str:
    text = " ".join(t for t in toks if t)
    text = _SYNONYMS.get(text, text)
    match = _MINISTER_OF.match(text)
    if match:
        text = f"{match.group(2)} minister"
    parts = text.split()
    if len(parts) == 2 and parts[1] == "secretary" and parts[0] in _SECRETARY_OF:
        text = f"secretary of {parts[0]}"
    return _SYNONYMS.get(text, text)


def _is_sole(key: str) -> bool:
    if key in _SOLE:
        return True
    if set(key.split()) & _NOT_SOLE and key != "vice president":
        return False
    if key.startswith(("cabinet ", "state ", "government ")):
        return False
    return any(p.match(key) for p in _SOLE_PATTERNS)


def title_case(key: str) -> str:
    """ "secretary of state" -> "Secretary of State"."""
    out = [w if (w in _SMALL and i) else w[:1].upper() + w[1:] for i, w in enumerate(key.split())]
    return " ".join(out)


@lru_cache(maxsize=16384)
def normalise_role(raw: str | None) -> Role | None:
    """Normalise a role, splitting off a leading country; None when empty."""
    if raw is None or not raw.strip():
        return None
    country, toks = leading_country(raw)
    temporal = bool(_TEMPORAL & set(toks))
    toks = [_SPELLING.get(t, t) for t in toks if t not in _TEMPORAL]
    key = _canonical(toks)
    if not key:
        return None
    return Role(
        key=key,
        country=country,
        single=not temporal and _is_sole(key),
        display=title_case(key),
        words=frozenset(w for w in key.split() if w not in _SMALL),
        office=_SAME_OFFICE.get(key, key),
    )


def roles_compatible(a: Role, b: Role) -> bool:
    """Could one person be described by both? The same office, or one role's words
    contain the other's."""
    return a.office == b.office or a.words <= b.words or b.words <= a.words
