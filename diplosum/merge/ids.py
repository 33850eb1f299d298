"""Attribution de-duplication and ordering, and event ids."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from operator import attrgetter

from diplosum.contracts.brief import Attribution

AttributionKey = tuple[str, bool, int, int, str, bool]
_source = attrgetter("source_id")


def attribution_key(a: Attribution) -> AttributionKey:
    """Sort and identity key: source, then position (unlocated last), then quote."""
    return (a.source_id, a.start is None, a.start or 0, a.end or 0, a.quote, a.verified)


def unique_attributions(items: Iterable[Attribution]) -> list[Attribution]:
    """Identical attributions once each, ordered by source and position."""
    listed = items if isinstance(items, list) else list(items)
    if len(listed) < 2:
        return listed[:]
    # Usually each source says it once: then the order is the sources' and none repeats.
    if len(set(map(_source, listed))) == len(listed):
        return sorted(listed, key=_source)
    seen: dict[AttributionKey, Attribution] = {}
    for a in listed:
        start, end = a.start, a.end
        # ``attribution_key``, inlined: this runs for every list of every event.
        key = (a.source_id, start is None, start or 0, end or 0, a.quote, a.verified)
        if key not in seen:
            seen[key] = a
    return [seen[k] for k in sorted(seen)]


def counted_attributions(items: Iterable[Attribution]) -> tuple[list[Attribution], int]:
    """``unique_attributions``, and how many distinct sources they come from."""
    unique = unique_attributions(items)
    return unique, len(set(map(_source, unique)))


def event_id(members: Iterable[tuple[str, int]]) -> str:
    """``ev-`` and 12 hex digits of the SHA-256 of the sorted (source_id, index) members.

    Independent of input order, and stable when unrelated articles are added.
    """
    text = "\n".join(f"{source_id}\x1f{index}" for source_id, index in sorted(set(members)))
    return "ev-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
