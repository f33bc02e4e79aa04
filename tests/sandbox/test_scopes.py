"""Scopes come from the spec's security requirements: an operation passes with every scope of one of its
alternatives (a resource's read or write scope for a read), and an expansion needs what the operation that reads
the expanded resource needs (`accounts.missing_scope` on the stub's `OperationSecurity`)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
from sandbox_harness import Sandbox

from flint_api.server import OPERATION_SECURITY
from flint_sandbox.accounts import ALL_SCOPES, missing_scope

ORDER = {"line_items": [{"name": "Tote", "quantity": 1, "unit_price_money": {"amount": 1250, "currency": "USD"}}]}


def _key(sandbox: Sandbox, merchant: str, *scopes: str) -> httpx.Client:
    """Another key of an existing merchant with only these scopes (the CLI, while the server runs)."""
    args = [sys.executable, "-m", "flint_sandbox.cli", "keys", "create", "--db", str(sandbox.db), "--merchant", merchant]
    for s in scopes:
        args += ["--scope", s]
    return sandbox.client(subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip())


def _payment_intent(c: httpx.Client) -> str:
    order = c.post("/v1/orders", json=ORDER).json()["data"]
    r = c.post(f"/v1/orders/{order['order_id']}/payment-intents", json={})
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return str(data.get("payment_intent_id") or data["payment_intent"]["payment_intent_id"])


def test_expansion_needs_the_expanded_resources_read_scope(sandbox: Sandbox, c1: httpx.Client) -> None:
    pi = _payment_intent(c1)
    path = f"/v1/payment-intents/{pi}"
    with _key(sandbox, "m1", "payments.payment_intents.read") as pi_only:
        assert pi_only.get(path).status_code == 200
        r = pi_only.get(path, params={"expand": "order"})
        assert r.status_code == 403, r.text
        err = r.json()["error"]
        assert (err["code"], err["param"]) == ("INSUFFICIENT_SCOPE", "expand")
        assert "commerce.orders.read" in err["message"]  # the first scope of getOrder's closest alternative
    # getOrder's security alternatives: the read or the write scope of orders
    for orders_scope in ("commerce.orders.read", "commerce.orders.write"):
        with _key(sandbox, "m1", "payments.payment_intents.read", orders_scope) as both:
            r = both.get(path, params={"expand": "order"})
            assert r.status_code == 200, r.text
            assert r.json()["data"]["order"]["order_id"]


def test_scope_sets_are_the_specs() -> None:
    named = {s for sec in OPERATION_SECURITY.values() for req in sec.requirements for _, scopes in req for s in scopes}
    assert ALL_SCOPES == named and len(named) == 14
    get_order = OPERATION_SECURITY["getOrder"]
    assert missing_scope(get_order, frozenset({"commerce.orders.write"})) is None
    assert missing_scope(get_order, frozenset({"payments.payment_intents.read"})) == "commerce.orders.read"
    assert missing_scope(OPERATION_SECURITY["createOrder"], frozenset({"commerce.orders.read"})) == "commerce.orders.write"
