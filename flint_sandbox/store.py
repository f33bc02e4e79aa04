"""Storage behind a small interface: `Storage` runs a function inside one transaction, handing it a `Tx`.

The business rules (flint_sandbox/orders.py, ...) are synchronous functions of a `Tx`, so a whole mutation, including
its balance and refundable checks, is one database transaction. `SQLiteStorage` is the default; a PostgreSQL
backend would implement the same two protocols (`SELECT ... FOR UPDATE` / serializable transactions in place of
`BEGIN IMMEDIATE`).

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

import json
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterable, Mapping, Protocol, Sequence, TypeVar

import anyio.to_thread

T = TypeVar("T")
Doc = dict[str, Any]

# How long a transaction waits for the database's write lock (another process's writer) before it fails, and
# the request answers 503 SERVICE_UNAVAILABLE with nothing written; FLINT_SANDBOX_BUSY_TIMEOUT_MS overrides it.
BUSY_TIMEOUT_MS = int(os.environ.get("FLINT_SANDBOX_BUSY_TIMEOUT_MS", "30000"))

# The sandbox clock runs ahead of the real one by the sandbox-wide offset (`flint-sandbox clock advance`, the
# operator's tool) plus the calling merchant's own offset (`POST /_sandbox/clock/advance`). Their sum is capped
# at 100 years, so every date the rules derive from "now" (availability, arrival, refund settlement: days to
# weeks later) stays far from datetime's year 9999; an offset beyond it (a database written before the cap) is
# read as the cap, so such a database works again after a restart.
MAX_CLOCK_OFFSET_SECONDS = 100 * 365 * 86400

# Indexed columns per document table (besides id, merchant_id, created_at, doc). Only these names may be used
# in filters, which also keeps SQL built from them safe.
TABLES: dict[str, tuple[str, ...]] = {
    "orders": ("status", "payment_status", "refund_status", "total", "currency", "customer_id"),
    "payment_intents": ("order_id", "status", "currency"),
    "payment_attempts": ("order_id", "status"),
    "order_payment_attempts": ("order_id", "status"),
    "refunds": ("order_id", "payment_intent_id", "status", "amount", "currency"),
    "balance_transactions": (
        "type",
        "currency",
        "amount",
        "fee",
        "net",
        "available_at",
        "source_id",
        "related_type",
        "payout_id",
        "order_id",
    ),
    "payouts": ("status", "currency", "amount", "payout_destination_id", "method"),
    "payout_entries": ("payout_id", "balance_transaction_id"),
    "payout_settings": (),
    "payout_destinations": ("status", "currency", "type"),
    "order_activities": ("order_id", "activity_type"),  # orders.record_activity; CREATE IF NOT EXISTS adds it
}
_INTEGER_COLUMNS = frozenset({"total", "amount", "fee", "net"})


class StorageBusy(Exception):
    """The database could not run the transaction in time (a lock wait past the busy timeout, a lost
    connection): nothing was committed that the caller did not see committed, and the request answers 503,
    safe to retry with the same Idempotency-Key. Every store raises this one type, so the business code does
    not know which database it runs on."""


@dataclass(frozen=True)
class Dialect:
    """The few spellings the two databases disagree on; every statement is written once, with `?` parameters."""

    name: str
    integer: str  # 64-bit integer (money in minor units)
    real: str
    blob: str


SQLITE = Dialect("sqlite", "INTEGER", "REAL", "BLOB")
POSTGRES = Dialect("postgresql", "BIGINT", "DOUBLE PRECISION", "BYTEA")


def _base_schema(d: Dialect) -> list[tuple[str, tuple[Any, ...]]]:
    """Migration 1: the schema. `IF NOT EXISTS` everywhere, so a SQLite file made before migrations were
    recorded adopts it unchanged."""
    stmts: list[tuple[str, tuple[Any, ...]]] = [
        ("CREATE TABLE IF NOT EXISTS merchants ("
         " id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL)", ()),
        ("CREATE TABLE IF NOT EXISTS api_keys ("
         " key_hash TEXT PRIMARY KEY, key_id TEXT NOT NULL UNIQUE,"
         " merchant_id TEXT NOT NULL REFERENCES merchants(id), scopes TEXT NOT NULL, created_at TEXT NOT NULL)", ()),
        ("CREATE TABLE IF NOT EXISTS idempotency_keys ("
         " tenant TEXT NOT NULL, key TEXT NOT NULL, route TEXT NOT NULL, fingerprint TEXT NOT NULL,"
         f" state TEXT NOT NULL CHECK (state IN ('in_progress', 'done')), status {d.integer}, body {d.blob},"
         f" created_at {d.real} NOT NULL, PRIMARY KEY (tenant, key))", ()),
        ("CREATE INDEX IF NOT EXISTS idempotency_keys_by_age ON idempotency_keys (created_at)", ()),
        ("CREATE TABLE IF NOT EXISTS sandbox_clock ("
         f" id {d.integer} PRIMARY KEY CHECK (id = 1), offset_seconds {d.integer} NOT NULL)", ()),
        ("INSERT INTO sandbox_clock (id, offset_seconds) VALUES (1, 0) ON CONFLICT DO NOTHING", ()),
        ("CREATE TABLE IF NOT EXISTS merchant_clocks ("
         f" merchant_id TEXT PRIMARY KEY, offset_seconds {d.integer} NOT NULL)", ()),
        (f"CREATE TABLE IF NOT EXISTS sandbox_secrets (name TEXT PRIMARY KEY, value {d.blob} NOT NULL)", ()),
        ("INSERT INTO sandbox_secrets (name, value) VALUES ('page_token', ?) ON CONFLICT DO NOTHING",
         (os.urandom(32),)),
    ]
    for table, cols in TABLES.items():
        extra = "".join(f", {c} {d.integer if c in _INTEGER_COLUMNS else 'TEXT'}" for c in cols)
        stmts.append((f"CREATE TABLE IF NOT EXISTS {table} (id TEXT PRIMARY KEY, merchant_id TEXT NOT NULL,"
                      f" created_at TEXT NOT NULL, doc TEXT NOT NULL{extra})", ()))
        stmts.append((f"CREATE INDEX IF NOT EXISTS {table}_by_merchant ON {table} (merchant_id, created_at, id)", ()))
        for c in cols:
            stmts.append((f"CREATE INDEX IF NOT EXISTS {table}_{c} ON {table} (merchant_id, {c})", ()))
    return stmts


# The schema's history, the same for every database: (version, what, statements for a dialect). A store applies
# the versions its database has not recorded in `schema_migrations`, in order, in one transaction that holds the
# database's migration lock (SQLite: the write lock; PostgreSQL: an advisory lock), so instances starting together
# migrate once. Append new versions; never edit an applied one.
MIGRATIONS: list[tuple[int, str, Callable[[Dialect], list[tuple[str, tuple[Any, ...]]]]]] = [
    (1, "base schema", _base_schema),
]


def pending_migrations(
    run: Callable[[str, tuple[Any, ...]], Any], rows: Callable[[str], list[tuple[Any, ...]]], d: Dialect, now: str
) -> list[int]:
    """Inside the migration transaction: apply what is missing, return the versions applied."""
    run("CREATE TABLE IF NOT EXISTS schema_migrations ("
        f" version {d.integer} PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)", ())
    done = {int(r[0]) for r in rows("SELECT version FROM schema_migrations")}
    applied = []
    for version, name, stmts in MIGRATIONS:
        if version in done:
            continue
        for sql, args in stmts(d):
            run(sql, args)
        run("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)", (version, name, now))
        applied.append(version)
    return applied


def format_time(t: datetime) -> str:
    """RFC 3339, UTC, fixed width (4-digit year, microseconds), so text order is time order."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    try:
        t = t.astimezone(timezone.utc)
    except OverflowError:  # year 1 or 9999 near a timezone boundary
        t = t.replace(tzinfo=timezone.utc)
    return (f"{t.year:04d}-{t.month:02d}-{t.day:02d}T{t.hour:02d}:{t.minute:02d}:{t.second:02d}"
            f".{t.microsecond:06d}Z")


