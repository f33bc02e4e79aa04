"""Tenancy: one merchant's objects are 404 to another, for reads and for writes."""

from __future__ import annotations

from ..flows import Flows, get_id, path_of, usd
from .base import ProbeContext


def tenant_isolation(ctx: ProbeContext) -> None:
    if ctx.peer is None:
        return
    ctx.ran("tenant_isolation")
    f, peer, spec = ctx.flows, ctx.peer, ctx.spec
    order_id, paid = f.paid_order(unit=2200, qty=1)
    open_id = get_id(f.create_order(), "order_id")
    refund_id = get_id(f.refund(order_id, 100), "refund_id")
    payout_id = get_id(ctx.client.post(path_of(spec, "createPayout"), {"amount_money": usd(50)}, op="createPayout"), "payout_id")
    got = f.get_order(order_id)
    intents = (got.data or {}).get("payment_intent_ids") if isinstance(got.data, dict) else None
    pi_id = get_id(paid, "payment_intent_id") or (intents[0] if isinstance(intents, list) and intents else "")
    txns, _ = f.list_all("listBalanceTransactions", page_size=1, limit=1)
    txn_id = txns[0].get("balance_transaction_id", "") if txns and isinstance(txns[0], dict) else ""

    reads = [
        ("getOrder", {"order_id": order_id}),
        ("getRefund", {"refund_id": refund_id}),
        ("getPayout", {"payout_id": payout_id}),
        ("listPayoutEntries", {"payout_id": payout_id}),
        ("getPaymentIntent", {"payment_intent_id": pi_id}),
        ("getBalanceTransaction", {"balance_transaction_id": txn_id}),
    ]
    for op_id, params in reads:
        if not all(params.values()) or op_id not in spec.operations:
            continue
        r = peer.get(path_of(spec, op_id, **params), op=op_id)
        if r.status != 404:
            peer.fail("tenant_isolation", f"merchant B read merchant A's {list(params.values())[0]} via {op_id} -> {r.brief()}", "404", r)
    line = Flows(peer).line()
    writes = [
        ("PATCH", "updateOrder", {"order_id": open_id}, {"buyer_note": "peer was here"}),
        ("POST", "addOrderLineItems", {"order_id": open_id}, {"line_items": [line]}),
        ("POST", "payOrder", {"order_id": open_id}, {"action": "pay", "payment_source": {"token": "tok_visa"}}),
        ("POST", "closeOrder", {"order_id": open_id}, {}),
        ("PATCH", "updateRefund", {"refund_id": refund_id}, {"metadata": {"peer": "1"}}),
        ("POST", "cancelPayout", {"payout_id": payout_id}, {}),
    ]
    for method, op_id, params, body in writes:
        if not all(params.values()) or op_id not in spec.operations:
            continue
        r = peer.request(method, path_of(spec, op_id, **params), op=op_id, json_body=body)
        if r.status != 404:
            peer.fail("tenant_isolation", f"merchant B wrote merchant A's {list(params.values())[0]} via {op_id} -> {r.brief()}", "404", r)
    r = peer.post(path_of(spec, "createRefund"), {"order_id": order_id, "amount_money": usd(100)}, op="createRefund")
    if r.status != 404:
        peer.fail("tenant_isolation", f"merchant B refunded merchant A's order {order_id} -> {r.brief()}", "404", r)
    # A's order is untouched and absent from B's list.
    after = f.get_order(open_id)
    if isinstance(after.data, dict) and after.data.get("buyer_note") == "peer was here":
        ctx.client.fail("tenant_isolation", f"order {open_id} was modified by merchant B", "other merchants cannot write", after)
    theirs, replies = Flows(peer).list_all("listOrders", page_size=100, limit=50)
    if order_id in [o.get("order_id") for o in theirs if isinstance(o, dict)]:
        peer.fail("tenant_isolation", f"merchant A's order {order_id} is in merchant B's listOrders", "lists are per merchant", replies[-1])


PROBES = {"tenant_isolation": tenant_isolation}
