"""Migrations of the SQLite stores: in order, once, and safe for processes racing to
create the same new file (each ends with the full schema; none fails)."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

from diplosum.store.migrate import NewerSchema, migrate

MIGRATIONS = (("CREATE TABLE a (x INTEGER)",), ("ALTER TABLE a ADD COLUMN y TEXT",))


def _open(path: str) -> int:
    conn = sqlite3.connect(path, timeout=30.0, isolation_level=None)
    try:
        migrate(conn, MIGRATIONS)
        return int(conn.execute("PRAGMA user_version").fetchone()[0])
    finally:
        conn.close()


def test_migrations_run_in_order_once_and_refuse_a_newer_file(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, MIGRATIONS[:1]) == 0
    assert migrate(conn, MIGRATIONS) == 1
    assert migrate(conn, MIGRATIONS) == 2
    assert [r[1] for r in conn.execute("PRAGMA table_info(a)")] == ["x", "y"]
    with pytest.raises(NewerSchema, match="schema 2, this one knows 1"):
        migrate(conn, MIGRATIONS[:1])
    conn.close()


def test_processes_racing_to_create_a_file_all_succeed(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(4) as pool:
        for trial in range(8):
            path = str(tmp_path / f"race-{trial}.sqlite3")
            assert pool.map(_open, [path] * 4) == [2, 2, 2, 2]
