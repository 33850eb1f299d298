"""``runloop.run`` hands a coroutine's result back without asyncio formatting it."""

from __future__ import annotations

import asyncio

from diplosum import runloop


class _Big:
    reprs = 0

    def __repr__(self) -> str:
        _Big.reprs += 1
        return "<big>"


async def _make() -> _Big:
    await asyncio.sleep(0)
    return _Big()


def test_the_result_is_returned_and_never_formatted() -> None:
    _Big.reprs = 0
    asyncio.run(_make())
    formatted_by_asyncio_run = _Big.reprs  # what the plain call costs (CPython's runner)
    _Big.reprs = 0
    result = runloop.run(_make())
    assert isinstance(result, _Big)
    assert _Big.reprs == 0
    assert formatted_by_asyncio_run >= 1  # the cost this avoids is real on this Python
