"""``runloop.run`` hands a coroutine's result back without asyncio formatting it."""

from __future__ import annotations

import asyncio

import pytest

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
    if _Big.reprs == 0:
        pytest.skip("this Python's asyncio.run does not format its result: nothing to avoid")
    _Big.reprs = 0
    result = runloop.run(_make())
    assert isinstance(result, _Big)
    assert _Big.reprs == 0
