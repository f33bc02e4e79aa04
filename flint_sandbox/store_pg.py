"""The PostgreSQL store (psycopg 3): many sandbox processes and instances on one database.

The same `SqlTx` statements and `MIGRATIONS` as SQLite; what keeps money and idempotency safe across processes
and hosts is the database's own machinery, never a lock in this process:

- Writes run at READ COMMITTED and, before they touch a merchant's rows, take that merchant's transaction-scoped
  advisory lock (`pg_advisory_xact_lock`, released by COMMIT/ROLLBACK, also when the client dies). Every business
  rule (balance, refundable amount, the idempotency key) is per merchant, so a merchant's writes run one after the
  other, as SQLite's single write lock runs all writes, while different merchants write in parallel. Because the
  lock is taken by the transaction's first statement on the merchant and READ COMMITTED reads each statement on a
  fresh snapshot, every read after it sees everything the previous holder committed.
- Documents read inside a write are read `FOR UPDATE` (row locks), a second line of defence for any row a
  transaction might reach without its merchant's lock.
- Unique constraints decide insert-if-absent races (merchants, keys, idempotency keys: `ON CONFLICT`).
- Reads run at REPEATABLE READ, READ ONLY: one snapshot for the whole transaction, like SQLite's deferred BEGIN.
- A deadlock or serialization failure rolls the transaction back and runs it again (nothing of it committed);
  a lock wait past the busy timeout (`lock_timeout`) or a lost connection is `StorageBusy` (503, retry with the
  same key: the idempotency record commits with the write, so the retry either replays or runs it once).
- Migrations run under a database-wide advisory lock, so instances starting together migrate once.
"""

from __future__ import annotations

import os
import queue
import threading
from datetime import datetime, timezone
from typing import Any, Callable, Sequence, TypeVar

import anyio.to_thread
import psycopg
from psycopg import errors as pg_errors

from .store import BUSY_TIMEOUT_MS, StorageBusy, Tx, format_time
from .store_schema import POSTGRES, pending_migrations
from .store_sql import SqlTx

T = TypeVar("T")

# The pool: connections this process keeps open (readers and writers together). A request waits for a free one.
# FLINT_SANDBOX_PG_POOL overrides it (instances x workers x pool must stay under the server's max_connections).
DEFAULT_POOL_SIZE = int(os.environ.get("FLINT_SANDBOX_PG_POOL", "8"))
MIGRATION_LOCK = 0x466C696E74  # pg_advisory_xact_lock key for schema migrations ("Flint")
_RETRIES = 8  # deadlock / serialization failure: run the transaction again, this many times at most


def _pg(sql: str) -> str:
    # Every statement is written with `?` parameters and contains no `%`; psycopg wants `%s`.
    return sql.replace("?", "%s")


class PgTx(SqlTx):
    def __init__(self, conn: psycopg.Connection[Any], write: bool) -> None:
        super().__init__()
        self.c = conn
        self._write = write
        self._locked: set[str] = set()
        if write:
            self._for_update = " FOR UPDATE"

    def _x(self, sql: str, args: Sequence[Any] = ()) -> Any:
        return self.c.execute(_pg(sql), list(args))

    def _touch(self, merchant_id: str) -> None:
        if self._write and merchant_id not in self._locked:
            self.c.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", ["flint-merchant:" + merchant_id])
            self._locked.add(merchant_id)


class PostgresStorage:
    """A small pool of psycopg connections in autocommit mode, each transaction begun and ended explicitly."""

    def __init__(self, url: str, pool_size: int = DEFAULT_POOL_SIZE) -> None:
        self.url = url
        self._idle: queue.LifoQueue[psycopg.Connection[Any]] = queue.LifoQueue()
        self._slots = threading.BoundedSemaphore(pool_size)
        self._migrate()

    # -- connections
    def _connect(self) -> psycopg.Connection[Any]:
        try:
            conn = psycopg.connect(self.url, autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as e:
            raise StorageBusy(f"cannot connect to PostgreSQL: {e}") from e
        conn.execute(f"SET lock_timeout = {int(BUSY_TIMEOUT_MS)}")
        return conn

    def _take(self) -> psycopg.Connection[Any]:
        if not self._slots.acquire(timeout=BUSY_TIMEOUT_MS / 1000):
            raise StorageBusy("no free database connection in time")
        try:
            while True:
                try:
                    conn = self._idle.get_nowait()
                except queue.Empty:
                    return self._connect()
                if not conn.closed:
                    return conn
        except BaseException:
            self._slots.release()
            raise

    def _give_back(self, conn: psycopg.Connection[Any]) -> None:
        if not conn.closed and conn.info.transaction_status == psycopg.pq.TransactionStatus.IDLE:
            self._idle.put(conn)
        else:
            conn.close()
        self._slots.release()

    def close(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return

    # -- schema
    def _migrate(self) -> None:
        conn = self._take()
        try:
            conn.execute("BEGIN")
            try:
                conn.execute("SELECT pg_advisory_xact_lock(%s)", [MIGRATION_LOCK])
                pending_migrations(
                    lambda sql, args: conn.execute(_pg(sql), list(args)),
                    lambda sql: conn.execute(_pg(sql)).fetchall(),
                    POSTGRES,
                    format_time(datetime.now(timezone.utc)),
                )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        finally:
            self._give_back(conn)

    # -- transactions
    def _run(self, fn: Callable[[Tx], T], write: bool) -> T:
        begin = "BEGIN ISOLATION LEVEL READ COMMITTED" if write else "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
        for attempt in range(_RETRIES):
            conn = self._take()
            try:
                conn.execute(begin)
                try:
                    result = fn(PgTx(conn, write))
                except BaseException:
                    if not conn.closed:
                        conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
                return result
            except (pg_errors.DeadlockDetected, pg_errors.SerializationFailure):
                if attempt == _RETRIES - 1:
                    raise StorageBusy("the transaction kept conflicting with others") from None
                continue  # rolled back above: nothing of it committed; run it again
            except pg_errors.LockNotAvailable as e:  # lock_timeout: the busy timeout
                raise StorageBusy(str(e)) from e
            except psycopg.OperationalError as e:  # the connection broke: the outcome of a COMMIT is unknown
                conn.close()
                raise StorageBusy(f"lost the database connection: {e}") from e
            finally:
                self._give_back(conn)
        raise AssertionError("unreachable")

    def read_sync(self, fn: Callable[[Tx], T]) -> T:
        return self._run(fn, write=False)

    def write_sync(self, fn: Callable[[Tx], T]) -> T:
        return self._run(fn, write=True)

    async def read(self, fn: Callable[[Tx], T]) -> T:
        return await anyio.to_thread.run_sync(self.read_sync, fn)

    async def write(self, fn: Callable[[Tx], T]) -> T:
        return await anyio.to_thread.run_sync(self.write_sync, fn)
