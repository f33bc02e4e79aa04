"""Several sandbox instances on ONE store behind a round-robin load balancer (each request a new connection, so
consecutive requests land on different instances): SQLite, 2 processes on one file; PostgreSQL, 3 instances on
one database. Under parallel refunds, repeated idempotency keys and payments, money stays exact:
Σ refunded ≤ paid per order, one object per idempotency key, the ledger equals the balances."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator

import httpx
import pytest

from lb import RoundRobin
from pg_harness import STORES, store_db
from sandbox_harness import KEY1, Sandbox

INSTANCES = {"sqlite": 2, "postgresql": 3}
PRICE = 5000
REFUND = 700


def money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}


@pytest.fixture(scope="module", params=STORES)
def cluster(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RoundRobin]:
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    db = store_db(request.param, request, tmp_path_factory.mktemp("cluster"), "cluster")
    instances = [Sandbox(db, [f"m1:{KEY1}"]) for _ in range(INSTANCES[request.param])]
    lb = RoundRobin([s.url for s in instances])
    yield lb
    lb.close()
    for s in instances:
        s.stop()


def client(lb: RoundRobin) -> httpx.Client:
    # no keep-alive: every request is a new connection, so the balancer spreads consecutive requests
    return httpx.Client(base_url=lb.url, headers={"Authorization": f"Bearer {KEY1}"}, timeout=60,
                        limits=httpx.Limits(max_keepalive_connections=0))


def parallel(n: int, fn: Callable[[httpx.Client, int], httpx.Response], lb: RoundRobin) -> list[httpx.Response]:
    barrier = threading.Barrier(n)

    def run(i: int) -> httpx.Response:
        with client(lb) as c:
            barrier.wait()
            return fn(c, i)

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def all_pages(c: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    q: dict[str, Any] = {"page_size": 100, **params}
    while True:
        page = c.get(path, params=q)
        assert page.status_code == 200, page.text
        body = page.json()
        out += body["data"]
        if "next_page_token" not in body:
            return out
        q["page_token"] = body["next_page_token"]


def test_instances_behind_a_balancer_keep_money_exact(cluster: RoundRobin) -> None:
    lb = cluster
    tag = uuid.uuid4().hex[:8]
    n_orders = 4

    # orders, each created by three racing requests with one key: one order per key
    def create(c: httpx.Client, i: int) -> httpx.Response:
        k = i % n_orders
        return c.post("/v1/orders", json={"line_items": [{"name": f"{tag}-{k}", "unit_price_money": money(PRICE)}]},
                      headers={"Idempotency-Key": f"{tag}-order-{k}"})

    created = parallel(3 * n_orders, create, lb)
    assert all(r.status_code in (201, 409) for r in created), [r.text for r in created]
    with client(lb) as c:
        orders = {o["line_items"][0]["name"]: o for o in all_pages(c, "/v1/orders") if o["line_items"][0]["name"].startswith(tag)}
        assert sorted(orders) == sorted(f"{tag}-{k}" for k in range(n_orders))  # one object per key
        for r in created:
            if r.status_code == 201:
                assert r.json()["data"]["order_id"] == orders[r.json()["data"]["line_items"][0]["name"]]["order_id"]
        order_ids = [orders[f"{tag}-{k}"]["order_id"] for k in range(n_orders)]

    # every order paid by six racing pays: one charge each
    pay = {"action": "pay", "payment_source": {"token": "tok_visa"}}
    pays = parallel(6 * n_orders, lambda c, i: c.post(f"/v1/orders/{order_ids[i % n_orders]}/pay", json=pay), lb)
    assert sum(r.status_code == 200 for r in pays) == n_orders, [r.text for r in pays if r.status_code != 200]
    assert all(r.json()["error"]["code"] == "ORDER_ALREADY_PAID" for r in pays if r.status_code != 200)

    # refunds race: each keyed refund is sent twice at once (same key, same body), keyless ones once
    def refund(c: httpx.Client, i: int) -> httpx.Response:
        oid = order_ids[i % n_orders]
        if i % 3 == 2:
            return c.post("/v1/refunds", json={"order_id": oid, "amount_money": money(REFUND)})
        k = i // 2
        return c.post("/v1/refunds", json={"order_id": order_ids[k % n_orders], "amount_money": money(REFUND)},
                      headers={"Idempotency-Key": f"{tag}-refund-{k}"})

    results = parallel(48, refund, lb)
    for r in results:
        assert r.status_code in (201, 400, 409), r.text
        if r.status_code == 400:
            assert r.json()["error"]["code"] == "AMOUNT_EXCEEDS_REFUNDABLE"
        if r.status_code == 409:
            assert r.json()["error"]["code"] == "IDEMPOTENCY_KEY_IN_PROGRESS"
    by_key: dict[str, set[str]] = {}
    for i, r in enumerate(results):
        if i % 3 != 2 and r.status_code == 201:
            by_key.setdefault(r.request.headers["Idempotency-Key"], set()).add(r.json()["data"]["refund_id"])
    assert all(len(ids) == 1 for ids in by_key.values()), by_key  # one refund per key

    with client(lb) as c:
        # a retry of every key answers with what was stored (a replay), never a second refund
        for key, ids in by_key.items():
            k = int(key.rsplit("-", 1)[1])
            again = c.post("/v1/refunds", json={"order_id": order_ids[k % n_orders], "amount_money": money(REFUND)},
                           headers={"Idempotency-Key": key})
            assert again.status_code == 201 and again.json()["data"]["refund_id"] in ids, again.text
        refund_ids = set()
        for oid in order_ids:
            refunds = all_pages(c, "/v1/refunds", order_id=oid)
            refund_ids |= {r["refund_id"] for r in refunds}
            total = sum(r["amount_money"]["amount"] for r in refunds)
            assert total <= PRICE  # Σ refunded ≤ paid
            assert total == PRICE // REFUND * REFUND  # 48 tries are enough to exhaust every order
            order = c.get(f"/v1/orders/{oid}").json()["data"]
            assert order["settlement_amounts"]["refunded_money"] == money(total)
            assert order["settlement_amounts"]["paid_money"] == money(PRICE)
        assert all(ids <= refund_ids for ids in by_key.values())

        # the ledger equals the balances
        txns = all_pages(c, "/v1/balance-transactions")
        assert all(t["net_money"]["amount"] == t["amount_money"]["amount"] - t["fee_money"]["amount"] for t in txns)
        bal = c.get("/v1/balances").json()["data"][0]
        assert bal["available_money"]["amount"] + bal["pending_money"]["amount"] == sum(t["net_money"]["amount"] for t in txns)
    assert all(n > 0 for n in lb.counts), lb.counts  # every instance served
