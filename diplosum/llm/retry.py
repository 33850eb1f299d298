"""Retrying transient model-service failures, with tenacity.

One layer retries: this one (the openai SDK's own retries are turned off). The
policy is bounded twice: by a number of attempts and by a wall-clock budget.
Waits grow exponentially with random jitter, cut to what is left of the budget,
except when the server says how long to wait (``Retry-After`` /
``retry-after-ms``): that wait is honoured exactly, and when it is longer than
what is left of the budget the request fails at once, naming both, instead of
sleeping for a retry that could not happen in time.

Sleeping and the clock are injectable so tests run in milliseconds.
"""

from __future__ import annotations

import email.utils
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type
from tenacity.wait import wait_exponential_jitter

from diplosum.errors import ModelError

T = TypeVar("T")

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]

#: Statuses worth another try besides every 5xx: request timeout, conflict (OpenAI
#: answers 409 when a concurrent request holds a resource), rate limit.
RETRY_STATUSES: frozenset[int] = frozenset({408, 409, 429})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one model request before giving up.

    ``max_attempts`` counts the first try. ``max_seconds`` is the budget for one
    request and its retries: no retry starts after it, and backoff waits are cut
    to fit it (a request already under way may still take up to the client
    timeout). A server-asked wait that does not fit fails the request at once.
    Backoff before retry ``n`` (1-based) is
    ``min(max_backoff, initial_backoff * 2 ** (n - 1) + uniform(0, jitter))``.

    A status is retried when it is in ``retry_statuses`` or is any 5xx.
    ``read_timeout_retries`` caps the retries after a read timeout (the server
    took the request and did not answer in time): the model may still be working
    on it, and each attempt is billed, so a slow request is sent at most twice by
    default. Connection failures (refused, reset, connect timeout) cost nothing
    and are retried like any other transient failure.
    """

    max_attempts: int = 5
    max_seconds: float = 120.0
    initial_backoff: float = 1.0
    max_backoff: float = 30.0
    jitter: float = 1.0
    retry_statuses: frozenset[int] = field(default=RETRY_STATUSES)
    read_timeout_retries: int = 1

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("RetryPolicy.max_attempts must be at least 1")
        if self.read_timeout_retries < 0:
            raise ValueError("RetryPolicy.read_timeout_retries must be >= 0")
        for name in ("max_seconds", "initial_backoff", "max_backoff", "jitter"):
            value = getattr(self, name)
            if not (value >= 0 and math.isfinite(value)):
                raise ValueError(f"RetryPolicy.{name} must be a finite number >= 0")

    def retries_status(self, status: int) -> bool:
        """Whether an HTTP status is worth another try under this policy."""
        return status in self.retry_statuses or 500 <= status <= 599


class TransientError(Exception):
    """A failure worth retrying; raised by the attempt function, consumed here.

    ``description`` is safe to show (no secrets); ``retry_after`` is the wait the
    server asked for, in seconds, when it said; ``read_timeout`` marks a request
    the server took but did not answer in time (see ``RetryPolicy``).
    """

    def __init__(
        self,
        description: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        read_timeout: bool = False,
    ) -> None:
        super().__init__(description)
        self.description = description
        self.status = status
        self.retry_after = retry_after
        self.read_timeout = read_timeout


def parse_retry_after(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The wait a response asks for, in seconds, or None.

    ``retry-after-ms`` (milliseconds, OpenAI) wins over ``Retry-After`` (seconds,
    or an HTTP date). Negative, unparsable or absurd values are ignored.
    """
    lowered = {k.lower(): v for k, v in headers.items()}
    raw_ms = lowered.get("retry-after-ms")
    if raw_ms is not None:
        try:
            ms = float(raw_ms)
        except ValueError:
            ms = math.nan
        if math.isfinite(ms) and ms >= 0:
            return ms / 1000.0
    raw = lowered.get("retry-after")
    if raw is None:
        return None
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return None
        seconds = when.timestamp() - (time.time() if now is None else now)
        return max(0.0, seconds)
    if math.isfinite(seconds) and seconds >= 0:
        return seconds
    return None


async def call_with_retries(
    attempt: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    sleep: Sleep,
    clock: Clock,
    on_retry: Callable[[TransientError, int, float], None],
    give_up_message: Callable[[TransientError, int, float], str],
) -> T:
    """Run ``attempt`` until it returns, raises a non-transient error, or the policy ends.

    ``attempt`` signals retryable failures by raising ``TransientError``; anything
    else propagates at once. ``on_retry(error, retry_number, wait)`` is called
    before each wait. When the policy is exhausted, or the server asks for a wait
    longer than the budget has left, the last transient error becomes
    ``ModelError(give_up_message(error, attempts, elapsed), retryable=True)``; in
    the second case the message goes on to name the asked wait and the time left.
    """
    start = clock()
    backoff = wait_exponential_jitter(
        multiplier=policy.initial_backoff, max=policy.max_backoff, jitter=policy.jitter
    )
    too_long: str | None = None
    read_timeouts = 0

    def remaining() -> float:
        return policy.max_seconds - (clock() - start)

    def stop(state: RetryCallState) -> bool:
        nonlocal too_long, read_timeouts
        if state.attempt_number >= policy.max_attempts or remaining() <= 0:
            return True
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, TransientError) and exc.read_timeout:
            read_timeouts += 1
            if read_timeouts > policy.read_timeout_retries:
                too_long = (
                    f"; not retried again: {read_timeouts} read timeouts, and a slow request "
                    f"is retried at most {policy.read_timeout_retries} time(s) "
                    "(RetryPolicy.read_timeout_retries; each attempt is billed)"
                )
                return True
        asked = _asked_wait(state)
        if asked is not None and asked > remaining():
            too_long = (
                f"; the server asked to wait {asked:g}s, more than the {remaining():.1f}s "
                f"left of the {policy.max_seconds:g}s retry budget, so it was not retried"
            )
            return True
        return False

    def wait(state: RetryCallState) -> float:
        asked = _asked_wait(state)
        if asked is not None:
            return asked
        return max(0.0, min(backoff(state), remaining()))

    def before_sleep(state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome is not None else None
        assert isinstance(exc, TransientError)
        on_retry(exc, state.attempt_number, state.upcoming_sleep)

    retrying = AsyncRetrying(
        sleep=sleep,
        stop=stop,
        wait=wait,
        retry=retry_if_exception_type(TransientError),
        before_sleep=before_sleep,
        reraise=True,
    )
    attempts = 0

    async def counted() -> T:
        nonlocal attempts
        attempts += 1
        return await attempt()

    try:
        return await retrying(counted)
    except TransientError as exc:
        message = give_up_message(exc, attempts, clock() - start) + (too_long or "")
    raise ModelError(message, retryable=True)


def _asked_wait(state: RetryCallState) -> float | None:
    """The wait the failed attempt's server asked for, if it said."""
    exc = state.outcome.exception() if state.outcome is not None else None
    return exc.retry_after if isinstance(exc, TransientError) else None
