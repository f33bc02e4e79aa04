"""Payment intents: the document, the sandbox test tokens, authorization and capture, reading and listing.

Sandbox test tokens (documented in the spec): `tok_visa` succeeds; `tok_threeds_required` needs a buyer step
(attempt / intent `requires_action`; `resume` on the order, or a second confirm of a standalone intent, completes
it like `tok_visa`); `tok_card_declined` and `tok_insufficient_funds` are declined (200: a `failed` attempt with
that `failure_code`, the intent back in `requires_payment_method` with `last_payment_error`). Any other token, and
`payment_method_id` / `confirmation_token` (saved methods are not modelled), is a 400 `INVALID_PAYMENT_SOURCE`.

Money rules: "outstanding" is the order's amount due minus what open authorizations (intents in
`requires_capture`) already hold. A payment moves money only when captured: fee `round_half_up(amount * 2.9%) + 30`,
one `payment` ledger row (signed net), the order's settlement. An attempt completes all of its intents or none.
Paying orders is in order_payments (attempts in payment_attempts), standalone intents in standalone_payments.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any, Mapping, Sequence

from flint_api import UNSET, Unset, models

from . import ledger, orders, pricing
from .errors import found, invalid
from .ids import new_id
from .listing import normalize_times, page, params_filters
from .money import amount_of, money
from .request_models import RequestModel, opt, wire
from .store import Doc, Tx, format_time


DECLINES = {
    "tok_card_declined": ("card_declined", "The card was declined."),
    "tok_insufficient_funds": ("insufficient_funds", "The card has insufficient funds."),
}
SUCCEEDS = {"tok_visa"}
THREEDS = {"tok_threeds_required"}
TOKENS = SUCCEEDS | THREEDS | set(DECLINES)
CONFIRMABLE = ("requires_payment_method", "requires_confirmation")
AUTHORIZATION_DAYS = 7


CLIENT_ACTION = {"stripe": {"account_id": "acct_sandbox", "publishable_key": "pk_test_sandbox"}}


def credential(source: RequestModel | None, fields: Sequence[str], prefix: str, required_param: str) -> str:
    """The one test token of a payment source (the request model holding `fields`, None when not sent).
    `fields[0]` is the token field."""
    src = {f: v for f in fields if (v := opt(getattr(source, f, UNSET))) is not None}
    given = list(src)
    if not given:
        raise invalid("PAYMENT_SOURCE_REQUIRED", "A payment source token is required", required_param)
    if len(given) > 1:
        raise invalid(
            "PAYMENT_SOURCE_CONFLICT", f"Send only one of {', '.join(fields)}", required_param
        )
    field = given[0]
    if field != fields[0]:
        raise invalid(
            "INVALID_PAYMENT_SOURCE",
            f"The sandbox does not model saved payment methods; use {fields[0]} with a test token",
            f"{prefix}{field}",
        )
    token = src[field]
    if token not in TOKENS:
        raise invalid(
            "INVALID_PAYMENT_SOURCE",
            "Unknown test token; use tok_visa, tok_threeds_required, tok_card_declined or tok_insufficient_funds",
            f"{prefix}{field}",
        )
    return str(token)


def zero(pi: Doc) -> Doc:
    return money(0, pi["amount_money"]["currency"])


PaymentIntentRequest = models.CreatePaymentIntentRequest | models.CreateOrderPaymentIntentRequest


def capture_method_of(body: PaymentIntentRequest) -> str:
    return "automatic" if isinstance(body.capture_method, Unset) else wire(body.capture_method)


def new_payment_intent(
    merchant_id: str, currency: str, amount: int, capture_method: str, now: datetime,
    body: PaymentIntentRequest | None, order_id: str | None = None,
) -> Doc:
    """A new intent; `body` is the request that creates it (None: an intent `pay` creates for the order)."""
    sent = UNSET if body is None else body.payment_options
    options: Sequence[str] = [] if isinstance(sent, Unset) else sent
    metadata = None if body is None else opt(body.metadata)
    pid = new_id("pi")
    pi: Doc = {
        "payment_intent_id": pid,
        "merchant_id": merchant_id,
        "status": "requires_payment_method",
        "payment_flow": "api",
        "origin": "api",
        "payment_options": [wire(o) for o in options] or ["card"],
        "support_reference": "SR-" + pid[-8:],
        "risk": None,
        "capture_method": capture_method,
        "amount_money": money(amount, currency),
        "authorized_money": money(0, currency),
        "capturable_money": money(0, currency),
        "captured_money": money(0, currency),
        "released_money": money(0, currency),
        "refunded_money": money(0, currency),
        "tip_money": money(0, currency),
        "processing_fee_money": money(0, currency),
        "merchant_net_money": money(0, currency),
        "last_payment_error": None,
        "current_payment_action": None,
        "cancellation_reason": None,
        "authorized_at": None,
        "authorization_expires_at": None,
        "captured_at": None,
        "payment_source": None,
        "refund_status": "none",
        "dispute_status": "none",
        "metadata": dict(metadata or {}),
        "created_at": format_time(now),
        "updated_at": format_time(now),
    }
    if order_id is not None:
        pi["order_id"] = order_id
    for f in ("external_reference_id", "customer_id", "receipt_email", "transaction_purpose"):
        value = getattr(body, f, UNSET)  # the last three: standalone intents only
        if not isinstance(value, Unset) and value is not None:
            pi[f] = wire(value)
    return pi


def save_pi(tx: Tx, merchant_id: str, pi: Doc, *, new: bool = False) -> None:
    cols = {"order_id": pi.get("order_id"), "status": pi["status"], "currency": pi["amount_money"]["currency"]}
    if new:
        tx.insert("payment_intents", merchant_id, pi["payment_intent_id"], pi, **cols)
    else:
        tx.update("payment_intents", merchant_id, pi["payment_intent_id"], pi, **cols)


def pending_action(pi: Doc) -> Doc:
    return {
        "pending_action_id": new_id("pact"),
        "action_type": "payment_authentication",
        "client_action": copy.deepcopy(CLIENT_ACTION),
        "subject": {"payment_intent": {"payment_intent_id": pi["payment_intent_id"]}},
    }


def decline(pi: Doc, token: str, now: datetime) -> tuple[str, str]:
    code, message = DECLINES[token]
    pi["status"] = "requires_payment_method"
    pi["last_payment_error"] = {"code": code, "message": message, "failed_at": format_time(now)}
    pi["current_payment_action"] = None
    pi["updated_at"] = format_time(now)
    return code, message


def require_action(pi: Doc, token: str, now: datetime) -> Doc:
    action = pending_action(pi)
    pi["status"] = "requires_action"
    pi["current_payment_action"] = action
    pi["last_payment_error"] = None
    pi["payment_source"] = {"type": "card", "token": token}
    pi["selected_payment_option"] = "card"
    pi["updated_at"] = format_time(now)
    return action


def collect(tx: Tx, merchant_id: str, pi: Doc, amount: int, now: datetime, order: Doc | None) -> None:
    """Money is collected: fee, ledger row, the order's settlement; all in the caller's transaction."""
    cur = pi["amount_money"]["currency"]
    fee = pricing.processing_fee(amount)
    ledger.post(
        tx,
        merchant_id,
        type="payment",
        amount=amount,
        fee=fee,
        currency=cur,
        related=("payment_intent", pi["payment_intent_id"]),
        order_id=None if order is None else order["order_id"],
        available_at=ledger.available_at_for_payment(tx, merchant_id),
    )
    pi["status"] = "succeeded"
    pi["captured_money"] = money(amount, cur)
    pi["released_money"] = money(amount_of(pi["authorized_money"]) - amount, cur)
    pi["capturable_money"] = money(0, cur)
    pi["processing_fee_money"] = money(fee, cur)
    pi["merchant_net_money"] = money(max(amount - fee, 0), cur)  # the ledger row keeps the signed net
    pi["captured_at"] = format_time(now)
    pi["updated_at"] = format_time(now)
    if order is not None:
        orders.record_payment(order, amount, now)


def complete(tx: Tx, merchant_id: str, pi: Doc, token: str, now: datetime, order: Doc | None) -> None:
    """A successful confirmation: authorize (manual capture) or authorize and capture at once."""
    amount = amount_of(pi["amount_money"])
    cur = pi["amount_money"]["currency"]
    pi["last_payment_error"] = None
    pi["current_payment_action"] = None
    if pi.get("payment_source") is None:
        pi["payment_source"] = {"type": "card", "token": token}
    pi["selected_payment_option"] = "card"
    pi["authorized_money"] = money(amount, cur)
    pi["authorized_at"] = format_time(now)
    pi["authorization_expires_at"] = format_time(now + timedelta(days=AUTHORIZATION_DAYS))
    pi["updated_at"] = format_time(now)
    if pi["capture_method"] == "manual":  # the int64 guard on payments (ledger.post) applies at capture
        pi["status"] = "requires_capture"
        pi["capturable_money"] = money(amount, cur)
    else:
        collect(tx, merchant_id, pi, amount, now, order)


# ---------------------------------------------------------------------------------------------------- orders' intents


PI_FILTERS: dict[str, tuple[str, str]] = {
    "order_id": ("order_id", "="),
    "status": ("status", "in"),
    "currency": ("currency", "="),
    "created_after": ("created_at", ">="),
    "created_before": ("created_at", "<="),
}


def list_payment_intents(tx: Tx, merchant_id: str, params: Mapping[str, Any]) -> tuple[list[Doc], str | None]:
    p = normalize_times(params)
    return page(tx, "payment_intents", merchant_id, params_filters(p, PI_FILTERS), p)


def order_summary(order: Doc) -> Doc:
    out: Doc = {k: copy.deepcopy(order[k]) for k in (
        "order_id", "status", "payment_status", "refund_status", "pricing_amounts", "settlement_amounts",
        "created_at", "updated_at")}
    if order.get("external_reference_id") is not None:
        out["external_reference_id"] = order["external_reference_id"]
    return out


def expanded_summary(pi: Doc) -> Doc:
    """A payment intent inside an order with expand=payment_intents (ExpandedPaymentIntentSummary)."""
    keys = ("payment_intent_id", "status", "amount_money", "capture_method", "order_id", "refund_status",
            "created_at", "updated_at")
    return {k: copy.deepcopy(pi[k]) for k in keys if pi.get(k) is not None}


def load_pi(tx: Tx, merchant_id: str, pi_id: str) -> Doc:
    return found(tx.get("payment_intents", merchant_id, pi_id), "payment intent", pi_id, "payment_intent_id")


def get_payment_intent(tx: Tx, merchant_id: str, pi_id: str, expand: list[str] | None = None) -> Doc:
    pi = load_pi(tx, merchant_id, pi_id)
    if expand and "order" in expand:
        order = tx.get("orders", merchant_id, pi["order_id"]) if pi.get("order_id") else None
        pi["order"] = None if order is None else order_summary(order)
    return pi


# ---------------------------------------------------------------------------------------------------- standalone
