"""Order request inputs (generated request models) as document parts: metadata, lines, discounts, charges, tips, tax."""

from __future__ import annotations

from datetime import datetime
from typing import Mapping, Sequence

from flint_api import Unset, models

from . import pricing
from .errors import DomainError, invalid, not_found, reject_reserved_metadata
from .ids import new_id, ulid
from .money import check_currency, money, read_money
from .order_pricing import millionths, tax_state
from .request_models import opt, wire
from .store import Doc, format_time


MAX_METADATA_KEYS = 50


def checked_metadata(
    value: Mapping[str, str | None], param: str, base: Mapping[str, str] | None = None
) -> dict[str, str]:
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


def new_line_item(item: models.CreateOrderLineItem, param: str, currency: str | None, now: datetime) -> Doc:
    price = read_money(item.unit_price_money, f"{param}.unit_price_money", currency=currency)
    line: Doc = {
        "order_line_item_id": new_id("li"),
        "version": 1,
        "name": item.name,
        "quantity": opt(item.quantity) or 1,  # 1 when left out
        "unit_price_money": money(price, item.unit_price_money.currency),
        "source_type": "ad_hoc",
    }
    if not isinstance(item.description, Unset):
        line["description"] = item.description
    if not isinstance(item.metadata, Unset):
        line["metadata"] = checked_metadata(item.metadata, f"{param}.metadata")
    return line


def promotion_not_found(param: str) -> DomainError:
    return DomainError(404, "PROMOTION_NOT_FOUND", "No such promotion (the sandbox has no promotions)", param)


def new_discount(item: models.DiscountInput, param: str | None, doc: Doc) -> Doc:
    """One DiscountInput: `{manual: {...}}` (fixed amount) or `{promotion: {...}}` (always 404 here)."""
    def at(field: str) -> str:
        return f"{param}.{field}" if param else field

    currency = doc["currency"]
    if not isinstance(item.promotion, Unset):
        raise promotion_not_found(at("promotion"))
    body = item.manual
    assert not isinstance(body, Unset)  # the schema's oneOf: exactly one of manual and promotion
    mp = at("manual")
    # Charges are never discounted in the sandbox; the codes are the official ones for these shapes.
    if body.discount_class == "service_charge":
        raise invalid("SERVICE_CHARGE_DISCOUNT_SCOPE_INVALID", "The sandbox never discounts charges",
                      f"{mp}.discount_class")
    if body.order_charge_ids:
        raise invalid("ORDER_DISCOUNT_NO_CHARGE_IDS", "The sandbox never discounts charges", f"{mp}.order_charge_ids")
    amount = read_money(body.amount_money, f"{mp}.amount_money", currency=currency)
    line_ids = list(opt(body.order_line_item_ids) or [])
    if line_ids and doc.get("_creating"):
        # the lines get their ids in this request, so nothing can name them yet
        raise invalid("CREATE_ORDER_LINE_ITEM_DISCOUNT_UNSUPPORTED", "createOrder cannot limit a discount to lines",
                      f"{mp}.order_line_item_ids")
    if body.scope == "line_item" and not line_ids:
        raise invalid("LINE_ITEM_DISCOUNT_REQUIRES_IDS", "scope line_item needs order_line_item_ids",
                      f"{mp}.scope" if isinstance(body.order_line_item_ids, Unset) else f"{mp}.order_line_item_ids")
    known = {li["order_line_item_id"] for li in doc["line_items"]}
    for i, lid in enumerate(line_ids):
        if lid not in known:
            raise not_found("line item", str(lid), f"{mp}.order_line_item_ids[{i}]")
    d: Doc = {
        "order_discount_id": ulid(),
        "order_id": doc["order_id"],
        "customer_facing_name": body.name,
        "amount_money": money(amount, currency),
        "applied_money": money(0, currency),
        "status": "pending",
        "source": "manual",
    }
    for k, v in (("discount_class", body.discount_class), ("scope", body.scope)):
        if not isinstance(v, Unset):
            d[k] = wire(v)
    if line_ids:
        d["order_line_item_ids"] = line_ids
    return d


def new_charge(body: models.ChargeInput, param: str, currency: str, now: datetime) -> Doc:
    def at(field: str) -> str:
        return f"{param}.{field}" if param else field

    basis = opt(body.calculation_basis)
    c: Doc = {
        "order_charge_id": new_id("chg"),
        "name": body.name,
        "type": wire(body.type_),
        "calculation_basis": "subtotal_pre_discount" if basis is None else wire(basis),
        "created_at": format_time(now),
        "updated_at": format_time(now),
    }
    if not isinstance(body.description, Unset):
        c["description"] = body.description
    if not isinstance(body.metadata, Unset):
        c["metadata"] = checked_metadata(body.metadata, at("metadata"))
    if not isinstance(body.amount_money, Unset):  # else percent: the schema's oneOf
        c["amount_money"] = money(read_money(body.amount_money, at("amount_money"), currency=currency), currency)
    else:
        c["percent"] = pricing.millionths_to_percent(millionths(body.percent, at("percent")))
    return c


def new_tip(body: models.TipInput, param: str, currency: str) -> Doc:
    tip: Doc = {}
    if not isinstance(body.name, Unset):
        tip["name"] = body.name
    if not isinstance(body.description, Unset):
        tip["description"] = body.description
    if not isinstance(body.amount_money, Unset):  # else percent: the schema's oneOf
        amount = read_money(body.amount_money, f"{param}.amount_money", currency=currency)
        tip["amount_money"] = money(amount, currency)
    else:
        tip["percent"] = pricing.millionths_to_percent(millionths(body.percent, f"{param}.percent"))
    if not isinstance(body.metadata, Unset):
        tip["metadata"] = checked_metadata(body.metadata, f"{param}.metadata")
    return tip


def tax_input(body: models.TaxInput) -> Doc:
    """TaxInput -> OrderTax: the sandbox rule applies when a location (its address and postal code are required
    by the schema) is given."""
    enabled = body.enabled is not False
    location = body.location
    if isinstance(location, Unset):
        return tax_state(enabled, None)
    loc: Doc = {"address": {k: v for k, v in location.address.to_dict().items() if isinstance(v, str)}}
    loc["address"].setdefault("country", "US")
    for k, v in (("address_type", location.address_type), ("address_source", location.address_source)):
        if not isinstance(v, Unset):
            loc[k] = wire(v)
    return tax_state(enabled, loc)


def currency_of(items: Sequence[models.CreateOrderLineItem], existing: str | None, prefix: str) -> str:
    """All line items share one currency: the first line's, or the order's."""
    currency = existing
    for i, item in enumerate(items):
        param = f"{prefix}[{i}].unit_price_money.currency"
        c = check_currency(item.unit_price_money.currency, param)
        if currency is None:
            currency = c
        elif c != currency:
            raise invalid("CURRENCY_MISMATCH", "All line items share one currency", param)
    return currency or "USD"
