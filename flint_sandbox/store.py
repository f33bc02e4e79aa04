"""Storage behind a small interface: `Storage` runs a function inside one transaction, handing it a `Tx`.

The business rules (flint_sandbox/orders.py, ...) are synchronous functions of a `Tx`, so a whole mutation, including
its balance and refundable checks, is one database transaction. `SQLiteStorage` (store_sqlite) is the default,
`PostgresStorage` (store_pg) the other; both run the statements of `SqlTx` (store_sql) on the schema of
store_schema. This module holds the interface, the records it passes, and `open_storage`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Iterable, Protocol, Sequence, TypeVar

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


class StorageBusy(Exception):
    """The database could not run the transaction in time (a lock wait past the busy timeout, a lost
    connection): nothing was committed that the caller did not see committed, and the request answers 503,
    safe to retry with the same Idempotency-Key. Every store raises this one type, so the business code does
    not know which database it runs on."""


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


def open_storage(url: str) -> Storage:
    """The store a `--db` value names: `postgresql://...` (or `postgres://`) is PostgreSQL, `sqlite:///path`
    or a bare path is a SQLite file."""
    if url.startswith(("postgresql://", "postgres://")):
        from .store_pg import PostgresStorage

        return PostgresStorage(url)
    from .store_sqlite import SQLiteStorage  # imported here: the stores build on this module

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
