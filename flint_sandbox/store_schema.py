"""The database schema of both stores: indexed columns per table, the two SQL dialects, and the migrations."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable


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
    "order_activities": ("order_id", "activity_type"),  # order_activities; CREATE IF NOT EXISTS adds it
}
_INTEGER_COLUMNS = frozenset({"total", "amount", "fee", "net"})


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
