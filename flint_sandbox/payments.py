"""Payments: paying orders (pay / confirm_payment_intents / setup / resume), order payment attempts,
order-owned payment intents with manual capture and cancel, and standalone payment intents.

Sandbox test tokens (documented in the spec): `tok_visa` succeeds; `tok_threeds_required` needs a buyer step
(attempt / intent `requires_action`; `resume` on the order, or a second confirm of a standalone intent, completes
it like `tok_visa`); `tok_card_declined` and `tok_insufficient_funds` are declined (200: a `failed` attempt with
that `failure_code`, the intent back in `requires_payment_method` with `last_payment_error`). Any other token, and
`payment_method_id` / `confirmation_token` (saved methods are not modelled), is a 400 `INVALID_PAYMENT_SOURCE`.

Money rules: "outstanding" is the order's amount due minus what open authorizations (intents in
`requires_capture`) already hold. A payment moves money only when captured: fee `round_half_up(amount * 2.9%) + 30`,
one `payment` ledger row (signed net), the order's settlement. An attempt completes all of its intents or none.
"""

from __future__ import annotations

import copy
from datetime import datetime, timedelta
from typing import Any, Mapping, Sequence

from . import ledger, orders, pricing
from . import money as money_mod
from .errors import conflict, invalid, not_found
from .ids import new_id
from .listing import normalize_times, page, params_filters
from .money import amount_of, money, read_money
from .store import Doc, Filter, Tx, format_time

DECLINES = {
    "tok_card_declined": ("card_declined", "The card was declined."),
    "tok_insufficient_funds": ("insufficient_funds", "The card has insufficient funds."),
}
SUCCEEDS = {"tok_visa"}
THREEDS = {"tok_threeds_required"}
TOKENS = SUCCEEDS | THREEDS | set(DECLINES)
CONFIRMABLE = ("requires_payment_method", "requires_confirmation")
AUTHORIZATION_DAYS = 7
ATTEMPTS = "order_payment_attempts"
CLIENT_ACTION = {"stripe": {"account_id": "acct_sandbox", "publishable_key": "pk_test_sandbox"}}
FINAL_ATTEMPT = ("succeeded", "failed", "canceled", "expired", "partially_succeeded")


# ---------------------------------------------------------------------------------------------------- helpers


def _check_currencies(body: Mapping[str, Any]) -> None:
    """Every currency in the request (INVALID_CURRENCY / UNSUPPORTED_CURRENCY) before any business rule."""
    money_mod.check_request_currencies(body)


def _activity(order: Doc, kind: str, now: datetime, **details: Any) -> None:
    """The order activity log (orders.record_activity), when it exists."""
    record = getattr(orders, "record_activity", None)
    if record is not None:
        record(order, kind, now, **details)


def _credential(source: object, fields: Sequence[str], prefix: str, required_param: str) -> str:
    """The one test token of a payment source. `fields[0]` is the token field."""
    src = source if isinstance(source, Mapping) else {}
    given = [f for f in fields if src.get(f) is not None]
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


def _zero(pi: Doc) -> Doc:
    return money(0, pi["amount_money"]["currency"])


def new_payment_intent(
    merchant_id: str, currency: str, amount: int, capture_method: str, now: datetime, body: Mapping[str, Any],
    order_id: str | None = None,
) -> Doc:
    pid = new_id("pi")
    pi: Doc = {
        "payment_intent_id": pid,
        "merchant_id": merchant_id,
        "status": "requires_payment_method",
        "payment_flow": "api",
        "origin": "api",
        "payment_options": list(body.get("payment_options") or ["card"]),
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
        "metadata": dict(body.get("metadata") or {}),
        "created_at": format_time(now),
        "updated_at": format_time(now),
    }
    if order_id is not None:
        pi["order_id"] = order_id
    for f in ("external_reference_id", "customer_id", "receipt_email", "transaction_purpose"):
        if body.get(f) is not None:
            pi[f] = body[f]
    return pi


def _save_pi(tx: Tx, merchant_id: str, pi: Doc, *, new: bool = False) -> None:
    cols = {"order_id": pi.get("order_id"), "status": pi["status"], "currency": pi["amount_money"]["currency"]}
    if new:
        tx.insert("payment_intents", merchant_id, pi["payment_intent_id"], pi, **cols)
    else:
        tx.update("payment_intents", merchant_id, pi["payment_intent_id"], pi, **cols)


def _pending_action(pi: Doc) -> Doc:
    return {
        "pending_action_id": new_id("pact"),
        "action_type": "payment_authentication",
        "client_action": copy.deepcopy(CLIENT_ACTION),
        "subject": {"payment_intent": {"payment_intent_id": pi["payment_intent_id"]}},
    }


def _decline(pi: Doc, token: str, now: datetime) -> tuple[str, str]:
    code, message = DECLINES[token]
    pi["status"] = "requires_payment_method"
    pi["last_payment_error"] = {"code": code, "message": message, "failed_at": format_time(now)}
    pi["current_payment_action"] = None
    pi["updated_at"] = format_time(now)
    return code, message


