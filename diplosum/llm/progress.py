"""Progress of one run, for whoever shows it (the CLI's progress bar).

The pipeline calls ``start(total)`` once the requests are planned and ``advance()``
as each request is answered or fails; both do nothing unless a caller set a
``Reporter`` with ``reporting(...)``. A context variable carries it, so
concurrent runs (and threads) do not see each other's reporter.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Protocol


class Reporter(Protocol):
    def start(self, total: int) -> None: ...

    def advance(self) -> None: ...


_current: ContextVar[Reporter | None] = ContextVar("diplosum_progress", default=None)


@contextlib.contextmanager
def reporting(reporter: Reporter) -> Iterator[None]:
    """Send this context's progress to ``reporter``."""
    token = _current.set(reporter)
    try:
        yield
    finally:
        _current.reset(token)


def start(total: int) -> None:
    reporter = _current.get()
    if reporter is not None:
        reporter.start(total)


def advance() -> None:
    reporter = _current.get()
    if reporter is not None:
        reporter.advance()
