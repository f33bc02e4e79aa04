"""Cursor pagination: page_size bounds are rejected (not clamped), walking next_page_token returns
every item exactly once, and a just-created object appears in its list."""

from __future__ import annotations

from ..flows import get_id, path_of, usd
from .base import ProbeContext

_ID_FIELDS = {
    "listOrders": "order_id",
    "listPaymentIntents": "payment_intent_id",
    "listRefunds": "refund_id",
    "listBalanceTransactions": "balance_transaction_id",
    "listPayouts": "payout_id",
    "listPayoutDestinations": "payout_destination_id",
}


def page_size_bounds(ctx: ProbeContext) -> None:
    ctx.ran("pagination_page_size_bounds")
    c = ctx.client
    for op in ctx.spec.operations.values():
        if op.method != "GET" or not op.has_parameter("page_size", "query"):
            continue
        params = {}
        for p in op.parameters:
            if p.get("in") == "path":
                params[p["name"]] = "x"
        if params:
            continue  # scoped lists (payout entries) are covered by the fuzzer with seeded ids
        for size in (0, 101):
            r = c.get(op.path, op=op.operation_id, params={"page_size": size})
            if r.status != 400 or r.error_code != "INVALID_PAGE_SIZE":
                c.fail(
                    "pagination_page_size_bounds",
                    f"{op.operation_id} page_size={size} -> {r.brief()}"
                    + (f" with {len(r.data)} items" if isinstance(r.data, list) else ""),
                    "400 INVALID_PAGE_SIZE (out of range is rejected, not clamped)",
                    r,
                )
        r = c.get(op.path, op=op.operation_id, params={"page_size": 100})
        if r.status != 200:
            c.fail("pagination_page_size_bounds", f"{op.operation_id} page_size=100 -> {r.brief()}", "200", r)


def walk(ctx: ProbeContext) -> None:
    ctx.ran("pagination_walk", "list_includes_created")
    f = ctx.flows
    created = [get_id(f.create_order([f.line(name=f"Page walk {i}", unit=100 + i, qty=1)]), "order_id") for i in range(7)]
    everything, _ = f.list_all("listOrders", page_size=100, limit=200)
    all_ids = [o.get("order_id") for o in everything if isinstance(o, dict)]
    for size in (3, 4):
        walked, replies = f.list_all("listOrders", page_size=size, limit=2000)
        ids = [o.get("order_id") for o in walked if isinstance(o, dict)]
        dupes = sorted({str(i) for i in ids if ids.count(i) > 1})
        missing = [i for i in all_ids if i not in ids]
        if dupes or missing or len(ids) != len(all_ids):
            ctx.client.fail(
                "pagination_walk",
                f"walking listOrders with page_size={size}: {len(ids)} items over {len(replies)} pages, "
                f"{len(all_ids)} with page_size=100; duplicates {dupes[:3]}, missing {missing[:3]}",
                "walking next_page_token returns every item exactly once",
                replies[-1] if replies else None,
                "listOrders",
            )
            break
    for oid in created:
        if oid and oid not in all_ids:
            ctx.client.fail(
                "list_includes_created",
                f"order {oid} created a moment ago is not in listOrders",
                "a just-created object appears in its list",
                None,
                "listOrders",
            )
            break
    # Refunds and payouts too.
    order_id, _ = f.paid_order(unit=900, qty=1)
    refund_id = get_id(f.refund(order_id, 100), "refund_id")
    payout = ctx.client.post(path_of(ctx.spec, "createPayout"), {"amount_money": usd(50)}, op="createPayout")
    for op_id, new_id in (("listRefunds", refund_id), ("listPayouts", get_id(payout, "payout_id"))):
        if not new_id:
            continue
        items, replies = f.list_all(op_id, page_size=100, limit=200)
        if new_id not in [i.get(_ID_FIELDS[op_id]) for i in items if isinstance(i, dict)]:
            ctx.client.fail(
                "list_includes_created",
                f"{new_id} created a moment ago is not in {op_id}",
                "a just-created object appears in its list",
                replies[-1] if replies else None,
                op_id,
            )


PROBES = {"page_size_bounds": page_size_bounds, "pagination_walk": walk}