def _require_action(pi: Doc, token: str, now: datetime) -> Doc:
    action = _pending_action(pi)
    pi["status"] = "requires_action"
    pi["current_payment_action"] = action
    pi["last_payment_error"] = None
    pi["payment_source"] = {"type": "card", "token": token}
    pi["selected_payment_option"] = "card"
    pi["updated_at"] = format_time(now)
    return action


def _collect(tx: Tx, merchant_id: str, pi: Doc, amount: int, now: datetime, order: Doc | None) -> None:
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


def _complete(tx: Tx, merchant_id: str, pi: Doc, token: str, now: datetime, order: Doc | None) -> None:
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
        _collect(tx, merchant_id, pi, amount, now, order)


# ---------------------------------------------------------------------------------------------------- orders' intents


class _OrderPis:
    """The order's payment intents, loaded once, changed in memory, saved together."""

    def __init__(self, tx: Tx, merchant_id: str, order: Doc) -> None:
        self.tx, self.merchant_id, self.order = tx, merchant_id, order
        self.by_id: dict[str, Doc] = {}
        for pid in order.get("payment_intent_ids", []):
            pi = tx.get("payment_intents", merchant_id, pid)
            if pi is not None:
                self.by_id[pid] = pi
        self.new: set[str] = set()
        self.dirty: set[str] = set()

    def add(self, pi: Doc) -> None:
        self.by_id[pi["payment_intent_id"]] = pi
        self.order["payment_intent_ids"].append(pi["payment_intent_id"])
        self.new.add(pi["payment_intent_id"])

    def touch(self, pi: Doc) -> None:
        self.dirty.add(pi["payment_intent_id"])

    def authorized(self) -> int:
        return sum(amount_of(p["capturable_money"]) for p in self.by_id.values() if p["status"] == "requires_capture")

    def staged(self) -> list[Doc]:
        return [p for p in self.by_id.values() if p["status"] in CONFIRMABLE]

    def save(self) -> None:
        for pid in self.order["payment_intent_ids"]:
            if pid in self.new:
                _save_pi(self.tx, self.merchant_id, self.by_id[pid], new=True)
            elif pid in self.dirty:
                _save_pi(self.tx, self.merchant_id, self.by_id[pid])
        cur = self.order["currency"]
        held = self.authorized()
        self.order["_sandbox"]["authorized"] = held
        amounts: Doc = {"authorized_money": money(held, cur), "capturable_money": money(held, cur)}
        expiries = [p["authorization_expires_at"] for p in self.by_id.values()
                    if p["status"] == "requires_capture" and p.get("authorization_expires_at")]
        if expiries:
            amounts["expires_at"] = min(expiries)
        self.order["authorization_amounts"] = amounts


def _fixed(order: Doc) -> list[str]:
    """Order intents created with amount_money (split legs): their amount does not follow the balance."""
    fixed: list[str] = order["_sandbox"].setdefault("fixed_amount_intents", [])
    return fixed


def _due(order: Doc) -> int:
    """The order's outstanding balance as it publishes it (settlement_amounts.outstanding_money)."""
    return amount_of(order["settlement_amounts"]["amount_due_money"])


def _outstanding(order: Doc, pis: _OrderPis) -> int:
    """What a payment may still take: the outstanding balance minus what open authorizations hold."""
    return _due(order) - pis.authorized()


def _check_expected(body: Mapping[str, Any], expected: int, currency: str) -> None:
    if body.get("expected_outstanding_money") is None:
        return
    got = read_money(body["expected_outstanding_money"], "expected_outstanding_money", currency=currency)
    if got != expected:
        raise conflict(
            "ORDER_CHANGED_REFRESH_REQUIRED",
            f"The order's outstanding balance is {expected}, not {got}: fetch the order and retry",
        )


def _open_order(order: Doc) -> None:
    if order["status"] != "open":
        raise conflict("ORDER_CLOSED", "The order is closed")


def _active_attempt(tx: Tx, merchant_id: str, order: Doc) -> Doc | None:
    rows = tx.list_docs(
        ATTEMPTS, merchant_id, [Filter("order_id", "=", order["order_id"]), Filter("status", "=", "requires_action")],
        limit=1,
    )
    return rows[0][1] if rows else None


# ---------------------------------------------------------------------------------------------------- attempts


def render_attempt(doc: Doc) -> Doc:
    return {k: copy.deepcopy(v) for k, v in doc.items() if k not in ("order_id", "created_at")}


def _new_attempt(order: Doc, mode: str, expected: int, now: datetime) -> Doc:
    return {
        "payment_attempt_id": new_id("opat"),
        "order_id": order["order_id"],
        "status": "processing",
        "mode": mode,
        "is_resumable": False,
        "expected_outstanding_money": money(expected, order["currency"]),
        "payment_intents": [],
        "pending_actions": [],
        "started_at": format_time(now),
        "created_at": format_time(now),
    }


