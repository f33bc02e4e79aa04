"""`SQLiteStorage`, the default store: a SQLite file in WAL mode, one connection per thread.

SQLite choices:
- WAL mode, so readers never block the writer and several processes can share the file.
- Every mutation is `BEGIN IMMEDIATE`: it takes the database's single write lock up front, so two writers (in
  any process) queue on the busy timeout instead of both reading a balance and both spending it. No
  in-process lock is involved in keeping money safe.
- `synchronous=FULL`: with WAL, NORMAL already survives a process crash (SIGKILL), but may lose the last
  commits on power loss. A sandbox that answered 201 should not forget the object, and FULL only costs one
  fsync of the WAL per commit, so we pay it.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable, Sequence, TypeVar

import anyio.to_thread

from .store import BUSY_TIMEOUT_MS, StorageBusy, Tx, format_time
from .store_schema import SQLITE, pending_migrations
from .store_sql import SqlTx

T = TypeVar("T")


class SQLiteTx(SqlTx):
    def __init__(self, conn: sqlite3.Connection) -> None:
        super().__init__()
        self.c = conn

    def _x(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return self.c.execute(sql, args)

    def _overflowed(self, e: Exception) -> bool:
        return isinstance(e, sqlite3.OperationalError) and "integer overflow" in str(e)


class _FifoLock:
    """A lock handed to waiting threads in the order they asked for it (threading.Lock promises no order)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._waiters: list[threading.Lock] = []
        self._held = False

    def __enter__(self) -> None:
        with self._mutex:
            if not self._held:
                self._held = True
                return
            gate = threading.Lock()
            gate.acquire()
            self._waiters.append(gate)
        gate.acquire()  # released by the previous holder, which hands the lock over without freeing it

    def __exit__(self, *exc: object) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.pop(0).release()
            else:
                self._held = False


class SQLiteStorage:
    """One connection per thread (sqlite3 connections are not shared across threads)."""

    def __init__(self, path: str) -> None:
        self.path = os.path.abspath(path)
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        self._local = threading.local()
        # Writers of this process queue here, in arrival order, instead of polling SQLite's busy handler (which
        # sleeps 1, 2, 5, ... 100 ms between tries and lets late arrivals overtake: the write tail). Safety does
        # not depend on it: BEGIN IMMEDIATE still takes the database's write lock, across processes too.
        self._writers = _FifoLock()
        conn = self._conn()
        # Switching to WAL needs a moment of exclusive access; retry while another process starts up too.
        for attempt in range(100):
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                break
            except sqlite3.OperationalError:
                if attempt == 99:
                    raise
                time.sleep(0.05)
        conn.execute("BEGIN IMMEDIATE")  # the migration lock: the database's write lock
        try:
            pending_migrations(
                lambda sql, args: conn.execute(sql, args), lambda sql: conn.execute(sql).fetchall(), SQLITE,
                format_time(datetime.now(timezone.utc)),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _conn(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=True)
            conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    def _run(self, fn: Callable[[Tx], T], begin: str) -> T:
        conn = self._conn()
        try:
            conn.execute(begin)
            try:
                result = fn(SQLiteTx(conn))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.OperationalError as e:
            msg = str(e).lower()
            if "locked" not in msg and "busy" not in msg:
                raise
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise StorageBusy(str(e)) from e
        return result

    def read_sync(self, fn: Callable[[Tx], T]) -> T:
        return self._run(fn, "BEGIN")  # a deferred transaction: one consistent snapshot for all its reads

    def write_sync(self, fn: Callable[[Tx], T]) -> T:
        with self._writers:
            return self._run(fn, "BEGIN IMMEDIATE")

    async def read(self, fn: Callable[[Tx], T]) -> T:
        return await anyio.to_thread.run_sync(self.read_sync, fn)

    async def write(self, fn: Callable[[Tx], T]) -> T:
        return await anyio.to_thread.run_sync(self.write_sync, fn)
