"""Paying orders: the sandbox test tokens, order-owned payment intents, manual capture and cancel.

Test tokens (documented in the spec): `tok_visa` succeeds; `tok_card_declined` and `tok_insufficient_funds`
are declined (200, attempt `failed` with that `failure_code`, order unpaid); any other token is a 400
`INVALID_PAYMENT_SOURCE`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from . import ledger, orders, pricing
from .errors import conflict, invalid, not_found
from .ids import new_id
from .listing import normalize_times, page, params_filters
from .money import amount_of, money, read_money
from .store import Doc, Tx, format_time

DECLINES = {
    "tok_card_declined": ("card_declined", "The card was declined."),
    "tok_insufficient_funds": ("insufficient_funds", "The card has insufficient funds."),
}
SUCCEEDS = {"tok_visa"}
OPEN_STATUSES = ("requires_payment_method", "requires_capture")


def _save_pi(tx: Tx, merchant_id: str, pi: Doc, *, new: bool = False) -> None:
    cols = {"order_id": pi.get("order_id"), "status": pi["status"], "currency": pi["amount_money"]["currency"]}
    if new:
        tx.insert("payment_intents", merchant_id, pi["payment_intent_id"], pi, **cols)
    else:
        tx.update("payment_intents", merchant_id, pi["payment_intent_id"], pi, **cols)


def _new_pi(order: Doc, amount: int, capture_method: str, now: datetime, body: Mapping[str, Any]) -> Doc:
    cur = order["currency"]
    pi: Doc = {
        "payment_intent_id": new_id("pi"),
        "order_id": order["order_id"],
        "amount_money": money(amount, cur),
        "status": "requires_payment_method",
        "capture_method": capture_method,
        "last_payment_error": None,
        "authorized_money": money(0, cur),
        "capturable_money": money(0, cur),
        "captured_money": money(0, cur),
        "refunded_money": money(0, cur),
        "processing_fee_money": money(0, cur),
        "merchant_net_money": money(0, cur),
        "cancellation_reason": None,
        "captured_at": None,
        "metadata": dict(body.get("metadata") or {}),
        "created_at": format_time(now),
        "updated_at": format_time(now),
    }
    if body.get("external_reference_id") is not None:
        pi["external_reference_id"] = body["external_reference_id"]
    return pi


def _no_authorization(currency: str) -> Doc:
    return {"authorized_money": money(0, currency), "capturable_money": money(0, currency)}


def _capture(tx: Tx, merchant_id: str, order: Doc, pi: Doc, amount: int, now: datetime) -> None:
    """Money is collected: fee, ledger rows, order settlement; all in the caller's transaction."""
    cur = order["currency"]
    fee = pricing.processing_fee(amount)
    pi["status"] = "succeeded"
    pi["captured_money"] = money(amount, cur)
    pi["capturable_money"] = money(0, cur)
    pi["processing_fee_money"] = money(fee, cur)
    pi["merchant_net_money"] = money(amount - fee, cur)
    pi["captured_at"] = format_time(now)
    pi["updated_at"] = format_time(now)
    ledger.post(
        tx,
        merchant_id,
        type="payment",
        amount=amount,
        fee=fee,
        currency=cur,
        related=("payment_intent", pi["payment_intent_id"]),
        order_id=order["order_id"],
        available_at=ledger.available_at_for_payment(tx, merchant_id),
    )
    orders.record_payment(order, amount, now)


def _attempt(tx: Tx, merchant_id: str, order: Doc, pi: Doc, amount: int, status: str, now: datetime,
             failure: tuple[str, str] | None = None) -> Doc:
    attempt: Doc = {
        "payment_attempt_id": new_id("pa"),
        "payment_intent_id": pi["payment_intent_id"],
        "status": status,
        "amount_money": money(amount, order["currency"]),
        "failure_code": None if failure is None else failure[0],
        "failure_message": None if failure is None else failure[1],
        "created_at": format_time(now),
    }
    tx.insert("payment_attempts", merchant_id, attempt["payment_attempt_id"], attempt, order_id=order["order_id"], status=status)
    return attempt


def _open_intents(tx: Tx, merchant_id: str, order: Doc) -> list[Doc]:
    out = []
    for pid in order["payment_intent_ids"]:
        pi = tx.get("payment_intents", merchant_id, pid)
        if pi is not None and pi["status"] in OPEN_STATUSES:
            out.append(pi)
    return out


