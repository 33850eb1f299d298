"""Distinct names: ``base``, then ``base-2``, ``base-3``... (article ids, anchors)."""

from __future__ import annotations

from collections.abc import Iterable


class UniqueNames:
    """Hands out names that differ from every name handed out or ``taken`` before."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self._taken = set(taken)

    def make(self, base: str) -> str:
        candidate, n = base, 1
        while candidate in self._taken:
            n += 1
            candidate = f"{base}-{n}"
        self._taken.add(candidate)
        return candidate

    def __contains__(self, name: object) -> bool:
        return name in self._taken
