"""The order activity log (GET /v1/orders/{id}/activities): recording an order's events as rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from .ids import ulid
from .money import amount_of, money
from .order_pricing import balance_of
from .store import Doc, Filter, Tx, format_time


ACTIVITY_ID_FIELDS = ("order_line_item_id", "order_discount_id", "order_charge_id", "order_tip_id",
                      "payment_intent_id", "refund_id", "checkout_session_id", "fulfillment_id")
_ACTIVITY_ALIASES = {"refund_created": "refund", "payment_succeeded": "payment", "payment_captured": "payment"}
_DESCRIPTIONS = {
    "created": "Order created", "line_item_added": "Line item added", "line_item_updated": "Line item updated",
    "line_item_removed": "Line item removed", "discount_applied": "Discount applied",
    "discount_removed": "Discount removed", "tax_updated": "Tax updated", "requested_tip_added": "Tip requested",
    "requested_tip_updated": "Requested tip updated", "requested_tip_removed": "Requested tip removed",
    "charge_added": "Charge added", "charge_updated": "Charge updated", "charge_removed": "Charge removed",
    "order_updated": "Order updated", "closed": "Order closed", "payment": "Payment received",
    "payment_failed": "Payment failed", "refund": "Refund created", "refund_failed": "Refund failed",
}


def _last_balance(tx: Tx, merchant_id: str, order_id: str) -> int:
    rows = tx.list_docs("order_activities", merchant_id, [Filter("order_id", "=", order_id)], None, 1, False)
    return amount_of(rows[0][1]["running_balance_money"]) if rows else 0


def write_activity(tx: Tx, merchant_id: str, order: Doc, kind: str, after: int, created_at: str,
                    details: Mapping[str, Any]) -> Doc:
    kind = _ACTIVITY_ALIASES.get(kind, kind)
    cur = order["currency"]
    rows = tx.list_docs("order_activities", merchant_id, [Filter("order_id", "=", order["order_id"])], None, 1, False)
    before = amount_of(rows[0][1]["running_balance_money"]) if rows else 0
    seq = (rows[0][1].get("_sandbox", {}).get("seq", 0) if rows else 0) + 1
    # Sortable within one instant: the row id carries the order's activity sequence after the ULID time part.
    u = ulid()
    activity_id = f"oact_{u[:10]}{seq:06d}{u[16:]}"
    description = details.get("description")
    if not isinstance(description, str):
        description = _DESCRIPTIONS.get(kind, kind.replace("_", " ").capitalize())
        m = details.get("amount_money")
        if isinstance(m, Mapping) and "amount" in m:
            description += f" ({m['amount']} {m.get('currency', cur)})"
    doc: Doc = {
        "order_activity_id": activity_id,
        "order_id": order["order_id"],
        "activity_type": kind,
        "description": description,
        "balance_delta_money": money(after - before, cur),
        "running_balance_money": money(after, cur),
        "created_at": created_at,
        **{k: details[k] for k in ACTIVITY_ID_FIELDS if isinstance(details.get(k), str)},
        "_sandbox": {"seq": seq},
    }
    tx.insert("order_activities", merchant_id, activity_id, doc, order_id=order["order_id"], activity_type=kind)
    return doc


def record_activity(first: Any, *rest: Any, **details: Any) -> None:
    """Record one event in an order's activity log (GET /v1/orders/{id}/activities). Two call forms:

    - `record_activity(order, activity_type, now, **details)`: before `orders.save(tx, merchant_id, order)`; the
      row is written by that save, in the same transaction (the balance is the order's as it is now).
    - `record_activity(tx, merchant_id, order, activity_type, **details)`: written at once (after a save).

    `details`: the related ids (`order_line_item_id`, `order_discount_id`, `order_charge_id`, `order_tip_id`,
    `payment_intent_id`, `refund_id`, ...), optionally `description` or `amount_money` (for the description); other
    keys are ignored. balance_delta_money / running_balance_money come from the order's balance (total - paid)
    against the previous activity's running balance. Aliases: refund_created -> refund.
    """
    if isinstance(first, dict):
        order, kind, now = first, rest[0], rest[1]
        created = format_time(now) if isinstance(now, datetime) else str(now)
        order["_sandbox"].setdefault("pending_activities", []).append(
            {"activity_type": kind, "balance_after": balance_of(order), "created_at": created,
             "details": {k: v for k, v in details.items() if isinstance(v, (str, int, dict))}}
        )
        return
    tx, merchant_id, order, kind = first, rest[0], rest[1], rest[2]
    write_activity(tx, merchant_id, order, kind, balance_of(order), format_time(tx.now()), details)
