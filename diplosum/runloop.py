"""``run``: ``asyncio.run`` for a coroutine whose result is large (a Brief).

When ``asyncio.run`` ends in the main thread, it looks up its SIGINT handler with
``signal.getsignal``, which tries to turn the handler into a ``signal.Handlers`` member
and builds the error message with ``%r`` of it: a ``functools.partial`` holding the main
task, whose repr holds the task's result. That is the full ``repr()`` of a Brief, twice,
after all the work is done (0.2 s for 500 articles). Here the task's result is None and
the value is handed back outside it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``, returning its result without making it the task's."""
    box: list[T] = []

    async def main() -> None:
        box.append(await coro)

    asyncio.run(main())
    return box[0]
