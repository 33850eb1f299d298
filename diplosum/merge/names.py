"""Person names as written: strip titles, fold, and compare spellings.

"Secretary of State Antony Blinken" -> tokens ("antony", "blinken"), title hint
"Secretary of State". Compound titles and agency prefixes go too ("Deputy Prime
Minister and Foreign Minister X", "CIA Director X", "EU foreign policy chief X"). Names in
any script compare transliterated (``text.fold``; Chinese characters one syllable a
word). A
name of one word, or an initial and a surname, is *partial*.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from nicknames import NickNamer
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein

from diplosum.merge.text import fold, squash, word_set

_TITLE_WORDS = word_set("""
    mr mrs ms miss dr prof sir dame lord lady his her excellency hon honorable the a
    president vice premier prime minister foreign defense defence secretary of state for
    national security adviser advisor senator sen rep representative congressman
    congresswoman gov governor mayor ambassador envoy special director chairman chair
    chancellor king queen prince princess crown supreme leader general gen adm admiral
    col colonel lt capt captain commander chief top diplomat official officials senior spokesperson
    spokesman spokeswoman councilor councillor deputy assistant former then ex late
    house speaker white department party communist general-secretary secretary-general
    us usa american america china chinese korean south north japanese russian indian
    british french german ukrainian taiwanese israeli iranian treasury commerce
    and of for majority minority leader whip affairs trade intelligence central agency
    cia fbi nsa dni un eu nato imf wto who policy high commissioner pope emir sheikh
    european union commission united nations ministry external interior finance
    economy economic council senate parliament parliamentary congressional head
    managing executive director-general dg cabinet coordinator strategic communications
    norwegian polish italian spanish dutch turkish saudi egyptian qatari swiss
    """)
_HONORIFICS = word_set("mr mrs ms miss dr prof sir dame lord lady hon honorable the a")
GIVEN_SAME = 85
# Two spellings of one name across transliterations ("Sergei"/"Sergey") must share their
# consonant skeleton and be at least this similar.
GIVEN_VARIANT = 70
_VOWELS = re.compile(r"(?<!^)[aeiouy]+")
_REPEATS = re.compile(r"(.)\1+")
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK = re.compile(f"([{_HAN}])")
_CJK_GAP = re.compile(f"([{_HAN}]) (?=[{_HAN}])")
_SUFFIXES = word_set("jr sr ii iii iv")
_PARENS = re.compile(r"\([^)]*\)")
_JOINERS = re.compile(r"[-\u2010\u2011\u2012\u2013]")
_NON_NAME = re.compile(r"[^a-z0-9]")


@dataclass(frozen=True)
class Name:
    """A parsed name. ``tokens`` compare; ``display`` is the name without its title.

    ``full``: two or more words, the first not a bare initial. ``shown``: how the name is
    shown, full names first (``people`` picks a person's name). Both are worked out once,
    when the name is made: ``people`` reads ``full`` for every mention.
    """

    raw: str
    display: str
    tokens: tuple[str, ...]
    title: str | None
    full: bool = field(init=False, compare=False, repr=False)
    shown: tuple[bool, str] = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        full = len(self.tokens) >= 2 and len(self.tokens[0]) > 1
        object.__setattr__(self, "full", full)
        object.__setattr__(self, "shown", (full, self.display or self.raw))

    @property
    def key(self) -> str:
        return " ".join(self.tokens)


@lru_cache(maxsize=1 << 16)
def _word(word: str) -> tuple[str, bool]:
    """A word of a name folded for comparing, and whether it can be a title's word."""
    folded = _NON_NAME.sub("", fold(_JOINERS.sub("", word)))
    # "then-House" and "Vice-President" are titles too: check each hyphen part.
    parts = [_NON_NAME.sub("", fold(p)) for p in _JOINERS.split(word)]
    parts = [p for p in parts if p]
    return folded, bool(parts) and all(p in _TITLE_WORDS for p in parts)


@lru_cache(maxsize=65536)
def parse_name(raw: str) -> Name:
    """Parse a participant's name as written."""
    text = _PARENS.sub(" ", raw) if "(" in raw else raw
    text = text.replace(",", " ")
    if not text.isascii():
        # Chinese characters: one syllable a word, so "王毅" compares as "wang yi".
        text = _CJK.sub(r" \1 ", text)
    words = [(w, *_word(w)) for w in text.split()]
    words = [said for said in words if said[1]]
    if not words:
        return Name(raw=squash(raw), display=squash(raw), tokens=(), title=None)
    cut = 0
    while cut < len(words) - 1 and words[cut][2]:
        cut += 1
    end = len(words)
    while end - cut > 1 and words[end - 1][1] in _SUFFIXES:
        end -= 1
    title_words = [w for w, f, _ in words[:cut] if f not in _HONORIFICS]
    kept = words[cut:end]
    display = " ".join(w for w, _, _ in kept)
    return Name(
        raw=squash(raw),
        display=display if display.isascii() else _CJK_GAP.sub(r"\1", display),
        tokens=tuple(f for _, f, _ in kept),
        title=" ".join(title_words) or None,
    )


def surname_equal(a: str, b: str) -> bool:
    """Equal, or one edit apart when both are long enough to make that a typo."""
    if a == b:
        return True
    return min(len(a), len(b)) >= 5 and Levenshtein.distance(a, b) <= 1


@lru_cache(maxsize=1 << 20)
def given_equal(a: str, b: str) -> bool:
    """Given names: equal, a nickname either way (the ``nicknames`` package: "Bill"/
    "William"), a short form ("Dan"/"Daniel", but not "Joseph"/"Josephine"), a close
    variant ("Antony"/"Anthony") or a transliteration variant ("Sergei"/"Sergey",
    "Mohammed"/"Muhammad")."""
    if a == b:
        return True
    if b in _nicknames(a) or a in _nicknames(b):
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    if 3 <= len(short) <= 5 and len(long) >= len(short) + 2 and long.startswith(short):
        return True
    ratio = fuzz.ratio(a, b)
    return ratio >= GIVEN_SAME or (ratio >= GIVEN_VARIANT and _skeleton(a) == _skeleton(b))


@lru_cache(maxsize=1)
def _namer() -> NickNamer:
    return NickNamer()


@lru_cache(maxsize=16384)
def _nicknames(name: str) -> frozenset[str]:
    """Nicknames of a given name and the names it is a nickname of (``nicknames``)."""
    namer = _namer()
    return frozenset(namer.nicknames_of(name) | namer.canonicals_of(name))


def _skeleton(name: str) -> str:
    """Consonants after the first letter, doubled letters once: "mohammed" -> "mhmd"."""
    return _REPEATS.sub(r"\1", _VOWELS.sub("", name))


@lru_cache(maxsize=1 << 20)
def full_names_match(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Could two full names be spellings of one name? Middle names are ignored."""
    if a == b or "".join(a) == "".join(b):
        return True
    if surname_equal(a[-1], b[-1]) and given_equal(a[0], b[0]):
        return True
    # Family name first or last: "Wang Yi" / "Yi Wang".
    return len(a) == len(b) == 2 and a[0] == b[1] and a[1] == b[0]


def partial_matches(partial: tuple[str, ...], full: tuple[str, ...]) -> bool:
    """Does a partial name ("Yi", "Wang", "J. Sullivan") fit a full one ("Wang Yi")?"""
    if len(partial) == 1:
        word = partial[0]
        return word in full or surname_equal(word, full[-1])
    initial, surname = partial[0], partial[-1]
    return full[0].startswith(initial) and surname_equal(surname, full[-1])


def spelling_keys(tokens: tuple[str, ...]) -> list[str]:
    """Keys shared by two full names that ``full_names_match`` pairs whatever their given
    names: spellings equal without spaces, a two-word name and its reversal. (Names
    paired by surname share a ``surname_keys`` key.)"""
    if len(tokens) == 2:
        return ["=" + "".join(tokens), "~" + " ".join(sorted(tokens))]
    return ["=" + "".join(tokens)]


def surname_keys(word: str) -> set[str]:
    """Keys under which a partial name finds full names with that surname (one edit)."""
    keys = {word}
    if len(word) >= 5:
        keys.update(word[:i] + word[i + 1 :] for i in range(len(word)))
    return keys
