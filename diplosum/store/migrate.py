"""Ordered schema migrations for the project's SQLite files (cache, digest state, batches).

The schema version is SQLite's ``user_version``. The missing migrations are applied
in one write transaction (``BEGIN IMMEDIATE``), the version read again inside it, so
two processes opening a new file at once never both try to create its tables.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence


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
