"""Build the extraction request for one article: rendered prompt plus fingerprint."""

from __future__ import annotations

from diplosum.article import Article
from diplosum.llm.base import ExtractionRequest, Mode
from diplosum.prompts import Prompt
from diplosum.store.fingerprint import article_text_sha256, fingerprint, fingerprint_fields


def build_request(
    article: Article, *, prompt: Prompt, model: str, mode: Mode, temperature: float | None
) -> ExtractionRequest:
    fields = fingerprint_fields(
        model=model,
        mode=mode,
        prompt_sha256=prompt.sha256,
        article_sha256=article_text_sha256(article.text),
        temperature=temperature,
        published=article.published,
    )
    return ExtractionRequest(
        article_id=article.id,
        model=model,
        mode=mode,
        system_prompt=prompt.system,
        user_prompt=prompt.render_user(article),
        fingerprint=fingerprint(fields),
        temperature=temperature,
        key_fields=fields,
    )
