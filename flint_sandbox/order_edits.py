"""The order-editing operations: create and update an order, its line items, charges, discounts, and closing it."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any, Mapping

from . import pricing
from .errors import conflict, invalid, not_found
from .ids import new_id
from .money import check_request_currencies, money, read_money
from .order_activities import record_activity
from .order_inputs import (
    CHARGE_TEXT, checked_metadata, currency_of, merge_metadata, new_charge, new_discount, new_line_item, new_tip,
    promotion_not_found, tax_input,
)
from .order_pricing import DEFAULT_TAX, millionths, reprice, reprice_for
from .orders import MAX_LINE_ITEMS, ensure_mutable, load, render, save
from .store import Doc, Tx, format_time

_TEXT_FIELDS = ("buyer_note", "internal_note", "customer_id", "external_reference_id")


def _set_tip(doc: Doc, body: Mapping[str, Any] | None, now: datetime) -> str | None:
    """Replace (or with None clear) the requested tip; returns the activity type."""
    state = doc["_sandbox"]
    had = doc.get("requested_tip") is not None
    if body is None:
        if not had:
            return None
        doc.pop("requested_tip", None)
        return "requested_tip_removed"
    doc["requested_tip"] = new_tip(body, "requested_tip", doc["currency"])
    if not had:
        state["tip_id"] = new_id("tip")
        state["tip_created_at"] = format_time(now)
    state["tip_updated_at"] = format_time(now)
    return "requested_tip_updated" if had else "requested_tip_added"


def create_order(tx: Tx, merchant_id: str, body: Mapping[str, Any]) -> Doc:
    now = tx.now()
    check_request_currencies(body)
    items = list(body["line_items"])  # at least one: the schema's minItems
    currency = currency_of(items, None, "line_items")
    order_id = new_id("ord")
    doc: Doc = {
        "order_id": order_id,
        "order_revision": 1,
        "merchant_id": merchant_id,
        "origin": "api",
        "status": "open",
        "payment_status": "unpaid",
        "refund_status": "none",
        "currency": currency,  # stored for the other modules; not part of the Order document (render drops it)
        "line_items": [new_line_item(it, f"line_items[{i}]", currency, now) for i, it in enumerate(items)],
        "applied_discounts": [],
        "charges": [],
        "tax": tax_input(body["tax"]) if body.get("tax") is not None else dict(DEFAULT_TAX),
        "authorization_amounts": {"authorized_money": money(0, currency), "capturable_money": money(0, currency)},
        "buyer_actions": [],
        "payment_intent_ids": [],
        "refund_ids": [],
        "metadata": checked_metadata(body.get("metadata") or {}, "metadata"),
        "created_at": format_time(now),
        "updated_at": format_time(now),
        "_sandbox": {"paid_once": False, "authorized": 0},
    }
    doc["_creating"] = True
    for i, d in enumerate(body.get("discounts") or []):
        doc["applied_discounts"].append(new_discount(d, f"discounts[{i}]", doc))
    del doc["_creating"]
    for key in _TEXT_FIELDS:
        if body.get(key) is not None:
            doc[key] = body[key]
    if body.get("requested_tip") is not None:
        _set_tip(doc, body["requested_tip"], now)
    reprice(doc, now)
    record_activity(doc, "created", now)
    save(tx, merchant_id, doc, new=True)
    return render(doc)


def update_order(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    doc = load(tx, merchant_id, order_id)
    now = tx.now()
    check_request_currencies(body)
    rev = body.get("order_revision")
    if rev is not None and rev != doc.get("order_revision", 1):
        raise conflict("ORDER_REVISION_MISMATCH",
                       f"order_revision {rev} is not the order's current revision {doc.get('order_revision', 1)}",
                       "order_revision")
    if doc["status"] != "open":
        raise conflict("ORDER_CLOSED", "The order is closed and can't be changed")
    if "tax" in body or "requested_tip" in body:
        ensure_mutable(doc)
    activities: list[str] = []
    for key in _TEXT_FIELDS:
        if key in body:
            if body[key] is None:
                doc.pop(key, None)
            else:
                doc[key] = body[key]
    if "metadata" in body:
        doc["metadata"] = merge_metadata(doc.get("metadata"), body["metadata"])
    if any(k in body for k in (*_TEXT_FIELDS, "metadata")):
        activities.append("order_updated")
    if "tax" in body:
        doc["tax"] = dict(DEFAULT_TAX) if body["tax"] is None else tax_input(body["tax"])
        activities.append("tax_updated")
    tip_ids: dict[str, str] = {}
    if "requested_tip" in body:
        tip_id = doc["_sandbox"].get("tip_id")
        kind = _set_tip(doc, body["requested_tip"], now)
        if kind:
            activities.append(kind)
            tip_ids["order_tip_id"] = doc["_sandbox"].get("tip_id") or tip_id or ""
    reprice(doc, now)
    for kind in activities:
        record_activity(doc, kind, now, **(tip_ids if kind.startswith("requested_tip") else {}))
    save(tx, merchant_id, doc)
    return render(doc)


def _find(items: list[Doc], key: str, id: str, kind: str) -> int:
    for i, item in enumerate(items):
        if item[key] == id:
            return i
    raise not_found(kind, id)


def _part(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any] | None, part: str, id_field: str,
          part_id: str, what: str) -> tuple[Doc, int]:
    """The order and the index of the line item or charge a request changes: the request's currencies checked,
    and a missing part is 404 before the order's state is judged."""
    doc = load(tx, merchant_id, order_id)
    if body is not None:
        check_request_currencies(body)
    i = _find(doc[part], id_field, part_id, what)
    ensure_mutable(doc)
    return doc, i


