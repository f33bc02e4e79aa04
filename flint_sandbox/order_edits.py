"""Editing orders from the typed request models: create, update, line items, charges, discounts, close."""

from __future__ import annotations

import copy
from datetime import datetime

from flint_api import Unset, models

from . import pricing
from .errors import conflict, invalid, not_found
from .ids import new_id
from .money import check_request_currencies, money, read_money
from .order_activities import record_activity
from .order_inputs import (
    checked_metadata, currency_of, merge_metadata, new_charge, new_discount, new_line_item, new_tip,
    promotion_not_found, tax_input,
)
from .order_pricing import DEFAULT_TAX, millionths, reprice, reprice_for
from .orders import MAX_LINE_ITEMS, ensure_mutable, load, render, save
from .request_models import RequestModel, opt, wire
from .store import Doc, Tx, format_time



def _texts(body: models.CreateOrderRequest | models.UpdateOrderRequest) -> dict[str, str]:
    """The order's free-text fields the request sets (none of them is nullable)."""
    sent = {"buyer_note": body.buyer_note, "internal_note": body.internal_note, "customer_id": body.customer_id,
            "external_reference_id": body.external_reference_id}
    return {k: v for k, v in sent.items() if not isinstance(v, Unset)}


def _set_tip(doc: Doc, body: models.TipInput | None, now: datetime) -> str | None:
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


def create_order(tx: Tx, merchant_id: str, body: models.CreateOrderRequest) -> Doc:
    now = tx.now()
    check_request_currencies(body)
    items = body.line_items  # at least one: the schema's minItems
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
        "tax": dict(DEFAULT_TAX) if isinstance(body.tax, Unset) else tax_input(body.tax),
        "authorization_amounts": {"authorized_money": money(0, currency), "capturable_money": money(0, currency)},
        "buyer_actions": [],
        "payment_intent_ids": [],
        "refund_ids": [],
        "metadata": checked_metadata(opt(body.metadata) or {}, "metadata"),
        "created_at": format_time(now),
        "updated_at": format_time(now),
        "_sandbox": {"paid_once": False, "authorized": 0},
    }
    doc["_creating"] = True
    for i, d in enumerate(opt(body.discounts) or []):
        doc["applied_discounts"].append(new_discount(d, f"discounts[{i}]", doc))
    del doc["_creating"]
    for key, text in _texts(body).items():
        doc[key] = text
    if not isinstance(body.requested_tip, Unset):
        _set_tip(doc, body.requested_tip, now)
    reprice(doc, now)
    record_activity(doc, "created", now)
    save(tx, merchant_id, doc, new=True)
    return render(doc)


def update_order(tx: Tx, merchant_id: str, order_id: str, body: models.UpdateOrderRequest) -> Doc:
    doc = load(tx, merchant_id, order_id)
    now = tx.now()
    check_request_currencies(body)
    rev = body.order_revision
    if not isinstance(rev, Unset) and rev != doc.get("order_revision", 1):
        raise conflict("ORDER_REVISION_MISMATCH",
                       f"order_revision {rev} is not the order's current revision {doc.get('order_revision', 1)}",
                       "order_revision")
    if doc["status"] != "open":
        raise conflict("ORDER_CLOSED", "The order is closed and can't be changed")
    if not isinstance(body.tax, Unset) or not isinstance(body.requested_tip, Unset):
        ensure_mutable(doc)
    activities: list[str] = []
    texts = _texts(body)
    doc.update(texts)
    if not isinstance(body.metadata, Unset):
        doc["metadata"] = merge_metadata(doc.get("metadata"), body.metadata)
    if texts or not isinstance(body.metadata, Unset):
        activities.append("order_updated")
    if not isinstance(body.tax, Unset):
        doc["tax"] = tax_input(body.tax)
        activities.append("tax_updated")
    tip_ids: dict[str, str] = {}
    if not isinstance(body.requested_tip, Unset):
        tip_id = doc["_sandbox"].get("tip_id")
        kind = _set_tip(doc, body.requested_tip, now)
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


