"""A real PostgreSQL server for the tests (initdb + postgres from the OS packages, flint_sandbox/localpg.py): a temp
data directory, a free loopback port, stopped by its pid. One server per test session; each sandbox gets a fresh
database on it."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest

from flint_sandbox.localpg import LocalPostgres, PostgresUnavailable

STORES = [s.strip() for s in os.environ.get("FLINT_TEST_STORES", "sqlite,postgresql").split(",") if s.strip()]
_names = itertools.count(1)


class PgServer:
    def __init__(self, pg: LocalPostgres) -> None:
        self.pg = pg

    @classmethod
    def start_or_skip(cls) -> "PgServer":
        try:
            return cls(LocalPostgres().start())
        except PostgresUnavailable as e:
            if os.environ.get("CI"):  # CI installs PostgreSQL (.ci/run): never a silent skip there
                pytest.fail(f"PostgreSQL unavailable in CI: {e}")
            pytest.skip(f"PostgreSQL unavailable: {e}")

    def new_database(self, label: str) -> str:
        return self.pg.create_database(f"t{next(_names)}_{label}".lower()[:60])

    def stop(self) -> None:
        self.pg.stop()


def store_db(store: str, request: pytest.FixtureRequest, tmp: Path, label: str) -> str | Path:
    """A fresh, empty store of the kind: a SQLite file under `tmp`, or a new database on the session's server."""
    if store == "sqlite":
        return tmp / f"{label}.db"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.new_database(label)


def query(db: str | Path, sql: str) -> list[tuple[object, ...]]:
    """Rows of one SQL statement (no parameters) on the store behind a sandbox, looked at from outside it."""
    if isinstance(db, str) and db.startswith("postgresql://"):
        import psycopg

        with psycopg.connect(db) as c:
            return [tuple(r) for r in c.execute(sql).fetchall()]
    import sqlite3

    con = sqlite3.connect(db)
    try:
        return [tuple(r) for r in con.execute(sql).fetchall()]
    finally:
        con.close()