def _leg(pi: Doc) -> Doc:
    leg: Doc = {
        "payment_intent_id": pi["payment_intent_id"],
        "amount_money": dict(pi["amount_money"]),
        "tip_money": dict(pi.get("tip_money") or _zero(pi)),
        "status": pi["status"],
    }
    if pi["status"] == "requires_capture":
        leg["capturable_money"] = dict(pi["capturable_money"])
        leg["authorization_expires_at"] = pi["authorization_expires_at"]
    if pi.get("last_payment_error"):
        leg["last_payment_error"] = dict(pi["last_payment_error"])
    return leg


def _settle_attempt(attempt: Doc, pis: Mapping[str, Doc], now: datetime) -> None:
    """The attempt's status from its intents (after a completion, capture or cancel)."""
    legs = [pis[leg["payment_intent_id"]] for leg in attempt["payment_intents"]]
    attempt["payment_intents"] = [_leg(p) for p in legs]
    statuses = {p["status"] for p in legs}
    if "requires_action" in statuses or "processing" in statuses:
        status = "requires_action"
    elif "requires_capture" in statuses:
        status = "requires_capture"
    elif statuses <= {"succeeded"}:
        status = "succeeded"
    elif statuses <= {"canceled"}:
        status = "canceled"
    else:
        status = "partially_succeeded"
    attempt["status"] = status
    attempt["is_resumable"] = status == "requires_action"
    if status != "requires_action":
        attempt["pending_actions"] = []
    if status in FINAL_ATTEMPT:
        attempt["completed_at"] = format_time(now)


def _fail_attempt(attempt: Doc, pis: Sequence[Doc], code: str, message: str, now: datetime) -> None:
    attempt["payment_intents"] = [_leg(p) for p in pis]
    attempt["status"] = "failed"
    attempt["is_resumable"] = False
    attempt["pending_actions"] = []
    attempt["failure_code"] = code
    attempt["failure_message"] = message
    attempt["completed_at"] = format_time(now)


def _save_attempt(tx: Tx, merchant_id: str, attempt: Doc, *, new: bool = False) -> None:
    cols = {"order_id": attempt["order_id"], "status": attempt["status"]}
    if new:
        tx.insert(ATTEMPTS, merchant_id, attempt["payment_attempt_id"], attempt, **cols)
    else:
        tx.update(ATTEMPTS, merchant_id, attempt["payment_attempt_id"], attempt, **cols)


def _set_active(order: Doc, attempt: Doc | None) -> None:
    if attempt is not None and attempt["status"] == "requires_action":
        order["active_payment_attempt"] = render_attempt(attempt)
    else:
        order.pop("active_payment_attempt", None)


def _load_attempt(tx: Tx, merchant_id: str, order: Doc, attempt_id: str, param: str) -> Doc:
    attempt = tx.get(ATTEMPTS, merchant_id, attempt_id)
    if attempt is None or attempt.get("order_id") != order["order_id"]:
        raise not_found("payment attempt", attempt_id, param)
    return attempt


def _run_attempt(
    tx: Tx, merchant_id: str, order: Doc, pis: _OrderPis, attempt: Doc, legs: list[tuple[Doc, str]], now: datetime
) -> None:
    """Confirm every leg with its token. A decline fails the whole attempt (no leg moves money); a 3-D Secure leg
    makes it wait for `resume` (the other legs wait with it, in `processing`); otherwise every leg completes."""
    for pi, _ in legs:
        pis.touch(pi)
    declined = next(((pi, t) for pi, t in legs if t in DECLINES), None)
    if declined is not None:
        pi, token = declined
        code, message = _decline(pi, token, now)
        for other, _ in legs:
            if other is not pi:
                other["status"] = "requires_payment_method"
                other["updated_at"] = format_time(now)
        _fail_attempt(attempt, [p for p, _ in legs], code, message, now)
        _activity(order, "payment_failed", now, payment_attempt_id=attempt["payment_attempt_id"],
                  payment_intent_id=pi["payment_intent_id"], amount_money=dict(pi["amount_money"]), failure_code=code)
        order["updated_at"] = format_time(now)
        return
    if any(t in THREEDS for _, t in legs):
        actions = []
        for pi, token in legs:
            if token in THREEDS:
                actions.append(_require_action(pi, token, now))
            else:
                pi["status"] = "processing"
                pi["payment_source"] = {"type": "card", "token": token}
                pi["updated_at"] = format_time(now)
        attempt["payment_intents"] = [_leg(p) for p, _ in legs]
        attempt["status"] = "requires_action"
        attempt["is_resumable"] = True
        attempt["pending_actions"] = actions
        order["updated_at"] = format_time(now)
        return
    for pi, token in legs:
        pi["payment_source"] = {"type": "card", "token": token}
    _finish_legs(tx, merchant_id, order, pis, attempt, [p for p, _ in legs], now)