def pay_order(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    order = orders.load(tx, merchant_id, order_id)
    now = tx.now()
    if order["status"] != "open":
        raise conflict("ORDER_CLOSED", "The order is closed")
    action = body.get("action", "pay")
    if action != "pay":
        raise invalid("INVALID_FIELD", "the sandbox supports action: pay", "action")
    if order["_sandbox"]["authorized"] > 0:
        raise conflict("NOTHING_TO_PAY", "An authorization is open: capture or cancel it first")
    due = amount_of(order["settlement_amounts"]["amount_due_money"])
    if due <= 0:
        raise conflict("NOTHING_TO_PAY", "Nothing is due on this order")
    if body.get("expected_outstanding_money") is not None:
        expected = read_money(body["expected_outstanding_money"], "expected_outstanding_money", currency=order["currency"])
        if expected != due:
            raise conflict("ORDER_HAS_PAYMENTS", "The order's outstanding amount changed; fetch it and retry")
    source = body.get("payment_source")
    token = source.get("token") if isinstance(source, Mapping) else None
    if token is None:
        raise invalid("FIELD_REQUIRED", "payment_source.token is required when something is due", "payment_source.token")
    if token not in SUCCEEDS and token not in DECLINES:
        raise invalid(
            "INVALID_PAYMENT_SOURCE",
            "Unknown test token; use tok_visa, tok_card_declined or tok_insufficient_funds",
            "payment_source.token",
        )

    staged = [pi for pi in _open_intents(tx, merchant_id, order) if pi["status"] == "requires_payment_method"]
    if staged:
        pi = staged[-1]
        pi["amount_money"] = money(due, order["currency"])  # an order-owned intent follows the balance
        new = False
    else:
        pi = _new_pi(order, due, "automatic", now, {})
        order["payment_intent_ids"].append(pi["payment_intent_id"])
        new = True
    pi["updated_at"] = format_time(now)

    if token in DECLINES:
        code, message = DECLINES[token]
        pi["last_payment_error"] = {"code": code, "message": message, "failed_at": format_time(now)}
        attempt = _attempt(tx, merchant_id, order, pi, due, "failed", now, (code, message))
        order["updated_at"] = format_time(now)
    elif pi["capture_method"] == "manual":
        pi["status"] = "requires_capture"
        pi["authorized_money"] = money(due, order["currency"])
        pi["capturable_money"] = money(due, order["currency"])
        pi["authorized_at"] = format_time(now)
        pi["last_payment_error"] = None
        order["_sandbox"]["authorized"] = due
        order["authorization_amounts"] = {  # cleared again by capture or cancel
            "authorized_money": money(due, order["currency"]),
            "capturable_money": money(due, order["currency"]),
        }
        attempt = _attempt(tx, merchant_id, order, pi, due, "requires_capture", now)
        order["updated_at"] = format_time(now)
    else:
        pi["last_payment_error"] = None
        pi["authorized_money"] = money(due, order["currency"])
        _capture(tx, merchant_id, order, pi, due, now)
        attempt = _attempt(tx, merchant_id, order, pi, due, "succeeded", now)
    _save_pi(tx, merchant_id, pi, new=new)
    orders.save(tx, merchant_id, order)
    return {"order": orders.render(order), "payment_attempt": attempt}


def create_order_payment_intent(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    order = orders.load(tx, merchant_id, order_id)
    now = tx.now()
    if order["status"] != "open":
        raise conflict("ORDER_CLOSED", "The order is closed")
    due = amount_of(order["settlement_amounts"]["amount_due_money"])
    amount = due
    if body.get("amount_money") is not None:
        amount = read_money(body["amount_money"], "amount_money", positive=True, currency=order["currency"])
        if amount > due:
            raise invalid("INVALID_AMOUNT", "amount_money exceeds the amount due", "amount_money.amount")
    if amount <= 0:
        raise conflict("NOTHING_TO_PAY", "Nothing is due on this order")
    if order["_sandbox"]["authorized"] > 0 or _open_intents(tx, merchant_id, order):
        raise conflict("ORDER_HAS_PAYMENTS", "The order already has an open payment intent")
    capture_method = body.get("capture_method") or "automatic"
    if capture_method not in ("automatic", "manual"):
        raise invalid("INVALID_FIELD", "capture_method is automatic or manual", "capture_method")
    pi = _new_pi(order, amount, capture_method, now, body)
    order["payment_intent_ids"].append(pi["payment_intent_id"])
    order["updated_at"] = format_time(now)
    _save_pi(tx, merchant_id, pi, new=True)
    orders.save(tx, merchant_id, order)
    return pi


def _load_pi(tx: Tx, merchant_id: str, order: Doc, pi_id: str) -> Doc:
    pi = tx.get("payment_intents", merchant_id, pi_id)
    if pi is None or pi.get("order_id") != order["order_id"]:
        raise not_found("payment intent", pi_id)
    return pi


def capture(tx: Tx, merchant_id: str, order_id: str, pi_id: str, body: Mapping[str, Any]) -> Doc:
    order = orders.load(tx, merchant_id, order_id)
    pi = _load_pi(tx, merchant_id, order, pi_id)
    now = tx.now()
    if pi["status"] != "requires_capture":
        raise conflict("PAYMENT_INTENT_NOT_CAPTURABLE", f"A payment intent in status {pi['status']} can't be captured")
    authorized = amount_of(pi["capturable_money"])
    amount = authorized
    if body.get("amount_money") is not None:
        m = body["amount_money"]
        if isinstance(m, Mapping) and m.get("currency") != pi["amount_money"]["currency"]:
            read_money(m, "amount_money")  # a malformed or unsupported currency keeps its own code
            raise invalid("CAPTURE_CURRENCY_MISMATCH", "Capture currency must match the authorization", "amount_money.currency")
        amount = read_money(m, "amount_money", positive=True)
        if amount > authorized:
            raise invalid(
                "CAPTURE_AMOUNT_EXCEEDS_AUTHORIZED",
                f"Capture of {amount} exceeds the authorized {authorized}",
                "amount_money.amount",
            )
    order["_sandbox"]["authorized"] = 0
    order["authorization_amounts"] = _no_authorization(order["currency"])
    _capture(tx, merchant_id, order, pi, amount, now)
    attempt = _attempt(tx, merchant_id, order, pi, amount, "succeeded", now)
    _save_pi(tx, merchant_id, pi)
    orders.save(tx, merchant_id, order)
    return {"order": orders.render(order), "payment_intent": pi}


def cancel(tx: Tx, merchant_id: str, order_id: str, pi_id: str, body: Mapping[str, Any]) -> Doc:
    order = orders.load(tx, merchant_id, order_id)
    pi = _load_pi(tx, merchant_id, order, pi_id)
    now = tx.now()
    if pi["status"] not in OPEN_STATUSES:
        raise conflict("PAYMENT_INTENT_NOT_CANCELABLE", f"A payment intent in status {pi['status']} can't be canceled")
    pi["capturable_money"] = money(0, order["currency"])
    pi["status"] = "canceled"
    pi["cancellation_reason"] = body.get("cancellation_reason") or "requested_by_customer"
    pi["updated_at"] = format_time(now)
    order["_sandbox"]["authorized"] = 0
    order["authorization_amounts"] = _no_authorization(order["currency"])
    order["updated_at"] = format_time(now)
    _save_pi(tx, merchant_id, pi)
    orders.save(tx, merchant_id, order)
    return {"order": orders.render(order), "payment_intent": pi}


PI_FILTERS: dict[str, tuple[str, str]] = {
    "order_id": ("order_id", "="),
    "status": ("status", "="),
    "currency": ("currency", "="),
    "created_after": ("created_at", ">="),
    "created_before": ("created_at", "<="),
}


def list_payment_intents(tx: Tx, merchant_id: str, params: Mapping[str, Any]) -> tuple[list[Doc], str | None]:
    p = normalize_times(params)
    return page(tx, "payment_intents", merchant_id, params_filters(p, PI_FILTERS), p)


def get_payment_intent(tx: Tx, merchant_id: str, pi_id: str, expand: list[str] | None = None) -> Doc:
    pi = tx.get("payment_intents", merchant_id, pi_id)
    if pi is None:
        raise not_found("payment intent", pi_id)
    if expand and "order" in expand and pi.get("order_id"):
        order = tx.get("orders", merchant_id, pi["order_id"])
        if order is not None:  # `order` is not nullable: absent when there is nothing to embed
            pi["order"] = orders.render(order)
    return pi
