"""`SqlTx`: the `Tx` of both databases, every statement written once with `?` parameters."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable, Mapping, Sequence

from .store import MAX_CLOCK_OFFSET_SECONDS, Cursor, Doc, Filter, IdemRecord, KeyRecord, format_time
from .store_schema import TABLES


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
