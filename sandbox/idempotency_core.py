"""Idempotency keys in the database, so every server process sharing the file sees the same keys.

`begin` runs in its own `BEGIN IMMEDIATE` transaction: of several concurrent requests with one key (in any
process) exactly one inserts the in-progress row and proceeds; the others see it and get a 409.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from . import faults
from .store import Storage, Tx

TTL_SECONDS = 24 * 3600
# An in-progress row older than this belongs to a process that died mid-request (e.g. SIGKILL); a retry may
# take it over instead of being told "in progress" for a day.
STALE_IN_PROGRESS_SECONDS = 60


@dataclass(frozen=True)
class Begin:
    outcome: str  # "proceed" | "replay" | "conflict"
    status: int = 0
    body: bytes = b""
    code: str = ""


def begin_tx(tx: Tx, tenant: str, key: str, route: str, fingerprint: str, now: float) -> Begin:
    rec = tx.idem_get(tenant, key)
    if rec is not None and now - rec.created_at > TTL_SECONDS:
        tx.idem_delete(tenant, key)
        rec = None
    if rec is not None:
        if rec.route != route or rec.fingerprint != fingerprint:
            return Begin("conflict", code="IDEMPOTENCY_KEY_REUSED")
        if rec.state == "in_progress":
            if now - rec.created_at <= STALE_IN_PROGRESS_SECONDS:
                return Begin("conflict", code="IDEMPOTENCY_KEY_IN_PROGRESS")
        else:
            return Begin("replay", status=int(rec.status or 200), body=bytes(rec.body or b""))
    tx.idem_put(tenant, key, route, fingerprint, now)
    return Begin("proceed")


class IdempotencyKeys:
    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def begin(self, tenant: str, key: str, route: str, fingerprint: str) -> Begin:
        if faults.on("ignore_idempotency"):
            return Begin("proceed")  # planted fault: the key is never looked at
        now = time.time()
        return await self.storage.write(lambda tx: begin_tx(tx, tenant, key, route, fingerprint, now))

    async def complete(self, tenant: str, key: str, status: int, body: bytes) -> None:
        if status >= 500:  # 5xx is not stored: the client may retry with the same key
            await self.abandon(tenant, key)
            return
        await self.storage.write(lambda tx: tx.idem_done(tenant, key, status, body))

    async def abandon(self, tenant: str, key: str) -> None:
        await self.storage.write(lambda tx: tx.idem_delete(tenant, key))
