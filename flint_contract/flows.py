"""Building blocks for the kit's own requests: request bodies taken from the spec's examples (so the
kit follows the spec's shapes, not hard-coded guesses), and the short flows that seed data."""

from __future__ import annotations

import copy
from typing import Any

from .probe_client import ProbeClient, Reply
from .spec import Spec

TOKEN_OK = "tok_visa"
TOKEN_THREEDS = "tok_threeds_required"  # the attempt waits in requires_action


def usd(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}


def example_body(spec: Spec, op_id: str) -> Any:
    """The first request-body example the spec gives for an operation (deep copy), or None."""
    op = spec.operations.get(op_id)
    if op is None:
        return None
    body, base, _ = spec.deref(op.raw.get("requestBody"), op.base)
    if not isinstance(body, dict):
        return None
    media = (body.get("content") or {}).get("application/json") or {}
    if "example" in media:
        return copy.deepcopy(media["example"])
    for ex in (media.get("examples") or {}).values():
        ex, _, _ = spec.deref(ex, base)
        if isinstance(ex, dict) and "value" in ex:
            return copy.deepcopy(ex["value"])
    schema, sbase, _ = spec.deref(media.get("schema"), base)
    if isinstance(schema, dict) and "example" in schema:
        return copy.deepcopy(schema["example"])
    return None


def path_of(spec: Spec, op_id: str, **params: str) -> str:
    op = spec.operations[op_id]
    path = op.path
    for name, value in params.items():
        path = path.replace("{" + name + "}", value)
    return path


class Flows:
    """Flint flows over a ProbeClient. Each returns the Reply so callers can judge it."""

    def __init__(self, client: ProbeClient) -> None:
        self.c = client
        self.spec = client.spec

    def line(self, name: str = "Canvas tote bag", unit: int = 1250, qty: int = 2) -> dict[str, Any]:
        return {"name": name, "quantity": qty, "unit_price_money": usd(unit)}

    def create_order(self, lines: list[dict[str, Any]] | None = None, **extra: Any) -> Reply:
        body: dict[str, Any] = {"line_items": lines or [self.line()]}
        body.update(extra)
        if self.c.run_tag and "external_reference_id" not in body:
            body["external_reference_id"] = f"flint-contract:{self.c.run_tag}"
        return self.c.post(path_of(self.spec, "createOrder"), body, op="createOrder")

    def get_order(self, order_id: str) -> Reply:
        return self.c.get(path_of(self.spec, "getOrder", order_id=order_id), op="getOrder")

    def pay(self, order_id: str, token: str = TOKEN_OK) -> Reply:
        body = {"action": "pay", "payment_source": {"token": token}}
        return self.c.post(path_of(self.spec, "payOrder", order_id=order_id), body, op="payOrder")

    def paid_order(self, unit: int = 1250, qty: int = 2) -> tuple[str, Reply]:
        created = self.create_order([self.line(unit=unit, qty=qty)])
        order_id = _id(created, "order_id")
        paid = self.pay(order_id) if order_id else created
        return order_id, paid

    def refund(self, order_id: str, amount: int | None = None) -> Reply:
        body: dict[str, Any] = {"order_id": order_id}
        if amount is not None:
            body["amount_money"] = usd(amount)
        return self.c.post(path_of(self.spec, "createRefund"), body, op="createRefund")

    def manual_intent(self, order_id: str) -> Reply:
        return self.c.post(
            path_of(self.spec, "createOrderPaymentIntent", order_id=order_id),
            {"capture_method": "manual"},
            op="createOrderPaymentIntent",
        )

    def standalone_intent(self, amount: int = 1500, capture_method: str = "automatic") -> Reply:
        body = {"amount_money": usd(amount), "payment_options": ["card"], "capture_method": capture_method}
        return self.c.post(path_of(self.spec, "createPaymentIntent"), body, op="createPaymentIntent")

    def confirm_intent(self, payment_intent_id: str, token: str = TOKEN_OK) -> Reply:
        return self.c.post(
            path_of(self.spec, "confirmPaymentIntent", payment_intent_id=payment_intent_id),
            {"payment_source_token": token},
            op="confirmPaymentIntent",
        )

    def list_all(self, op_id: str, params: dict[str, Any] | None = None, page_size: int = 100, limit: int = 50) -> tuple[list[Any], list[Reply]]:
        """Walk every page of a list operation. Returns (items, replies)."""
        items: list[Any] = []
        replies: list[Reply] = []
        token: str | None = None
        for _ in range(limit):
            query = dict(params or {})
            query["page_size"] = page_size
            if token:
                query["page_token"] = token
            reply = self.c.get(path_of(self.spec, op_id), op=op_id, params=query)
            replies.append(reply)
            body = reply.json()
            if reply.status != 200 or not isinstance(body, dict):
                break
            items.extend(body.get("data") or [])
            token = body.get("next_page_token")
            if not token:
                break
        return items, replies


def _id(reply: Reply, key: str) -> str:
    data = reply.data
    if isinstance(data, dict):
        if isinstance(data.get(key), str):
            return str(data[key])
        for nested in ("order", "payment_intent", "payment_attempt", "refund", "payout"):
            inner = data.get(nested)
            if isinstance(inner, dict) and isinstance(inner.get(key), str):
                return str(inner[key])
            legs = inner.get("payment_intents") if isinstance(inner, dict) else None
            if isinstance(legs, list) and legs and isinstance(legs[0], dict) and isinstance(legs[0].get(key), str):
                return str(legs[0][key])
    return ""


def get_id(reply: Reply, key: str) -> str:
    return _id(reply, key)
