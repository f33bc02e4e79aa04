"""Balance transactions (the ledger) and balances. `net = amount - fee` on every row, by construction."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from .errors import found, invalid
from .ids import new_id
from .listing import normalize_times, page, params_filters
from .money import money
from .store import Doc, Filter, Tx, format_time

DESCRIPTIONS = {
    "payment": "Payment",
    "refund": "Refund",
    "payout": "Payout",
    "payout_cancellation": "Payout canceled",
}


# Every amount in a response is an int64. A merchant's balance per currency can never exceed what its payments
# brought in (refunds and payouts only take away; a payout cancellation only gives back what its payout took), so
# keeping the sum of payments per currency within int64 keeps every balance, pending and available amount within it.
MAX_PAYMENTS_TOTAL = 2**63 - 1


def post(
    tx: Tx,
    merchant_id: str,
    *,
    type: str,
    amount: int,
    fee: int,
    currency: str,
    related: tuple[str, str],
    order_id: str | None = None,
    available_at: datetime | None = None,
) -> Doc:
    if type == "payment":
        taken = tx.sum("balance_transactions", merchant_id, "amount",
                       [Filter("currency", "=", currency), Filter("type", "=", "payment")])
        if taken + amount > MAX_PAYMENTS_TOTAL:
            raise invalid(
                "AMOUNT_TOO_LARGE",
                f"The sandbox keeps a merchant's payments in {currency} within {MAX_PAYMENTS_TOTAL} minor units;"
                f" {taken} taken so far, this payment is {amount}",
            )
    now = tx.now()
    avail = available_at or now
    related_type, related_id = related
    txn: Doc = {
        "balance_transaction_id": new_id("txn"),
        "merchant_id": merchant_id,
        "type": type,
        "currency": currency,
        "amount_money": money(amount, currency),
        "fee_money": money(fee, currency),
        "net_money": money(amount - fee, currency),
        "description": DESCRIPTIONS.get(type, type),
        "order_id": order_id,
        "related_resource": {"type": related_type, f"{related_type}_id": related_id},  # official tagged shape
        "payout_id": related_id if related_type == "payout" else None,
        "available_at": format_time(avail),
        "occurred_at": format_time(now),
        "created_at": format_time(now),  # the storage's ordering column; not part of the API document
    }
    tx.insert(
        "balance_transactions",
        merchant_id,
        txn["balance_transaction_id"],
        txn,
        type=type,
        currency=currency,
        amount=amount,
        fee=fee,
        net=amount - fee,
        available_at=txn["available_at"],
        source_id=related_id,
        related_type=related_type,
        order_id=order_id,
        payout_id=txn["payout_id"],
    )
    return txn


def render_txn(doc: Doc, now: datetime) -> Doc:
    out = {k: v for k, v in doc.items() if k != "created_at"}
    out.setdefault("occurred_at", doc["created_at"])
    if "related_resource" not in out and "related_object_type" in out:  # rows written before the rename
        rtype = out.pop("related_object_type")
        out["related_resource"] = {"type": rtype, f"{rtype}_id": out.pop("related_object_id", "")}
    out["status"] = "available" if out["available_at"] <= format_time(now) else "pending"
    return out


ORDER_SUMMARY_FIELDS = ("order_id", "status", "payment_status", "refund_status", "pricing_amounts",
                        "settlement_amounts", "external_reference_id", "created_at", "updated_at")
PAYMENT_INTENT_SUMMARY_FIELDS = ("payment_intent_id", "status", "capture_method", "amount_money", "customer_id",
                                 "order_id", "refund_status", "created_at", "updated_at")


def order_summary(tx: Tx, merchant_id: str, order_id: str | None) -> Doc | None:
    """The OrderSummary embedded by expand=order (None when there is no order behind the field)."""
    order = tx.get("orders", merchant_id, order_id) if order_id else None
    if order is None:
        return None
    return {k: order[k] for k in ORDER_SUMMARY_FIELDS if order.get(k) is not None}


def payment_intent_summary(tx: Tx, merchant_id: str, pi_id: str | None) -> Doc | None:
    """The ExpandedPaymentIntentSummary embedded by expand=payment_intent."""
    pi = tx.get("payment_intents", merchant_id, pi_id) if pi_id else None
    if pi is None:
        return None
    return {k: pi[k] for k in PAYMENT_INTENT_SUMMARY_FIELDS if pi.get(k) is not None}


def delay_days(tx: Tx, merchant_id: str) -> int:
    for _, settings in tx.list_docs("payout_settings", merchant_id, limit=1):
        override = settings.get("delay_days_override")
        return int(override if override is not None else settings.get("delay_days", 0))
    return 0


def available_at_for_payment(tx: Tx, merchant_id: str) -> datetime:
    return tx.now() + timedelta(days=delay_days(tx, merchant_id))


def available_balance(tx: Tx, merchant_id: str, currency: str) -> int:
    now = format_time(tx.now())
    return tx.sum(
        "balance_transactions",
        merchant_id,
        "net",
        [Filter("currency", "=", currency), Filter("available_at", "<=", now)],
    )


def balances(tx: Tx, merchant_id: str, currency: str | None) -> list[Doc]:
    now = format_time(tx.now())
    filters = [Filter("currency", "=", currency)] if currency else []
    avail = dict(
        (r[0], r[1])
        for r in tx.group_sums("balance_transactions", merchant_id, "currency", ["net"], [*filters, Filter("available_at", "<=", now)])
    )
    pending = dict(
        (r[0], r[1])
        for r in tx.group_sums("balance_transactions", merchant_id, "currency", ["net"], [*filters, Filter("available_at", ">", now)])
    )
    # An unsupported currency filter gives an empty list; USD is always shown. One row per currency; every
    # sandbox balance transaction draws on the card balance source.
    currencies = sorted(set(avail) | set(pending) | ({"USD"} if currency in (None, "USD") else set()))
    out = []
    for cur in currencies:
        available, pend = money(int(avail.get(cur, 0)), cur), money(int(pending.get(cur, 0)), cur)
        out.append(
            {
                "balance_id": f"bal_{merchant_id.split('_', 1)[-1]}_{cur.lower()}",
                "merchant_id": merchant_id,
                "currency": cur,
                "available_money": available,
                "pending_money": pend,
                "held_money": money(0, cur),
                "reserve_money": money(0, cur),
                "unavailable_money": money(0, cur),
                "available_by_source_type": {"card": dict(available)},
                "pending_by_source_type": {"card": dict(pend)},
                "held_by_type": {},
                "payouts_enabled": True,
            }
        )
    return out


TXN_FILTERS: dict[str, tuple[str, str]] = {
    "currency": ("currency", "="),
    "type": ("type", "="),
    "related_object_id": ("source_id", "="),
    "payout_id": ("payout_id", "="),
    "related_object_type": ("related_type", "="),
    "created_after": ("created_at", ">="),
    "created_before": ("created_at", "<="),
    "available_after": ("available_at", ">="),
    "available_before": ("available_at", "<="),
}


def list_txns(tx: Tx, merchant_id: str, params: Mapping[str, Any]) -> tuple[list[Doc], str | None]:
    p = normalize_times(params)
    filters = params_filters(p, TXN_FILTERS)
    now = tx.now()
    status = p.get("status")
    if status == "available":
        filters.append(Filter("available_at", "<=", format_time(now)))
    elif status == "pending":
        filters.append(Filter("available_at", ">", format_time(now)))
    elif status is not None:
        filters.append(Filter("id", "=", ""))  # the sandbox never produces reserved/reversed/failed rows
    docs, token = page(tx, "balance_transactions", merchant_id, filters, p)
    return [render_txn(d, now) for d in docs], token


def get_txn(tx: Tx, merchant_id: str, txn_id: str, expand: list[str] | None = None) -> Doc:
    doc = found(tx.get("balance_transactions", merchant_id, txn_id), "balance transaction", txn_id)
    out = render_txn(doc, tx.now())
    # An expansion with nothing behind it (a payout row has no order) is left out rather than null.
    if expand and "order" in expand:
        summary = order_summary(tx, merchant_id, doc.get("order_id"))
        if summary is not None:
            out["order"] = summary
    return out
