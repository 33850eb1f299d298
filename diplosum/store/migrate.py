"""Ordered schema migrations for the project's SQLite files (cache, digest state, batches).

The schema version is SQLite's ``user_version``. The missing migrations are applied
in one write transaction (``BEGIN IMMEDIATE``), the version read again inside it, so
two processes opening a new file at once never both try to create its tables.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import ClassVar

from diplosum.errors import ConfigurationError


class NewerSchema(sqlite3.DatabaseError):
    """The file was made by a newer diplosum; this one must not touch it."""


def statements(script: str) -> list[str]:
    """The statements of a migration script (no ``;`` inside string literals)."""
    return [s.strip() for s in script.split(";") if s.strip()]


def migrate(conn: sqlite3.Connection, migrations: Sequence[Sequence[str]]) -> int:
    """Bring the file to ``len(migrations)``; ``migrations[n]`` takes version n to n + 1.
    Returns the version it started from."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version == len(migrations):
        return int(version)
    conn.execute("BEGIN IMMEDIATE")
    try:
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        if version > len(migrations):
            raise NewerSchema(
                f"made by a newer diplosum (schema {version}, this one knows {len(migrations)})"
            )
        for number in range(version, len(migrations)):
            for statement in migrations[number]:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {len(migrations)}")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
    return int(version)


class SQLiteStore:
    """A SQLite file in WAL mode, its schema brought up to date when it is opened.

    Subclasses name themselves (``what``, for messages), give their ``MIGRATIONS``
    (scripts of ``;``-separated statements) and any per-connection ``PRAGMAS``. A file
    that cannot be created or used, or one from a newer diplosum, is a
    ``ConfigurationError`` naming it.
    """

    what: ClassVar[str] = "store"
    MIGRATIONS: ClassVar[Sequence[str]] = ()
    PRAGMAS: ClassVar[Sequence[str]] = ()

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._connect() as conn:
                conn.execute("PRAGMA journal_mode = WAL")
                migrate(conn, [statements(script) for script in self.MIGRATIONS])
        except sqlite3.DatabaseError as exc:
            raise ConfigurationError(f"{self.what} {self.path} is unusable: {exc}") from None
        except OSError as exc:
            raise ConfigurationError(f"cannot create {self.what} {self.path}: {exc}") from None

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30.0, isolation_level=None)
        try:
            conn.execute("PRAGMA busy_timeout = 30000")
            for pragma in self.PRAGMAS:
                conn.execute(pragma)
            yield conn
        finally:
            conn.close()
