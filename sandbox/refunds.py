"""Refunds, validated against the order's settlement inside the same transaction that records them.

Lifecycle (documented in the spec): `pending` when created; `succeeded` once the sandbox clock is one day past
its creation (advance it with `flint-sandbox clock advance`). The sandbox never fails a refund.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from . import faults, ledger, orders
from .errors import invalid, not_found
from .ids import new_id
from .listing import normalize_times, page, params_filters
from .money import amount_of, money, read_money
from .store import Doc, Filter, Tx, format_time

SETTLE_AFTER = timedelta(days=1)


def render(doc: Doc, now: datetime) -> Doc:
    out = {k: v for k, v in doc.items() if k != "_sandbox"}
    if out["status"] == "pending" and out["created_at"] <= format_time(now - SETTLE_AFTER):
        out["status"] = "succeeded"
    return out


def create_refund(tx: Tx, merchant_id: str, body: Mapping[str, Any], idempotency_key: str | None) -> Doc:
    now = tx.now()
    order_id, pi_id = body.get("order_id"), body.get("payment_intent_id")
    pi: Doc | None = None
    if pi_id is not None:
        pi = tx.get("payment_intents", merchant_id, pi_id)
        if pi is None:
            raise not_found("payment intent", pi_id, "payment_intent_id")
        if order_id is not None and pi.get("order_id") != order_id:
            raise not_found("payment intent", pi_id, "payment_intent_id")
        order_id = pi.get("order_id")
    if order_id is None:
        raise invalid("FIELD_REQUIRED", "order_id or payment_intent_id is required", "order_id")
    order = orders.load(tx, merchant_id, order_id, "order_id")
    cur = order["currency"]
    sa = order["settlement_amounts"]
    paid, refunded = amount_of(sa["paid_money"]), amount_of(sa["refunded_money"])
    skip_checks = faults.on("refund_skips_settlement_check")
    if paid == 0 and not skip_checks:
        raise invalid("NO_PAYMENTS_FOR_ORDER", "The order has no settled payments to refund", "order_id")
    refundable = paid - refunded
    if pi is not None:
        refundable = min(refundable, amount_of(pi["captured_money"]) - amount_of(pi["refunded_money"]))
    if body.get("amount_money") is not None:
        amount = read_money(body["amount_money"], "amount_money", positive=True, currency=cur)
    else:
        amount = refundable
    if (amount > refundable or amount <= 0) and not skip_checks:
        raise invalid(
            "AMOUNT_EXCEEDS_REFUNDABLE",
            f"Refund of {amount} exceeds the refundable {max(refundable, 0)}",
            "amount_money.amount" if body.get("amount_money") is not None else "order_id",
        )

    refund_id = new_id("re")
    # Spread over the order's captured payments, oldest first (or the one named).
    intents = [pi] if pi is not None else [
        p for pid in order["payment_intent_ids"] if (p := tx.get("payment_intents", merchant_id, pid)) and p["status"] == "succeeded"
    ]
    left = amount
    payment_refunds = []
    for p in intents:
        room = amount_of(p["captured_money"]) - amount_of(p["refunded_money"])
        take = min(room, left) if p is not intents[-1] else left
        if take <= 0:
            continue
        left -= take
        new_refunded = amount_of(p["refunded_money"]) + take
        p["refunded_money"] = money(new_refunded, cur)
        p["refund_status"] = "refunded" if new_refunded >= amount_of(p["captured_money"]) else "partially_refunded"
        p["updated_at"] = format_time(now)
        tx.update("payment_intents", merchant_id, p["payment_intent_id"], p, status=p["status"])
        payment_refunds.append({"payment_intent_id": p["payment_intent_id"], "amount": take})

    # The tip is refunded last, mirroring how it is settled last.
    settled_tip = amount_of(sa["settled_tip_money"])

    def tip_part(total_refunded: int) -> int:
        return max(0, min(settled_tip, total_refunded - (paid - settled_tip)))

    refunded_tip = tip_part(refunded + amount) - tip_part(refunded)
    allocations: list[tuple[str, int]] = []
    if not faults.on("stale_order_after_refund"):
        allocations = orders.record_refund(order, amount, now)
        order["refund_ids"].append(refund_id)
        orders.save(tx, merchant_id, order)

    txn = ledger.post(
        tx, merchant_id, type="refund", amount=-amount, fee=0, currency=cur,
        related=("refund", refund_id), order_id=order_id,
    )
    doc: Doc = {
        "refund_id": refund_id,
        "order_id": order_id,
        "payment_intent_id": None,
        "amount_money": money(amount, cur),
        "status": "pending",
        "reason": body.get("reason"),
        "line_item_allocations": [
            {"order_line_item_id": lid, "amount_money": money(a, cur)} for lid, a in allocations
        ],
        "metadata": dict(body.get("metadata") or {}),
        "created_at": format_time(now),
        "updated_at": format_time(now),
        "_sandbox": {
            "payment_refunds": payment_refunds,
            "refunded_tip": refunded_tip,
            "balance_transaction_id": txn["balance_transaction_id"],
            "idempotency_key": idempotency_key,
        },
    }
    if pi is not None:
        doc["payment_intent_id"] = pi["payment_intent_id"]
    elif len(payment_refunds) == 1:
        doc["payment_intent_id"] = payment_refunds[0]["payment_intent_id"]
    for key in ("reason_message", "external_reference_id"):
        if body.get(key) is not None:
            doc[key] = body[key]
    tx.insert(
        "refunds", merchant_id, refund_id, doc,
        order_id=order_id, payment_intent_id=doc.get("payment_intent_id"), status="pending", amount=amount, currency=cur,
    )
    return render(doc, now)


def _expand(tx: Tx, merchant_id: str, doc: Doc, expand: list[str] | None) -> Doc:
    for path in expand or []:
        if path == "order" and doc.get("order_id"):
            o = tx.get("orders", merchant_id, doc["order_id"])
            if o is not None:  # expanded fields are not nullable: absent when there is nothing to embed
                doc["order"] = orders.render(o)
        elif path == "payment_intent" and doc.get("payment_intent_id"):
            pi = tx.get("payment_intents", merchant_id, doc["payment_intent_id"])
            if pi is not None:
                doc["payment_intent"] = pi
    return doc


def get_refund(tx: Tx, merchant_id: str, refund_id: str, expand: list[str] | None = None) -> Doc:
    doc = tx.get("refunds", merchant_id, refund_id)
    if doc is None:
        raise not_found("refund", refund_id)
    return _expand(tx, merchant_id, render(doc, tx.now()), expand)


def update_refund(tx: Tx, merchant_id: str, refund_id: str, body: Mapping[str, Any]) -> Doc:
    doc = tx.get("refunds", merchant_id, refund_id)
    if doc is None:
        raise not_found("refund", refund_id)
    if "metadata" in body:
        doc["metadata"] = orders.merge_metadata(doc.get("metadata"), body["metadata"])
    doc["updated_at"] = format_time(tx.now())
    tx.update("refunds", merchant_id, refund_id, doc, status=doc["status"])
    return render(doc, tx.now())


REFUND_FILTERS: dict[str, tuple[str, str]] = {
    "order_id": ("order_id", "="),
    "payment_intent_id": ("payment_intent_id", "="),
    "currency": ("currency", "="),
    "min_amount": ("amount", ">="),
    "max_amount": ("amount", "<="),
    "created_after": ("created_at", ">="),
    "created_before": ("created_at", "<="),
}


def list_refunds(tx: Tx, merchant_id: str, params: Mapping[str, Any]) -> tuple[list[Doc], str | None]:
    p = normalize_times(params)
    if (p.get("min_amount") is not None or p.get("max_amount") is not None) and p.get("currency") is None:
        raise invalid("INVALID_PARAMETER", "min_amount and max_amount require currency", "currency")
    filters = params_filters(p, REFUND_FILTERS)
    now = tx.now()
    cutoff = format_time(now - SETTLE_AFTER)
    status = p.get("status")
    if status == "pending":
        filters.append(Filter("created_at", ">", cutoff))
    elif status == "succeeded":
        filters.append(Filter("created_at", "<=", cutoff))
    elif status is not None:
        filters.append(Filter("id", "=", ""))  # no refund in the sandbox reaches other statuses
    docs, token = page(tx, "refunds", merchant_id, filters, p)
    return [render(d, now) for d in docs], token