def _part(tx: Tx, merchant_id: str, order_id: str, body: RequestModel | None, part: str, id_field: str,
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


def add_line_items(tx: Tx, merchant_id: str, order_id: str, body: models.AddOrderLineItemsRequest) -> Doc:
    doc = load(tx, merchant_id, order_id)
    check_request_currencies(body)
    ensure_mutable(doc)
    items = body.line_items  # at least one: the schema's minItems
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


def update_line_item(tx: Tx, merchant_id: str, order_id: str, line_id: str,
                     body: models.UpdateOrderLineItemRequest) -> Doc:
    doc, i = _part(tx, merchant_id, order_id, body, "line_items", "order_line_item_id", line_id, "line item")
    li = doc["line_items"][i]
    for k, v in (("name", body.name), ("description", body.description), ("quantity", body.quantity)):
        if not isinstance(v, Unset):
            li[k] = v
    if not isinstance(body.unit_price_money, Unset):
        price = read_money(body.unit_price_money, "unit_price_money", currency=doc["currency"])
        li["unit_price_money"] = money(price, doc["currency"])
    if not isinstance(body.metadata, Unset):
        li["metadata"] = merge_metadata(li.get("metadata"), body.metadata)
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


def add_charge(tx: Tx, merchant_id: str, order_id: str, body: models.AddOrderChargeRequest) -> Doc:
    doc = load(tx, merchant_id, order_id)
    check_request_currencies(body)
    ensure_mutable(doc)
    now = tx.now()
    c = new_charge(body.charge, "charge", doc["currency"], now)
    doc["charges"].append(c)
    reprice(doc, now)
    return _saved(tx, merchant_id, doc, now, "charge_added", order_charge_id=c["order_charge_id"])


def update_charge(tx: Tx, merchant_id: str, order_id: str, charge_id: str,
                  body: models.UpdateOrderChargeRequest) -> Doc:
    """Sparse charge update: amount_money makes it a fixed charge (percent cleared), percent a percent charge."""
    doc, i = _part(tx, merchant_id, order_id, body, "charges", "order_charge_id", charge_id, "charge")
    c = doc["charges"][i]
    if not isinstance(body.amount_money, Unset) and not isinstance(body.percent, Unset):
        raise invalid("INVALID_REQUEST", "send at most one of amount_money or percent", None)
    if not isinstance(body.amount_money, Unset):
        c["amount_money"] = money(read_money(body.amount_money, "amount_money", currency=doc["currency"]),
                                  doc["currency"])
        c.pop("percent", None)
    if not isinstance(body.percent, Unset):
        c["percent"] = pricing.millionths_to_percent(millionths(body.percent, "percent"))
        c.pop("amount_money", None)
    if not isinstance(body.calculation_basis, Unset):
        c["calculation_basis"] = wire(body.calculation_basis)  # one of the two bases: the schema's enum
    for k, v in (("name", body.name), ("type", body.type_), ("description", body.description)):
        if not isinstance(v, Unset):
            c[k] = wire(v)
    if not isinstance(body.metadata, Unset):
        c["metadata"] = merge_metadata(c.get("metadata"), body.metadata)
    now = tx.now()
    c["updated_at"] = format_time(now)
    reprice(doc, now)
    return _saved(tx, merchant_id, doc, now, "charge_updated", order_charge_id=charge_id)


def delete_charge(tx: Tx, merchant_id: str, order_id: str, charge_id: str) -> Doc:
    return _remove_part(tx, merchant_id, order_id, "charges", "order_charge_id", charge_id, "charge", "charge_removed")


def apply_discount(tx: Tx, merchant_id: str, order_id: str, body: models.DiscountInput) -> Doc:
    """applyOrderDiscount: one DiscountInput."""
    doc = load(tx, merchant_id, order_id)
    check_request_currencies(body)
    ensure_mutable(doc)
    d = new_discount(body, None, doc)
    doc["applied_discounts"].append(d)
    now = tx.now()
    reprice(doc, now)
    return _saved(tx, merchant_id, doc, now, "discount_applied", order_discount_id=d["order_discount_id"])


def remove_discounts(tx: Tx, merchant_id: str, order_id: str, body: models.RemoveOrderDiscountsRequest) -> Doc:
    doc = load(tx, merchant_id, order_id)
    ids = list(body.order_discount_ids)
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


def preview_discounts(tx: Tx, merchant_id: str, order_id: str, body: models.DiscountPreviewRequest | Unset) -> Doc:
    """No promotions catalog: nothing to preview (a promotion in the body is 404 PROMOTION_NOT_FOUND)."""
    load(tx, merchant_id, order_id)
    discount = None if isinstance(body, Unset) else opt(body.discount)
    if discount is not None and not isinstance(discount.promotion, Unset):
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


def close_order(tx: Tx, merchant_id: str, order_id: str, body: models.CloseOrderRequest) -> Doc:
    doc = load(tx, merchant_id, order_id)
    if doc["status"] != "open":
        raise conflict("ORDER_CLOSED", "The order is already closed")
    if doc["_sandbox"]["authorized"] > 0:
        raise conflict("ORDER_FINANCIAL_MUTATION_NOT_ALLOWED", "Capture or cancel the open authorization before closing")
    now = tx.now()
    doc["status"] = "closed"
    if not isinstance(body.reason_message, Unset):
        doc["closed_reason"] = body.reason_message
    for d in doc["applied_discounts"]:
        if d["status"] == "pending":
            d["status"] = "canceled"
    if not doc["_sandbox"]["paid_once"]:
        reprice(doc, now)
    else:
        doc["updated_at"] = format_time(now)
    return _saved(tx, merchant_id, doc, now, "closed")
