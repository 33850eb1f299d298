"""One digest run at a time per state file: an exclusive ``flock`` on ``<state>.lock``.

The kernel drops the lock when the process ends, however it ends, so a killed run
never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


class LockHeld(Exception):
    """Another run holds the lock; ``holder`` is what it wrote there (its pid)."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"another digest run holds {path} (pid {holder or '?'})")
        self.path = path
        self.holder = holder


@contextlib.contextmanager
def run_lock(state_path: Path, *, wait: bool) -> Iterator[None]:
    """Hold the lock of ``state_path`` for the block; ``LockHeld`` if busy and not ``wait``."""
    path = state_path.with_name(state_path.name + ".lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            raise LockHeld(path, holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)
