"""Order payment attempts: an order's intents loaded together, running and settling an attempt, the attempts API."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any, Mapping, Sequence

from flint_api import UNSET, Unset, models

from . import orders
from .errors import conflict, invalid, not_found
from .ids import new_id
from .listing import page
from .money import amount_of, money, read_money
from .order_activities import record_activity
from .payment_intents import CONFIRMABLE, DECLINES, THREEDS, complete, decline, require_action, save_pi, zero
from .store import Doc, Filter, Tx, format_time

ATTEMPTS = "order_payment_attempts"
FINAL_ATTEMPT = ("succeeded", "failed", "canceled", "expired", "partially_succeeded")


class OrderPis:
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
                save_pi(self.tx, self.merchant_id, self.by_id[pid], new=True)
            elif pid in self.dirty:
                save_pi(self.tx, self.merchant_id, self.by_id[pid])
        cur = self.order["currency"]
        held = self.authorized()
        self.order["_sandbox"]["authorized"] = held
        amounts: Doc = {"authorized_money": money(held, cur), "capturable_money": money(held, cur)}
        expiries = [p["authorization_expires_at"] for p in self.by_id.values()
                    if p["status"] == "requires_capture" and p.get("authorization_expires_at")]
        if expiries:
            amounts["expires_at"] = min(expiries)
        self.order["authorization_amounts"] = amounts


def fixed_intents(order: Doc) -> list[str]:
    """Order intents created with amount_money (split legs): their amount does not follow the balance."""
    fixed: list[str] = order["_sandbox"].setdefault("fixed_amount_intents", [])
    return fixed


def due_of(order: Doc) -> int:
    """The order's outstanding balance as it publishes it (settlement_amounts.outstanding_money)."""
    return amount_of(order["settlement_amounts"]["amount_due_money"])


def outstanding_of(order: Doc, pis: OrderPis) -> int:
    """What a payment may still take: the outstanding balance minus what open authorizations hold."""
    return due_of(order) - pis.authorized()


PayAction = models.PayOrderPay | models.PayOrderConfirmPaymentIntents | models.PayOrderSetup | models.PayOrderResume


def check_expected(body: PayAction, expected: int, currency: str) -> None:
    if isinstance(body.expected_outstanding_money, Unset):
        return
    got = read_money(body.expected_outstanding_money, "expected_outstanding_money", currency=currency)
    if got != expected:
        raise conflict(
            "ORDER_CHANGED_REFRESH_REQUIRED",
            f"The order's outstanding balance is {expected}, not {got}: fetch the order and retry",
        )


def open_order(order: Doc) -> None:
    if order["status"] != "open":
        raise conflict("ORDER_CLOSED", "The order is closed")


def active_attempt(tx: Tx, merchant_id: str, order: Doc) -> Doc | None:
    rows = tx.list_docs(
        ATTEMPTS, merchant_id, [Filter("order_id", "=", order["order_id"]), Filter("status", "=", "requires_action")],
        limit=1,
    )
    return rows[0][1] if rows else None


def render_attempt(doc: Doc) -> Doc:
    return {k: copy.deepcopy(v) for k, v in doc.items() if k not in ("order_id", "created_at")}


def new_attempt(order: Doc, mode: str, expected: int, now: datetime) -> Doc:
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


def leg_of(pi: Doc) -> Doc:
    leg: Doc = {
        "payment_intent_id": pi["payment_intent_id"],
        "amount_money": dict(pi["amount_money"]),
        "tip_money": dict(pi.get("tip_money") or zero(pi)),
        "status": pi["status"],
    }
    if pi["status"] == "requires_capture":
        leg["capturable_money"] = dict(pi["capturable_money"])
        leg["authorization_expires_at"] = pi["authorization_expires_at"]
    if pi.get("last_payment_error"):
        leg["last_payment_error"] = dict(pi["last_payment_error"])
    return leg


def settle_attempt(attempt: Doc, pis: Mapping[str, Doc], now: datetime) -> None:
    """The attempt's status from its intents (after a completion, capture or cancel)."""
    legs = [pis[leg["payment_intent_id"]] for leg in attempt["payment_intents"]]
    attempt["payment_intents"] = [leg_of(p) for p in legs]
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


def fail_attempt(attempt: Doc, pis: Sequence[Doc], code: str, message: str, now: datetime) -> None:
    attempt["payment_intents"] = [leg_of(p) for p in pis]
    attempt["status"] = "failed"
    attempt["is_resumable"] = False
    attempt["pending_actions"] = []
    attempt["failure_code"] = code
    attempt["failure_message"] = message
    attempt["completed_at"] = format_time(now)


def save_attempt(tx: Tx, merchant_id: str, attempt: Doc, *, new: bool = False) -> None:
    cols = {"order_id": attempt["order_id"], "status": attempt["status"]}
    if new:
        tx.insert(ATTEMPTS, merchant_id, attempt["payment_attempt_id"], attempt, **cols)
    else:
        tx.update(ATTEMPTS, merchant_id, attempt["payment_attempt_id"], attempt, **cols)


def set_active(order: Doc, attempt: Doc | None) -> None:
    if attempt is not None and attempt["status"] == "requires_action":
        order["active_payment_attempt"] = render_attempt(attempt)
    else:
        order.pop("active_payment_attempt", None)


