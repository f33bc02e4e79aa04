"""Orders: the stored document, repricing, and the order-editing operations.

An order is stored as its API document plus a private `_sandbox` section (stripped before it leaves the
server). `reprice` recomputes every derived field from the inputs in the document, so there is one place where
`pricing_amounts` and `settlement_amounts` are produced.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Any, Callable, Mapping

from . import pricing
from .errors import DomainError, conflict, invalid, not_found, reject_reserved_metadata
from .ids import new_id, ulid
from .listing import normalize_times, page, params_filters
from .money import amount_of, check_currency, check_request_currencies, money, read_money
from .store import Doc, Filter, Tx, format_time

MAX_LINE_ITEMS = 100
ORDER_COLUMNS = ("status", "payment_status", "refund_status", "total", "currency", "customer_id")
_TEXT_FIELDS = ("buyer_note", "internal_note", "customer_id", "external_reference_id")


# ---------------------------------------------------------------------------------------------------- reading


def load(tx: Tx, merchant_id: str, order_id: str, param: str | None = None) -> Doc:
    doc = tx.get("orders", merchant_id, order_id)
    if doc is None:
        raise not_found("order", order_id, param)
    return doc


_PRIVATE = ("_sandbox", "currency")  # currency is stored for the other modules; the Order has no currency field


def render(doc: Doc) -> Doc:
    return {k: copy.deepcopy(v) for k, v in doc.items() if k not in _PRIVATE}


def get_order(tx: Tx, merchant_id: str, order_id: str, expand: list[str] | None = None) -> Doc:
    doc = load(tx, merchant_id, order_id)
    out = render(doc)
    for path in expand or []:
        if path == "payment_intents":
            from .payments import expanded_summary  # payments builds on orders; the summary shape is its own

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


# ---------------------------------------------------------------------------------------------------- pricing


def _taxed(doc: Doc) -> bool:
    return bool(doc.get("tax", {}).get("status") == "calculated")


def _tax_state(enabled: bool, location: Doc | None) -> Doc:
    """The OrderTax document: calculated (8.5%) with a postal code, requires_location without, not_required off."""
    out: Doc = {"enabled": enabled, "mode": "automatic"}
    if not enabled:
        out.update(status="not_required", taxability_reason="tax_disabled")
    elif location is not None:
        out.update(status="calculated", taxability_reason="standard_rated")
    else:
        out.update(status="requires_location", taxability_reason="location_required")
    if location is not None:
        out["location"] = location
    return out


DEFAULT_TAX = _tax_state(True, None)


def _line_indexes(doc: Doc, d: Doc) -> tuple[int, ...] | None:
    ids = d.get("order_line_item_ids")
    if not ids:
        return None
    wanted = set(ids)
    return tuple(i for i, li in enumerate(doc["line_items"]) if li["order_line_item_id"] in wanted)


def _tip_status(effective: int, settled: int, refunded: int) -> str:
    if refunded > 0:
        return "refunded" if refunded >= settled else "partially_refunded"
    if effective > 0 and settled >= effective:
        return "settled"
    return "requested"


def reprice(doc: Doc, now: datetime) -> Doc:
    """Recompute every derived amount and status of `doc` in place from its inputs and settlement state."""
    cur = doc["currency"]
    lines = doc["line_items"]
    discounts = [d for d in doc.get("applied_discounts", []) if d.get("status") != "canceled"]
    charges = doc.get("charges", [])
    tip_req = doc.get("requested_tip")
    try:
        p = pricing.price_order(
            [pricing.LineInput(amount_of(li["unit_price_money"]), li["quantity"]) for li in lines],
            [pricing.DiscountInput(amount=amount_of(d["amount_money"]), lines=_line_indexes(doc, d)) for d in discounts],
            [
                pricing.ChargeInput(amount=amount_of(c["amount_money"]), basis=c["calculation_basis"])
                if c.get("percent") is None
                else pricing.ChargeInput(millionths=_millionths(c["percent"], "charge.percent"),
                                         basis=c["calculation_basis"])
                for c in charges
            ],
            None
            if tip_req is None
            else (
                pricing.TipInput(amount=amount_of(tip_req["amount_money"]))
                if tip_req.get("percent") is None
                else pricing.TipInput(millionths=_millionths(tip_req["percent"], "requested_tip.percent"))
            ),
            _taxed(doc),
        )
    except pricing.PricingError as e:
        raise invalid(e.code, e.message, e.param) from None

    for li, lp in zip(lines, p.lines):
        li["base_subtotal_money"] = money(lp.base_subtotal, cur)
        li["modifier_total_money"] = money(lp.modifier_total, cur)
        li["subtotal_money"] = money(lp.subtotal, cur)
        li["discount_money"] = money(lp.discount, cur)
        li["tax_money"] = money(lp.tax, cur)
        li["total_money"] = money(lp.total, cur)
        li.setdefault("refunded_money", money(0, cur))
        li.setdefault("refunded_quantity", 0)
    for d, dp in zip(discounts, p.discounts):
        d["amount_money"] = money(dp.amount, cur)
        d["applied_money"] = money(dp.applied, cur)
    for d in doc.get("applied_discounts", []):
        if d.get("status") == "canceled":
            d["applied_money"] = money(0, cur)
    for c, amount in zip(charges, p.charges):
        c["applied_money"] = money(amount, cur)
        c["tax_money"] = money(0, cur)
        c["total_money"] = money(amount, cur)
        c.setdefault("refunded_money", money(0, cur))

    doc["pricing_amounts"] = {
        "subtotal_money": money(p.subtotal, cur),
        "discount_money": money(p.discount, cur),
        "charge_money": money(p.charge, cur),
        "tax_money": money(p.tax, cur),
        "requested_tip_money": money(p.requested_tip, cur),
        "total_money": money(p.total, cur),
    }
    state = doc["_sandbox"]
    sa = doc.get("settlement_amounts") or {}
    s = pricing.settle(
        p.total, p.requested_tip, amount_of(sa.get("paid_money")), amount_of(sa.get("refunded_money")), state["paid_once"]
    )
    due = s.amount_due
    doc["settlement_amounts"] = {
        "paid_money": money(s.paid, cur),
        "refunded_money": money(s.refunded, cur),
        "net_collected_money": money(s.net_collected, cur),
        "settled_tip_money": money(s.settled_tip, cur),
        "credit_money": money(s.credit, cur),
        "amount_due_money": money(due, cur),
        "outstanding_money": money(due, cur),  # the official name of the same value (both are sent)
        "balance_money": money(s.balance, cur),
    }
    if tip_req is not None:
        # Refunds return the tip last: what is refunded beyond the non-tip part that was paid reaches the tip.
        tip_refunded = min(s.settled_tip, max(0, s.refunded - (s.paid - s.settled_tip)))
        tip: Doc = {"order_tip_id": state.get("tip_id") or ""}
        for k in ("name", "description", "amount_money", "percent", "metadata"):
            if k in tip_req:
                tip[k] = copy.deepcopy(tip_req[k])
        tip.update(
            effective_amount_money=money(p.requested_tip, cur),
            settled_amount_money=money(s.settled_tip, cur),
            refunded_money=money(tip_refunded, cur),
            status=_tip_status(p.requested_tip, s.settled_tip, tip_refunded),
        )
        for k in ("created_at", "updated_at"):
            if state.get(f"tip_{k}"):
                tip[k] = state[f"tip_{k}"]
        doc["tips"] = [tip]
    else:
        doc["tips"] = []
    doc["payment_status"] = s.payment_status
    doc["refund_status"] = s.refund_status
    doc["updated_at"] = format_time(now)
    return doc


def _reprice_for(doc: Doc, now: datetime, line_param: Callable[[int], str | None]) -> None:
    """reprice, naming an overflowing line in the request's terms (its index there, or its own field)."""
    try:
        reprice(doc, now)
    except DomainError as e:
        m = re.fullmatch(r"line_items\[(\d+)\]\.quantity", e.param or "")
        if m:
            e.param = line_param(int(m.group(1)))
        raise


