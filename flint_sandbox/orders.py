"""Orders: the stored document, reading and listing it, saving it, and what payments and refunds record on it.

An order is stored as its API document plus a private `_sandbox` section (stripped before it leaves the
server). `order_pricing.reprice` recomputes every derived field from the inputs in the document, so there is
one place where `pricing_amounts` and `settlement_amounts` are produced; the editing operations are in
order_edits, the request inputs they read in order_inputs, the activity log in order_activities.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any, Mapping

from . import pricing
from .errors import conflict, found, invalid
from .listing import normalize_times, page, params_filters
from .money import amount_of, money
from .order_activities import write_activity
from .order_pricing import reprice
from .store import Doc, Tx

MAX_LINE_ITEMS = 100
ORDER_COLUMNS = ("status", "payment_status", "refund_status", "total", "currency", "customer_id")


def load(tx: Tx, merchant_id: str, order_id: str, param: str | None = None) -> Doc:
    return found(tx.get("orders", merchant_id, order_id), "order", order_id, param)


_PRIVATE = ("_sandbox", "currency")  # currency is stored for the other modules; the Order has no currency field


def render(doc: Doc) -> Doc:
    return {k: copy.deepcopy(v) for k, v in doc.items() if k not in _PRIVATE}


def get_order(tx: Tx, merchant_id: str, order_id: str, expand: list[str] | None = None) -> Doc:
    doc = load(tx, merchant_id, order_id)
    out = render(doc)
    for path in expand or []:
        if path == "payment_intents":
            from .payment_intents import expanded_summary  # payments build on orders; the summary shape is theirs

            out["payment_intents"] = [
                expanded_summary(pi)
                for pid in doc.get("payment_intent_ids", [])
                if (pi := tx.get("payment_intents", merchant_id, pid))
            ]
    return out


ORDER_LIST_FILTERS: dict[str, tuple[str, str]] = {
    "status": ("status", "="),
    "payment_status": ("payment_status", "in"),
    "refund_status": ("refund_status", "in"),
    "customer_id": ("customer_id", "="),
    "created_after": ("created_at", ">="),
    "created_before": ("created_at", "<="),
    "min_amount": ("total", ">="),
    "max_amount": ("total", "<="),
    "currency": ("currency", "="),
}


def list_orders(tx: Tx, merchant_id: str, params: Mapping[str, Any]) -> tuple[list[Doc], str | None]:
    p = normalize_times(params)
    if (p.get("min_amount") is not None or p.get("max_amount") is not None) and p.get("currency") is None:
        raise invalid("INVALID_QUERY_PARAMETER", "min_amount and max_amount require currency", "currency")
    filters = params_filters(p, ORDER_LIST_FILTERS)
    return page(tx, "orders", merchant_id, filters, p, render)


ACTIVITY_FILTERS: dict[str, tuple[str, str]] = {"order_id": ("order_id", "="), "type": ("activity_type", "in")}


def list_activities(tx: Tx, merchant_id: str, order_id: str, params: Mapping[str, Any]) -> tuple[list[Doc], str | None]:
    load(tx, merchant_id, order_id)
    p = {**params, "order_id": order_id}
    oldest_first = (p.get("sort_direction") or "asc") == "asc"
    return page(tx, "order_activities", merchant_id, params_filters(p, ACTIVITY_FILTERS), p, render,
                oldest_first=oldest_first)


def save(tx: Tx, merchant_id: str, doc: Doc, *, new: bool = False) -> None:
    """Store the order: every save of an existing order is a change (order_revision + 1); activities recorded on
    the document since it was loaded are written in the same transaction."""
    pending = doc["_sandbox"].pop("pending_activities", [])
    if not new:
        doc["order_revision"] = int(doc.get("order_revision", 1)) + 1
    cols = {
        "status": doc["status"],
        "payment_status": doc["payment_status"],
        "refund_status": doc["refund_status"],
        "total": doc["pricing_amounts"]["total_money"]["amount"],
        "currency": doc["currency"],
        "customer_id": doc.get("customer_id"),
    }
    if new:
        tx.insert("orders", merchant_id, doc["order_id"], doc, **cols)
    else:
        tx.update("orders", merchant_id, doc["order_id"], doc, **cols)
    for a in pending:
        write_activity(tx, merchant_id, doc, a["activity_type"], a["balance_after"], a["created_at"], a["details"])


def ensure_mutable(doc: Doc) -> None:
    if doc["status"] != "open":
        raise conflict("ORDER_CLOSED", "The order is closed and can't be changed")
    sa = doc["settlement_amounts"]
    if amount_of(sa["paid_money"]) > 0 or doc["_sandbox"]["authorized"] > 0 or doc["_sandbox"]["paid_once"]:
        raise conflict("ORDER_FINANCIAL_MUTATION_NOT_ALLOWED",
                       "The order has payments or authorizations and can't be re-priced")


def record_payment(doc: Doc, amount: int, now: datetime) -> None:
    """A captured payment lands on the order (called inside the payment's transaction)."""
    sa = doc["settlement_amounts"]
    sa["paid_money"] = money(amount_of(sa["paid_money"]) + amount, doc["currency"])
    doc["_sandbox"]["paid_once"] = True
    for d in doc["applied_discounts"]:
        if d["status"] == "pending":
            d["status"] = "redeemed"
    reprice(doc, now)


def record_refund(doc: Doc, amount: int, now: datetime) -> list[tuple[str, int]]:
    """A refund lands on the order: settlement, per-line refunded amounts and statuses, in one go."""
    cur = doc["currency"]
    lines = doc["line_items"]
    shares = pricing.allocate_refund(
        amount, [amount_of(li["total_money"]) for li in lines], [amount_of(li["refunded_money"]) for li in lines]
    )
    allocations = []
    for li, share in zip(lines, shares):
        if share:
            refunded = amount_of(li["refunded_money"]) + share
            li["refunded_money"] = money(refunded, cur)
            total = amount_of(li["total_money"])
            li["refunded_quantity"] = li["quantity"] if refunded >= total else (refunded * li["quantity"]) // max(total, 1)
            allocations.append((li["order_line_item_id"], share))
    sa = doc["settlement_amounts"]
    sa["refunded_money"] = money(amount_of(sa["refunded_money"]) + amount, cur)
    reprice(doc, now)
    return allocations
