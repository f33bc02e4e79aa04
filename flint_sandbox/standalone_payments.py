"""Standalone payment intents (no order): create, update, confirm, capture and cancel."""

from __future__ import annotations

from flint_api import Unset, models

from .errors import conflict, invalid
from .money import amount_of, check_request_currencies, money, read_money
from .order_inputs import merge_metadata
from .order_payments import cancel_pi, capture_amount
from .payment_intents import (
    CONFIRMABLE, DECLINES, THREEDS, capture_method_of, collect, complete, credential, decline, load_pi,
    new_payment_intent, require_action, save_pi,
)
from .store import Doc, Tx, format_time


def _standalone(pi: Doc, code: str, what: str) -> None:
    if pi.get("order_id"):
        raise conflict(code, f"Payment intent {pi['payment_intent_id']} belongs to order {pi['order_id']}: {what}"
                             " it through /v1/orders/{order_id}")


def _tip(body: models.CreatePaymentIntentRequest | models.UpdatePaymentIntentRequest, amount: int,
         currency: str) -> int | None:
    if isinstance(body.tip_money, Unset):
        return None
    tip = read_money(body.tip_money, "tip_money", currency=currency)
    if tip > amount:
        raise invalid("INVALID_AMOUNT", f"tip_money {tip} is more than amount_money {amount}", "tip_money.amount")
    return tip


def create_payment_intent(tx: Tx, merchant_id: str, body: models.CreatePaymentIntentRequest) -> Doc:
    check_request_currencies(body)
    amount = read_money(body.amount_money, "amount_money", positive=True)
    currency = body.amount_money.currency
    tip = _tip(body, amount, currency)
    now = tx.now()
    pi = new_payment_intent(merchant_id, currency, amount, capture_method_of(body), now, body)
    if tip is not None:
        pi["tip_money"] = money(tip, currency)
    save_pi(tx, merchant_id, pi, new=True)
    return {"payment_intent": pi, "payment_collection": {}}


def update_payment_intent(tx: Tx, merchant_id: str, pi_id: str, body: models.UpdatePaymentIntentRequest) -> Doc:
    check_request_currencies(body)
    pi = load_pi(tx, merchant_id, pi_id)
    _standalone(pi, "PAYMENT_INTENT_CANNOT_BE_UPDATED", "change")
    if pi["status"] not in CONFIRMABLE:
        raise conflict("PAYMENT_INTENT_CANNOT_BE_UPDATED", f"A payment intent in status {pi['status']} can't be updated")
    currency = pi["amount_money"]["currency"]
    amount = amount_of(pi["amount_money"])
    if not isinstance(body.amount_money, Unset):
        amount = read_money(body.amount_money, "amount_money", positive=True, currency=currency)
    tip = _tip(body, amount, currency)
    if tip is None and amount_of(pi["tip_money"]) > amount:
        raise invalid("INVALID_AMOUNT", "amount_money is less than the tip it includes", "amount_money.amount")
    pi["amount_money"] = money(amount, currency)
    if tip is not None:
        pi["tip_money"] = money(tip, currency)
    for f, value in (("customer_id", body.customer_id), ("external_reference_id", body.external_reference_id),
                     ("receipt_email", body.receipt_email)):
        if not isinstance(value, Unset):
            pi[f] = value
    if not isinstance(body.metadata, Unset) and body.metadata is not None:
        pi["metadata"] = merge_metadata(pi.get("metadata"), body.metadata)
    pi["updated_at"] = format_time(tx.now())
    save_pi(tx, merchant_id, pi)
    return pi


def confirm_payment_intent(tx: Tx, merchant_id: str, pi_id: str, body: models.ConfirmPaymentIntentRequest) -> Doc:
    pi = load_pi(tx, merchant_id, pi_id)
    _standalone(pi, "PAYMENT_INTENT_CANNOT_BE_UPDATED", "pay (action confirm_payment_intents)")
    now = tx.now()
    if pi["status"] == "requires_action":  # the buyer completed the 3-D Secure step
        complete(tx, merchant_id, pi, (pi.get("payment_source") or {}).get("token") or "tok_visa", now, None)
    elif pi["status"] in CONFIRMABLE:
        token = credential(body, ("payment_source_token", "payment_method_id", "confirmation_token"), "",
                            "payment_source_token")
        if token in DECLINES:
            decline(pi, token, now)
        elif token in THREEDS:
            require_action(pi, token, now)
        else:
            pi["payment_source"] = {"type": "card", "token": token}
            complete(tx, merchant_id, pi, token, now, None)
    elif pi["status"] == "succeeded":
        raise conflict("PAYMENT_ALREADY_SUCCEEDED", "The payment intent already succeeded")
    else:
        raise conflict("PAYMENT_INTENT_CANNOT_BE_UPDATED", f"A payment intent in status {pi['status']} can't be confirmed")
    save_pi(tx, merchant_id, pi)
    return pi


def capture_payment_intent(tx: Tx, merchant_id: str, pi_id: str, body: models.CapturePaymentIntentRequest) -> Doc:
    check_request_currencies(body)
    pi = load_pi(tx, merchant_id, pi_id)
    _standalone(pi, "INVALID_STATUS_FOR_CAPTURE", "capture")
    if pi["status"] != "requires_capture":
        raise conflict("INVALID_STATUS_FOR_CAPTURE", f"A payment intent in status {pi['status']} can't be captured")
    amount = capture_amount(pi, body)
    collect(tx, merchant_id, pi, amount, tx.now(), None)
    save_pi(tx, merchant_id, pi)
    return pi


def cancel_payment_intent(tx: Tx, merchant_id: str, pi_id: str, body: models.CancelPaymentIntentRequest) -> Doc:
    pi = load_pi(tx, merchant_id, pi_id)
    _standalone(pi, "PAYMENT_INTENT_NOT_CANCELABLE", "cancel")
    if pi["status"] in ("succeeded", "canceled", "expired"):
        raise conflict("PAYMENT_INTENT_NOT_CANCELABLE", f"A payment intent in status {pi['status']} can't be canceled")
    cancel_pi(pi, body, tx.now())
    save_pi(tx, merchant_id, pi)
    return pi