def _saved(tx: Tx, merchant_id: str, doc: Doc, now: datetime, activity: str, **ids: str) -> Doc:
    """A repriced order with one change: logged, stored, and rendered for the answer."""
    record_activity(doc, activity, now, **ids)
    save(tx, merchant_id, doc)
    return render(doc)


def add_line_items(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    doc = load(tx, merchant_id, order_id)
    check_request_currencies(body)
    ensure_mutable(doc)
    items = list(body["line_items"])  # at least one: the schema's minItems
    if len(doc["line_items"]) + len(items) > MAX_LINE_ITEMS:  # with the lines the order already has
        raise invalid("TOO_MANY_LINE_ITEMS", f"An order holds at most {MAX_LINE_ITEMS} line items", "line_items")
    currency_of(items, doc["currency"], "line_items")
    now = tx.now()
    existing = len(doc["line_items"])
    new_lines = [new_line_item(it, f"line_items[{i}]", doc["currency"], now) for i, it in enumerate(items)]
    doc["line_items"].extend(new_lines)
    reprice_for(doc, now, lambda i: f"line_items[{i - existing}].quantity" if i >= existing else None)
    for li in new_lines:
        record_activity(doc, "line_item_added", now, order_line_item_id=li["order_line_item_id"])
    save(tx, merchant_id, doc)
    return render(doc)


def update_line_item(tx: Tx, merchant_id: str, order_id: str, line_id: str, body: Mapping[str, Any]) -> Doc:
    doc, i = _part(tx, merchant_id, order_id, body, "line_items", "order_line_item_id", line_id, "line item")
    li = doc["line_items"][i]
    if body.get("name") is not None:
        li["name"] = body["name"]
    if "description" in body:
        if body["description"] is None:
            li.pop("description", None)
        else:
            li["description"] = body["description"]
    if body.get("quantity") is not None:
        li["quantity"] = body["quantity"]
    if body.get("unit_price_money") is not None:
        price = read_money(
            body["unit_price_money"], "unit_price_money", currency=doc["currency"]
        )
        li["unit_price_money"] = money(price, doc["currency"])
    if "metadata" in body:
        li["metadata"] = merge_metadata(li.get("metadata"), body["metadata"])
    li["version"] = int(li.get("version", 1)) + 1
    now = tx.now()
    reprice_for(doc, now, lambda j: "quantity" if j == i else None)
    return _saved(tx, merchant_id, doc, now, "line_item_updated", order_line_item_id=line_id)


def _remove_part(tx: Tx, merchant_id: str, order_id: str, part: str, id_field: str, part_id: str, what: str,
                 activity: str) -> Doc:
    """Remove one line item or charge and reprice."""
    doc, i = _part(tx, merchant_id, order_id, None, part, id_field, part_id, what)
    del doc[part][i]
    now = tx.now()
    reprice(doc, now)
    return _saved(tx, merchant_id, doc, now, activity, **{id_field: part_id})


def delete_line_item(tx: Tx, merchant_id: str, order_id: str, line_id: str) -> Doc:
    return _remove_part(tx, merchant_id, order_id, "line_items", "order_line_item_id", line_id, "line item",
                        "line_item_removed")


def add_charge(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    doc = load(tx, merchant_id, order_id)
    check_request_currencies(body)
    ensure_mutable(doc)
    now = tx.now()
    c = new_charge(body["charge"], "charge", doc["currency"], now)
    doc["charges"].append(c)
    reprice(doc, now)
    return _saved(tx, merchant_id, doc, now, "charge_added", order_charge_id=c["order_charge_id"])


def update_charge(tx: Tx, merchant_id: str, order_id: str, charge_id: str, body: Mapping[str, Any]) -> Doc:
    """Sparse charge update: amount_money makes it a fixed charge (percent cleared), percent a percent charge."""
    doc, i = _part(tx, merchant_id, order_id, body, "charges", "order_charge_id", charge_id, "charge")
    c = doc["charges"][i]
    if body.get("amount_money") is not None and body.get("percent") is not None:
        raise invalid("INVALID_REQUEST", "send at most one of amount_money or percent", None)
    if body.get("amount_money") is not None:
        c["amount_money"] = money(read_money(body["amount_money"], "amount_money", currency=doc["currency"]),
                                  doc["currency"])
        c.pop("percent", None)
    if body.get("percent") is not None:
        c["percent"] = pricing.millionths_to_percent(millionths(body["percent"], "percent"))
        c.pop("amount_money", None)
    if body.get("calculation_basis") is not None:
        if body["calculation_basis"] not in ("subtotal_pre_discount", "subtotal_post_discount"):
            raise invalid("INVALID_REQUEST", "unknown calculation_basis", "calculation_basis")
        c["calculation_basis"] = body["calculation_basis"]
    for k in CHARGE_TEXT:
        if body.get(k) is not None:
            c[k] = body[k]
    if "metadata" in body:
        c["metadata"] = merge_metadata(c.get("metadata"), body["metadata"])
    now = tx.now()
    c["updated_at"] = format_time(now)
    reprice(doc, now)
    return _saved(tx, merchant_id, doc, now, "charge_updated", order_charge_id=charge_id)


def delete_charge(tx: Tx, merchant_id: str, order_id: str, charge_id: str) -> Doc:
    return _remove_part(tx, merchant_id, order_id, "charges", "order_charge_id", charge_id, "charge", "charge_removed")


def apply_discount(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    """applyOrderDiscount: one DiscountInput."""
    doc = load(tx, merchant_id, order_id)
    check_request_currencies(body)
    ensure_mutable(doc)
    d = new_discount(body, None, doc)
    doc["applied_discounts"].append(d)
    now = tx.now()
    reprice(doc, now)
    return _saved(tx, merchant_id, doc, now, "discount_applied", order_discount_id=d["order_discount_id"])


def remove_discounts(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    doc = load(tx, merchant_id, order_id)
    ids = [str(i) for i in (body.get("order_discount_ids") or [])]
    existing = {d["order_discount_id"]: d for d in doc["applied_discounts"]}
    for i, did in enumerate(ids):
        if did not in existing:
            raise not_found("discount", did, f"order_discount_ids[{i}]")
    ensure_mutable(doc)
    for did in ids:
        if existing[did]["status"] != "pending":
            raise conflict("ORDER_FINANCIAL_MUTATION_NOT_ALLOWED", "Redeemed or canceled discounts are settlement history")
    gone = set(ids)
    doc["applied_discounts"] = [d for d in doc["applied_discounts"] if d["order_discount_id"] not in gone]
    now = tx.now()
    reprice(doc, now)
    for did in dict.fromkeys(ids):
        record_activity(doc, "discount_removed", now, order_discount_id=did)
    save(tx, merchant_id, doc)
    return render(doc)


def preview_discounts(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    """No promotions catalog: nothing to preview (a promotion in the body is 404 PROMOTION_NOT_FOUND)."""
    load(tx, merchant_id, order_id)
    if (body.get("discount") or {}).get("promotion") is not None:
        raise promotion_not_found("discount.promotion")
    return {"applied": [], "available": [], "skipped": []}


def reprice_discounts(tx: Tx, merchant_id: str, order_id: str) -> Doc:
    """Recompute the order's discounts and amounts (same change rule); stored only when something changed."""
    doc = load(tx, merchant_id, order_id)
    ensure_mutable(doc)
    before = copy.deepcopy(doc)
    reprice(doc, tx.now())
    if {**doc, "updated_at": None} == {**before, "updated_at": None}:
        return render(before)
    save(tx, merchant_id, doc)
    return render(doc)


def close_order(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    doc = load(tx, merchant_id, order_id)
    if doc["status"] != "open":
        raise conflict("ORDER_CLOSED", "The order is already closed")
    if doc["_sandbox"]["authorized"] > 0:
        raise conflict("ORDER_FINANCIAL_MUTATION_NOT_ALLOWED", "Capture or cancel the open authorization before closing")
    now = tx.now()
    doc["status"] = "closed"
    if body.get("reason_message") is not None:
        doc["closed_reason"] = body["reason_message"]
    for d in doc["applied_discounts"]:
        if d["status"] == "pending":
            d["status"] = "canceled"
    if not doc["_sandbox"]["paid_once"]:
        reprice(doc, now)
    else:
        doc["updated_at"] = format_time(now)
    return _saved(tx, merchant_id, doc, now, "closed")