def _finish_legs(
    tx: Tx, merchant_id: str, order: Doc, pis: _OrderPis, attempt: Doc, legs: list[Doc], now: datetime
) -> None:
    for pi in legs:
        token = (pi.get("payment_source") or {}).get("token") or "tok_visa"
        _complete(tx, merchant_id, pi, token, now, order)
        pis.touch(pi)
        if pi["status"] == "succeeded":
            _activity(order, "payment", now, payment_attempt_id=attempt["payment_attempt_id"],
                      payment_intent_id=pi["payment_intent_id"], amount_money=dict(pi["captured_money"]))
    _settle_attempt(attempt, pis.by_id, now)
    order["updated_at"] = format_time(now)


def _leg_amounts(order: Doc, pis: _OrderPis, selected: list[Doc], outstanding: int, param: str) -> None:
    """Fixed legs keep their amount; a leg that follows the balance takes what the fixed ones leave."""
    fixed = set(_fixed(order))
    fixed_total = sum(amount_of(p["amount_money"]) for p in selected if p["payment_intent_id"] in fixed)
    floating = [p for p in selected if p["payment_intent_id"] not in fixed]
    rest = outstanding - fixed_total
    if rest < 0 or (floating and rest < len(floating)):
        raise invalid("AMOUNT_EXCEEDS_BALANCE", f"The payment intents exceed the outstanding balance {outstanding}",
                      param)
    for i, p in enumerate(floating):  # several floating legs share the rest, the first takes the odd cents
        share = rest // len(floating) + (rest % len(floating) if i == 0 else 0)
        p["amount_money"] = money(share, order["currency"])


# ---------------------------------------------------------------------------------------------------- payOrder


