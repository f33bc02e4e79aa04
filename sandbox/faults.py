"""Planted faults for the contract kit's self-test. TEST-ONLY: never set FLINT_SANDBOX_FAULTS in real use.

`FLINT_SANDBOX_FAULTS=name1,name2` (read once when the app is built) switches on realistic one-line bugs at the
spot where each would live, so the contract kit can prove it catches them. Off by default.
"""

from __future__ import annotations

import os

KNOWN = frozenset(
    {
        "float_amounts",
        "total_off_by_one",
        "negative_amount_due",
        "ignore_idempotency",
        "page_boundary_loss",
        "cross_tenant_read",
        "non_ascii_500",
        "missing_request_id",
        "clamp_page_size",
        "refund_skips_settlement_check",
        "stale_order_after_refund",
    }
)

_active: frozenset[str] = frozenset()


def from_env() -> frozenset[str]:
    raw = os.environ.get("FLINT_SANDBOX_FAULTS", "")
    names = frozenset(n.strip() for n in raw.split(",") if n.strip())
    unknown = names - KNOWN
    if unknown:
        raise SystemExit(f"FLINT_SANDBOX_FAULTS: unknown fault(s) {sorted(unknown)}; known: {sorted(KNOWN)}")
    return names


def enable(names: frozenset[str]) -> None:
    global _active
    unknown = names - KNOWN
    if unknown:
        raise ValueError(f"unknown faults {sorted(unknown)}")
    _active = names


def on(name: str) -> bool:
    return name in _active


def any_on() -> bool:
    return bool(_active)
