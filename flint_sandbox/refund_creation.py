"""Creating a refund: what it refunds (order, payment intent, tenders, lines), checked and recorded at once.

A refund is validated against the order's settlement inside the same transaction that records it.
A refund names what it refunds with one of: `order_id` (spread over the order's captured payments, oldest first),
`payment_intent_id` (that payment; a standalone intent refunds the intent only), `tender_allocations` (explicit
amounts per payment) or `gift_card_load_id` (no gift cards in the sandbox: 404 GIFT_CARD_NOT_FOUND). `line_items`
allocate the refund to those lines; without them it is spread over every line pro rata (largest remainder).
"""

from __future__ import annotations

from datetime import datetime

from flint_api import Unset, models

from . import ledger, orders, pricing
from .errors import DomainError, found, invalid, not_found, reject_reserved_metadata
from .ids import new_id
from .money import amount_of, check_request_currencies, money, read_money
from .order_activities import record_activity
from .order_pricing import reprice
from .planted import HONEST, Policy
from .refunds import render
from .request_models import opt, wire
from .store import Doc, Tx, format_time


def _pi_room(pi: Doc) -> int:
    return amount_of(pi.get("captured_money")) - amount_of(pi.get("refunded_money"))


def _load_pi(tx: Tx, merchant_id: str, pi_id: str, param: str) -> Doc:
    return found(tx.get("payment_intents", merchant_id, pi_id), "payment intent", pi_id, param)


def _tenders(tx: Tx, merchant_id: str, body: models.CreateRefundRequest) -> list[tuple[Doc, int]]:
    """`tender_allocations` as (payment intent, amount) pairs; gift-card tenders are 404 GIFT_CARD_NOT_FOUND."""
    out: list[tuple[Doc, int]] = []
    seen: set[str] = set()
    for i, t in enumerate(opt(body.tender_allocations) or []):
        param = f"tender_allocations[{i}]"
        if t.tender_type == "gift_card_redemption":
            raise DomainError(404, "GIFT_CARD_NOT_FOUND",
                              f"No such gift card redemption: {opt(t.gift_card_redemption_id)}",
                              f"{param}.tender_type" if isinstance(t.gift_card_redemption_id, Unset)
                              else f"{param}.gift_card_redemption_id")
        pi_id = opt(t.payment_intent_id)
        if pi_id is None:
            raise invalid("FIELD_REQUIRED", "A payment_intent tender needs payment_intent_id",
                          f"{param}.payment_intent_id")
        if pi_id in seen:
            raise invalid("INVALID_REQUEST", "A payment intent appears in two tender allocations",
                          f"{param}.payment_intent_id")
        seen.add(pi_id)
        amount = read_money(t.amount_money, f"{param}.amount_money", positive=True)
        out.append((_load_pi(tx, merchant_id, pi_id, f"{param}.payment_intent_id"), amount))
    return out


