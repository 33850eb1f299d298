"""Answers as they arrive: each article is combined (when it was split into chunks),
sanitized and verified as soon as its last answer is in, while other requests are
still out; a syndicated copy shares its original's extraction and is verified in its
own text. Pure bookkeeping around ``assemble.prepare``: no I/O."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from diplosum.article import Article
from diplosum.contracts.brief import Failure
from diplosum.contracts.extraction import ArticleExtraction
from diplosum.requests import ArticlePlan

if TYPE_CHECKING:  # verify and merge are imported once the first answer is in
    from diplosum.assemble import Prepared

Result = ArticleExtraction | Failure


class Arrivals:
    """Plans registered in input order (``register``), results as they come
    (``arrived``); ``per_article`` gives the outcome of every article."""

    def __init__(self) -> None:
        self.plans: list[ArticlePlan] = []
        #: The articles, as the brief lists them (a copy names its original).
        self.articles: list[Article] = []
        self._by_id: dict[str, Article] = {}
        self._results: list[list[Result | None]] = []
        self._copies: dict[str, list[str]] = {}
        self.extractions: dict[str, ArticleExtraction] = {}
        self.prepared: dict[str, Prepared | Failure] = {}

    def register(self, plan: ArticlePlan) -> int:
        """Add the next plan; its index, for ``arrived``."""
        article = plan.article.model_copy(update={"copy_of": plan.copy_of})
        # Kept without its requests (the prompts, each the article's text again): a
        # request lives as long as its call does.
        self.plans.append(dataclasses.replace(plan, requests=[]))
        self.articles.append(article)
        self._by_id[article.id] = article
        self._results.append([None] * len(plan.requests))
        if plan.copy_of is not None:
            self._copies.setdefault(plan.copy_of, []).append(article.id)
            known = self.extractions.get(plan.copy_of)
            if known is not None:  # its original was answered before it was planned
                self.extractions[article.id] = known
                self.prepared[article.id] = _prepare(article, known)
        return len(self.plans) - 1

    def arrived(self, index: int, chunk: int, result: Result) -> None:
        plan = self.plans[index]
        if isinstance(result, Failure) and len(plan.chunks) > 1:
            describe = plan.chunks[chunk].describe()
            result = result.model_copy(update={"error": f"{describe}: {result.error}"})
        results = self._results[index]
        results[chunk] = result
        if any(r is None for r in results) or any(isinstance(r, Failure) for r in results):
            return
        done = [r for r in results if isinstance(r, ArticleExtraction)]
        extraction = combined(done)
        article_id = plan.article.id
        for target in (article_id, *self._copies.get(article_id, ())):
            self.extractions[target] = extraction
            self.prepared[target] = _prepare(self._by_id[target], extraction)

    def per_article(self) -> tuple[dict[str, ArticleExtraction], list[Failure]]:
        outcomes: dict[str, list[Result]] = {}
        for plan, results in zip(self.plans, self._results, strict=True):
            outcomes[plan.article.id] = [r for r in results if r is not None]
        return per_article(self.plans, outcomes, self.extractions)


def combined(chunks: list[ArticleExtraction]) -> ArticleExtraction:
    """The chunks' extractions as one (``combine`` and the merge's text helpers are
    imported only for an article that was split)."""
    if len(chunks) == 1:
        return chunks[0]
    from diplosum.combine import combine_chunks

    return combine_chunks(chunks)


def _prepare(article: Article, extraction: ArticleExtraction) -> Prepared | Failure:
    from diplosum.assemble import prepare

    return prepare(article, extraction)


def per_article(
    plans: list[ArticlePlan],
    outcomes: dict[str, list[Result]],
    known: dict[str, ArticleExtraction] | None = None,
) -> tuple[dict[str, ArticleExtraction], list[Failure]]:
    """One extraction per article (its chunks combined, unless ``known`` has it), or its
    first failure; a copy shares its original's extraction, or fails with it."""
    extractions: dict[str, ArticleExtraction] = {}
    failed: dict[str, Failure] = {}
    for plan in plans:
        if plan.copy_of is not None:
            continue
        results = outcomes.get(plan.article.id, [])
        failure = next((r for r in results if isinstance(r, Failure)), None)
        if failure is not None:
            failed[plan.article.id] = failure.model_copy(update={"source_id": plan.article.id})
            continue
        ready = (known or {}).get(plan.article.id)
        done = [r for r in results if isinstance(r, ArticleExtraction)]
        extractions[plan.article.id] = ready if ready is not None else combined(done)
    for plan in plans:
        if plan.copy_of is None:
            continue
        if plan.copy_of in extractions:
            extractions[plan.article.id] = extractions[plan.copy_of]
        else:
            original = failed[plan.copy_of]
            failed[plan.article.id] = Failure(
                source_id=plan.article.id,
                stage=original.stage,
                error=f"a copy of {plan.copy_of}, whose extraction failed: {original.error}",
            )
    return extractions, [failed[p.article.id] for p in plans if p.article.id in failed]