def balance_of(doc: Doc) -> int:
    """The order's signed balance: total - paid."""
    return amount_of(doc["pricing_amounts"]["total_money"]) - amount_of(doc["settlement_amounts"]["paid_money"])


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
        _write_activity(tx, merchant_id, doc, a["activity_type"], a["balance_after"], a["created_at"], a["details"])


# ---------------------------------------------------------------------------------------------------- activities

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


def _write_activity(tx: Tx, merchant_id: str, order: Doc, kind: str, after: int, created_at: str,
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
    _write_activity(tx, merchant_id, order, kind, balance_of(order), format_time(tx.now()), details)


ACTIVITY_FILTERS: dict[str, tuple[str, str]] = {"order_id": ("order_id", "="), "type": ("activity_type", "in")}


def list_activities(tx: Tx, merchant_id: str, order_id: str, params: Mapping[str, Any]) -> tuple[list[Doc], str | None]:
    load(tx, merchant_id, order_id)
    p = {**params, "order_id": order_id}
    oldest_first = (p.get("sort_direction") or "asc") == "asc"
    return page(tx, "order_activities", merchant_id, params_filters(p, ACTIVITY_FILTERS), p, render,
                oldest_first=oldest_first)


# ---------------------------------------------------------------------------------------------------- inputs


MAX_METADATA_KEYS = 50


def _metadata(value: Mapping[str, str | None], param: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Merge a metadata patch (the schema checked keys and values): null values delete keys; flint_ keys are
    reserved; the merged map stays within Metadata's key limit."""
    reject_reserved_metadata(dict(value), param)
    out = dict(base or {})
    for k, v in value.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    if len(out) > MAX_METADATA_KEYS:  # a patch can grow a stored map past Metadata's limit: refuse, don't store
        raise invalid("METADATA_TOO_MANY_KEYS", f"metadata holds at most {MAX_METADATA_KEYS} keys", param)
    return out


def merge_metadata(
    base: Mapping[str, str] | None, patch: Mapping[str, str | None] | None, param: str = "metadata"
) -> dict[str, str]:
    """A MetadataPatch applied to a stored map (null patch clears it), within Metadata's limits."""
    return {} if patch is None else _metadata(patch, param, base)


def _millionths(percent: object, param: str) -> int:
    """A percent (range and 4 decimals checked by the schema, or stored from such a request) in millionths."""
    try:
        return pricing.percent_to_millionths(percent, param)
    except pricing.PricingError as e:
        raise invalid(e.code, e.message, e.param) from None


def new_line_item(item: Mapping[str, Any], param: str, currency: str | None, now: datetime) -> Doc:
    price = read_money(
        item["unit_price_money"], f"{param}.unit_price_money", currency=currency
    )
    line: Doc = {
        "order_line_item_id": new_id("li"),
        "version": 1,
        "name": item["name"],
        "quantity": item.get("quantity") or 1,  # 1 when left out
        "unit_price_money": money(price, item["unit_price_money"]["currency"]),
        "source_type": "ad_hoc",
    }
    if item.get("description") is not None:
        line["description"] = item["description"]
    if item.get("metadata") is not None:
        line["metadata"] = _metadata(item["metadata"], f"{param}.metadata")
    return line


def _promotion_not_found(param: str) -> DomainError:
    return DomainError(404, "PROMOTION_NOT_FOUND", "No such promotion (the sandbox has no promotions)", param)


def new_discount(item: Mapping[str, Any], param: str | None, doc: Doc) -> Doc:
    """One DiscountInput: `{manual: {...}}` (fixed amount) or `{promotion: {...}}` (always 404 here)."""
    def at(field: str) -> str:
        return f"{param}.{field}" if param else field

    currency = doc["currency"]
    if item.get("promotion") is not None:
        raise _promotion_not_found(at("promotion"))
    body = item["manual"]  # the schema's oneOf: exactly one of manual and promotion
    mp = at("manual")
    # Charges are never discounted in the sandbox; the codes are the official ones for these shapes.
    if body.get("discount_class") == "service_charge":
        raise invalid("SERVICE_CHARGE_DISCOUNT_SCOPE_INVALID", "The sandbox never discounts charges",
                      f"{mp}.discount_class")
    if body.get("order_charge_ids"):
        raise invalid("ORDER_DISCOUNT_NO_CHARGE_IDS", "The sandbox never discounts charges", f"{mp}.order_charge_ids")
    amount = read_money(body["amount_money"], f"{mp}.amount_money", currency=currency)
    line_ids = list(body.get("order_line_item_ids") or [])
    if line_ids and doc.get("_creating"):
        # the lines get their ids in this request, so nothing can name them yet
        raise invalid("CREATE_ORDER_LINE_ITEM_DISCOUNT_UNSUPPORTED", "createOrder cannot limit a discount to lines",
                      f"{mp}.order_line_item_ids")
    if body.get("scope") == "line_item" and not line_ids:
        raise invalid("LINE_ITEM_DISCOUNT_REQUIRES_IDS", "scope line_item needs order_line_item_ids",
                      f"{mp}.order_line_item_ids" if "order_line_item_ids" in body else f"{mp}.scope")
    known = {li["order_line_item_id"] for li in doc["line_items"]}
    for i, lid in enumerate(line_ids):
        if lid not in known:
            raise not_found("line item", str(lid), f"{mp}.order_line_item_ids[{i}]")
    d: Doc = {
        "order_discount_id": ulid(),
        "order_id": doc["order_id"],
        "customer_facing_name": body["name"],
        "amount_money": money(amount, currency),
        "applied_money": money(0, currency),
        "status": "pending",
        "source": "manual",
    }
    for k in ("discount_class", "scope"):
        if body.get(k) is not None:
            d[k] = body[k]
    if line_ids:
        d["order_line_item_ids"] = line_ids
    return d


_CHARGE_TEXT = ("name", "type", "description")


def new_charge(body: Mapping[str, Any], param: str, currency: str, now: datetime) -> Doc:
    def at(field: str) -> str:
        return f"{param}.{field}" if param else field

    has_amount = body.get("amount_money") is not None  # else percent: the schema's oneOf
    basis = body.get("calculation_basis") or "subtotal_pre_discount"
    c: Doc = {
        "order_charge_id": new_id("chg"),
        "name": body["name"],
        "type": body.get("type") or "service_fee",
        "calculation_basis": basis,
        "created_at": format_time(now),
        "updated_at": format_time(now),
    }
    if body.get("description") is not None:
        c["description"] = body["description"]
    if body.get("metadata") is not None:
        c["metadata"] = _metadata(body["metadata"], at("metadata"))
    if has_amount:
        c["amount_money"] = money(read_money(body["amount_money"], at("amount_money"), currency=currency), currency)
    else:
        c["percent"] = pricing.millionths_to_percent(_millionths(body["percent"], at("percent")))
    return c


def new_tip(body: Mapping[str, Any], param: str, currency: str) -> Doc:
    has_amount = body.get("amount_money") is not None  # else percent: the schema's oneOf
    tip: Doc = {}
    if body.get("name") is not None:
        tip["name"] = body["name"]
    if body.get("description") is not None:
        tip["description"] = body["description"]
    if has_amount:
        amount = read_money(body["amount_money"], f"{param}.amount_money", currency=currency)
        tip["amount_money"] = money(amount, currency)
    else:
        tip["percent"] = pricing.millionths_to_percent(_millionths(body["percent"], f"{param}.percent"))
    if body.get("metadata") is not None:
        tip["metadata"] = _metadata(body["metadata"], f"{param}.metadata")
    return tip


def _tax(body: Mapping[str, Any]) -> Doc:
    """TaxInput -> OrderTax: the sandbox rule applies when a location (its address and postal code are required
    by the schema) is given."""
    enabled = body.get("enabled") is not False
    location = body.get("location")
    if location is None:
        return _tax_state(enabled, None)
    loc: Doc = {"address": {k: v for k, v in location["address"].items() if isinstance(v, str)}}
    loc["address"].setdefault("country", "US")
    for k in ("address_type", "address_source"):
        if isinstance(location.get(k), str):
            loc[k] = location[k]
    return _tax_state(enabled, loc)


# ---------------------------------------------------------------------------------------------------- operations


def ensure_mutable(doc: Doc) -> None:
    if doc["status"] != "open":
        raise conflict("ORDER_CLOSED", "The order is closed and can't be changed")
    sa = doc["settlement_amounts"]
    if amount_of(sa["paid_money"]) > 0 or doc["_sandbox"]["authorized"] > 0 or doc["_sandbox"]["paid_once"]:
        raise conflict("ORDER_FINANCIAL_MUTATION_NOT_ALLOWED",
                       "The order has payments or authorizations and can't be re-priced")


def _currency_of(items: list[Mapping[str, Any]], existing: str | None, prefix: str) -> str:
    """All line items share one currency: the first line's, or the order's."""
    currency = existing
    for i, item in enumerate(items):
        m = item.get("unit_price_money")
        if m is not None:  # required on a new line, optional in a line update
            c = check_currency(m["currency"], f"{prefix}[{i}].unit_price_money.currency")
            if currency is None:
                currency = c
            elif c != currency:
                raise invalid(
                    "CURRENCY_MISMATCH", "All line items share one currency", f"{prefix}[{i}].unit_price_money.currency"
                )
    return currency or "USD"


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
    currency = _currency_of(items, None, "line_items")
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
        "tax": _tax(body["tax"]) if body.get("tax") is not None else dict(DEFAULT_TAX),
        "authorization_amounts": {"authorized_money": money(0, currency), "capturable_money": money(0, currency)},
        "buyer_actions": [],
        "payment_intent_ids": [],
        "refund_ids": [],
        "metadata": _metadata(body.get("metadata") or {}, "metadata"),
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
        doc["tax"] = dict(DEFAULT_TAX) if body["tax"] is None else _tax(body["tax"])
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


def add_line_items(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    doc = load(tx, merchant_id, order_id)
    check_request_currencies(body)
    ensure_mutable(doc)
    items = list(body["line_items"])  # at least one: the schema's minItems
    if len(doc["line_items"]) + len(items) > MAX_LINE_ITEMS:  # with the lines the order already has
        raise invalid("TOO_MANY_LINE_ITEMS", f"An order holds at most {MAX_LINE_ITEMS} line items", "line_items")
    _currency_of(items, doc["currency"], "line_items")
    now = tx.now()
    existing = len(doc["line_items"])
    new_lines = [new_line_item(it, f"line_items[{i}]", doc["currency"], now) for i, it in enumerate(items)]
    doc["line_items"].extend(new_lines)
    _reprice_for(doc, now, lambda i: f"line_items[{i - existing}].quantity" if i >= existing else None)
    for li in new_lines:
        record_activity(doc, "line_item_added", now, order_line_item_id=li["order_line_item_id"])
    save(tx, merchant_id, doc)
    return render(doc)


def update_line_item(tx: Tx, merchant_id: str, order_id: str, line_id: str, body: Mapping[str, Any]) -> Doc:
    doc = load(tx, merchant_id, order_id)
    check_request_currencies(body)
    i = _find(doc["line_items"], "order_line_item_id", line_id, "line item")
    ensure_mutable(doc)
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
    _reprice_for(doc, now, lambda j: "quantity" if j == i else None)
    record_activity(doc, "line_item_updated", now, order_line_item_id=line_id)
    save(tx, merchant_id, doc)
    return render(doc)


def _remove_part(tx: Tx, merchant_id: str, order_id: str, part: str, id_field: str, part_id: str, what: str,
                 activity: str) -> Doc:
    """Remove one line item or charge and reprice (a missing one is 404 before the order's state is judged)."""
    doc = load(tx, merchant_id, order_id)
    i = _find(doc[part], id_field, part_id, what)
    ensure_mutable(doc)
    del doc[part][i]
    now = tx.now()
    reprice(doc, now)
    record_activity(doc, activity, now, **{id_field: part_id})
    save(tx, merchant_id, doc)
    return render(doc)


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
    record_activity(doc, "charge_added", now, order_charge_id=c["order_charge_id"])
    save(tx, merchant_id, doc)
    return render(doc)


def update_charge(tx: Tx, merchant_id: str, order_id: str, charge_id: str, body: Mapping[str, Any]) -> Doc:
    """Sparse charge update: amount_money makes it a fixed charge (percent cleared), percent a percent charge."""
    doc = load(tx, merchant_id, order_id)
    check_request_currencies(body)
    i = _find(doc["charges"], "order_charge_id", charge_id, "charge")
    ensure_mutable(doc)
    c = doc["charges"][i]
    if body.get("amount_money") is not None and body.get("percent") is not None:
        raise invalid("INVALID_REQUEST", "send at most one of amount_money or percent", None)
    if body.get("amount_money") is not None:
        c["amount_money"] = money(read_money(body["amount_money"], "amount_money", currency=doc["currency"]),
                                  doc["currency"])
        c.pop("percent", None)
    if body.get("percent") is not None:
        c["percent"] = pricing.millionths_to_percent(_millionths(body["percent"], "percent"))
        c.pop("amount_money", None)
    if body.get("calculation_basis") is not None:
        if body["calculation_basis"] not in ("subtotal_pre_discount", "subtotal_post_discount"):
            raise invalid("INVALID_REQUEST", "unknown calculation_basis", "calculation_basis")
        c["calculation_basis"] = body["calculation_basis"]
    for k in _CHARGE_TEXT:
        if body.get(k) is not None:
            c[k] = body[k]
    if "metadata" in body:
        c["metadata"] = merge_metadata(c.get("metadata"), body["metadata"])
    now = tx.now()
    c["updated_at"] = format_time(now)
    reprice(doc, now)
    record_activity(doc, "charge_updated", now, order_charge_id=charge_id)
    save(tx, merchant_id, doc)
    return render(doc)


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
    record_activity(doc, "discount_applied", now, order_discount_id=d["order_discount_id"])
    save(tx, merchant_id, doc)
    return render(doc)


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
        raise _promotion_not_found("discount.promotion")
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
    record_activity(doc, "closed", now)
    save(tx, merchant_id, doc)
    return render(doc)


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

