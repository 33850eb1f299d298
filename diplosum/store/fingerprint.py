"""Canonical fingerprints of extraction requests.

A fingerprint is ``sha256:`` followed by the SHA-256 of the canonical JSON (sorted
keys, no spaces, UTF-8) of exactly these fields::

    {"scheme": 1, "model", "mode", "prompt_sha256", "schema_sha256",
     "article_sha256", "published", "sampling": {"temperature"}}

``sampling`` is what is actually sent (``diplosum.llm.models.sampling``): the
temperature, or null when none is sent (always for a reasoning model such as
``o3`` or ``gpt-5``, whatever temperature was asked for).

plus, for one chunk of a long article, ``"chunk": {"index", "count", "start",
"end"}`` (its place: 0-based index, number of chunks, character range). A request
for a whole article has no ``chunk`` key, so its fingerprint is what it always was.

``article_sha256`` hashes the cleaned article text (the whole text, for a chunk too)
after NFC normalisation and stripping of surrounding whitespace; ``published`` is
the article's publication date (or null), the only other article value the prompt
shows the model. Headers,
the SDK version, the base URL and the API key are deliberately not part of it, so
a fingerprint is the same on every machine and for every run.
"""

from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
from collections.abc import Mapping
from typing import Any

from diplosum.contracts.extraction import ArticleExtraction
from diplosum.llm.models import sampling

SCHEME = 1


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def article_text_sha256(text: str) -> str:
    return sha256_hex(unicodedata.normalize("NFC", text).strip())


@functools.cache
def schema_sha256() -> str:
    """Hash of the ``ArticleExtraction`` JSON schema the model is asked to follow."""
    return sha256_hex(canonical_json(ArticleExtraction.model_json_schema()))


def fingerprint_fields(
    *,
    model: str,
    mode: str,
    prompt_sha256: str,
    article_sha256: str,
    temperature: float | None,
    published: str | None = None,
    schema: str | None = None,
    chunk: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The fields a fingerprint hashes; ``article_sha256`` is ``article_text_sha256(text)``."""
    fields: dict[str, Any] = {
        "scheme": SCHEME,
        "model": model,
        "mode": mode,
        "prompt_sha256": prompt_sha256,
        "schema_sha256": schema or schema_sha256(),
        "article_sha256": article_sha256,
        "published": published,
        "sampling": sampling(model, temperature),
    }
    if chunk is not None:
        fields["chunk"] = dict(chunk)
    return fields


def fingerprint(fields: dict[str, Any]) -> str:
    return "sha256:" + sha256_hex(canonical_json(fields))
