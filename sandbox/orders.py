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

from . import faults, pricing
from .errors import DomainError, conflict, invalid, not_found
from .ids import new_id
from .listing import normalize_times, page, params_filters
from .money import amount_of, check_currency, money, read_money
from .store import Doc, Filter, Tx, format_time

MAX_QUANTITY = 1_000_000
ORDER_COLUMNS = ("status", "payment_status", "refund_status", "total", "currency", "customer_id")
_TEXT_FIELDS = ("buyer_note", "internal_note", "customer_id", "external_reference_id")


# ---------------------------------------------------------------------------------------------------- reading


def load(tx: Tx, merchant_id: str, order_id: str, param: str | None = None) -> Doc:
    doc = tx.get("orders", merchant_id, order_id)
    if doc is None:
        raise not_found("order", order_id, param)
    return doc


def render(doc: Doc) -> Doc:
    out = {k: copy.deepcopy(v) for k, v in doc.items() if k != "_sandbox"}
    return out


def get_order(tx: Tx, merchant_id: str, order_id: str, expand: list[str] | None = None) -> Doc:
    if faults.on("cross_tenant_read"):
        doc = tx.get_any_merchant("orders", order_id)  # planted fault: no merchant filter
        if doc is None:
            raise not_found("order", order_id)
    else:
        doc = load(tx, merchant_id, order_id)
    out = render(doc)
    for path in expand or []:
        if path == "payment_intents":
            out["payment_intents"] = [
                pi for pid in doc.get("payment_intent_ids", []) if (pi := tx.get("payment_intents", merchant_id, pid))
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
        raise invalid("INVALID_PARAMETER", "min_amount and max_amount require currency", "currency")
    filters = params_filters(p, ORDER_LIST_FILTERS)
    return page(
        tx,
        "orders",
        merchant_id,
        filters,
        p,
        render,
        drop_first_on_later_pages=faults.on("page_boundary_loss"),
    )


# ---------------------------------------------------------------------------------------------------- pricing


def _bps(percent: object, param: str) -> int:
    try:
        return pricing.percent_to_bps(percent, param)
    except pricing.PricingError as e:
        raise invalid(e.code, e.message, e.param) from None


def _taxed(doc: Doc) -> bool:
    return _postal_code((doc.get("tax") or {}).get("location")) is not None


def _postal_code(location: object) -> str | None:
    if not isinstance(location, Mapping):
        return None
    if isinstance(location.get("postal_code"), str):
        return str(location["postal_code"])
    address = location.get("address")
    if isinstance(address, Mapping) and isinstance(address.get("postal_code"), str):
        return str(address["postal_code"])
    return None


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
            [
                pricing.DiscountInput(amount=amount_of(d["amount_money"]))
                if d.get("percent") is None
                else pricing.DiscountInput(bps=_bps(d["percent"], "discounts"))
                for d in discounts
            ],
            [
                pricing.ChargeInput(amount=amount_of(c["amount_money"]), basis=c["calculation_basis"])
                if c.get("percent") is None
                else pricing.ChargeInput(bps=_bps(c["percent"], "charge.percent"), basis=c["calculation_basis"])
                for c in charges
            ],
            None
            if tip_req is None
            else (
                pricing.TipInput(amount=amount_of(tip_req["amount_money"]))
                if tip_req.get("percent") is None
                else pricing.TipInput(bps=_bps(tip_req["percent"], "requested_tip.percent"))
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
    if tip_req is not None:
        tip_req["effective_amount_money"] = money(p.requested_tip, cur)

    total = p.total
    if faults.on("total_off_by_one"):
        total += 1
    doc["pricing_amounts"] = {
        "subtotal_money": money(p.subtotal, cur),
        "discount_money": money(p.discount, cur),
        "charge_money": money(p.charge, cur),
        "tax_money": money(p.tax, cur),
        "requested_tip_money": money(p.requested_tip, cur),
        "total_money": money(total, cur),
    }
    state = doc["_sandbox"]
    sa = doc.get("settlement_amounts") or {}
    s = pricing.settle(
        p.total, p.requested_tip, amount_of(sa.get("paid_money")), amount_of(sa.get("refunded_money")), state["paid_once"]
    )
    doc["settlement_amounts"] = {
        "paid_money": money(s.paid, cur),
        "refunded_money": money(s.refunded, cur),
        "net_collected_money": money(s.net_collected, cur),
        "settled_tip_money": money(s.settled_tip, cur),
        "credit_money": money(s.credit, cur),
        "amount_due_money": money(
            # planted fault: refunds counted as collected money, so a refund drives amount_due below zero
            p.total - s.paid - s.refunded if faults.on("negative_amount_due") else s.amount_due, cur
        ),
        "balance_money": money(s.balance, cur),
    }
    doc["payment_status"] = s.payment_status
    doc["refund_status"] = s.refund_status
    taxed = _taxed(doc)
    doc["tax"] = {"enabled": taxed, "rate_bps": pricing.TAX_BPS if taxed else 0, **(
        {"location": doc["tax"]["location"]} if taxed else {})}
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


def save(tx: Tx, merchant_id: str, doc: Doc, *, new: bool = False) -> None:
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


# ---------------------------------------------------------------------------------------------------- inputs


def _text(value: object, param: str) -> str:
    if not isinstance(value, str):
        raise invalid("INVALID_JSON", "must be a string", param)
    if faults.on("non_ascii_500") and param.endswith("name"):
        value.encode("ascii")  # planted fault: a UnicodeEncodeError escapes as a 500
    return value


MAX_METADATA_KEYS = 50


def _metadata(value: object, param: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """Merge a metadata patch: null values delete keys."""
    if not isinstance(value, Mapping):
        raise invalid("INVALID_JSON", "metadata must be an object of strings", param)
    out = dict(base or {})
    for k, v in value.items():
        if v is None:
            out.pop(k, None)
        elif isinstance(v, str):
            out[k] = v
        else:
            raise invalid("INVALID_JSON", "metadata values must be strings", f"{param}.{k}")
    if len(out) > MAX_METADATA_KEYS:  # a patch can grow a stored map past Metadata's limit: refuse, don't store
        raise invalid("INVALID_FIELD", f"metadata holds at most {MAX_METADATA_KEYS} keys", param)
    return out


def merge_metadata(base: Mapping[str, str] | None, patch: object, param: str = "metadata") -> dict[str, str]:
    """A MetadataPatch applied to a stored map (null patch clears it), within Metadata's limits."""
    return {} if patch is None else _metadata(patch, param, base)


def _quantity(value: object, param: str) -> int:
    if value is None:
        return 1
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid("INVALID_JSON", "quantity must be a JSON integer", param)
    if not 1 <= value <= MAX_QUANTITY:
        raise invalid("INVALID_FIELD", f"quantity must be between 1 and {MAX_QUANTITY}", param)
    return value


def new_line_item(item: Mapping[str, Any], param: str, currency: str | None, now: datetime) -> Doc:
    if item.get("name") is None:
        raise invalid("FIELD_REQUIRED", "name is required", f"{param}.name")
    if item.get("unit_price_money") is None:
        raise invalid("FIELD_REQUIRED", "unit_price_money is required", f"{param}.unit_price_money")
    price = read_money(
        item["unit_price_money"], f"{param}.unit_price_money", negative_code="LINE_ITEM_NEGATIVE_PRICE", currency=currency
    )
    line: Doc = {
        "order_line_item_id": new_id("li"),
        "name": _text(item["name"], f"{param}.name"),
        "quantity": _quantity(item.get("quantity"), f"{param}.quantity"),
        "version": 1,
        "unit_price_money": money(price, item["unit_price_money"]["currency"]),
    }
    if item.get("description") is not None:
        line["description"] = _text(item["description"], f"{param}.description")
    if item.get("metadata") is not None:
        line["metadata"] = _metadata(item["metadata"], f"{param}.metadata")
    return line


def _discount_body(item: Mapping[str, Any]) -> Mapping[str, Any]:
    manual = item.get("manual")
    return manual if isinstance(manual, Mapping) else item


def new_discount(item: Mapping[str, Any], param: str, currency: str, now: datetime) -> Doc:
    body = _discount_body(item)
    if body is not item:
        param = f"{param}.manual"
    has_amount, has_percent = body.get("amount_money") is not None, body.get("percent") is not None
    if has_amount == has_percent:
        raise invalid("INVALID_FIELD", "send exactly one of amount_money or percent", param)
    if body.get("name") is None:
        raise invalid("FIELD_REQUIRED", "name is required", f"{param}.name")
    d: Doc = {
        "order_discount_id": new_id("dsc"),
        "name": _text(body["name"], f"{param}.name"),
        "status": "pending",
        "created_at": format_time(now),
    }
    if has_amount:
        d["amount_money"] = money(read_money(body["amount_money"], f"{param}.amount_money", currency=currency), currency)
    else:
        bps = _bps(body["percent"], f"{param}.percent")
        if not 0 < bps <= 10_000:
            raise invalid("INVALID_FIELD", "percent must be between 0 and 100", f"{param}.percent")
        d["percent"] = pricing.bps_to_percent(bps)
        d["amount_money"] = money(0, currency)
    d["applied_money"] = money(0, currency)
    return d


def new_charge(body: Mapping[str, Any], param: str, currency: str, now: datetime) -> Doc:
    has_amount, has_percent = body.get("amount_money") is not None, body.get("percent") is not None
    if has_amount == has_percent:
        raise invalid("INVALID_FIELD", "send exactly one of amount_money or percent", param)
    if body.get("name") is None:
        raise invalid("FIELD_REQUIRED", "name is required", f"{param}.name")
    basis = body.get("calculation_basis") or "subtotal_pre_discount"
    if basis not in ("subtotal_pre_discount", "subtotal_post_discount"):
        raise invalid("INVALID_FIELD", "unknown calculation_basis", f"{param}.calculation_basis")
    c: Doc = {
        "order_charge_id": new_id("chg"),
        "name": _text(body["name"], f"{param}.name"),
        "type": body.get("type") or "service_fee",
        "calculation_basis": basis,
        "created_at": format_time(now),
        "updated_at": format_time(now),
    }
    if body.get("description") is not None:
        c["description"] = _text(body["description"], f"{param}.description")
    if body.get("metadata") is not None:
        c["metadata"] = _metadata(body["metadata"], f"{param}.metadata")
    if has_amount:
        c["amount_money"] = money(read_money(body["amount_money"], f"{param}.amount_money", currency=currency), currency)
    else:
        bps = _bps(body["percent"], f"{param}.percent")
        if bps < 0:
            raise invalid("NEGATIVE_AMOUNT", "percent can't be negative", f"{param}.percent")
        c["percent"] = pricing.bps_to_percent(bps)
    return c


def new_tip(body: Mapping[str, Any], param: str, currency: str) -> Doc:
    has_amount, has_percent = body.get("amount_money") is not None, body.get("percent") is not None
    if has_amount == has_percent:
        raise invalid("INVALID_FIELD", "send exactly one of amount_money or percent", param)
    tip: Doc = {}
    if has_amount:
        tip["amount_money"] = money(
            read_money(body["amount_money"], f"{param}.amount_money", positive=True, currency=currency), currency
        )
    else:
        bps = _bps(body["percent"], f"{param}.percent")
        if not 100 <= bps <= 10_000:
            raise invalid("INVALID_FIELD", "percent must be between 1 and 100", f"{param}.percent")
        tip["percent"] = pricing.bps_to_percent(bps)
    if body.get("name") is not None:
        tip["name"] = _text(body["name"], f"{param}.name")
    return tip


def _tax(body: object, param: str) -> Doc:
    """The sandbox tax rule applies when the order gives a location with a postal code."""
    if not isinstance(body, Mapping):
        raise invalid("INVALID_JSON", "tax must be an object", param)
    location = body.get("location")
    if location is None:
        return {"enabled": False, "rate_bps": 0}
    postal = _postal_code(location)
    if postal is None:
        raise invalid("FIELD_REQUIRED", "location needs a postal_code", f"{param}.location.postal_code")
    country = location.get("country") if isinstance(location, Mapping) else None
    return {"enabled": True, "rate_bps": pricing.TAX_BPS,
            "location": {"postal_code": postal, "country": country if isinstance(country, str) else "US"}}


# ---------------------------------------------------------------------------------------------------- operations


def ensure_mutable(doc: Doc) -> None:
    if doc["status"] != "open":
        raise conflict("ORDER_CLOSED", "The order is closed and can't be changed")
    sa = doc["settlement_amounts"]
    if amount_of(sa["paid_money"]) > 0 or doc["_sandbox"]["authorized"] > 0 or doc["_sandbox"]["paid_once"]:
        raise conflict("ORDER_HAS_PAYMENTS", "The order has payments or authorizations and can't be re-priced")


def _currency_of(items: list[Mapping[str, Any]], existing: str | None, prefix: str) -> str:
    """All line items share one currency: the first line's, or the order's."""
    currency = existing
    for i, item in enumerate(items):
        m = item.get("unit_price_money")
        if isinstance(m, Mapping):
            c = check_currency(m.get("currency"), f"{prefix}[{i}].unit_price_money.currency")
            if currency is None:
                currency = c
            elif c != currency:
                raise invalid(
                    "CURRENCY_MISMATCH", "All line items share one currency", f"{prefix}[{i}].unit_price_money.currency"
                )
    return currency or "USD"


def create_order(tx: Tx, merchant_id: str, body: Mapping[str, Any]) -> Doc:
    now = tx.now()
    items = list(body.get("line_items") or [])
    if not items:
        raise invalid("FIELD_REQUIRED", "line_items needs at least one item", "line_items")
    currency = _currency_of(items, None, "line_items")
    order_id = new_id("ord")
    doc: Doc = {
        "order_id": order_id,
        "status": "open",
        "payment_status": "unpaid",
        "refund_status": "none",
        "currency": currency,
        "line_items": [new_line_item(it, f"line_items[{i}]", currency, now) for i, it in enumerate(items)],
        "applied_discounts": [
            new_discount(d, f"discounts[{i}]", currency, now) for i, d in enumerate(body.get("discounts") or [])
        ],
        "charges": [],
        "tax": _tax(body["tax"], "tax") if body.get("tax") is not None else {"enabled": False, "rate_bps": 0},
        "authorization_amounts": {"authorized_money": money(0, currency), "capturable_money": money(0, currency)},
        "payment_intent_ids": [],
        "refund_ids": [],
        "metadata": _metadata(body.get("metadata") or {}, "metadata"),
        "created_at": format_time(now),
        "updated_at": format_time(now),
        "_sandbox": {"paid_once": False, "authorized": 0},
    }
    for key in _TEXT_FIELDS:
        if body.get(key) is not None:
            doc[key] = _text(body[key], key)
    if body.get("requested_tip") is not None:
        doc["requested_tip"] = new_tip(body["requested_tip"], "requested_tip", currency)
    reprice(doc, now)
    save(tx, merchant_id, doc, new=True)
    return render(doc)


def update_order(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    doc = load(tx, merchant_id, order_id)
    now = tx.now()
    if doc["status"] != "open":
        raise conflict("ORDER_CLOSED", "The order is closed and can't be changed")
    if "tax" in body or "requested_tip" in body:
        ensure_mutable(doc)
    for key in _TEXT_FIELDS:
        if key in body:
            if body[key] is None:
                doc.pop(key, None)
            else:
                doc[key] = _text(body[key], key)
    if "metadata" in body:
        doc["metadata"] = {} if body["metadata"] is None else _metadata(body["metadata"], "metadata", doc.get("metadata"))
    if "tax" in body:
        doc["tax"] = {"enabled": False, "rate_bps": 0} if body["tax"] is None else _tax(body["tax"], "tax")
    if "requested_tip" in body:
        if body["requested_tip"] is None:
            doc.pop("requested_tip", None)
        else:
            doc["requested_tip"] = new_tip(body["requested_tip"], "requested_tip", doc["currency"])
    reprice(doc, now)
    save(tx, merchant_id, doc)
    return render(doc)


def _find(items: list[Doc], key: str, id: str, kind: str) -> int:
    for i, item in enumerate(items):
        if item[key] == id:
            return i
    raise not_found(kind, id)


def add_line_items(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    doc = load(tx, merchant_id, order_id)
    ensure_mutable(doc)
    items = list(body.get("line_items") or [])
    if not items:
        raise invalid("FIELD_REQUIRED", "line_items needs at least one item", "line_items")
    _currency_of(items, doc["currency"], "line_items")
    now = tx.now()
    existing = len(doc["line_items"])
    doc["line_items"].extend(new_line_item(it, f"line_items[{i}]", doc["currency"], now) for i, it in enumerate(items))
    _reprice_for(doc, now, lambda i: f"line_items[{i - existing}].quantity" if i >= existing else None)
    save(tx, merchant_id, doc)
    return render(doc)


def update_line_item(tx: Tx, merchant_id: str, order_id: str, line_id: str, body: Mapping[str, Any]) -> Doc:
    doc = load(tx, merchant_id, order_id)
    i = _find(doc["line_items"], "order_line_item_id", line_id, "line item")
    ensure_mutable(doc)
    li = doc["line_items"][i]
    if body.get("name") is not None:
        li["name"] = _text(body["name"], "name")
    if "description" in body:
        if body["description"] is None:
            li.pop("description", None)
        else:
            li["description"] = _text(body["description"], "description")
    if body.get("quantity") is not None:
        li["quantity"] = _quantity(body["quantity"], "quantity")
    if body.get("unit_price_money") is not None:
        price = read_money(
            body["unit_price_money"], "unit_price_money", negative_code="LINE_ITEM_NEGATIVE_PRICE", currency=doc["currency"]
        )
        li["unit_price_money"] = money(price, doc["currency"])
    if "metadata" in body:
        li["metadata"] = {} if body["metadata"] is None else _metadata(body["metadata"], "metadata", li.get("metadata"))
    li["version"] += 1
    _reprice_for(doc, tx.now(), lambda j: "quantity" if j == i else None)
    save(tx, merchant_id, doc)
    return render(doc)


def _remove_part(tx: Tx, merchant_id: str, order_id: str, part: str, id_field: str, part_id: str, what: str) -> Doc:
    """Remove one line item or charge and reprice (a missing one is 404 before the order's state is judged)."""
    doc = load(tx, merchant_id, order_id)
    i = _find(doc[part], id_field, part_id, what)
    ensure_mutable(doc)
    del doc[part][i]
    reprice(doc, tx.now())
    save(tx, merchant_id, doc)
    return render(doc)


def delete_line_item(tx: Tx, merchant_id: str, order_id: str, line_id: str) -> Doc:
    return _remove_part(tx, merchant_id, order_id, "line_items", "order_line_item_id", line_id, "line item")


def add_charge(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    doc = load(tx, merchant_id, order_id)
    ensure_mutable(doc)
    charge = body.get("charge")
    param = "charge"
    if not isinstance(charge, Mapping):
        charge, param = body, ""
    now = tx.now()
    doc["charges"].append(new_charge(charge, param, doc["currency"], now))
    reprice(doc, now)
    save(tx, merchant_id, doc)
    return render(doc)


def delete_charge(tx: Tx, merchant_id: str, order_id: str, charge_id: str) -> Doc:
    return _remove_part(tx, merchant_id, order_id, "charges", "order_charge_id", charge_id, "charge")


def apply_discounts(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    doc = load(tx, merchant_id, order_id)
    ensure_mutable(doc)
    items = body.get("discounts")
    prefix = "discounts"
    if items is None:
        items, prefix = [body.get("discount") or body], "discount"
    if not items:
        raise invalid("FIELD_REQUIRED", "discounts needs at least one discount", "discounts")
    for i, item in enumerate(items):
        doc["applied_discounts"].append(new_discount(item, f"{prefix}[{i}]", doc["currency"], tx.now()))
    reprice(doc, tx.now())
    save(tx, merchant_id, doc)
    return render(doc)


def remove_discounts(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    doc = load(tx, merchant_id, order_id)
    ids = list(body.get("order_discount_ids") or [])
    existing = {d["order_discount_id"]: d for d in doc["applied_discounts"]}
    for i, did in enumerate(ids):
        if did not in existing:
            raise not_found("discount", did, f"order_discount_ids[{i}]")
    ensure_mutable(doc)
    for did in ids:
        if existing[did]["status"] != "pending":
            raise conflict("ORDER_HAS_PAYMENTS", "Redeemed or canceled discounts are settlement history")
    doc["applied_discounts"] = [d for d in doc["applied_discounts"] if d["order_discount_id"] not in set(ids)]
    reprice(doc, tx.now())
    save(tx, merchant_id, doc)
    return render(doc)


def close_order(tx: Tx, merchant_id: str, order_id: str, body: Mapping[str, Any]) -> Doc:
    doc = load(tx, merchant_id, order_id)
    if doc["status"] != "open":
        raise conflict("ORDER_CLOSED", "The order is already closed")
    if doc["_sandbox"]["authorized"] > 0:
        raise conflict("ORDER_HAS_PAYMENTS", "Capture or cancel the open authorization before closing")
    now = tx.now()
    doc["status"] = "closed"
    if body.get("reason") is not None:
        doc["closed_reason"] = _text(body["reason"], "reason")
    for d in doc["applied_discounts"]:
        if d["status"] == "pending":
            d["status"] = "canceled"
    if not doc["_sandbox"]["paid_once"]:
        reprice(doc, now)
    else:
        doc["updated_at"] = format_time(now)
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

