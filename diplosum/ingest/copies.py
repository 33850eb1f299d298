"""Syndicated copies: the same story in several outlets, found before a copy is sent.

Two articles are copies when their words are identical after normalisation (Unicode
NFKC, case folded, punctuation and spacing ignored), or nearly so: the Jaccard
similarity of their sets of word 5-grams ("shingles") is at least
``NEAR_COPY_JACCARD`` (an outlet's own headline, byline or closing line around the
agency text). Articles are taken in input order; each is compared with the originals
found so far, and a copy points at the first original it matches, so the result does
not depend on how copies chain.

Each article keeps a bottom-k sketch: its ``SKETCH`` smallest shingle hashes. Only
originals sharing one of an article's ``INDEXED`` smallest are candidates (two sets at
Jaccard similarity J miss each other with probability at most (1 - J) ** INDEXED, about
1e-11 at the threshold), and only those whose sketches estimate the similarity at
``ESTIMATE_FLOOR`` or more are compared exactly (an estimate that low from a pair at the
threshold is six standard deviations off). A hash held by more than ``MAX_HOLDERS``
originals (an outlet's boilerplate: "Reporting by", a newsletter line) stops indexing,
so thousands of articles sharing a footer are not all compared with one another: an
article is indexed and looked up by its smallest hashes that are not boilerplate. Texts
with the same words are always found (a digest of them is kept). An original keeps
its sketch only; its shingles are worked out again from its text when it is compared,
so memory stays a few kilobytes per article however many there are.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import unicodedata
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from diplosum.article import Article

NEAR_COPY_JACCARD = 0.8
SHINGLE_WORDS = 5
#: The bottom-k sketch: an article's smallest shingle hashes (see the module docstring)...
SKETCH = 64
#: ...the smallest of which index it...
INDEXED = 16
#: ...and the share of the union's smallest that both hold, under which a pair is not
#: compared exactly.
ESTIMATE_FLOOR = 0.5
#: An indexed hash held by more originals than this is boilerplate and indexes no more.
MAX_HOLDERS = 32
#: Below this many shingles a text is too short to call a near copy (it can still be
#: an identical one).
MIN_SHINGLES = 30
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class _Fingerprint:
    words: tuple[str, ...]
    shingles: frozenset[int]


def _fingerprint(text: str) -> _Fingerprint:
    words = tuple(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))
    # Words as CRC-32 numbers: Python hashes strings differently in every process, but
    # tuples of numbers alike, so every run (a batch planned in one process, collected
    # in another) finds the same copies.
    ids = [zlib.crc32(w.encode()) for w in words]
    if len(ids) < SHINGLE_WORDS:
        return _Fingerprint(words, frozenset((hash(tuple(ids)),)))
    # The hash of each run of ``SHINGLE_WORDS`` words (``zip`` makes the tuples in C).
    runs = zip(*(ids[k:] for k in range(SHINGLE_WORDS)), strict=False)
    return _Fingerprint(words, frozenset(map(hash, runs)))


def _digest(words: tuple[str, ...]) -> bytes:
    return hashlib.blake2b("\x1f".join(words).encode(), digest_size=16).digest()


def _similar(a: _Fingerprint, b: _Fingerprint) -> bool:
    if a.words == b.words:
        return True
    small, large = sorted((len(a.shingles), len(b.shingles)))
    if small < MIN_SHINGLES or small < large * NEAR_COPY_JACCARD:
        return False  # the Jaccard similarity cannot reach the threshold
    shared = len(a.shingles & b.shingles)
    return shared >= NEAR_COPY_JACCARD * (len(a.shingles) + len(b.shingles) - shared)


def _estimate(a: array[int], b: array[int]) -> float:
    """The Jaccard similarity estimated from two bottom-k sketches."""
    mine, theirs = set(a), set(b)
    union = sorted(mine | theirs)[:SKETCH]
    shared = mine & theirs
    return sum(h in shared for h in union) / len(union)


class CopyFinder:
    """Articles added one at a time, in input order: ``add`` says which earlier one an
    article is a copy of, or None (an original, or an empty text)."""

    def __init__(self) -> None:
        self._texts: list[str] = []  # of the originals
        self._ids: list[str] = []
        self._sketches: list[array[int]] = []
        self._holders: dict[int, list[int]] = {}  # indexed hash -> originals holding it
        self._common: set[int] = set()  # hashes that stopped indexing (``MAX_HOLDERS``)
        self._identical: dict[bytes, int] = {}  # digest of the words -> first original
        # An original with many copies is compared again and again.
        self._original = lru_cache(maxsize=64)(self._fingerprint_of)

    def _fingerprint_of(self, position: int) -> _Fingerprint:
        return _fingerprint(self._texts[position])

    def _indexable(self, mine: _Fingerprint, sketch: array[int]) -> list[int]:
        """The ``INDEXED`` smallest hashes that are not boilerplate (yet)."""
        fresh = [h for h in sketch if h not in self._common][:INDEXED]
        if len(fresh) < INDEXED and len(sketch) == SKETCH:  # a sketch of mostly boilerplate
            more = heapq.nsmallest(SKETCH + len(self._common), mine.shingles)
            fresh = [h for h in more if h not in self._common][:INDEXED]
        return fresh

    def add(self, article: Article) -> str | None:
        if not article.text.strip():
            return None
        mine = _fingerprint(article.text)
        digest = _digest(mine.words)
        same = self._identical.get(digest)
        sketch = array("q", heapq.nsmallest(SKETCH, mine.shingles))
        indexed = self._indexable(mine, sketch)
        candidates = sorted({k for h in indexed for k in self._holders.get(h, ())})
        if same is not None:  # the same words: a copy of the first such, whatever else
            candidates = [k for k in candidates if k < same] + [same]
        for k in candidates:
            if k == same or (
                _estimate(sketch, self._sketches[k]) >= ESTIMATE_FLOOR
                and _similar(mine, self._original(k))
            ):
                return self._ids[k]
        self._identical[digest] = len(self._ids)
        for shingle in indexed:
            holders = self._holders.setdefault(shingle, [])
            holders.append(len(self._ids))
            if len(holders) > MAX_HOLDERS:
                del self._holders[shingle]
                self._common.add(shingle)
        self._texts.append(article.text)
        self._ids.append(article.id)
        self._sketches.append(sketch)
        return None


def find_copies(articles: Sequence[Article]) -> dict[str, str]:
    """Map the id of each article that is a copy to the id of its original."""
    finder = CopyFinder()
    found = {a.id: finder.add(a) for a in articles}
    return {copy: original for copy, original in found.items() if original is not None}
