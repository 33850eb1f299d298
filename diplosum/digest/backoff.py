"""How long the digest waits before trying a failed page or article again."""

from __future__ import annotations

from datetime import timedelta

MAX_RETRY_DELAY = timedelta(hours=24)


def retry_delay(failures: int) -> timedelta:
    """After the n-th failure in a row: 1 h, 2 h, 4 h ... at most a day."""
    return min(timedelta(hours=2 ** max(0, failures - 1)), MAX_RETRY_DELAY)
