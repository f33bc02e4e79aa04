"""Order pricing: `reprice` recomputes an order's derived amounts, statuses and tip from its inputs."""

from __future__ import annotations

import copy
import re
from datetime import datetime
from typing import Callable

from . import pricing
from .errors import DomainError, invalid
from .money import amount_of, money
from .store import Doc, format_time


def _taxed(doc: Doc) -> bool:
    return bool(doc.get("tax", {}).get("status") == "calculated")


def tax_state(enabled: bool, location: Doc | None) -> Doc:
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


DEFAULT_TAX = tax_state(True, None)


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
                else pricing.ChargeInput(millionths=millionths(c["percent"], "charge.percent"),
                                         basis=c["calculation_basis"])
                for c in charges
            ],
            None
            if tip_req is None
            else (
                pricing.TipInput(amount=amount_of(tip_req["amount_money"]))
                if tip_req.get("percent") is None
                else pricing.TipInput(millionths=millionths(tip_req["percent"], "requested_tip.percent"))
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


def reprice_for(doc: Doc, now: datetime, line_param: Callable[[int], str | None]) -> None:
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


def millionths(percent: object, param: str) -> int:
    """A percent (range and 4 decimals checked by the schema, or stored from such a request) in millionths."""
    try:
        return pricing.percent_to_millionths(percent, param)
    except pricing.PricingError as e:
        raise invalid(e.code, e.message, e.param) from None
