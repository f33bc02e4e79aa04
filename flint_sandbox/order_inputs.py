"""Order request inputs made into document parts: metadata patches, line items, discounts, charges, tips, tax."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

from . import pricing
from .errors import DomainError, invalid, not_found, reject_reserved_metadata
from .ids import new_id, ulid
from .money import check_currency, money, read_money
from .order_pricing import millionths, tax_state
from .store import Doc, format_time


MAX_METADATA_KEYS = 50


def checked_metadata(value: Mapping[str, str | None], param: str, base: Mapping[str, str] | None = None) -> dict[str, str]:
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
    return {} if patch is None else checked_metadata(patch, param, base)


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
        line["metadata"] = checked_metadata(item["metadata"], f"{param}.metadata")
    return line


def promotion_not_found(param: str) -> DomainError:
    return DomainError(404, "PROMOTION_NOT_FOUND", "No such promotion (the sandbox has no promotions)", param)


def new_discount(item: Mapping[str, Any], param: str | None, doc: Doc) -> Doc:
    """One DiscountInput: `{manual: {...}}` (fixed amount) or `{promotion: {...}}` (always 404 here)."""
    def at(field: str) -> str:
        return f"{param}.{field}" if param else field

    currency = doc["currency"]
    if item.get("promotion") is not None:
        raise promotion_not_found(at("promotion"))
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


CHARGE_TEXT = ("name", "type", "description")


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
        c["metadata"] = checked_metadata(body["metadata"], at("metadata"))
    if has_amount:
        c["amount_money"] = money(read_money(body["amount_money"], at("amount_money"), currency=currency), currency)
    else:
        c["percent"] = pricing.millionths_to_percent(millionths(body["percent"], at("percent")))
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
        tip["percent"] = pricing.millionths_to_percent(millionths(body["percent"], f"{param}.percent"))
    if body.get("metadata") is not None:
        tip["metadata"] = checked_metadata(body["metadata"], f"{param}.metadata")
    return tip


def tax_input(body: Mapping[str, Any]) -> Doc:
    """TaxInput -> OrderTax: the sandbox rule applies when a location (its address and postal code are required
    by the schema) is given."""
    enabled = body.get("enabled") is not False
    location = body.get("location")
    if location is None:
        return tax_state(enabled, None)
    loc: Doc = {"address": {k: v for k, v in location["address"].items() if isinstance(v, str)}}
    loc["address"].setdefault("country", "US")
    for k in ("address_type", "address_source"):
        if isinstance(location.get(k), str):
            loc[k] = location[k]
    return tax_state(enabled, loc)


def currency_of(items: list[Mapping[str, Any]], existing: str | None, prefix: str) -> str:
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
