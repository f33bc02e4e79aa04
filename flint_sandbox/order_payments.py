"""Paying an order (pay, confirm_payment_intents, setup, resume) and its own intents (create, capture, cancel)."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Sequence

from flint_api import UnknownVariant, Unset, models

from . import orders
from .errors import conflict, invalid, not_found
from .ids import new_id
from .money import amount_of, check_request_currencies, money, read_money
from .order_activities import record_activity
from .request_models import opt, wire
from .payment_attempts import (
    ATTEMPTS, OrderPis, active_attempt, check_expected, due_of, fail_attempt, finish_legs, fixed_intents, leg_amounts,
    leg_of, load_attempt, new_attempt, open_order, outstanding_of, render_attempt, run_attempt, save_attempt,
    set_active, settle_attempt,
)
from .payment_intents import (
    CLIENT_ACTION, CONFIRMABLE, DECLINES, THREEDS, capture_method_of, collect, credential, new_payment_intent,
)
from .store import Doc, Filter, Tx, format_time


def pay_order(tx: Tx, merchant_id: str, order_id: str, body: models.PayOrderRequest) -> Doc:
    # the stub's discriminator (INVALID_ACTION) lets only the four actions through
    assert not isinstance(body, UnknownVariant)
    check_request_currencies(body)
    order = orders.load(tx, merchant_id, order_id)
    now = tx.now()
    open_order(order)
    if isinstance(body, models.PayOrderResume):
        return _resume(tx, merchant_id, order, body, now)
    if active_attempt(tx, merchant_id, order) is not None:
        raise conflict("ORDER_PAYMENT_ATTEMPT_ACTIVE",
                       "The order has a payment attempt waiting for a buyer action: resume or cancel it first")
    if isinstance(body, models.PayOrderSetup):
        return _setup(tx, merchant_id, order, body, now)
    pis = OrderPis(tx, merchant_id, order)
    outstanding = outstanding_of(order, pis)
    if outstanding <= 0:
        raise conflict("ORDER_ALREADY_PAID", "Nothing is outstanding on this order"
                       + (" (an authorization holds the rest: capture or cancel it)" if pis.authorized() else ""))
    check_expected(body, due_of(order), order["currency"])
    attempt = new_attempt(order, "payment", due_of(order), now)
    if isinstance(body, models.PayOrderConfirmPaymentIntents):
        legs = _selected_legs(order, pis, body, outstanding)
    else:  # "pay"
        token = credential(opt(body.payment_source), ("token", "payment_method_id", "confirmation_token"),
                           "payment_source.", "payment_source")
        staged = [p for p in pis.staged() if p["status"] == "requires_payment_method"]
        if staged:
            pi = staged[-1]
            if pi["payment_intent_id"] in fixed_intents(order):
                fixed_intents(order).remove(pi["payment_intent_id"])
        else:
            pi = new_payment_intent(merchant_id, order["currency"], outstanding, "automatic", now, None,
                                    order["order_id"])
            pis.add(pi)
        pi["amount_money"] = money(outstanding, order["currency"])  # pay charges the outstanding balance
        legs = [(pi, token)]
    if not isinstance(body.buyer_email, Unset):
        for pi, _ in legs:
            pi["receipt_email"] = body.buyer_email
    attempt["payment_intents"] = [leg_of(p) for p, _ in legs]
    run_attempt(tx, merchant_id, order, pis, attempt, legs, now)
    set_active(order, attempt)
    pis.save()
    save_attempt(tx, merchant_id, attempt, new=True)
    orders.save(tx, merchant_id, order)
    return {"order": orders.render(order), "payment_attempt": render_attempt(attempt)}


def _selected_legs(order: Doc, pis: OrderPis, body: models.PayOrderConfirmPaymentIntents,
                   outstanding: int) -> list[tuple[Doc, str]]:
    legs: list[tuple[Doc, str]] = []
    seen: set[str] = set()
    for i, sel in enumerate(body.payment_intents):
        p = f"payment_intents[{i}]"
        pid = sel.payment_intent_id
        pi = pis.by_id.get(pid)
        if pi is None:
            raise not_found("payment intent", pid, f"{p}.payment_intent_id")
        if pid in seen:
            raise invalid("INVALID_REQUEST", "A payment intent is listed twice", f"{p}.payment_intent_id")
        seen.add(pid)
        if pi["status"] == "succeeded":
            raise conflict("PAYMENT_ALREADY_SUCCEEDED", f"Payment intent {pid} already succeeded")
        if pi["status"] not in CONFIRMABLE:
            raise conflict("PAYMENT_INTENT_CANNOT_BE_UPDATED", f"Payment intent {pid} is {pi['status']}")
        token = credential(sel, ("token", "payment_method_id", "confirmation_token"), f"{p}.", p)
        legs.append((pi, token))
    selected = [pi for pi, _ in legs]
    leg_amounts(order, pis, selected, outstanding, "payment_intents")
    total = sum(amount_of(pi["amount_money"]) for pi in selected)
    if total > outstanding:
        raise invalid("AMOUNT_EXCEEDS_BALANCE",
                      f"The payment intents total {total}, more than the outstanding {outstanding}", "payment_intents")
    if (opt(body.completion_behavior) or "complete_order") == "complete_order" and total < outstanding:
        raise invalid(
            "INVALID_AMOUNT",
            f"The payment intents total {total} of the outstanding {outstanding}; complete_order needs all of it"
            " (send completion_behavior: partial_payment to pay part)",
            "payment_intents",
        )
    return legs


def _resume(tx: Tx, merchant_id: str, order: Doc, body: models.PayOrderResume, now: datetime) -> Doc:
    attempt = load_attempt(tx, merchant_id, order, body.order_payment_attempt_id, "order_payment_attempt_id")
    if attempt["status"] != "requires_action":
        raise conflict("PAYMENT_ATTEMPT_NOT_RESUMABLE", f"The payment attempt is {attempt['status']}, not requires_action")
    expected = amount_of(attempt["expected_outstanding_money"])
    check_expected(body, expected, order["currency"])
    if attempt["mode"] == "setup":
        attempt["status"] = "succeeded"
        attempt["is_resumable"] = False
        attempt["pending_actions"] = []
        attempt["completed_at"] = format_time(now)
        order["updated_at"] = format_time(now)
    else:
        pis = OrderPis(tx, merchant_id, order)
        if due_of(order) != expected:
            raise conflict("ORDER_CHANGED_REFRESH_REQUIRED",
                           "The order changed since the attempt started: cancel the attempt and pay again")
        legs = [pis.by_id[leg["payment_intent_id"]] for leg in attempt["payment_intents"]]
        finish_legs(tx, merchant_id, order, pis, attempt, legs, now)
        pis.save()
    set_active(order, attempt)
    save_attempt(tx, merchant_id, attempt)
    orders.save(tx, merchant_id, order)
    return {"order": orders.render(order), "payment_attempt": render_attempt(attempt)}


def _setup(tx: Tx, merchant_id: str, order: Doc, body: models.PayOrderSetup, now: datetime) -> Doc:
    if amount_of(order["pricing_amounts"]["total_money"]) != 0:
        raise invalid("SETUP_SOURCE_NON_ZERO_ORDER", "action setup needs an order with a zero total", "action")
    check_expected(body, 0, order["currency"])
    token = credential(body.setup_payment_source, ("token",), "setup_payment_source.", "setup_payment_source")
    attempt = new_attempt(order, "setup", 0, now)
    if token in DECLINES:
        code, message = DECLINES[token]
        fail_attempt(attempt, [], code, message, now)
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
    set_active(order, attempt)
    save_attempt(tx, merchant_id, attempt, new=True)
    orders.save(tx, merchant_id, order)
    return {"order": orders.render(order), "payment_attempt": render_attempt(attempt)}


# ---------------------------------------------------------------------------------------------------- attempts API


def create_order_payment_intent(tx: Tx, merchant_id: str, order_id: str,
                                body: models.CreateOrderPaymentIntentRequest) -> Doc:
    check_request_currencies(body)
    order = orders.load(tx, merchant_id, order_id)
    now = tx.now()
    open_order(order)
    if active_attempt(tx, merchant_id, order) is not None:
        raise conflict("ORDER_PAYMENT_ATTEMPT_ACTIVE",
                       "The order has a payment attempt waiting for a buyer action: resume or cancel it first")
    pis = OrderPis(tx, merchant_id, order)
    outstanding = outstanding_of(order, pis)
    if amount_of(order["settlement_amounts"]["amount_due_money"]) <= 0:
        raise conflict("ORDER_ALREADY_PAID", "Nothing is outstanding on this order")
    fixed = set(fixed_intents(order))
    staged = pis.staged()
    if any(p["payment_intent_id"] not in fixed for p in staged):
        raise conflict("ORDER_FINANCIAL_MUTATION_NOT_ALLOWED",
                       "A payment intent already follows the order's balance: pay, confirm or cancel it first")
    uncommitted = outstanding - sum(amount_of(p["amount_money"]) for p in staged)
    if not isinstance(body.amount_money, Unset):
        amount = read_money(body.amount_money, "amount_money", positive=True, currency=order["currency"])
        if amount > uncommitted:
            raise invalid("AMOUNT_EXCEEDS_BALANCE",
                          f"amount_money {amount} exceeds the outstanding balance not yet covered ({uncommitted})",
                          "amount_money.amount")
    else:
        amount = uncommitted
        if amount <= 0:
            raise conflict("ORDER_FINANCIAL_MUTATION_NOT_ALLOWED",
                           "Open payment intents and authorizations already cover the outstanding balance")
    pi = new_payment_intent(merchant_id, order["currency"], amount, capture_method_of(body), now, body,
                            order["order_id"])
    pis.add(pi)
    if not isinstance(body.amount_money, Unset):
        fixed_intents(order).append(pi["payment_intent_id"])
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


def _check_attempt_id(attempt: Doc | None, body: models.CaptureOrderPaymentRequest | models.CancelOrderPaymentRequest
                      ) -> None:
    given = opt(body.order_payment_attempt_id)
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


def capture_amount(pi: Doc, body: models.CaptureOrderPaymentRequest | models.CapturePaymentIntentRequest) -> int:
    capturable = amount_of(pi["capturable_money"])
    m = body.amount_money
    if isinstance(m, Unset):
        return capturable
    if m.currency != pi["amount_money"]["currency"]:
        read_money(m, "amount_money")  # an unsupported currency keeps its own code
        raise invalid("CAPTURE_CURRENCY_MISMATCH", "Capture currency must match the authorization",
                      "amount_money.currency")
    amount = read_money(m, "amount_money", positive=True)
    if amount > capturable:
        raise invalid("CAPTURE_AMOUNT_EXCEEDS_AUTHORIZED", f"Capture of {amount} exceeds the capturable {capturable}",
                      "amount_money.amount")
    return amount


def _lifecycle_saved(tx: Tx, merchant_id: str, order: Doc, pis: OrderPis, pi: Doc, attempt: Doc | None) -> Doc:
    """Store the order and its intents after a capture or a cancel; the OrderPaymentLifecycle answer."""
    pis.save()
    orders.save(tx, merchant_id, order)
    out: Doc = {"order": orders.render(order), "payment_intent": pi}
    if attempt is not None:
        out["payment_attempt"] = render_attempt(attempt)
    return out


def capture(tx: Tx, merchant_id: str, order_id: str, pi_id: str, body: models.CaptureOrderPaymentRequest) -> Doc:
    check_request_currencies(body)
    order = orders.load(tx, merchant_id, order_id)
    _load_order_pi(tx, merchant_id, order, pi_id)
    now = tx.now()
    pis = OrderPis(tx, merchant_id, order)
    pi = pis.by_id[pi_id]
    if pi["status"] != "requires_capture":
        raise conflict("INVALID_STATUS_FOR_CAPTURE", f"A payment intent in status {pi['status']} can't be captured")
    attempt = _owning_attempt(tx, merchant_id, order, pi_id, ("requires_capture",))
    _check_attempt_id(attempt, body)
    amount = capture_amount(pi, body)
    collect(tx, merchant_id, pi, amount, now, order)
    pis.touch(pi)
    if attempt is not None:
        settle_attempt(attempt, pis.by_id, now)
        save_attempt(tx, merchant_id, attempt)
    record_activity(order, "payment", now, payment_intent_id=pi_id, amount_money=dict(pi["captured_money"]),
                    **({"payment_attempt_id": attempt["payment_attempt_id"]} if attempt else {}))
    return _lifecycle_saved(tx, merchant_id, order, pis, pi, attempt)


def cancel(tx: Tx, merchant_id: str, order_id: str, pi_id: str, body: models.CancelOrderPaymentRequest) -> Doc:
    order = orders.load(tx, merchant_id, order_id)
    _load_order_pi(tx, merchant_id, order, pi_id)
    now = tx.now()
    pis = OrderPis(tx, merchant_id, order)
    pi = pis.by_id[pi_id]
    if pi["status"] not in ("requires_payment_method", "requires_confirmation", "requires_capture"):
        raise conflict("PAYMENT_INTENT_NOT_CANCELABLE", f"A payment intent in status {pi['status']} can't be canceled")
    attempt = None
    if pi["status"] == "requires_capture":
        attempt = _owning_attempt(tx, merchant_id, order, pi_id, ("requires_capture",))
        _check_attempt_id(attempt, body)
    elif not isinstance(body.order_payment_attempt_id, Unset):
        raise invalid("PAYMENT_ATTEMPT_MISMATCH", "No active payment attempt owns this payment intent",
                      "order_payment_attempt_id")
    cancel_pi(pi, body, now)
    pis.touch(pi)
    if pi_id in fixed_intents(order):
        fixed_intents(order).remove(pi_id)
    if attempt is not None:
        settle_attempt(attempt, pis.by_id, now)
        save_attempt(tx, merchant_id, attempt)
    order["updated_at"] = format_time(now)
    return _lifecycle_saved(tx, merchant_id, order, pis, pi, attempt)


def cancel_pi(pi: Doc, body: models.CancelOrderPaymentRequest | models.CancelPaymentIntentRequest, now: datetime
              ) -> None:
    cur = pi["amount_money"]["currency"]
    if pi["status"] == "requires_capture":
        pi["released_money"] = money(amount_of(pi["released_money"]) + amount_of(pi["capturable_money"]), cur)
    pi["capturable_money"] = money(0, cur)
    pi["status"] = "canceled"
    pi["current_payment_action"] = None
    reason = opt(body.cancellation_reason)
    pi["cancellation_reason"] = "requested_by_customer" if reason is None else wire(reason)
    pi["updated_at"] = format_time(now)


# ---------------------------------------------------------------------------------------------------- reading intents
