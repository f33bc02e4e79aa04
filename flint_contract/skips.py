"""Checks the kit did not run, or ran only in part, and why, so a clean verdict never hides a check that
was passed over ("order_arithmetic not checked on 120 response(s): non-integer amounts").

Two kinds: a response a rule cannot judge (its amounts are not integers: the arithmetic cannot be
checked, and money_amount_is_integer reports the floats), counted per operation wherever the rule
runs (probes and schemathesis alike); and checks a run leaves out (no peer key, deselected probes,
--exclude-checks, --no-fuzz), said once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from .invariants import Exchange, iter_orders

NON_INTEGER = "non-integer or missing amounts (money_amount_is_integer reports them)"


@dataclass
class Skip:
    check: str
    reason: str
    operations: dict[str, int] = field(default_factory=dict)  # operationId -> responses passed over

    @property
    def count(self) -> int:
        return sum(self.operations.values())

    def line(self) -> str:
        if not self.operations:
            return f"{self.check} not checked: {self.reason}"
        ops = ", ".join(f"{op} x{n}" for op, n in sorted(self.operations.items(), key=lambda kv: (-kv[1], kv[0]))[:4])
        more = f", +{len(self.operations) - 4} more" if len(self.operations) > 4 else ""
        return f"{self.check} not checked on {self.count} response(s) ({ops}{more}): {self.reason}"

    def as_record(self) -> dict[str, Any]:
        return {"check": self.check, "reason": self.reason, "count": self.count, "operations": dict(self.operations)}


class Skips:
    """(check, reason) -> operation -> count, merged from every source of one run."""

    def __init__(self) -> None:
        self._by: dict[tuple[str, str], dict[str, int]] = {}

    def add(self, check: str, reason: str, operation: str | None = None, n: int = 1) -> None:
        per_op = self._by.setdefault((check, reason), {})
        if operation is not None:
            per_op[operation] = per_op.get(operation, 0) + n

    def merge(self, other: "Skips") -> None:
        for (check, reason), per_op in other._by.items():
            self.add(check, reason)
            for op, n in per_op.items():
                self.add(check, reason, op, n)

    def items(self) -> list[Skip]:
        return [Skip(check, reason, dict(per_op)) for (check, reason), per_op in sorted(self._by.items())]

    def __bool__(self) -> bool:
        return bool(self._by)


def _money_amounts(node: Any) -> Iterator[Any]:
    if isinstance(node, dict):
        if "amount" in node and "currency" in node:
            yield node.get("amount")
            return
        for value in node.values():
            yield from _money_amounts(value)
    elif isinstance(node, list):
        for value in node:
            yield from _money_amounts(value)


def _has_non_integer(node: Any) -> bool:
    return any(type(amount) is not int for amount in _money_amounts(node))


def _balance_transactions(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "balance_transaction_id" in node and "net_money" in node:
            yield node
        for value in node.values():
            yield from _balance_transactions(value)
    elif isinstance(node, list):
        for value in node:
            yield from _balance_transactions(value)


def response_skips(check: str, ex: Exchange) -> list[str]:
    """Why `check` (a per-response rule) could not fully judge this response: the reasons, or []."""
    if check not in RESPONSE_SKIPPERS or not (200 <= ex.status < 300):
        return []
    body = ex.json()
    if not isinstance(body, dict):
        return []
    data = body.get("data")
    if check == "order_arithmetic":
        objects: list[Any] = [order for _, order in iter_orders(data, ["data"])]
    else:
        objects = list(_balance_transactions(data))
    return [NON_INTEGER] if any(_has_non_integer(o) for o in objects) else []


# The rules that pass silently over what they cannot compute (flint_contract.rules_orders._amt is None).
RESPONSE_SKIPPERS = ("order_arithmetic", "balance_transaction_net")

# Probes that need a second merchant's key, and the checks each would report.
PEER_PROBES = ("idempotency_tenant_scope", "tenant_isolation", "namespace_isolation")
