"""The generated `IdempotencyStore` protocol on the database, either store (see idempotency_core for the rules)."""

from __future__ import annotations

from flint_api.server import ApiError, Conflict, IdempotencyOutcome, Proceed, Replay

from .errors import error_type
from .idempotency_core import IdempotencyKeys
from .service import CONFLICT_MESSAGES
from .store import Storage, StorageBusy


class DbIdempotencyStore:
    def __init__(self, storage: Storage) -> None:
        self.keys = IdempotencyKeys(storage)

    async def begin(self, tenant: str, key: str, route: str, fingerprint: str) -> IdempotencyOutcome:
        try:
            b = await self.keys.begin(tenant, key, route, fingerprint)
        except StorageBusy:
            raise ApiError(503, "SERVICE_UNAVAILABLE", "The sandbox database is busy; retry with the same key",
                           None, error_type(503), {"Retry-After": "1"}) from None
        if b.outcome == "replay":
            return Replay(b.status, b.body)
        if b.outcome == "conflict":
            return Conflict(b.code, CONFLICT_MESSAGES.get(b.code, "idempotency key conflict"))
        return Proceed()

    async def complete(self, tenant: str, key: str, status: int, body: bytes) -> None:
        await self.keys.complete(tenant, key, status, body)

    async def abandon(self, tenant: str, key: str) -> None:
        await self.keys.abandon(tenant, key)


SQLiteIdempotencyStore = DbIdempotencyStore  # the name before the PostgreSQL store
