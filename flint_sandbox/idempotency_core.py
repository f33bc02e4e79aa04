"""Idempotency keys in the database, so every server process sharing the file sees the same keys.

Exactly once: the stored result of a write and the write itself commit in ONE transaction. There is no
"in progress" row that could outlive a crashed process:

- `begin` only reads (a replay, a conflict, or "proceed"); nothing is written.
- The service's write transaction (`BEGIN IMMEDIATE`, so one writer at a time across processes) checks the key
  again, runs the business rules, serializes the response and stores it under the key, then commits. A crash
  or a lock timeout before the commit leaves neither the write nor the key (the retry runs it, once); after the
  commit both are there (the retry is answered from the store, byte for byte apart from its request id and the
  replayed flag). A concurrent request with the same key that finds the key stored inside its own transaction
  is 409 IDEMPOTENCY_KEY_IN_PROGRESS (or KEY_REUSED with another body) and changes nothing.
- Results that involve no write (a stored 4xx: the business transaction rolled back; a read-only operation) are
  stored afterwards by `complete`, which never replaces a stored result.

Keys expire 24 h (TTL_SECONDS, real time) after their first use: an expired key is new again, and expired rows
are deleted by `purge`, which each server process runs at its first keyed request and then at most once a
minute, in batches.
"""

from __future__ import annotations

import time
from contextvars import ContextVar
from dataclasses import dataclass

from .store import Storage, Tx

TTL_SECONDS = 24 * 3600
# Rows left `in_progress` by sandbox versions before the single-transaction scheme: older than this, they are
# taken over (the new code never writes such rows).
STALE_IN_PROGRESS_SECONDS = 60
PURGE_EVERY_SECONDS = 60
PURGE_BATCH = 5000


@dataclass(frozen=True)
class Begin:
    outcome: str  # "proceed" | "replay" | "conflict"
    status: int = 0
    body: bytes = b""
    code: str = ""


@dataclass
class Pending:
    """A key that `begin` let through, waiting for the write transaction that stores its result."""

    tenant: str
    key: str
    route: str
    fingerprint: str
    now: float
    stored: bool = False  # the result went in with the write: `complete` has nothing to do


# Set by `begin` in the request's task; read by the service's write transaction of the same request.
PENDING: ContextVar[Pending | None] = ContextVar("flint_sandbox_idempotency_pending", default=None)


def check(tx: Tx, tenant: str, key: str, route: str, fingerprint: str, now: float) -> Begin:
    rec = tx.idem_get(tenant, key)
    if rec is None or now - rec.created_at > TTL_SECONDS:
        return Begin("proceed")
    if rec.route != route or rec.fingerprint != fingerprint:
        return Begin("conflict", code="IDEMPOTENCY_KEY_REUSED")
    if rec.state == "in_progress":
        if now - rec.created_at <= STALE_IN_PROGRESS_SECONDS:
            return Begin("conflict", code="IDEMPOTENCY_KEY_IN_PROGRESS")
        return Begin("proceed")
    return Begin("replay", status=int(rec.status or 200), body=bytes(rec.body or b""))


def pending_for(tenant: str, key: str | None) -> Pending | None:
    p = PENDING.get()
    if p is None or key is None or p.tenant != tenant or p.key != key or p.stored:
        return None
    return p


def claim_in_tx(tx: Tx, p: Pending) -> str | None:
    """Inside the write transaction, before the business rules: None when the key is still free, else the
    conflict code (another request with this key committed since `begin` looked)."""
    b = check(tx, p.tenant, p.key, p.route, p.fingerprint, p.now)
    if b.outcome == "proceed":
        return None
    return b.code or "IDEMPOTENCY_KEY_IN_PROGRESS"


def store_in_tx(tx: Tx, p: Pending, status: int, body: bytes) -> None:
    """Inside the write transaction, after the business rules: the result, committed with the write."""
    tx.idem_store(p.tenant, p.key, p.route, p.fingerprint, status, body, p.now, p.now - TTL_SECONDS)


class IdempotencyKeys:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._last_purge = 0.0

    async def begin(self, tenant: str, key: str, route: str, fingerprint: str) -> Begin:
        PENDING.set(None)
        now = time.time()
        if now - self._last_purge > PURGE_EVERY_SECONDS:
            self._last_purge = now
            await self.purge(now)
        b = await self.storage.read(lambda tx: check(tx, tenant, key, route, fingerprint, now))
        if b.outcome == "proceed":
            PENDING.set(Pending(tenant, key, route, fingerprint, now))
        return b

    async def complete(self, tenant: str, key: str, status: int, body: bytes) -> None:
        p = PENDING.get()
        PENDING.set(None)
        if p is None or p.tenant != tenant or p.key != key or p.stored:
            return  # stored with the write
        if status >= 500:  # 5xx is not stored: the client may retry with the same key
            return
        await self.storage.write(lambda tx: store_in_tx(tx, p, status, body))

    async def abandon(self, tenant: str, key: str) -> None:
        # Nothing was stored for a failed request (its write transaction rolled back); a result that did commit
        # must stay, so nothing is deleted here.
        PENDING.set(None)

    async def purge(self, now: float | None = None) -> int:
        """Delete rows past the TTL, in batches (each its own short write transaction)."""
        before = (time.time() if now is None else now) - TTL_SECONDS
        total = 0
        while True:
            n = await self.storage.write(lambda tx: tx.idem_purge(before, PURGE_BATCH))
            total += n
            if n < PURGE_BATCH:
                return total