def parse_time(s: str) -> datetime:
    return datetime.fromisoformat(s[:-1]).replace(tzinfo=timezone.utc)


@dataclass(frozen=True)
class Filter:
    column: str
    op: str  # "=", ">=", "<=", "<", ">", "in"
    value: Any


@dataclass(frozen=True)
class Cursor:
    """Position after the last item of a page; lists run newest first on (created_at, id)."""

    created_at: str
    id: str


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    merchant_id: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class IdemRecord:
    route: str
    fingerprint: str
    state: str
    status: int | None
    body: bytes | None
    created_at: float


class Tx(Protocol):
    """What the business rules may do inside one transaction."""

    def now(self) -> datetime: ...
    def bind_merchant(self, merchant_id: str) -> None: ...
    def clock_offset(self, merchant_id: str | None = None) -> int: ...
    def advance_clock(self, seconds: int, merchant_id: str | None = None) -> bool: ...
    def secret(self, name: str) -> bytes: ...
    def ensure_merchant(self, name: str, merchant_id: str) -> tuple[str, bool]: ...
    def add_key(self, key_hash: str, key_id: str, merchant_id: str, scopes: Iterable[str]) -> bool: ...
    def find_key(self, key_hash: str) -> KeyRecord | None: ...
    def get(self, table: str, merchant_id: str, id: str) -> Doc | None: ...
    def insert(self, table: str, merchant_id: str, id: str, doc: Doc, **cols: Any) -> None: ...
    def update(self, table: str, merchant_id: str, id: str, doc: Doc, **cols: Any) -> None: ...
    def list_docs(
        self,
        table: str,
        merchant_id: str,
        filters: Sequence[Filter] = (),
        after: Cursor | None = None,
        limit: int = 20,
        oldest_first: bool = False,
    ) -> list[tuple[Cursor, Doc]]: ...
    def sum(self, table: str, merchant_id: str, column: str, filters: Sequence[Filter] = ()) -> int: ...
    def group_sums(
        self, table: str, merchant_id: str, group: str, columns: Sequence[str], filters: Sequence[Filter] = ()
    ) -> list[tuple[Any, ...]]: ...
    def idem_get(self, tenant: str, key: str) -> IdemRecord | None: ...
    def idem_store(
        self, tenant: str, key: str, route: str, fingerprint: str, status: int, body: bytes, now: float,
        replace_before: float,
    ) -> bool: ...
    def idem_delete(self, tenant: str, key: str) -> None: ...
    def idem_purge(self, before: float, limit: int) -> int: ...


