"""YAML front matter of text and Markdown articles: ``title``, ``outlet``, ``url``,
``published`` and ``author`` (the names of ``Source``'s fields).

```
---
title: Sullivan meets Wang Yi in Beijing
outlet: Example Wire
url: https://example.org/2024/08/27/sullivan-wang
published: 2024-08-27
author: A. Reporter
---
Article text...
```

Other keys are ignored (and logged). The article text, which offsets refer to, is
what follows the closing ``---``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass, field

from diplosum.ingest.decode import Undecodable
from diplosum.safetext import one_line

FIELDS = ("title", "outlet", "url", "published", "author")
_OPENING = re.compile(r"\A\ufeff?---[ \t]*\r?\n")
log = logging.getLogger("diplosum.ingest")


@dataclass(frozen=True)
class FrontMatter:
    body: str
    meta: dict[str, str] = field(default_factory=dict)


def split_front_matter(raw: str, *, where: str) -> FrontMatter:
    """The text after the front matter, and its known fields as one-line strings."""
    if not _OPENING.match(raw):
        return FrontMatter(raw)
    import frontmatter  # only for a file that has front matter
    import yaml  # type: ignore[import-untyped]

    try:
        post = frontmatter.loads(raw.lstrip("\ufeff"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" (line {mark.line + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise Undecodable(f"{where}: its front matter is not valid YAML{line}: {problem}") from None
    if not isinstance(post.metadata, dict):
        raise Undecodable(f"{where}: its front matter is not a mapping of fields")
    meta: dict[str, str] = {}
    for key, value in post.metadata.items():
        if key not in FIELDS:
            log.info("%s: front matter field %r is not used (known: %s)", where, key, FIELDS)
            continue
        text = _as_text(value)
        if text:
            meta[str(key)] = text
    return FrontMatter(post.content, meta)


def _as_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ", ".join(t for t in (_as_text(v) for v in value) if t) or None
    return one_line(str(value)) or None
