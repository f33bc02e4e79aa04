"""The generated `IdempotencyStore` protocol on the database (see idempotency_core for the rules)."""

from __future__ import annotations

from flint_api.server import Conflict, IdempotencyOutcome, Proceed, Replay

from .idempotency_core import IdempotencyKeys
from .store import Storage


class SQLiteIdempotencyStore:
    def __init__(self, storage: Storage) -> None:
        self.keys = IdempotencyKeys(storage)

    async def begin(self, tenant: str, key: str, route: str, fingerprint: str) -> IdempotencyOutcome:
        b = await self.keys.begin(tenant, key, route, fingerprint)
        if b.outcome == "replay":
            return Replay(b.status, b.body)
        if b.outcome == "conflict":
            return Conflict(b.code)
        return Proceed()

    async def complete(self, tenant: str, key: str, status: int, body: bytes) -> None:
        await self.keys.complete(tenant, key, status, body)

    async def abandon(self, tenant: str, key: str) -> None:
        await self.keys.abandon(tenant, key)
