"""Money over sequences of calls: refunds move the order's numbers by exactly the refund, refund
limits hold, the ledger nets add up, and payouts stay within the available balance."""

from __future__ import annotations

from typing import Any

from ..flows import get_id, path_of, usd
from .base import ProbeContext


def _amount(obj: Any, *path: str) -> int | None:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    if isinstance(obj, dict):
        obj = obj.get("amount")
    return obj if type(obj) is int else None


def refund_updates_order(ctx: ProbeContext) -> None:
    ctx.ran("refund_updates_order")
    f = ctx.flows
    order_id, paid = f.paid_order(unit=3000, qty=1)
    if paid.status != 200:
        ctx.client.fail("refund_updates_order", f"payOrder -> {paid.brief()}", "200 paying with tok_visa", paid)
        return
    before = f.get_order(order_id)
    r0 = _amount(before.data, "settlement_amounts", "refunded_money") or 0
    for amount in (700, 300):
        refund = f.refund(order_id, amount)
        if refund.status != 201:
            ctx.client.fail("refund_updates_order", f"createRefund {amount} -> {refund.brief()}", "201", refund)
            return
        if _amount(refund.data, "amount_money") != amount:
            ctx.client.fail(
                "refund_updates_order",
                f"refund amount_money {(refund.data or {}).get('amount_money')}",
                f"the refund carries the requested {amount}",
                refund,
            )
        after = f.get_order(order_id)
        r1 = _amount(after.data, "settlement_amounts", "refunded_money")
        if r1 != r0 + amount:
            ctx.client.fail(
                "refund_updates_order",
                f"after a {amount} refund, order {order_id} refunded_money went {r0} -> {r1}",
                f"refunded_money grows by exactly the refund ({r0} -> {r0 + amount})",
                after,
            )
            return
        r0 = r1


def refund_limits(ctx: ProbeContext) -> None:
    ctx.ran("refund_limits")
    f = ctx.flows
    unpaid = get_id(f.create_order(), "order_id")
    r = f.refund(unpaid, 100)
    if r.status != 400 or r.error_code != "NO_PAYMENTS_FOR_ORDER":
        ctx.client.fail("refund_limits", f"refund of an unpaid order -> {r.brief()}", "400 NO_PAYMENTS_FOR_ORDER", r)
    order_id, paid = f.paid_order(unit=2000, qty=1)
    r = f.refund(order_id, 2001)
    if r.status != 400 or r.error_code != "AMOUNT_EXCEEDS_REFUNDABLE":
        ctx.client.fail("refund_limits", f"refund of 2001 on a 2000 order -> {r.brief()}", "400 AMOUNT_EXCEEDS_REFUNDABLE", r)
    f.refund(order_id, 1500)
    r = f.refund(order_id, 501)
    if r.status != 400 or r.error_code != "AMOUNT_EXCEEDS_REFUNDABLE":
        ctx.client.fail(
            "refund_limits",
            f"refund of 501 when 500 remains refundable -> {r.brief()}",
            "400 AMOUNT_EXCEEDS_REFUNDABLE",
            r,
        )
    got = f.get_order(order_id)
    sa = (got.data or {}).get("settlement_amounts") if isinstance(got.data, dict) else None
    paid_m, refunded = _amount(sa, "paid_money"), _amount(sa, "refunded_money")
    if paid_m is not None and refunded is not None and refunded > paid_m:
        ctx.client.fail("refund_limits", f"refunded_money {refunded} > paid_money {paid_m}", "refunded <= paid", got)


def _balance(ctx: ProbeContext) -> tuple[int | None, int | None, Any]:
    reply = ctx.client.get(path_of(ctx.spec, "listBalances"), op="listBalances")
    for b in reply.data or []:
        if isinstance(b, dict) and b.get("currency") == "USD":
            return _amount(b, "available_money"), _amount(b, "pending_money"), reply
    return None, None, reply


def ledger_reconciles(ctx: ProbeContext) -> None:
    """Balances equal the sum of the ledger: available + pending == sum of net over the balance
    transactions (every transaction's net = amount - fee is checked per response)."""
    ctx.ran("ledger_reconciles", "balance_transaction_net")
    f = ctx.flows
    f.paid_order(unit=1000, qty=1)
    txns, replies = f.list_all("listBalanceTransactions", {"currency": "USD"})
    available, pending, reply = _balance(ctx)
    if available is None:
        ctx.client.fail("ledger_reconciles", f"listBalances -> {reply.brief()}", "a USD balance with available_money", reply)
        return
    nets = [_amount(t, "net_money") for t in txns if isinstance(t, dict)]
    total = sum(n for n in nets if n is not None)
    if total != available + (pending or 0):
        ctx.client.fail(
            "ledger_reconciles",
            f"sum of {len(txns)} balance transactions' net_money = {total}, but available {available} + pending {pending or 0} = {available + (pending or 0)}",
            "balances reconcile with the ledger (sum of net over balance transactions)",
            reply,
        )


def payout_within_available(ctx: ProbeContext) -> None:
    ctx.ran("payout_within_available")
    f = ctx.flows
    f.paid_order(unit=1500, qty=1)
    available, _, reply = _balance(ctx)
    if available is None:
        return
    over = ctx.client.post(path_of(ctx.spec, "createPayout"), {"amount_money": usd(available + 1)}, op="createPayout")
    if over.status != 400 or over.error_code != "INSUFFICIENT_AVAILABLE_BALANCE":
        ctx.client.fail(
            "payout_within_available",
            f"payout of {available + 1} with {available} available -> {over.brief()}",
            "400 INSUFFICIENT_AVAILABLE_BALANCE",
            over,
        )
    amount = min(available, 250)
    if amount <= 0:
        return
    ok = ctx.client.post(path_of(ctx.spec, "createPayout"), {"amount_money": usd(amount)}, op="createPayout")
    if ok.status != 201:
        ctx.client.fail("payout_within_available", f"payout of {amount} with {available} available -> {ok.brief()}", "201", ok)
        return
    after, _, reply = _balance(ctx)
    if after != available - amount:
        ctx.client.fail(
            "payout_within_available",
            f"available {available} -> {after} after a payout of {amount}",
            f"available drops by exactly the payout ({available - amount})",
            reply,
        )


PROBES = {
    "refund_updates_order": refund_updates_order,
    "refund_limits": refund_limits,
    "ledger_reconciles": ledger_reconciles,
    "payout_within_available": payout_within_available,
}