class Storage(Protocol):
    async def read(self, fn: Callable[[Tx], T]) -> T: ...
    async def write(self, fn: Callable[[Tx], T]) -> T: ...
    def read_sync(self, fn: Callable[[Tx], T]) -> T: ...
    def write_sync(self, fn: Callable[[Tx], T]) -> T: ...


class SqlTx:
    """The `Tx` of both databases: every statement is written once, with `?` parameters; a subclass only says
    how to run one (`_x`) and adds what its database needs for safety (`_touch`, `_for_update`)."""

    _for_update = ""  # appended to reads of a document inside a write transaction (PostgreSQL: row locks)

    def __init__(self) -> None:
        self._now: datetime | None = None
        self._merchant: str | None = None

    def _x(self, sql: str, args: Sequence[Any] = ()) -> Any:
        """Run one statement; returns a DB-API cursor (fetchone, fetchall, rowcount)."""
        raise NotImplementedError

    def _touch(self, merchant_id: str) -> None:
        """Called before the transaction reads or writes a merchant's rows (PostgreSQL: the merchant's lock)."""

    def _int(self, v: Any) -> int:
        return int(v or 0)

    # -- clock
    def bind_merchant(self, merchant_id: str) -> None:
        """The merchant whose clock `now()` reads (the service binds the caller before running the rules)."""
        self._touch(merchant_id)
        if merchant_id != self._merchant:
            self._merchant = merchant_id
            self._now = None

    def clock_offset(self, merchant_id: str | None = None) -> int:
        """Seconds the clock runs ahead: sandbox-wide, plus the merchant's own when given; capped."""
        (offset,) = self._x("SELECT offset_seconds FROM sandbox_clock WHERE id = 1").fetchone()
        offset = int(offset)
        if merchant_id is not None:
            row = self._x("SELECT offset_seconds FROM merchant_clocks WHERE merchant_id = ?", (merchant_id,)).fetchone()
            offset += int(row[0]) if row else 0
        return int(min(max(offset, 0), MAX_CLOCK_OFFSET_SECONDS))

    def now(self) -> datetime:
        if self._now is None:  # one instant per transaction
            self._now = datetime.now(timezone.utc) + timedelta(seconds=self.clock_offset(self._merchant))
        return self._now

    def advance_clock(self, seconds: int, merchant_id: str | None = None) -> bool:
        """Move the sandbox-wide clock (merchant None) or one merchant's clock forward. False, and nothing
        changed, when the result would pass MAX_CLOCK_OFFSET_SECONDS."""
        if merchant_id is not None:
            self._touch(merchant_id)
        if seconds < 0 or self.clock_offset(merchant_id) + seconds > MAX_CLOCK_OFFSET_SECONDS:
            return False
        if merchant_id is None:
            self._x("UPDATE sandbox_clock SET offset_seconds = offset_seconds + ? WHERE id = 1", (seconds,))
        else:
            self._x(
                "INSERT INTO merchant_clocks (merchant_id, offset_seconds) VALUES (?, ?) ON CONFLICT (merchant_id)"
                " DO UPDATE SET offset_seconds = merchant_clocks.offset_seconds + excluded.offset_seconds",
                (merchant_id, seconds),
            )
        self._now = None
        return True

    def secret(self, name: str) -> bytes:
        """A random secret of this database, made with its schema (the page-token signing key)."""
        row = self._x("SELECT value FROM sandbox_secrets WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise KeyError(f"no sandbox secret {name!r}")
        return bytes(row[0])

    # -- merchants and keys
    def ensure_merchant(self, name: str, merchant_id: str) -> tuple[str, bool]:
        # insert-if-absent through the unique constraint on name: two instances registering the same merchant
        # at once make one row (the second waits for the first, then finds it)
        cur = self._x(
            "INSERT INTO merchants (id, name, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            (merchant_id, name, format_time(self.now())),
        )
        if cur.rowcount == 1:
            self._touch(merchant_id)
            return merchant_id, True
        row = self._x("SELECT id FROM merchants WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise LookupError(f"merchant id {merchant_id} is taken by another merchant")
        return str(row[0]), False

    def add_key(self, key_hash: str, key_id: str, merchant_id: str, scopes: Iterable[str]) -> bool:
        cur = self._x(
            "INSERT INTO api_keys (key_hash, key_id, merchant_id, scopes, created_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT DO NOTHING",
            (key_hash, key_id, merchant_id, json.dumps(sorted(scopes)), format_time(self.now())),
        )
        return bool(cur.rowcount == 1)

    def find_key(self, key_hash: str) -> KeyRecord | None:
        row = self._x("SELECT key_id, merchant_id, scopes FROM api_keys WHERE key_hash = ?", (key_hash,)).fetchone()
        if row is None:
            return None
        return KeyRecord(row[0], row[1], frozenset(json.loads(row[2])))

    # -- documents
    @staticmethod
    def _cols(table: str, cols: Mapping[str, Any]) -> None:
        allowed = TABLES[table]
        for c in cols:
            if c not in allowed:
                raise KeyError(f"{table} has no indexed column {c!r}")

    def get(self, table: str, merchant_id: str, id: str) -> Doc | None:
        TABLES[table]
        self._touch(merchant_id)
        row = self._x(
            f"SELECT doc FROM {table} WHERE id = ? AND merchant_id = ?{self._for_update}", (id, merchant_id)
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def insert(self, table: str, merchant_id: str, id: str, doc: Doc, **cols: Any) -> None:
        self._cols(table, cols)
        self._touch(merchant_id)
        names = ["id", "merchant_id", "created_at", "doc", *cols]
        values = [id, merchant_id, doc["created_at"], json.dumps(doc, separators=(",", ":")), *cols.values()]
        self._x(f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})", values)

    def update(self, table: str, merchant_id: str, id: str, doc: Doc, **cols: Any) -> None:
        self._cols(table, cols)
        self._touch(merchant_id)
        sets = ["doc = ?", *(f"{c} = ?" for c in cols)]
        cur = self._x(
            f"UPDATE {table} SET {', '.join(sets)} WHERE id = ? AND merchant_id = ?",
            [json.dumps(doc, separators=(",", ":")), *cols.values(), id, merchant_id],
        )
        if cur.rowcount != 1:
            raise LookupError(f"{table} {id} vanished inside its own transaction")

    def _where(self, table: str, merchant_id: str, filters: Sequence[Filter]) -> tuple[list[str], list[Any]]:
        self._touch(merchant_id)
        allowed = set(TABLES[table]) | {"created_at", "id"}
        clauses = ["merchant_id = ?"]
        args: list[Any] = [merchant_id]
        for f in filters:
            if f.column not in allowed:
                raise KeyError(f"{table} cannot filter on {f.column!r}")
            if f.op in ("in", "not_in"):
                values = list(f.value)
                neg = "NOT " if f.op == "not_in" else ""
                if values:
                    clauses.append(f"{f.column} {neg}IN ({', '.join('?' * len(values))})")
                    args.extend(values)
                elif not neg:
                    clauses.append("1 = 0")
            elif f.op == "is_null":
                clauses.append(f"{f.column} IS NULL" if f.value else f"{f.column} IS NOT NULL")
            elif f.op in ("=", ">=", "<=", "<", ">", "!="):
                clauses.append(f"{f.column} {f.op} ?")
                args.append(f.value)
            else:
                raise ValueError(f"unknown filter op {f.op!r}")
        return clauses, args

    def list_docs(
        self,
        table: str,
        merchant_id: str,
        filters: Sequence[Filter] = (),
        after: Cursor | None = None,
        limit: int = 20,
        oldest_first: bool = False,
    ) -> list[tuple[Cursor, Doc]]:
        clauses, args = self._where(table, merchant_id, filters)
        cmp, direction = (">", "ASC") if oldest_first else ("<", "DESC")
        if after is not None:
            clauses.append(f"(created_at, id) {cmp} (?, ?)")
            args.extend([after.created_at, after.id])
        rows = self._x(
            f"SELECT created_at, id, doc FROM {table} WHERE {' AND '.join(clauses)}"
            f" ORDER BY created_at {direction}, id {direction} LIMIT ?",
            [*args, limit],
        ).fetchall()
        return [(Cursor(r[0], r[1]), dict(json.loads(r[2]))) for r in rows]

    def _overflowed(self, e: Exception) -> bool:
        """SQLite's SUM fails when a partial sum leaves int64, even if the total fits (PostgreSQL sums bigint
        into numeric and never does)."""
        return False

    def sum(self, table: str, merchant_id: str, column: str, filters: Sequence[Filter] = ()) -> int:
        if column not in TABLES[table]:
            raise KeyError(column)
        clauses, args = self._where(table, merchant_id, filters)
        where = " AND ".join(clauses)
        try:
            (value,) = self._x(f"SELECT COALESCE(SUM({column}), 0) FROM {table} WHERE {where}", args).fetchone()
        except Exception as e:
            if not self._overflowed(e):
                raise
            # add in Python instead (exact)
            return sum(int(v) for (v,) in self._x(f"SELECT {column} FROM {table} WHERE {where}", args) if v)
        return int(value)

    def group_sums(
        self, table: str, merchant_id: str, group: str, columns: Sequence[str], filters: Sequence[Filter] = ()
    ) -> list[tuple[Any, ...]]:
        for c in (group, *columns):
            if c not in TABLES[table]:
                raise KeyError(c)
        clauses, args = self._where(table, merchant_id, filters)
        where = " AND ".join(clauses)
        sums = ", ".join(f"COALESCE(SUM({c}), 0)" for c in columns)
        try:
            rows = self._x(
                f"SELECT {group}, {sums} FROM {table} WHERE {where} GROUP BY {group} ORDER BY {group}", args
            ).fetchall()
        except Exception as e:
            if not self._overflowed(e):
                raise
            # exact sums past int64 partial sums (see `sum`)
            acc: dict[Any, list[int]] = {}
            cols = ", ".join(columns)
            for r in self._x(f"SELECT {group}, {cols} FROM {table} WHERE {where}", args):
                totals = acc.setdefault(r[0], [0] * len(columns))
                for i, v in enumerate(r[1:]):
                    totals[i] += int(v or 0)
            return [(g, *acc[g]) for g in sorted(acc)]
        return [(r[0], *(int(v) for v in r[1:])) for r in rows]

    # -- idempotency
    def idem_get(self, tenant: str, key: str) -> IdemRecord | None:
        self._touch(tenant)
        row = self._x(
            "SELECT route, fingerprint, state, status, body, created_at FROM idempotency_keys"
            " WHERE tenant = ? AND key = ?",
            (tenant, key),
        ).fetchone()
        if row is None:
            return None
        return IdemRecord(row[0], row[1], row[2], None if row[3] is None else int(row[3]),
                          None if row[4] is None else bytes(row[4]), float(row[5]))

    def idem_store(
        self, tenant: str, key: str, route: str, fingerprint: str, status: int, body: bytes, now: float,
        replace_before: float,
    ) -> bool:
        """Store a finished result under the key. A row already there is kept unless it is an expired one
        (created before `replace_before`) or a leftover `in_progress` row of an older sandbox version.
        True when this result was stored."""
        self._touch(tenant)
        cur = self._x(
            "INSERT INTO idempotency_keys (tenant, key, route, fingerprint, state, status, body, created_at)"
            " VALUES (?, ?, ?, ?, 'done', ?, ?, ?) ON CONFLICT (tenant, key) DO UPDATE SET"
            " route = excluded.route, fingerprint = excluded.fingerprint, state = 'done', status = excluded.status,"
            " body = excluded.body, created_at = excluded.created_at"
            " WHERE idempotency_keys.state = 'in_progress' OR idempotency_keys.created_at < ?",
            (tenant, key, route, fingerprint, status, body, now, replace_before),
        )
        return bool(cur.rowcount == 1)

    def idem_delete(self, tenant: str, key: str) -> None:
        self._touch(tenant)
        self._x("DELETE FROM idempotency_keys WHERE tenant = ? AND key = ?", (tenant, key))

    def idem_purge(self, before: float, limit: int) -> int:
        # expired rows only: nobody can still be waiting on them, so no merchant lock is needed
        cur = self._x(
            "DELETE FROM idempotency_keys WHERE (tenant, key) IN"
            " (SELECT tenant, key FROM idempotency_keys WHERE created_at < ? LIMIT ?)",
            (before, limit),
        )
        return int(cur.rowcount)


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


def open_storage(url: str) -> Storage:
    """The store a `--db` value names: `postgresql://...` (or `postgres://`) is PostgreSQL, `sqlite:///path`
    or a bare path is a SQLite file."""
    if url.startswith(("postgresql://", "postgres://")):
        from .store_pg import PostgresStorage

        return PostgresStorage(url)
    return SQLiteStorage(sqlite_path(url))


def sqlite_path(url: str) -> str:
    """`sqlite:///abs/path` -> /abs/path (as file URLs), `sqlite://rel/path` or `sqlite:rel/path` -> rel/path,
    a bare path as it is."""
    for prefix in ("sqlite://", "sqlite:"):
        if url.startswith(prefix):
            return url[len(prefix):]
    return url


def normalize_url(url: str) -> str:
    """The URL handed to worker processes: PostgreSQL URLs as given, SQLite paths made absolute."""
    if url.startswith(("postgresql://", "postgres://")):
        return url
    return os.path.abspath(sqlite_path(url))
