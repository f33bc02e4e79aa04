"""Merchants and API keys. Keys are `flint_test_...`, stored only as sha256 hashes, each with scopes."""

from __future__ import annotations

import hashlib
import secrets
from typing import Iterable

from flint_api.server import OPERATION_SECURITY, OperationSecurity

from . import payouts
from .ids import new_id
from .store import KeyRecord, Tx

KEY_PREFIX = "flint_test_"
# Every scope the spec's operations name (read and write of each resource), from their security requirements.
ALL_SCOPES = frozenset(
    s for sec in OPERATION_SECURITY.values() for req in sec.requirements for _, scopes in req for s in scopes
)


def missing_scope(security: OperationSecurity, granted: frozenset[str]) -> str | None:
    """None when `granted` holds every scope of one of the operation's security alternatives (the spec's
    `security` list: `read` or `write` of the resource), else the first scope missing from the closest one."""
    best: list[str] | None = None
    for req in security.requirements or ((),):
        missing = sorted({s for _, scopes in req for s in scopes} - granted)
        if not missing:
            return None
        if best is None or len(missing) < len(best):
            best = missing
    return best[0] if best else None


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(24)


def ensure_merchant(tx: Tx, name: str) -> str:
    merchant_id, created = tx.ensure_merchant(name, new_id("mer"))
    if created:
        payouts.seed_merchant(tx, merchant_id)
    return merchant_id


def add_key(tx: Tx, merchant_name: str, key: str, scopes: Iterable[str] = ALL_SCOPES) -> str:
    """Register `key` for the merchant (created if new). Registering the same key again is harmless."""
    if not key.startswith(KEY_PREFIX):
        raise ValueError(f"API keys must start with {KEY_PREFIX}")
    merchant_id = ensure_merchant(tx, merchant_name)
    existing = tx.find_key(hash_key(key))
    if existing is not None:
        if existing.merchant_id != merchant_id:
            raise ValueError("that key already belongs to another merchant")
        return merchant_id
    tx.add_key(hash_key(key), new_id("key"), merchant_id, scopes)
    return merchant_id


def find_key(tx: Tx, key: str) -> KeyRecord | None:
    return tx.find_key(hash_key(key))