def load_attempt(tx: Tx, merchant_id: str, order: Doc, attempt_id: str, param: str) -> Doc:
    attempt = tx.get(ATTEMPTS, merchant_id, attempt_id)
    if attempt is None or attempt.get("order_id") != order["order_id"]:
        raise not_found("payment attempt", attempt_id, param)
    return attempt


def run_attempt(
    tx: Tx, merchant_id: str, order: Doc, pis: OrderPis, attempt: Doc, legs: list[tuple[Doc, str]], now: datetime
) -> None:
    """Confirm every leg with its token. A decline fails the whole attempt (no leg moves money); a 3-D Secure leg
    makes it wait for `resume` (the other legs wait with it, in `processing`); otherwise every leg completes."""
    for pi, _ in legs:
        pis.touch(pi)
    declined = next(((pi, t) for pi, t in legs if t in DECLINES), None)
    if declined is not None:
        pi, token = declined
        code, message = decline(pi, token, now)
        for other, _ in legs:
            if other is not pi:
                other["status"] = "requires_payment_method"
                other["updated_at"] = format_time(now)
        fail_attempt(attempt, [p for p, _ in legs], code, message, now)
        record_activity(order, "payment_failed", now, payment_attempt_id=attempt["payment_attempt_id"],
                        payment_intent_id=pi["payment_intent_id"], amount_money=dict(pi["amount_money"]),
                        failure_code=code)
        order["updated_at"] = format_time(now)
        return
    if any(t in THREEDS for _, t in legs):
        actions = []
        for pi, token in legs:
            if token in THREEDS:
                actions.append(require_action(pi, token, now))
            else:
                pi["status"] = "processing"
                pi["payment_source"] = {"type": "card", "token": token}
                pi["updated_at"] = format_time(now)
        attempt["payment_intents"] = [leg_of(p) for p, _ in legs]
        attempt["status"] = "requires_action"
        attempt["is_resumable"] = True
        attempt["pending_actions"] = actions
        order["updated_at"] = format_time(now)
        return
    for pi, token in legs:
        pi["payment_source"] = {"type": "card", "token": token}
    finish_legs(tx, merchant_id, order, pis, attempt, [p for p, _ in legs], now)


def finish_legs(
    tx: Tx, merchant_id: str, order: Doc, pis: OrderPis, attempt: Doc, legs: list[Doc], now: datetime
) -> None:
    for pi in legs:
        token = (pi.get("payment_source") or {}).get("token") or "tok_visa"
        complete(tx, merchant_id, pi, token, now, order)
        pis.touch(pi)
        if pi["status"] == "succeeded":
            record_activity(order, "payment", now, payment_attempt_id=attempt["payment_attempt_id"],
                            payment_intent_id=pi["payment_intent_id"], amount_money=dict(pi["captured_money"]))
    settle_attempt(attempt, pis.by_id, now)
    order["updated_at"] = format_time(now)


def leg_amounts(order: Doc, pis: OrderPis, selected: list[Doc], outstanding: int, param: str) -> None:
    """Fixed legs keep their amount; a leg that follows the balance takes what the fixed ones leave."""
    fixed = set(fixed_intents(order))
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


def list_attempts(tx: Tx, merchant_id: str, order_id: str, params: Mapping[str, Any]) -> tuple[list[Doc], str | None]:
    orders.load(tx, merchant_id, order_id)
    query = {**params, "order_id": order_id}
    return page(tx, ATTEMPTS, merchant_id, [Filter("order_id", "=", order_id)], query, render_attempt)


def get_attempt(tx: Tx, merchant_id: str, order_id: str, attempt_id: str) -> Doc:
    order = orders.load(tx, merchant_id, order_id)
    return render_attempt(load_attempt(tx, merchant_id, order, attempt_id, "payment_attempt_id"))


def cancel_attempt(tx: Tx, merchant_id: str, order_id: str, attempt_id: str,
                   body: models.CancelOrderPaymentAttemptRequest | Unset = UNSET) -> Doc:
    """The buyer step is abandoned: the attempt is canceled (its cancellation_reason is not recorded)."""
    order = orders.load(tx, merchant_id, order_id)
    attempt = load_attempt(tx, merchant_id, order, attempt_id, "payment_attempt_id")
    if attempt["status"] != "requires_action":
        raise conflict("PAYMENT_ATTEMPT_NOT_CANCELABLE", f"The payment attempt is {attempt['status']}")
    now = tx.now()
    pis = OrderPis(tx, merchant_id, order)
    legs = [pis.by_id[leg["payment_intent_id"]] for leg in attempt["payment_intents"]]
    for pi in legs:
        pi["status"] = "requires_payment_method"
        pi["current_payment_action"] = None
        pi["updated_at"] = format_time(now)
        pis.touch(pi)
    attempt["payment_intents"] = [leg_of(p) for p in legs]
    attempt["status"] = "canceled"
    attempt["is_resumable"] = False
    attempt["pending_actions"] = []
    attempt["completed_at"] = format_time(now)
    order["updated_at"] = format_time(now)
    set_active(order, None)
    pis.save()
    save_attempt(tx, merchant_id, attempt)
    orders.save(tx, merchant_id, order)
    return {"order": orders.render(order), "payment_attempt": render_attempt(attempt)}


# ---------------------------------------------------------------------------------------------------- order intents
