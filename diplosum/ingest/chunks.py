"""Long articles: token-budgeted chunks on paragraph and sentence boundaries.

An article of at most ``max_tokens`` tokens is one chunk, the whole text. A longer
one is split with semchunk, which cuts at the longest run of newlines first, then
at sentence ends, then at other punctuation and spaces, and overlaps neighbouring
chunks a little, so an event told across a cut is seen whole in at least one.
Each chunk is a character range of the article's text: offsets stay the article's.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import tiktoken

from diplosum.errors import ConfigurationError

if TYPE_CHECKING:  # semchunk is imported only for an article that needs splitting
    from semchunk.semchunk import Chunker

DEFAULT_MAX_CHUNK_TOKENS = 8000
MIN_CHUNK_TOKENS = 100
#: Tokens shared by neighbouring chunks: enough for a sentence or two.
MAX_OVERLAP_TOKENS = 200


@dataclass(frozen=True)
class Chunk:
    """Characters ``start:end`` of the article's text, part ``index + 1`` of ``count``."""

    index: int
    count: int
    start: int
    end: int

    def describe(self) -> str:
        return (
            f"part {self.index + 1} of {self.count} "
            f"(characters {self.start:,}-{self.end:,} of the article)"
        )

    def key(self) -> dict[str, int]:
        """The chunk's place, as it goes into the request fingerprint."""
        return {"index": self.index, "count": self.count, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class ChunkPlan:
    tokens: int  # of the whole text
    chunks: list[Chunk]


def check_budget(max_tokens: int) -> int:
    if max_tokens < MIN_CHUNK_TOKENS:
        raise ConfigurationError(
            f"the chunk budget must be at least {MIN_CHUNK_TOKENS} tokens, not {max_tokens}"
        )
    return max_tokens


@functools.cache
def _encoding(name: str) -> tiktoken.Encoding:
    return tiktoken.get_encoding(name)


def count_tokens(text: str, encoding: str) -> int:
    return len(_encoding(encoding).encode(text, disallowed_special=()))


@functools.cache
def _chunker(encoding: str, max_tokens: int) -> Chunker:
    from semchunk.semchunk import chunkerify

    return chunkerify(lambda s: count_tokens(s, encoding), max_tokens)


def plan_chunks(text: str, *, max_tokens: int, encoding: str) -> ChunkPlan:
    """The chunks of ``text``, none over ``max_tokens`` tokens by tiktoken ``encoding``."""
    check_budget(max_tokens)
    tokens = count_tokens(text, encoding)
    if tokens <= max_tokens:
        return ChunkPlan(tokens, [Chunk(0, 1, 0, len(text))])
    overlap = min(MAX_OVERLAP_TOKENS, max_tokens // 10)
    _, offsets = _chunker(encoding, max_tokens)(text, offsets=True, overlap=overlap)
    # semchunk's return type covers every call form; for one text it is (start, end) pairs
    pairs = cast(list[tuple[int, int]], offsets)
    spans = [(s, e) for s, e in pairs if text[s:e].strip()]
    for s, e in spans:
        # semchunk guarantees this; the budget is a promise, so it is checked anyway
        size = count_tokens(text[s:e], encoding)
        if size > max_tokens:
            raise AssertionError(f"chunk {s}-{e} has {size} tokens, over {max_tokens}")
    return ChunkPlan(tokens, [Chunk(i, len(spans), s, e) for i, (s, e) in enumerate(spans)])
