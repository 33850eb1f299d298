"""Build the extraction requests for articles: rendered prompt plus fingerprint.

``plan_requests`` decides, before anything is sent, what each article costs: a
syndicated copy of an earlier article makes no request (it reuses the original's
extraction), an article within the chunk budget makes one, a longer one one per
chunk. The pipeline sends these; ``diplosum estimate`` only counts them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from diplosum.article import Article
from diplosum.ingest.chunks import (
    DEFAULT_MAX_CHUNK_TOKENS,
    Chunk,
    check_budget,
    count_tokens,
    plan_chunks,
)
from diplosum.ingest.copies import find_copies
from diplosum.llm.base import ExtractionRequest, Mode
from diplosum.prompts import Prompt
from diplosum.store.fingerprint import article_text_sha256, fingerprint, fingerprint_fields


def build_request(
    article: Article,
    *,
    prompt: Prompt,
    model: str,
    mode: Mode,
    temperature: float | None,
    chunk: Chunk | None = None,
) -> ExtractionRequest:
    """The request for ``article``, or for one ``chunk`` of it (when it has several)."""
    part = chunk if chunk is not None and chunk.count > 1 else None
    fields = fingerprint_fields(
        model=model,
        mode=mode,
        prompt_sha256=prompt.sha256,
        article_sha256=article_text_sha256(article.text),
        temperature=temperature,
        published=article.published,
        chunk=part.key() if part is not None else None,
    )
    return ExtractionRequest(
        article_id=article.id if part is None else chunk_request_id(article.id, part),
        model=model,
        mode=mode,
        system_prompt=prompt.system,
        user_prompt=prompt.render_user(article, part),
        fingerprint=fingerprint(fields),
        temperature=temperature,
        key_fields=fields,
    )


def chunk_request_id(article_id: str, chunk: Chunk) -> str:
    """Distinct per chunk, so recordings keep one entry for each."""
    return f"{article_id}#part{chunk.index + 1}of{chunk.count}"


@dataclass(frozen=True)
class ArticlePlan:
    """What extracting one article takes."""

    article: Article
    #: The article's tokens, when planning counted them (see ``tokens``).
    counted: int | None
    chunks: list[Chunk]
    #: The requests to send, one per chunk; none for a copy.
    requests: list[ExtractionRequest]
    #: The id of the article this one is a syndicated copy of.
    copy_of: str | None = None
    #: The tiktoken encoding ``tokens`` counts with.
    encoding: str = ""

    @functools.cached_property
    def tokens(self) -> int:
        """The article's tokens; counted on first use when planning did not need to."""
        if self.counted is not None:
            return self.counted
        return count_tokens(self.article.text, self.encoding)

    @property
    def calls(self) -> list[tuple[Chunk, ExtractionRequest]]:
        """Each request with the chunk it asks about."""
        if not self.requests:
            return []
        return list(zip(self.chunks, self.requests, strict=True))


def plan_requests(
    articles: Sequence[Article],
    *,
    prompt: Prompt,
    model: str,
    mode: Mode,
    temperature: float | None,
    encoding: str,
    max_chunk_tokens: int | None = None,
    copies: bool = True,
) -> list[ArticlePlan]:
    """One plan per article, in order; renders every prompt, so a broken template fails
    here, before any call."""
    budget = max_chunk_tokens or DEFAULT_MAX_CHUNK_TOKENS
    copy_of = find_copies(articles) if copies else {}
    plans: list[ArticlePlan] = []
    if articles:
        check_budget(budget)
    for article in articles:
        original = copy_of.get(article.id)
        counted: int | None
        if len(article.text.encode("utf-8")) <= budget:
            # A token is at least one byte: this fits one call, and nothing is counted
            # before sending (``ArticlePlan.tokens`` counts it when asked).
            chunks, counted = [Chunk(0, 1, 0, len(article.text))], None
        else:
            chunked = plan_chunks(article.text, max_tokens=budget, encoding=encoding)
            chunks, counted = chunked.chunks, chunked.tokens
        requests = (
            []
            if original is not None
            else [
                build_request(
                    article,
                    prompt=prompt,
                    model=model,
                    mode=mode,
                    temperature=temperature,
                    chunk=chunk,
                )
                for chunk in chunks
            ]
        )
        plans.append(ArticlePlan(article, counted, chunks, requests, original, encoding))
    return plans
