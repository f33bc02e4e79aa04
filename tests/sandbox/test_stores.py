"""The store URL, and the schema migrations both stores share: recorded once per database, also when several
instances start together, and adopted by a SQLite file made before migrations were recorded."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from pg_harness import PgServer, query
from flint_sandbox.store import normalize_url, open_storage, sqlite_path
from flint_sandbox.store_schema import MIGRATIONS
from flint_sandbox.store_sqlite import SQLiteStorage

LATEST = [(v,) for v, _, _ in MIGRATIONS]


def test_store_urls(tmp_path: Path) -> None:
    assert sqlite_path("sqlite:///tmp/x.db") == "/tmp/x.db"
    assert sqlite_path("sqlite:var/x.db") == "var/x.db"
    assert sqlite_path("var/x.db") == "var/x.db"
    assert normalize_url("postgresql://u@127.0.0.1:5/db") == "postgresql://u@127.0.0.1:5/db"
    assert normalize_url("sqlite:rel.db").startswith("/")
    s = open_storage(f"sqlite://{tmp_path}/u.db")
    assert isinstance(s, SQLiteStorage) and (tmp_path / "u.db").exists()


def test_sqlite_migrations_adopt_an_old_file(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    SQLiteStorage(str(db))
    con = sqlite3.connect(db)
    con.execute("DROP TABLE schema_migrations")  # as a file from before migrations were recorded
    con.commit()
    con.close()
    SQLiteStorage(str(db))
    SQLiteStorage(str(db))
    assert query(db, "SELECT version FROM schema_migrations ORDER BY version") == LATEST


def test_postgres_instances_starting_together_migrate_once(pg_server: PgServer) -> None:
    url = pg_server.new_database("migrate")
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def start() -> None:
        try:
            barrier.wait()
            open_storage(url)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=start) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert query(url, "SELECT version FROM schema_migrations ORDER BY version") == LATEST
    # both stores get the same tables
    tables = {r[0] for r in query(url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    lite = tmp_sqlite_tables()
    assert tables == lite


def tmp_sqlite_tables() -> set[str]:
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        SQLiteStorage(f"{d}/t.db")
        return {str(r[0]) for r in query(Path(d) / "t.db", "SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_the_cli_takes_the_store_from_the_environment(pg_server: PgServer) -> None:
    """`--db` left out: $FLINT_SANDBOX_DB names the store (here a PostgreSQL URL), for every command."""
    import os
    import subprocess
    import sys

    url = pg_server.new_database("cli_env")
    env = {**os.environ, "FLINT_SANDBOX_DB": url}
    key = subprocess.run([sys.executable, "-m", "flint_sandbox.cli", "keys", "create", "--merchant", "envm"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert key.returncode == 0, key.stderr
    assert key.stdout.strip().startswith("flint_test_")
    clock = subprocess.run([sys.executable, "-m", "flint_sandbox.cli", "clock", "advance", "--days", "2"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert clock.returncode == 0, clock.stderr
    assert query(url, "SELECT offset_seconds FROM sandbox_clock") == [(2 * 86400,)]
    assert query(url, "SELECT name FROM merchants") == [("envm",)]
