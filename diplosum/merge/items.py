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

# Words that say how firm or how negative an outcome is, not what it is about.
_NEGATION = word_set(
    "no not never nor neither without failed fail fails denied denies deny rejected "
    "refused unable dismissed didnt didn doesnt wasnt werent isnt wont cannot cant"
)
_STANCE = word_set(
    "agree agreed agrees agreement agreements reach reached reaches deal consensus "
    "sides side two both parties they will would could may might expected expect "
    "expects plan plans planned pledged pledge pledges committed commit commits "
    "decided decide announced announce announces intend intended hold held was were "
    "is are be been has have had did do does made make any further there also "
    "yet progress breakthrough talk talks meeting produce produced result resulted"
)

T = TypeVar("T")


@lru_cache(maxsize=65536)
def outcome_words(text: str) -> tuple[bool, str]:
    """Whether an outcome is denied ("no agreement on flights was reached"), and its
    subject: content words without negation or stance ("flight")."""
    raw = [w.replace("'", "") for w in words(text.replace("n't", " not"))]
    denied = any(w in _NEGATION for w in raw)
    subject = [w for w in topic_words(" ".join(raw)).split() if w not in _NEGATION]
    kept = [w for w in subject if singular(w) not in _STANCE and w not in _STANCE]
    return denied, " ".join(kept or subject)


def same_subject(a: str, b: str) -> bool:
    """Two outcome subjects about one thing: one within the other, two or more words and
    half the shorter shared, or near-equal."""
    left, right = set(a.split()), set(b.split())
    if not left & right:
        return False
    shared = len(left & right)
    if left <= right or right <= left or (shared >= 2 and 2 * shared >= min(len(left), len(right))):
        return True
    return fuzz.token_set_ratio(a, b) >= OUTCOME_SAME


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


@lru_cache(maxsize=65536)
def same_topic(a: str, b: str) -> bool:
    return a == b or fuzz.token_set_ratio(a, b) >= TOPIC_SAME


@lru_cache(maxsize=65536)
def same_outcome(a: str, b: str) -> bool:
    """Outcomes are sentences: similar word sets that share at least two words."""
    if a == b:
        return True
    left, right = set(a.split()), set(b.split())
    shared = len(left & right)
    return shared >= min(2, len(left), len(right)) and fuzz.token_set_ratio(a, b) >= OUTCOME_SAME


def group_by_key(
    items: Sequence[T], keys: Sequence[str], same: Callable[[str, str], bool]
) -> list[list[T]]:
    """The items grouped by complete linkage of their keys (``keys[i]`` is item i's), in
    first-seen order; a group's items keep their order. Identical keys always share a
    group; distinct keys are compared once each."""
    home: dict[str, int] = {}  # each distinct key's group
    members: list[list[str]] = []  # each group's distinct keys
    for k in dict.fromkeys(keys):
        found = len(members)  # the first group all of whose keys are ``same``, else a new one
        for g, ks in enumerate(members):
            for o in ks:
                if not same(k, o):
                    break
            else:
                found = g
                break
        if found == len(members):
            members.append([])
        members[found].append(k)
        home[k] = found
    if len(members) < 2:
        return [list(items)] if members else []
    groups: list[list[T]] = [[] for _ in members]
    for item, key in zip(items, keys, strict=True):
        groups[home[key]].append(item)
    return groups
