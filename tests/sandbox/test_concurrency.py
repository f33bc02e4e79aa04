"""Two server processes on one store (one SQLite file; one PostgreSQL database): money stays safe and idempotency
holds across processes; a SIGKILL under write load loses no acknowledged write."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from pg_harness import STORES, store_db
from sandbox_harness import KEY1, Sandbox


@pytest.fixture(scope="module", params=STORES)
def pair(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Sandbox, Sandbox]]:
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    db = store_db(request.param, request, tmp_path_factory.mktemp("pair"), "shared")
    a = Sandbox(db, [f"m1:{KEY1}"])
    b = Sandbox(db, [f"m1:{KEY1}"])  # repeating --key across processes and restarts is harmless
    yield a, b
    a.stop()
    b.stop()


def money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}


def _parallel(n: int, fn: Any) -> list[httpx.Response]:
    barrier = threading.Barrier(n)

    def run(i: int) -> httpx.Response:
        barrier.wait()
        return fn(i)  # type: ignore[no-any-return]

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_parallel_refunds_never_exceed_paid(pair: tuple[Sandbox, Sandbox]) -> None:
    a, b = pair
    clients = [a.client(), b.client()]
    c = clients[0]
    o = c.post("/v1/orders", json={"line_items": [{"name": "x", "unit_price_money": money(5000)}]}).json()["data"]
    assert c.post(f"/v1/orders/{o['order_id']}/pay", json={"action": "pay", "payment_source": {"token": "tok_visa"}}).status_code == 200
    pi_id = c.get(f"/v1/orders/{o['order_id']}").json()["data"]["payment_intent_ids"][0]
    # the three ways of naming what to refund race for the same money
    bodies = [
        {"order_id": o["order_id"], "amount_money": money(700)},
        {"payment_intent_id": pi_id, "amount_money": money(700)},
        {"tender_allocations": [{"tender_type": "payment_intent", "payment_intent_id": pi_id,
                                 "amount_money": money(700)}]},
    ]

    results = _parallel(21, lambda i: clients[i % 2].post("/v1/refunds", json=bodies[i % 3]))
    ok = [r for r in results if r.status_code == 201]
    assert all(r.status_code in (201, 400) for r in results), [r.text for r in results if r.status_code not in (201, 400)]
    assert all(r.json()["error"]["code"] == "AMOUNT_EXCEEDS_REFUNDABLE" for r in results if r.status_code == 400)
    assert len(ok) == 5000 // 700
    order = b.client().get(f"/v1/orders/{o['order_id']}").json()["data"]
    assert order["settlement_amounts"]["refunded_money"] == money(700 * len(ok))
    refunds = c.get("/v1/refunds", params={"order_id": o["order_id"], "page_size": 100}).json()["data"]
    assert sum(r["amount_money"]["amount"] for r in refunds) == 700 * len(ok) <= 5000
    pi = c.get(f"/v1/payment-intents/{pi_id}").json()["data"]
    assert pi["refunded_money"] == money(700 * len(ok))
    for cl in clients:
        cl.close()


def test_parallel_requests_with_one_idempotency_key(pair: tuple[Sandbox, Sandbox]) -> None:
    a, b = pair
    clients = [a.client(), b.client()]
    key = f"same-{uuid.uuid4()}"
    name = f"idem-{uuid.uuid4()}"
    body = {"line_items": [{"name": name, "unit_price_money": money(4242)}]}
    results = _parallel(20, lambda i: clients[i % 2].post("/v1/orders", json=body, headers={"Idempotency-Key": key}))
    created = {r.json()["data"]["order_id"] for r in results if r.status_code == 201}
    assert len(created) == 1, [r.text for r in results]
    for r in results:
        assert r.status_code in (201, 409), r.text
        if r.status_code == 409:
            assert r.json()["error"]["code"] == "IDEMPOTENCY_KEY_IN_PROGRESS"
            assert r.json()["error"]["type"] == "conflict_error"
    listed = [o for o in clients[0].get("/v1/orders", params={"page_size": 100}).json()["data"]
              if o["line_items"][0]["name"] == name]
    assert len(listed) == 1
    retry = clients[1].post("/v1/orders", json=body, headers={"Idempotency-Key": key})
    assert retry.status_code == 201
    assert retry.json()["data"]["order_id"] in created
    assert retry.json()["meta"]["idempotency_replayed"] is True
    for cl in clients:
        cl.close()


def test_parallel_pays_and_resumes_charge_once(pair: tuple[Sandbox, Sandbox]) -> None:
    a, b = pair
    clients = [a.client(), b.client()]
    c = clients[0]
    pay = {"action": "pay", "payment_source": {"token": "tok_visa"}}
    o = c.post("/v1/orders", json={"line_items": [{"name": "x", "unit_price_money": money(3000)}]}).json()["data"]
    results = _parallel(12, lambda i: clients[i % 2].post(f"/v1/orders/{o['order_id']}/pay", json=pay))
    assert sum(r.status_code == 200 for r in results) == 1, [r.text for r in results]
    assert all(r.json()["error"]["code"] == "ORDER_ALREADY_PAID" for r in results if r.status_code != 200)

    # one 3-D Secure attempt resumed from both processes at once: one capture, the rest not resumable
    o = c.post("/v1/orders", json={"line_items": [{"name": "y", "unit_price_money": money(2000)}]}).json()["data"]
    r = c.post(f"/v1/orders/{o['order_id']}/pay", json={"action": "pay", "payment_source": {"token": "tok_threeds_required"}})
    aid = r.json()["data"]["payment_attempt"]["payment_attempt_id"]
    resume = {"action": "resume", "order_payment_attempt_id": aid}
    results = _parallel(12, lambda i: clients[i % 2].post(f"/v1/orders/{o['order_id']}/pay", json=resume))
    assert sum(r.status_code == 200 for r in results) == 1, [r.text for r in results]
    assert all(r.json()["error"]["code"] == "PAYMENT_ATTEMPT_NOT_RESUMABLE" for r in results if r.status_code != 200)
    order = clients[1].get(f"/v1/orders/{o['order_id']}").json()["data"]
    assert order["settlement_amounts"]["paid_money"] == money(2000)
    (pi_id,) = order["payment_intent_ids"]
    txns = c.get("/v1/balance-transactions", params={"related_object_id": pi_id}).json()["data"]
    assert [t["amount_money"]["amount"] for t in txns] == [2000]
    for cl in clients:
        cl.close()


@pytest.mark.parametrize("store", STORES)
def test_sigkill_under_write_load_keeps_every_acknowledged_write(
    store: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    db = store_db(store, request, tmp_path, "crash")
    sb = Sandbox(db, [f"m1:{KEY1}"])
    acked: list[str] = []
    paid: list[str] = []
    stop = threading.Event()

    def writer() -> None:
        with sb.client() as c:
            while not stop.is_set():
                try:
                    r = c.post("/v1/orders", json={"line_items": [{"name": "w", "unit_price_money": money(1000)}]})
                    if r.status_code == 201:
                        oid = r.json()["data"]["order_id"]
                        acked.append(oid)
                        p = c.post(f"/v1/orders/{oid}/pay", json={"action": "pay", "payment_source": {"token": "tok_visa"}})
                        if p.status_code == 200:
                            paid.append(oid)
                except httpx.TransportError:
                    return

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 40:
        assert time.monotonic() < deadline and any(t.is_alive() for t in threads), "write load never got going"
        time.sleep(0.02)
    sb.kill()
    stop.set()
    for t in threads:
        t.join(30)

    sb2 = Sandbox(db, [f"m1:{KEY1}"])
    try:
        with sb2.client() as c:
            for oid in acked:
                r = c.get(f"/v1/orders/{oid}")
                assert r.status_code == 200, (oid, r.text)
            for oid in paid:
                assert c.get(f"/v1/orders/{oid}").json()["data"]["payment_status"] == "paid"
            txns: list[dict[str, Any]] = []
            params: dict[str, Any] = {"page_size": 100}
            while True:
                page = c.get("/v1/balance-transactions", params=params).json()
                txns += page["data"]
                if "next_page_token" not in page:
                    break
                params["page_token"] = page["next_page_token"]
            payments = {t["related_resource"]["payment_intent_id"] for t in txns if t["type"] == "payment"}
            assert len(payments) >= len(paid)
            assert all(t["net_money"]["amount"] == t["amount_money"]["amount"] - t["fee_money"]["amount"] for t in txns)
            bal = c.get("/v1/balances").json()["data"][0]
            total = bal["available_money"]["amount"] + bal["pending_money"]["amount"]
            assert total == sum(t["net_money"]["amount"] for t in txns) == len(payments) * (1000 - 59)
    finally:
        sb2.stop()
