"""Agenda items and outcomes of one event, de-duplicated across sources by meaning.

Topics are compared as sets of content words (filler like "crisis" or "issues" and the
two capitals' names dropped, plurals stripped, a few acronyms spelled out) with
rapidfuzz's token set ratio: "fentanyl", "fentanyl crisis" and "Fentanyl precursors"
are one item; "military communication" and "military de-escalation" are two.
Grouping is complete-linkage, so a broad topic cannot chain two narrow ones together.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import TypeVar

from rapidfuzz import fuzz

from diplosum.merge.text import STOPWORDS, singular, word_set, words

TOPIC_SAME = 90
OUTCOME_SAME = 85

_FILLER = word_set(
    "crisis issue issues concern concerns situation question questions matter matters "
    "topic topics problem problems efforts effort us u s usa china chinese american "
    "beijing washington"
)
_EXPAND = {
    "ai": ("artificial", "intelligence"),
    "mil": ("military",),
    "dprk": ("north", "korea"),
    "scs": ("south", "china", "sea"),
}
_PREFIXES = word_set("de anti counter non co re pre post")

T = TypeVar("T")


@lru_cache(maxsize=65536)
def topic_words(text: str) -> str:
    """Sorted content words of a topic, as one string for rapidfuzz."""
    raw = words(text)
    joined: list[str] = []
    for w in raw:
        if joined and joined[-1] in _PREFIXES:
            joined[-1] += w  # "de-escalation" -> "deescalation"
        else:
            joined.append(w)
    out: list[str] = []
    for w in joined:
        out.extend(_EXPAND.get(w, (w,)))
    content = {singular(w) for w in out if w not in STOPWORDS and w not in _FILLER}
    if not content:
        content = {singular(w) for w in out}
    return " ".join(sorted(content))


def same_topic(a: str, b: str) -> bool:
    return a == b or fuzz.token_set_ratio(a, b) >= TOPIC_SAME


def same_outcome(a: str, b: str) -> bool:
    """Outcomes are sentences: similar word sets that share at least two words."""
    if a == b:
        return True
    left, right = set(a.split()), set(b.split())
    shared = len(left & right)
    return shared >= min(2, len(left), len(right)) and fuzz.token_set_ratio(a, b) >= OUTCOME_SAME


def group_items(
    items: Sequence[T], key: Callable[[T], str], same: Callable[[str, str], bool]
) -> list[list[int]]:
    """Group item indices by complete linkage of their keys, in first-seen order.

    Identical keys always share a group; distinct keys are compared once each.
    """
    keys = [key(item) for item in items]
    home: dict[str, int] = {}
    members: list[list[str]] = []
    for k in keys:
        if k in home:
            continue
        found = next((g for g, ks in enumerate(members) if all(same(k, o) for o in ks)), None)
        if found is None:
            found = len(members)
            members.append([])
        members[found].append(k)
        home[k] = found
    groups: list[list[int]] = [[] for _ in members]
    for i, k in enumerate(keys):
        groups[home[k]].append(i)
    return groups