def _line_amounts(order: Doc, body: models.CreateRefundRequest) -> list[tuple[int, int]] | None:
    """`line_items` as (index in the order's lines, the most that line gives to this refund), or None."""
    items = opt(body.line_items)
    if not items:
        return None
    cur = order["currency"]
    lines = order["line_items"]
    index = {li["order_line_item_id"]: n for n, li in enumerate(lines)}
    out: list[tuple[int, int]] = []
    seen: set[int] = set()
    for i, item in enumerate(items):
        param = f"line_items[{i}]"
        n = index.get(item.order_line_item_id)
        if n is None:
            raise not_found("order line item", item.order_line_item_id, f"{param}.order_line_item_id")
        if n in seen:
            raise invalid("INVALID_REQUEST", "A line item is listed twice", f"{param}.order_line_item_id")
        seen.add(n)
        li = lines[n]
        total, refunded = amount_of(li["total_money"]), amount_of(li.get("refunded_money"))
        room = max(total - refunded, 0)
        if not isinstance(item.amount_money, Unset):
            want = read_money(item.amount_money, f"{param}.amount_money", positive=True, currency=cur)
            if want > room:
                raise invalid("AMOUNT_EXCEEDS_REFUNDABLE", f"Line refund of {want} exceeds its refundable {room}",
                              f"{param}.amount_money.amount")
        elif not isinstance(item.quantity, Unset):
            q, quantity = item.quantity, int(li["quantity"])
            left_q = quantity - int(li.get("refunded_quantity") or 0)
            if q > left_q:
                raise invalid("AMOUNT_EXCEEDS_REFUNDABLE", f"Only {left_q} units of the line are left to refund",
                              f"{param}.quantity")
            # the units' share of the line total; the last units take whatever is left of the line
            want = room if q == left_q else min(room, total * q // max(quantity, 1))
        else:
            want = room
        out.append((n, want))
    return out


def _split(total: int, subtotal: int, discount: int, tax: int, before: int, after: int) -> Doc:
    """A line's refunded money (after - before of its total) split into subtotal / discount / tax. The cumulative
    shares are floored, so the refunds of a fully refunded line add up to its subtotal, discount and tax exactly;
    subtotal - discount + tax == the refunded money always."""
    def cum(part: int, refunded: int) -> int:
        return part * refunded // total if total else 0

    tax_part = cum(tax, after) - cum(tax, before)
    disc_part = cum(discount, after) - cum(discount, before)
    return {"subtotal": after - before + disc_part - tax_part, "discount": disc_part, "tax": tax_part}


def _apply_to_order(order: Doc, amount: int, lines_asked: list[tuple[int, int]] | None, now: datetime) -> list[Doc]:
    """The refund lands on the order (settlement, per-line refunded money and quantity); returns the allocations."""
    cur = order["currency"]
    lines = order["line_items"]
    shares = [0] * len(lines)
    if lines_asked is None:
        shares = pricing.allocate_refund(
            amount, [amount_of(li["total_money"]) for li in lines], [amount_of(li.get("refunded_money")) for li in lines]
        )
    else:
        for (n, _), share in zip(lines_asked, pricing.prorate(amount, [w for _, w in lines_asked])):
            shares[n] = share
    allocations: list[Doc] = []
    for li, share in zip(lines, shares):
        if not share:
            continue
        total = amount_of(li["total_money"])
        before = amount_of(li.get("refunded_money"))
        after = before + share
        q_before = int(li.get("refunded_quantity") or 0)
        q_after = li["quantity"] if after >= total else (after * li["quantity"]) // max(total, 1)
        li["refunded_money"] = money(after, cur)
        li["refunded_quantity"] = q_after
        split = _split(total, amount_of(li.get("subtotal_money")), amount_of(li.get("discount_money")),
                       amount_of(li.get("tax_money")), before, after)
        allocations.append({
            "order_line_item_id": li["order_line_item_id"],
            "quantity": max(q_after - q_before, 0),
            "refunded_money": money(share, cur),
            "automatic_refund": {
                "discount_money": money(split["discount"], cur),
                "subtotal_money": money(split["subtotal"], cur),
                "tax_money": money(split["tax"], cur),
                "total_money": money(share, cur),
            },
            "tax_refund_mode": "automatic",
        })
    sa = order["settlement_amounts"]
    sa["refunded_money"] = money(amount_of(sa["refunded_money"]) + amount, cur)
    reprice(order, now)
    return allocations


def _record_activity(tx: Tx, merchant_id: str, order: Doc, refund: Doc) -> None:
    """The refund in the order's activity log."""
    record_activity(tx, merchant_id, order, "refund_created", refund_id=refund["refund_id"],
                    amount_money=refund["amount_money"])


def create_refund(
    tx: Tx, merchant_id: str, body: models.CreateRefundRequest, idempotency_key: str | None, policy: Policy = HONEST
) -> Doc:
    now = tx.now()
    check_request_currencies(body)
    reject_reserved_metadata(opt(body.metadata))
    if not isinstance(body.gift_card_load_id, Unset):
        raise DomainError(404, "GIFT_CARD_NOT_FOUND", f"No such gift card load: {body.gift_card_load_id}",
                          "gift_card_load_id")
    if body.charges:
        raise invalid("NOTHING_TO_REFUND_FOR_CHARGE", "The sandbox never refunds order charges", "charges[0]")
    if body.tax_breakdown_refunds:
        raise invalid("INVALID_REQUEST", "Tax breakdown refunds are not modelled by the sandbox",
                      "tax_breakdown_refunds")
    order_id, pi_id = opt(body.order_id), opt(body.payment_intent_id)
    tenders = _tenders(tx, merchant_id, body)

    # Which payments the refund comes from, and the order behind them (None: standalone payment intents).
    named: list[Doc] = []
    if pi_id is not None:
        named.append(_load_pi(tx, merchant_id, pi_id, "payment_intent_id"))
        if tenders and [p["payment_intent_id"] for p, _ in tenders] != [pi_id]:
            raise invalid("INVALID_REQUEST", "payment_intent_id and tender_allocations name different payments",
                          "tender_allocations")
    elif tenders:
        named = [p for p, _ in tenders]
    for i, p in enumerate(named):
        param = "payment_intent_id" if pi_id is not None else f"tender_allocations[{i}].payment_intent_id"
        if order_id is not None and p.get("order_id") != order_id:
            raise not_found("payment intent", p["payment_intent_id"], param)
        if p.get("order_id") != named[0].get("order_id"):
            raise invalid("INVALID_REQUEST", "Every payment of one refund must belong to the same order", param)
    if named:
        order_id = named[0].get("order_id")
    # else order_id is given: the schema's anyOf asks for one of the four, and a gift card load is a 404 above

    skip_checks = not policy.refund_limits
    order: Doc | None = None
    if order_id is not None:
        order = orders.load(tx, merchant_id, order_id, "order_id")
        cur = order["currency"]
        sa = order["settlement_amounts"]
        paid, refunded = amount_of(sa["paid_money"]), amount_of(sa["refunded_money"])
        settled_tip = amount_of(sa.get("settled_tip_money"))
    else:  # standalone payment intents: the intents alone are refunded
        if body.line_items:
            raise invalid("INVALID_REQUEST", "A payment intent without an order has no line items", "line_items")
        cur = named[0]["amount_money"]["currency"]
        paid = sum(amount_of(p.get("captured_money")) for p in named)
        refunded = sum(amount_of(p.get("refunded_money")) for p in named)
        settled_tip = 0
    refundable = paid - refunded
    if paid == 0 and not skip_checks:
        named_by = (("order_id", body.order_id), ("payment_intent_id", body.payment_intent_id),
                    ("tender_allocations", body.tender_allocations))
        first = next(k for k, v in named_by if not isinstance(v, Unset))
        raise invalid("NO_PAYMENTS_FOR_ORDER", "There are no settled payments to refund", first)
    if named and not tenders:
        refundable = min(refundable, _pi_room(named[0]))

    lines_asked = _line_amounts(order, body) if order is not None else None
    amount_param = "order_id"
    if not isinstance(body.amount_money, Unset):
        amount = read_money(body.amount_money, "amount_money", positive=True, currency=cur)
        amount_param = "amount_money.amount"
        if tenders and amount != sum(a for _, a in tenders):
            raise invalid("INVALID_AMOUNT", "amount_money must equal the sum of the tender allocations",
                          "amount_money.amount")
    elif tenders:
        amount = sum(a for _, a in tenders)
        amount_param = "tender_allocations"
    elif lines_asked is not None:
        amount = sum(w for _, w in lines_asked)
        amount_param = "line_items"
    else:
        amount = refundable
    for i, (p, a) in enumerate(tenders):
        if a > _pi_room(p) and not skip_checks:
            raise invalid("AMOUNT_EXCEEDS_REFUNDABLE",
                          f"Refund of {a} from {p['payment_intent_id']} exceeds its refundable {max(_pi_room(p), 0)}",
                          f"tender_allocations[{i}].amount_money.amount")
    if lines_asked is not None and amount > sum(w for _, w in lines_asked) and not skip_checks:
        raise invalid("AMOUNT_EXCEEDS_REFUNDABLE",
                      f"Refund of {amount} exceeds what the listed lines can take ({sum(w for _, w in lines_asked)})",
                      amount_param)
    if (amount > refundable or amount <= 0) and not skip_checks:
        raise invalid(
            "AMOUNT_EXCEEDS_REFUNDABLE",
            f"Refund of {amount} exceeds the refundable {max(refundable, 0)}",
            amount_param,
        )

    refund_id = new_id("re")
    # Take it from the payments: the tenders as given, the one named, or the order's captured ones oldest first.
    if tenders:
        takes = list(tenders)
    else:
        intents: list[Doc] = named or [
            pi for pid in (order or {}).get("payment_intent_ids", [])
            if (pi := tx.get("payment_intents", merchant_id, pid)) is not None and pi["status"] == "succeeded"
        ]
        takes = []
        left = amount
        for p in intents:
            take = min(_pi_room(p), left) if p is not intents[-1] else left
            if take > 0:
                takes.append((p, take))
                left -= take
    payment_refunds = []
    for p, take in takes:
        new_refunded = amount_of(p.get("refunded_money")) + take
        p["refunded_money"] = money(new_refunded, cur)
        p["refund_status"] = "refunded" if new_refunded >= amount_of(p.get("captured_money")) else "partially_refunded"
        p["updated_at"] = format_time(now)
        tx.update("payment_intents", merchant_id, p["payment_intent_id"], p, status=p["status"])
        payment_refunds.append({"payment_intent_id": p["payment_intent_id"], "amount_money": money(take, cur)})

    # The tip is refunded last, mirroring how it is settled last.
    def tip_part(total_refunded: int) -> int:
        return max(0, min(settled_tip, total_refunded - (paid - settled_tip)))

    refunded_tip = tip_part(refunded + amount) - tip_part(refunded)
    allocations: list[Doc] = []
    if order is not None and policy.refund_updates_order:
        allocations = _apply_to_order(order, amount, lines_asked, now)
        order.setdefault("refund_ids", []).append(refund_id)
        orders.save(tx, merchant_id, order)

    txn = ledger.post(
        tx, merchant_id, type="refund", amount=-amount, fee=0, currency=cur,
        related=("refund", refund_id), order_id=order_id,
    )
    doc: Doc = {
        "refund_id": refund_id,
        "merchant_id": merchant_id,
        "payment_intent_id": payment_refunds[0]["payment_intent_id"] if len(payment_refunds) == 1 else None,
        "amount_money": money(amount, cur),
        "refunded_tip_money": money(refunded_tip, cur),
        "status": "pending",
        "refund_method": "original_payment",
        "reason": None if isinstance(body.reason, Unset) else wire(body.reason),
        "line_item_allocations": allocations,
        "payment_refunds": payment_refunds,
        "tender_allocations": [
            {"tender_type": "payment_intent", "payment_intent_id": pr["payment_intent_id"],
             "amount_money": pr["amount_money"]}
            for pr in payment_refunds
        ],
        "metadata": dict(opt(body.metadata) or {}),
        "created_at": format_time(now),
        "updated_at": format_time(now),
        "_sandbox": {"balance_transaction_id": txn["balance_transaction_id"]},
    }
    if order_id is not None:
        doc["order_id"] = order_id
    if idempotency_key is not None:
        doc["idempotency_key"] = idempotency_key
    for key, text in (("reason_message", body.reason_message), ("external_reference_id", body.external_reference_id)):
        if not isinstance(text, Unset):
            doc[key] = text
    tx.insert(
        "refunds", merchant_id, refund_id, doc,
        order_id=order_id, payment_intent_id=doc.get("payment_intent_id"), status="pending", amount=amount, currency=cur,
    )
    if order is not None:
        _record_activity(tx, merchant_id, order, doc)
    return render(doc, now)