def pay_order(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    _check_currencies(body)
    order = orders.load(tx, merchant_id, order_id)
    now = tx.now()
    action = body.get("action")
    _open_order(order)
    if action == "resume":
        return _resume(tx, merchant_id, order, body, now)
    if _active_attempt(tx, merchant_id, order) is not None:
        raise conflict("ORDER_PAYMENT_ATTEMPT_ACTIVE",
                       "The order has a payment attempt waiting for a buyer action: resume or cancel it first")
    if action == "setup":
        return _setup(tx, merchant_id, order, body, now)
    pis = _OrderPis(tx, merchant_id, order)
    outstanding = _outstanding(order, pis)
    if outstanding <= 0:
        raise conflict("ORDER_ALREADY_PAID", "Nothing is outstanding on this order"
                       + (" (an authorization holds the rest: capture or cancel it)" if pis.authorized() else ""))
    _check_expected(body, _due(order), order["currency"])
    attempt = _new_attempt(order, "payment", _due(order), now)
    if action == "confirm_payment_intents":
        legs = _selected_legs(order, pis, body, outstanding)
    else:  # "pay": the stub's discriminator (INVALID_ACTION) let only the four actions through
        token = _credential(body.get("payment_source"), ("token", "payment_method_id", "confirmation_token"),
                            "payment_source.", "payment_source")
        staged = [p for p in pis.staged() if p["status"] == "requires_payment_method"]
        if staged:
            pi = staged[-1]
            if pi["payment_intent_id"] in _fixed(order):
                _fixed(order).remove(pi["payment_intent_id"])
        else:
            pi = new_payment_intent(merchant_id, order["currency"], outstanding, "automatic", now, {},
                                    order["order_id"])
            pis.add(pi)
        pi["amount_money"] = money(outstanding, order["currency"])  # pay charges the outstanding balance
        legs = [(pi, token)]
    if body.get("buyer_email") is not None:
        for pi, _ in legs:
            pi["receipt_email"] = body["buyer_email"]
    attempt["payment_intents"] = [_leg(p) for p, _ in legs]
    _run_attempt(tx, merchant_id, order, pis, attempt, legs, now)
    _set_active(order, attempt)
    pis.save()
    _save_attempt(tx, merchant_id, attempt, new=True)
    orders.save(tx, merchant_id, order)
    return {"order": orders.render(order), "payment_attempt": render_attempt(attempt)}


def _selected_legs(order: Doc, pis: _OrderPis, body: Mapping[str, Any], outstanding: int) -> list[tuple[Doc, str]]:
    selections = body.get("payment_intents") or []
    legs: list[tuple[Doc, str]] = []
    seen: set[str] = set()
    for i, sel in enumerate(selections):
        p = f"payment_intents[{i}]"
        pid = sel.get("payment_intent_id")
        pi = pis.by_id.get(pid)
        if pi is None:
            raise not_found("payment intent", str(pid), f"{p}.payment_intent_id")
        if pid in seen:
            raise invalid("INVALID_REQUEST", "A payment intent is listed twice", f"{p}.payment_intent_id")
        seen.add(pid)
        if pi["status"] == "succeeded":
            raise conflict("PAYMENT_ALREADY_SUCCEEDED", f"Payment intent {pid} already succeeded")
        if pi["status"] not in CONFIRMABLE:
            raise conflict("PAYMENT_INTENT_CANNOT_BE_UPDATED", f"Payment intent {pid} is {pi['status']}")
        token = _credential(sel, ("token", "payment_method_id", "confirmation_token"), f"{p}.", p)
        legs.append((pi, token))
    selected = [pi for pi, _ in legs]
    _leg_amounts(order, pis, selected, outstanding, "payment_intents")
    total = sum(amount_of(pi["amount_money"]) for pi in selected)
    if total > outstanding:
        raise invalid("AMOUNT_EXCEEDS_BALANCE",
                      f"The payment intents total {total}, more than the outstanding {outstanding}", "payment_intents")
    if (body.get("completion_behavior") or "complete_order") == "complete_order" and total < outstanding:
        raise invalid(
            "INVALID_AMOUNT",
            f"The payment intents total {total} of the outstanding {outstanding}; complete_order needs all of it"
            " (send completion_behavior: partial_payment to pay part)",
            "payment_intents",
        )
    return legs


def _resume(tx: Tx, merchant_id: str, order: Doc, body: Mapping[str, Any], now: datetime) -> Doc:
    attempt = _load_attempt(tx, merchant_id, order, str(body.get("order_payment_attempt_id")),
                            "order_payment_attempt_id")
    if attempt["status"] != "requires_action":
        raise conflict("PAYMENT_ATTEMPT_NOT_RESUMABLE", f"The payment attempt is {attempt['status']}, not requires_action")
    expected = amount_of(attempt["expected_outstanding_money"])
    _check_expected(body, expected, order["currency"])
    if attempt["mode"] == "setup":
        attempt["status"] = "succeeded"
        attempt["is_resumable"] = False
        attempt["pending_actions"] = []
        attempt["completed_at"] = format_time(now)
        order["updated_at"] = format_time(now)
    else:
        pis = _OrderPis(tx, merchant_id, order)
        if _due(order) != expected:
            raise conflict("ORDER_CHANGED_REFRESH_REQUIRED",
                           "The order changed since the attempt started: cancel the attempt and pay again")
        legs = [pis.by_id[leg["payment_intent_id"]] for leg in attempt["payment_intents"]]
        _finish_legs(tx, merchant_id, order, pis, attempt, legs, now)
        pis.save()
    _set_active(order, attempt)
    _save_attempt(tx, merchant_id, attempt)
    orders.save(tx, merchant_id, order)
    return {"order": orders.render(order), "payment_attempt": render_attempt(attempt)}


def _setup(tx: Tx, merchant_id: str, order: Doc, body: Mapping[str, Any], now: datetime) -> Doc:
    if amount_of(order["pricing_amounts"]["total_money"]) != 0:
        raise invalid("SETUP_SOURCE_NON_ZERO_ORDER", "action setup needs an order with a zero total", "action")
    _check_expected(body, 0, order["currency"])
    token = _credential(body.get("setup_payment_source"), ("token",), "setup_payment_source.", "setup_payment_source")
    attempt = _new_attempt(order, "setup", 0, now)
    if token in DECLINES:
        code, message = DECLINES[token]
        _fail_attempt(attempt, [], code, message, now)
    elif token in THREEDS:
        attempt["status"] = "requires_action"
        attempt["is_resumable"] = True
        attempt["pending_actions"] = [{
            "pending_action_id": new_id("pact"),
            "action_type": "payment_method_authentication",
            "client_action": copy.deepcopy(CLIENT_ACTION),
            "subject": {"setup_payment_source": {"payment_method_id": new_id("pm")}},
        }]
    else:
        attempt["status"] = "succeeded"
        attempt["completed_at"] = format_time(now)
    order["updated_at"] = format_time(now)
    _set_active(order, attempt)
    _save_attempt(tx, merchant_id, attempt, new=True)
    orders.save(tx, merchant_id, order)
    return {"order": orders.render(order), "payment_attempt": render_attempt(attempt)}


# ---------------------------------------------------------------------------------------------------- attempts API


def list_attempts(tx: Tx, merchant_id: str, order_id: str, params: Mapping[str, Any]) -> tuple[list[Doc], str | None]:
    orders.load(tx, merchant_id, order_id)
    query = {**params, "order_id": order_id}
    return page(tx, ATTEMPTS, merchant_id, [Filter("order_id", "=", order_id)], query, render_attempt)


def get_attempt(tx: Tx, merchant_id: str, order_id: str, attempt_id: str) -> Doc:
    order = orders.load(tx, merchant_id, order_id)
    return render_attempt(_load_attempt(tx, merchant_id, order, attempt_id, "payment_attempt_id"))


def cancel_attempt(tx: Tx, merchant_id: str, order_id: str, attempt_id: str, body: Mapping[str, Any]) -> Doc:
    order = orders.load(tx, merchant_id, order_id)
    attempt = _load_attempt(tx, merchant_id, order, attempt_id, "payment_attempt_id")
    if attempt["status"] != "requires_action":
        raise conflict("PAYMENT_ATTEMPT_NOT_CANCELABLE", f"The payment attempt is {attempt['status']}")
    now = tx.now()
    pis = _OrderPis(tx, merchant_id, order)
    legs = [pis.by_id[leg["payment_intent_id"]] for leg in attempt["payment_intents"]]
    for pi in legs:
        pi["status"] = "requires_payment_method"
        pi["current_payment_action"] = None
        pi["updated_at"] = format_time(now)
        pis.touch(pi)
    attempt["payment_intents"] = [_leg(p) for p in legs]
    attempt["status"] = "canceled"
    attempt["is_resumable"] = False
    attempt["pending_actions"] = []
    attempt["completed_at"] = format_time(now)
    order["updated_at"] = format_time(now)
    _set_active(order, None)
    pis.save()
    _save_attempt(tx, merchant_id, attempt)
    orders.save(tx, merchant_id, order)
    return {"order": orders.render(order), "payment_attempt": render_attempt(attempt)}


# ---------------------------------------------------------------------------------------------------- order intents


def create_order_payment_intent(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    _check_currencies(body)
    order = orders.load(tx, merchant_id, order_id)
    now = tx.now()
    _open_order(order)
    if _active_attempt(tx, merchant_id, order) is not None:
        raise conflict("ORDER_PAYMENT_ATTEMPT_ACTIVE",
                       "The order has a payment attempt waiting for a buyer action: resume or cancel it first")
    pis = _OrderPis(tx, merchant_id, order)
    outstanding = _outstanding(order, pis)
    if amount_of(order["settlement_amounts"]["amount_due_money"]) <= 0:
        raise conflict("ORDER_ALREADY_PAID", "Nothing is outstanding on this order")
    fixed = set(_fixed(order))
    staged = pis.staged()
    if any(p["payment_intent_id"] not in fixed for p in staged):
        raise conflict("ORDER_FINANCIAL_MUTATION_NOT_ALLOWED",
                       "A payment intent already follows the order's balance: pay, confirm or cancel it first")
    uncommitted = outstanding - sum(amount_of(p["amount_money"]) for p in staged)
    if body.get("amount_money") is not None:
        amount = read_money(body["amount_money"], "amount_money", positive=True,
                            currency=order["currency"])
        if amount > uncommitted:
            raise invalid("AMOUNT_EXCEEDS_BALANCE",
                          f"amount_money {amount} exceeds the outstanding balance not yet covered ({uncommitted})",
                          "amount_money.amount")
    else:
        amount = uncommitted
        if amount <= 0:
            raise conflict("ORDER_FINANCIAL_MUTATION_NOT_ALLOWED",
                           "Open payment intents and authorizations already cover the outstanding balance")
    pi = new_payment_intent(merchant_id, order["currency"], amount, body.get("capture_method") or "automatic", now,
                            body, order["order_id"])
    pis.add(pi)
    if body.get("amount_money") is not None:
        _fixed(order).append(pi["payment_intent_id"])
    order["updated_at"] = format_time(now)
    pis.save()
    orders.save(tx, merchant_id, order)
    return {"payment_intent": pi, "payment_collection": {}}


def _load_order_pi(tx: Tx, merchant_id: str, order: Doc, pi_id: str) -> Doc:
    pi = tx.get("payment_intents", merchant_id, pi_id)
    if pi is None or pi.get("order_id") != order["order_id"]:
        raise not_found("payment intent", pi_id, "payment_intent_id")
    return pi


def _owning_attempt(tx: Tx, merchant_id: str, order: Doc, pi_id: str, statuses: Sequence[str]) -> Doc | None:
    rows = tx.list_docs(ATTEMPTS, merchant_id,
                        [Filter("order_id", "=", order["order_id"]), Filter("status", "in", list(statuses))],
                        limit=1000)
    for _, a in rows:
        if any(leg["payment_intent_id"] == pi_id for leg in a["payment_intents"]):
            return a
    return None


def _check_attempt_id(attempt: Doc | None, body: Mapping[str, Any]) -> None:
    given = body.get("order_payment_attempt_id")
    if attempt is None:
        if given is not None:
            raise invalid("PAYMENT_ATTEMPT_MISMATCH", "No payment attempt owns this payment intent",
                          "order_payment_attempt_id")
        return
    if given is None:
        raise invalid("PAYMENT_ATTEMPT_ID_REQUIRED",
                      f"Payment attempt {attempt['payment_attempt_id']} owns this payment intent: send its id",
                      "order_payment_attempt_id")
    if given != attempt["payment_attempt_id"]:
        raise invalid("PAYMENT_ATTEMPT_MISMATCH",
                      f"Payment attempt {attempt['payment_attempt_id']} owns this payment intent, not {given}",
                      "order_payment_attempt_id")


def _capture_amount(pi: Doc, body: Mapping[str, Any]) -> int:
    capturable = amount_of(pi["capturable_money"])
    m = body.get("amount_money")
    if m is None:
        return capturable
    if m["currency"] != pi["amount_money"]["currency"]:
        read_money(m, "amount_money")  # an unsupported currency keeps its own code
        raise invalid("CAPTURE_CURRENCY_MISMATCH", "Capture currency must match the authorization",
                      "amount_money.currency")
    amount = read_money(m, "amount_money", positive=True)
    if amount > capturable:
        raise invalid("CAPTURE_AMOUNT_EXCEEDS_AUTHORIZED", f"Capture of {amount} exceeds the capturable {capturable}",
                      "amount_money.amount")
    return amount


def capture(tx: Tx, merchant_id: str, order_id: str, pi_id: str, body: Mapping[str, Any]) -> Doc:
    _check_currencies(body)
    order = orders.load(tx, merchant_id, order_id)
    _load_order_pi(tx, merchant_id, order, pi_id)
    now = tx.now()
    pis = _OrderPis(tx, merchant_id, order)
    pi = pis.by_id[pi_id]
    if pi["status"] != "requires_capture":
        raise conflict("INVALID_STATUS_FOR_CAPTURE", f"A payment intent in status {pi['status']} can't be captured")
    attempt = _owning_attempt(tx, merchant_id, order, pi_id, ("requires_capture",))
    _check_attempt_id(attempt, body)
    amount = _capture_amount(pi, body)
    _collect(tx, merchant_id, pi, amount, now, order)
    pis.touch(pi)
    if attempt is not None:
        _settle_attempt(attempt, pis.by_id, now)
        _save_attempt(tx, merchant_id, attempt)
    _activity(order, "payment", now, payment_intent_id=pi_id, amount_money=dict(pi["captured_money"]),
              **({"payment_attempt_id": attempt["payment_attempt_id"]} if attempt else {}))
    pis.save()
    orders.save(tx, merchant_id, order)
    out: Doc = {"order": orders.render(order), "payment_intent": pi}
    if attempt is not None:
        out["payment_attempt"] = render_attempt(attempt)
    return out


def cancel(tx: Tx, merchant_id: str, order_id: str, pi_id: str, body: Mapping[str, Any]) -> Doc:
    order = orders.load(tx, merchant_id, order_id)
    _load_order_pi(tx, merchant_id, order, pi_id)
    now = tx.now()
    pis = _OrderPis(tx, merchant_id, order)
    pi = pis.by_id[pi_id]
    if pi["status"] not in ("requires_payment_method", "requires_confirmation", "requires_capture"):
        raise conflict("PAYMENT_INTENT_NOT_CANCELABLE", f"A payment intent in status {pi['status']} can't be canceled")
    attempt = None
    if pi["status"] == "requires_capture":
        attempt = _owning_attempt(tx, merchant_id, order, pi_id, ("requires_capture",))
        _check_attempt_id(attempt, body)
    elif body.get("order_payment_attempt_id") is not None:
        raise invalid("PAYMENT_ATTEMPT_MISMATCH", "No active payment attempt owns this payment intent",
                      "order_payment_attempt_id")
    _cancel_pi(pi, body, now)
    pis.touch(pi)
    if pi_id in _fixed(order):
        _fixed(order).remove(pi_id)
    if attempt is not None:
        _settle_attempt(attempt, pis.by_id, now)
        _save_attempt(tx, merchant_id, attempt)
    order["updated_at"] = format_time(now)
    pis.save()
    orders.save(tx, merchant_id, order)
    out: Doc = {"order": orders.render(order), "payment_intent": pi}
    if attempt is not None:
        out["payment_attempt"] = render_attempt(attempt)
    return out


def _cancel_pi(pi: Doc, body: Mapping[str, Any], now: datetime) -> None:
    cur = pi["amount_money"]["currency"]
    if pi["status"] == "requires_capture":
        pi["released_money"] = money(amount_of(pi["released_money"]) + amount_of(pi["capturable_money"]), cur)
    pi["capturable_money"] = money(0, cur)
    pi["status"] = "canceled"
    pi["current_payment_action"] = None
    pi["cancellation_reason"] = body.get("cancellation_reason") or "requested_by_customer"
    pi["updated_at"] = format_time(now)


# ---------------------------------------------------------------------------------------------------- reading intents


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


def _load_pi(tx: Tx, merchant_id: str, pi_id: str) -> Doc:
    pi = tx.get("payment_intents", merchant_id, pi_id)
    if pi is None:
        raise not_found("payment intent", pi_id, "payment_intent_id")
    return pi


def get_payment_intent(tx: Tx, merchant_id: str, pi_id: str, expand: list[str] | None = None) -> Doc:
    pi = _load_pi(tx, merchant_id, pi_id)
    if expand and "order" in expand:
        order = tx.get("orders", merchant_id, pi["order_id"]) if pi.get("order_id") else None
        pi["order"] = None if order is None else order_summary(order)
    return pi


# ---------------------------------------------------------------------------------------------------- standalone


def _standalone(pi: Doc, code: str, what: str) -> None:
    if pi.get("order_id"):
        raise conflict(code, f"Payment intent {pi['payment_intent_id']} belongs to order {pi['order_id']}: {what}"
                             " it through /v1/orders/{order_id}")


def _tip(body: Mapping[str, Any], amount: int, currency: str) -> int | None:
    if body.get("tip_money") is None:
        return None
    tip = read_money(body["tip_money"], "tip_money", currency=currency)
    if tip > amount:
        raise invalid("INVALID_AMOUNT", f"tip_money {tip} is more than amount_money {amount}", "tip_money.amount")
    return tip


def create_payment_intent(tx: Tx, merchant_id: str, body: Mapping[str, Any]) -> Doc:
    _check_currencies(body)
    amount = read_money(body["amount_money"], "amount_money", positive=True)
    currency = body["amount_money"]["currency"]
    tip = _tip(body, amount, currency)
    now = tx.now()
    pi = new_payment_intent(merchant_id, currency, amount, body.get("capture_method") or "automatic", now, body)
    if tip is not None:
        pi["tip_money"] = money(tip, currency)
    _save_pi(tx, merchant_id, pi, new=True)
    return {"payment_intent": pi, "payment_collection": {}}


def update_payment_intent(tx: Tx, merchant_id: str, pi_id: str, body: Mapping[str, Any]) -> Doc:
    _check_currencies(body)
    pi = _load_pi(tx, merchant_id, pi_id)
    _standalone(pi, "PAYMENT_INTENT_CANNOT_BE_UPDATED", "change")
    if pi["status"] not in CONFIRMABLE:
        raise conflict("PAYMENT_INTENT_CANNOT_BE_UPDATED", f"A payment intent in status {pi['status']} can't be updated")
    currency = pi["amount_money"]["currency"]
    amount = amount_of(pi["amount_money"])
    if body.get("amount_money") is not None:
        amount = read_money(body["amount_money"], "amount_money", positive=True,
                            currency=currency)
    tip = _tip(body, amount, currency)
    if tip is None and amount_of(pi["tip_money"]) > amount:
        raise invalid("INVALID_AMOUNT", "amount_money is less than the tip it includes", "amount_money.amount")
    pi["amount_money"] = money(amount, currency)
    if tip is not None:
        pi["tip_money"] = money(tip, currency)
    for f in ("customer_id", "external_reference_id", "receipt_email"):
        if body.get(f) is not None:
            pi[f] = body[f]
    if "metadata" in body and body["metadata"] is not None:
        pi["metadata"] = orders.merge_metadata(pi.get("metadata"), body["metadata"])
    pi["updated_at"] = format_time(tx.now())
    _save_pi(tx, merchant_id, pi)
    return pi


def confirm_payment_intent(tx: Tx, merchant_id: str, pi_id: str, body: Mapping[str, Any]) -> Doc:
    pi = _load_pi(tx, merchant_id, pi_id)
    _standalone(pi, "PAYMENT_INTENT_CANNOT_BE_UPDATED", "pay (action confirm_payment_intents)")
    now = tx.now()
    if pi["status"] == "requires_action":  # the buyer completed the 3-D Secure step
        _complete(tx, merchant_id, pi, (pi.get("payment_source") or {}).get("token") or "tok_visa", now, None)
    elif pi["status"] in CONFIRMABLE:
        token = _credential(body, ("payment_source_token", "payment_method_id", "confirmation_token"), "",
                            "payment_source_token")
        if token in DECLINES:
            _decline(pi, token, now)
        elif token in THREEDS:
            _require_action(pi, token, now)
        else:
            pi["payment_source"] = {"type": "card", "token": token}
            _complete(tx, merchant_id, pi, token, now, None)
    elif pi["status"] == "succeeded":
        raise conflict("PAYMENT_ALREADY_SUCCEEDED", "The payment intent already succeeded")
    else:
        raise conflict("PAYMENT_INTENT_CANNOT_BE_UPDATED", f"A payment intent in status {pi['status']} can't be confirmed")
    _save_pi(tx, merchant_id, pi)
    return pi


def capture_payment_intent(tx: Tx, merchant_id: str, pi_id: str, body: Mapping[str, Any]) -> Doc:
    _check_currencies(body)
    pi = _load_pi(tx, merchant_id, pi_id)
    _standalone(pi, "INVALID_STATUS_FOR_CAPTURE", "capture")
    if pi["status"] != "requires_capture":
        raise conflict("INVALID_STATUS_FOR_CAPTURE", f"A payment intent in status {pi['status']} can't be captured")
    amount = _capture_amount(pi, body)
    _collect(tx, merchant_id, pi, amount, tx.now(), None)
    _save_pi(tx, merchant_id, pi)
    return pi


def cancel_payment_intent(tx: Tx, merchant_id: str, pi_id: str, body: Mapping[str, Any]) -> Doc:
    pi = _load_pi(tx, merchant_id, pi_id)
    _standalone(pi, "PAYMENT_INTENT_NOT_CANCELABLE", "cancel")
    if pi["status"] in ("succeeded", "canceled", "expired"):
        raise conflict("PAYMENT_INTENT_NOT_CANCELABLE", f"A payment intent in status {pi['status']} can't be canceled")
    _cancel_pi(pi, body, tx.now())
    _save_pi(tx, merchant_id, pi)
    return pi

