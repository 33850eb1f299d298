"""Short source markers: ``001`` for ``001_6e3fd4499fd64c22`` when that is unambiguous."""

from __future__ import annotations

from collections.abc import Sequence


def source_labels(source_ids: Sequence[str]) -> dict[str, str]:
    """Map each source id to the part before its first ``_`` if those parts are unique."""
    prefixes = {sid: sid.split("_", 1)[0] for sid in source_ids}
    short = list(prefixes.values())
    if all(short) and len(set(short)) == len(short):
        return prefixes
    return {sid: sid for sid in source_ids}
