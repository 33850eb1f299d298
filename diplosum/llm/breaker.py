"""A circuit breaker for an endpoint that cannot be reached at all.

One ``ConnectionBreaker`` is shared by every request of one ``OpenAIBackend``.
It counts consecutive connection failures, whichever article they came from; any
HTTP answer resets the count. Once the count reaches the threshold, ``check``
fails every later attempt at once and ``sleep`` cuts short the backoff of articles
waiting to retry, so a run against a dead endpoint ends in seconds instead of
every article retrying on its own.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import openai

from diplosum.errors import ModelError

log = logging.getLogger("diplosum.llm")

# Matched by name so both httpx2 and a legacy httpx client (``client=``) count.
_CONNECT_TIMEOUT_NAMES = frozenset({"ConnectTimeout"})


def is_connection_failure(exc: openai.APIConnectionError) -> bool:
    """True when no connection could be made or kept: not a slow answer.

    The SDK raises ``APITimeoutError`` (a subclass) for every timeout; only a
    connect timeout says the endpoint is unreachable, a read timeout means the
    server accepted the request and is slow. Every other connection error
    (refused, reset, DNS, TLS) counts.
    """
    if not isinstance(exc, openai.APITimeoutError):
        return True
    cause = exc.__cause__ or exc.__context__
    return cause is not None and any(
        kind.__name__ in _CONNECT_TIMEOUT_NAMES for kind in type(cause).__mro__
    )


class ConnectionBreaker:
    """Opens after ``threshold`` consecutive connection failures; an answer closes it."""

    def __init__(self, host: str, threshold: int) -> None:
        if threshold < 1:
            raise ValueError("ConnectionBreaker threshold must be at least 1")
        self.host = host
        self.threshold = threshold
        self.failures = 0
        self.last_failure = ""
        self._opened = asyncio.Event()

    @property
    def is_open(self) -> bool:
        return self.failures >= self.threshold

    def check(self, article_id: str) -> None:
        """Raise the non-retryable ``ModelError`` when open; do nothing otherwise."""
        if self.is_open:
            raise ModelError(
                f"article {article_id}: endpoint unreachable: {self.failures} consecutive "
                f"connection failures to {self.host} (last: {self.last_failure}); "
                "request not sent",
                retryable=False,
            )

    def failed(self, cause: str) -> None:
        """Note one connection failure; ``cause`` names it (``ConnectError``)."""
        self.failures += 1
        self.last_failure = cause
        if self.failures == self.threshold:
            self._opened.set()
            log.warning(
                "endpoint %s unreachable: %d consecutive connection failures; "
                "failing every further request without sending it",
                self.host,
                self.failures,
            )

    def answered(self) -> None:
        """Note an HTTP answer (any status): the endpoint is reachable."""
        self.failures = 0
        self._opened.clear()

    async def sleep(self, sleep: Callable[[float], Awaitable[None]], seconds: float) -> None:
        """``await sleep(seconds)``, returning early if the breaker is or becomes open."""
        if self.is_open:
            return
        waits = [asyncio.ensure_future(sleep(seconds)), asyncio.ensure_future(self._opened.wait())]
        try:
            done, _ = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
        for finished in done:
            finished.result()  # a failing sleep must not pass silently
