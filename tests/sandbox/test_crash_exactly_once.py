"""Exactly once through crashes: a real server process is killed with SIGKILL at each step of a write (before the
write, inside its transaction before COMMIT, after COMMIT before the response), restarted on the same store (a SQLite file; a PostgreSQL database),
and the client retries with the same Idempotency-Key. Every acknowledged write is there, none is doubled, a retry
of a committed write is answered from the store, and the ledger balances. A second test kills the process from
outside (kill -9 of the process group) at random moments under concurrent keyed writes."""

from __future__ import annotations

import json
import random
import re
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest

from pg_harness import STORES, query, store_db
from sandbox_harness import KEY1, Sandbox

CRASH_ENV = {"FLINT_SANDBOX_CRASH_POINTS": "1"}
POINTS = ("before_write", "before_commit", "after_commit")


def money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}


def _strip_volatile(raw: bytes) -> bytes:
    """A replay differs from the stored response only in its request id and the replayed flag."""
    doc = json.loads(raw)
    doc.pop("request_id", None)
    doc.get("meta", {}).pop("idempotency_replayed", None)
    if isinstance(doc.get("error"), dict):
        doc["error"].pop("request_id", None)
    return json.dumps(doc, sort_keys=True).encode()


def _all(c: httpx.Client, path: str, **params: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    q: dict[str, Any] = {"page_size": 100, **params}
    while True:
        page = c.get(path, params=q).json()
        out += page["data"]
        if "next_page_token" not in page:
            return out
        q["page_token"] = page["next_page_token"]


class Restartable:
    """One sandbox on one database file, restarted after every kill."""

    def __init__(self, db: Path | str) -> None:
        self.db = db
        self.sb = Sandbox(db, [f"m1:{KEY1}"], env=CRASH_ENV)
        self.restarts = 0

    def restart(self) -> None:
        self.sb.kill()
        self.sb = Sandbox(self.db, [f"m1:{KEY1}"], env=CRASH_ENV)
        self.restarts += 1

    def post(self, path: str, body: dict[str, Any], key: str, crash_at: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {KEY1}", "Idempotency-Key": key}
        if crash_at:
            headers["X-Sandbox-Crash-At"] = crash_at
        return httpx.post(self.sb.url + path, json=body, headers=headers, timeout=30)


@pytest.mark.parametrize("store", STORES)
def test_sigkill_at_each_step_of_a_write_then_retry_is_exactly_once(
    store: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    db = store_db(store, request, tmp_path, "crash")
    srv = Restartable(db)
    rounds = 3
    kills = fresh_runs = replays = 0
    keys: list[str] = []
    try:
        for r in range(rounds):
            state: dict[str, str] = {}
            steps: list[tuple[str, Callable[[], tuple[str, dict[str, Any]]], int]] = [
                ("create_order", lambda: ("/v1/orders", {"line_items": [
                    {"name": f"crash-{r}", "unit_price_money": money(5000)}]}), 201),
                ("pay", lambda: (f"/v1/orders/{state['order_id']}/pay",
                                 {"action": "pay", "payment_source": {"token": "tok_visa"}}), 200),
                ("refund", lambda: ("/v1/refunds", {"order_id": state["order_id"], "amount_money": money(1000)}), 201),
                ("payout", lambda: ("/v1/payouts", {"amount_money": money(500)}), 201),
            ]
            for i, (name, build, status) in enumerate(steps):
                point = POINTS[(r + i) % len(POINTS)]  # over the rounds every step dies at every point
                path, body = build()
                key = f"crash-{r}-{name}-{uuid.uuid4()}"
                keys.append(key)
                with pytest.raises(httpx.TransportError):
                    srv.post(path, body, key, crash_at=point)
                assert srv.sb.proc.wait(10) is not None  # it really died (SIGKILL of itself)
                kills += 1
                srv.restart()
                retry = srv.post(path, body, key)
                assert retry.status_code == status, (name, point, retry.text)
                replayed = retry.headers.get("idempotency-replayed") == "true"
                # committed before the kill -> answered from the store; not committed -> it runs now, once
                assert replayed == (point == "after_commit"), (name, point, retry.headers)
                assert retry.json()["meta"].get("idempotency_replayed", False) is replayed
                if replayed:
                    replays += 1
                else:
                    fresh_runs += 1
                again = srv.post(path, body, key)
                assert again.status_code == status and again.headers.get("idempotency-replayed") == "true"
                assert _strip_volatile(again.content) == _strip_volatile(retry.content)
                data = retry.json()["data"]
                if name == "create_order":
                    state["order_id"] = data["order_id"]

        with srv.sb.client() as c:
            orders = [o for o in _all(c, "/v1/orders") if o["line_items"][0]["name"].startswith("crash-")]
            assert sorted(o["line_items"][0]["name"] for o in orders) == [f"crash-{r}" for r in range(rounds)]
            assert all(o["payment_status"] == "paid" for o in orders)
            assert all(o["settlement_amounts"]["paid_money"] == money(5000) for o in orders)
            assert all(o["settlement_amounts"]["refunded_money"] == money(1000) for o in orders)
            refunds = _all(c, "/v1/refunds")
            assert [r["amount_money"]["amount"] for r in refunds] == [1000] * rounds
            payouts = _all(c, "/v1/payouts")
            assert [p["amount_money"]["amount"] for p in payouts] == [500] * rounds
            txns = _all(c, "/v1/balance-transactions")
            by_type: dict[str, list[int]] = {}
            for t in txns:
                by_type.setdefault(t["type"], []).append(t["amount_money"]["amount"])
                assert t["net_money"]["amount"] == t["amount_money"]["amount"] - t["fee_money"]["amount"]
            assert sorted(by_type["payment"]) == [5000] * rounds
            assert sorted(by_type["refund"]) == [-1000] * rounds
            assert sorted(by_type["payout"]) == [-500] * rounds
            (bal,) = c.get("/v1/balances").json()["data"]
            total = bal["available_money"]["amount"] + bal["pending_money"]["amount"]
            assert total == sum(t["net_money"]["amount"] for t in txns) == rounds * (5000 - 175 - 1000 - 500)
    finally:
        srv.sb.stop()
    # every key holds exactly one stored result, committed with its write
    rows = dict(query(db, "SELECT key, state FROM idempotency_keys WHERE key LIKE 'crash-%'"))
    assert rows == {k: "done" for k in keys}
    assert kills == 4 * rounds and srv.restarts == kills
    assert replays == 4 and fresh_runs == 8  # after_commit: 4 of the 12 (step, point) pairs
    print(f"\ncrash test: {kills} SIGKILLs, {fresh_runs} retries ran once, {replays} answered from the store")


@pytest.mark.parametrize("store", STORES)
def test_kill_9_from_outside_under_concurrent_keyed_writes(
    store: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """Writers send keyed creates and pays; the process group is SIGKILLed at random moments; every request that
    got no answer is retried with its key after the restart. No order is created twice and none is lost."""
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    db = store_db(store, request, tmp_path, "kill9")
    rng = random.Random(1414)
    sb = Sandbox(db, [f"m1:{KEY1}"])
    per_writer = 12
    writers = 4
    # request -> (path, body, key); outcome -> response status once answered
    jobs = [(w, i) for w in range(writers) for i in range(per_writer)]
    answered: dict[tuple[int, int], httpx.Response] = {}
    lock = threading.Lock()
    url = {"value": sb.url}

    def run_writer(w: int, stop: threading.Event) -> None:
        for i in range(per_writer):
            if stop.is_set() or (w, i) in answered:
                continue
            body = {"line_items": [{"name": f"k9-{w}-{i}", "unit_price_money": money(100 + i)}]}
            try:
                r = httpx.post(url["value"] + "/v1/orders", json=body, timeout=30,
                               headers={"Authorization": f"Bearer {KEY1}", "Idempotency-Key": f"k9-{w}-{i}"})
            except httpx.TransportError:
                return
            with lock:
                answered[(w, i)] = r

    kills = 0
    try:
        for _ in range(3):
            stop = threading.Event()
            threads = [threading.Thread(target=run_writer, args=(w, stop)) for w in range(writers)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.05, 0.4))
            sb.kill()
            kills += 1
            stop.set()
            for t in threads:
                t.join(30)
            sb = Sandbox(db, [f"m1:{KEY1}"])
            url["value"] = sb.url
        # everything not answered yet (or answered before a kill) is retried with its key until answered
        for w in range(writers):
            run_writer(w, threading.Event())
        assert len(answered) == len(jobs)
        first_ids = {job: r.json()["data"]["order_id"] for job, r in answered.items() if r.status_code == 201}
        assert len(first_ids) == len(jobs), [r.text for r in answered.values() if r.status_code != 201]
        with sb.client() as c:
            # a second retry of every key is answered from the store with the same order
            for (w, i), oid in first_ids.items():
                body = {"line_items": [{"name": f"k9-{w}-{i}", "unit_price_money": money(100 + i)}]}
                again = c.post("/v1/orders", json=body, headers={"Idempotency-Key": f"k9-{w}-{i}"})
                assert again.status_code == 201 and again.headers["idempotency-replayed"] == "true"
                assert again.json()["data"]["order_id"] == oid
            names = [o["line_items"][0]["name"] for o in _all(c, "/v1/orders")]
        k9 = [n for n in names if re.fullmatch(r"k9-\d+-\d+", n)]
        assert sorted(k9) == sorted(f"k9-{w}-{i}" for w, i in jobs)  # each exactly once
    finally:
        sb.stop()
    print(f"\nkill -9 test: {kills} kills, {len(jobs)} keyed creates, each stored once")


def test_idempotency_keys_expire_after_24h_and_are_purged(tmp_path: Path) -> None:
    """A key's stored result is kept 24 h: within it a retry is a replay; after it the key is new again, and the
    server deletes expired rows (at its first keyed request, then at most once a minute)."""
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    db = tmp_path / "ttl.db"
    sb = Sandbox(db, [f"m1:{KEY1}"])
    body = {"line_items": [{"name": "ttl", "unit_price_money": money(100)}]}
    try:
        with sb.client() as c:
            first = c.post("/v1/orders", json=body, headers={"Idempotency-Key": "ttl-fresh"})
            assert c.post("/v1/orders", json=body, headers={"Idempotency-Key": "ttl-old"}).status_code == 201
            for i in range(50):
                c.post("/v1/orders", json=body, headers={"Idempotency-Key": f"ttl-junk-{i}"})
    finally:
        sb.stop()
    con = sqlite3.connect(db)
    day = 24 * 3600
    con.execute("UPDATE idempotency_keys SET created_at = created_at - ? WHERE key LIKE 'ttl-junk-%'", (day + 60,))
    con.execute("UPDATE idempotency_keys SET created_at = created_at - ? WHERE key = 'ttl-old'", (day + 60,))
    con.execute("UPDATE idempotency_keys SET created_at = created_at - ? WHERE key = 'ttl-fresh'", (day - 600,))
    con.commit()
    con.close()
    sb = Sandbox(db, [f"m1:{KEY1}"])
    try:
        with sb.client() as c:
            again = c.post("/v1/orders", json=body, headers={"Idempotency-Key": "ttl-fresh"})  # 23h50m old
            assert again.headers.get("idempotency-replayed") == "true"
            assert again.json()["data"]["order_id"] == first.json()["data"]["order_id"]
            new = c.post("/v1/orders", json=body, headers={"Idempotency-Key": "ttl-old"})  # 24h01m old: new again
            assert new.status_code == 201 and new.headers.get("idempotency-replayed") is None
    finally:
        sb.stop()
    con = sqlite3.connect(db)
    left = {k for (k,) in con.execute("SELECT key FROM idempotency_keys")}
    con.close()
    assert not any(k.startswith("ttl-junk-") for k in left)  # purged, not only replaced on reuse
    assert {"ttl-fresh", "ttl-old"} <= left


def test_lock_timeout_stores_nothing_and_the_retry_runs_once(tmp_path: Path) -> None:
    """Another process holds the database's write lock past the busy timeout: the keyed write is a 503 with nothing
    written and nothing stored under its key; the retry after the lock is gone runs once, the next one replays."""
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    db = tmp_path / "busy.db"
    sb = Sandbox(db, [f"m1:{KEY1}"], env={"FLINT_SANDBOX_BUSY_TIMEOUT_MS": "300"})
    body = {"line_items": [{"name": "busy", "unit_price_money": money(700)}]}
    key = {"Idempotency-Key": f"busy-{uuid.uuid4()}"}
    try:
        with sb.client() as c:
            # a keyed write first: the process's first keyed request also purges expired keys (a write), so the
            # timeout below is the business transaction's own
            assert c.post("/v1/orders", json={"line_items": [{"name": "warm", "unit_price_money": money(1)}]},
                          headers={"Idempotency-Key": f"warm-{uuid.uuid4()}"}).status_code == 201
            holder = sqlite3.connect(db, isolation_level=None)
            holder.execute("BEGIN IMMEDIATE")
            try:
                r = c.post("/v1/orders", json=body, headers=key)
                assert r.status_code == 503 and r.json()["error"]["code"] == "SERVICE_UNAVAILABLE", r.text
                assert r.headers["retry-after"] == "1"
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            first = c.post("/v1/orders", json=body, headers=key)
            assert first.status_code == 201 and "idempotency-replayed" not in first.headers
            again = c.post("/v1/orders", json=body, headers=key)
            assert again.headers["idempotency-replayed"] == "true"
            assert again.json()["data"]["order_id"] == first.json()["data"]["order_id"]
            names = [o["line_items"][0]["name"] for o in _all(c, "/v1/orders")]
            assert names.count("busy") == 1
    finally:
        sb.stop()


def test_postgres_merchant_lock_timeout_stores_nothing_and_the_retry_runs_once(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """PostgreSQL: another session holds the merchant's advisory lock past the busy timeout (lock_timeout): the
    keyed write is a 503 with nothing written or stored; the retry after the lock is gone runs once, then replays."""
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    if "postgresql" not in STORES:
        pytest.skip("PostgreSQL not among FLINT_TEST_STORES")
    import psycopg

    db = str(store_db("postgresql", request, tmp_path, "busy"))
    sb = Sandbox(db, [f"m1:{KEY1}"], env={"FLINT_SANDBOX_BUSY_TIMEOUT_MS": "300"})
    body = {"line_items": [{"name": "busy", "unit_price_money": money(700)}]}
    key = {"Idempotency-Key": f"busy-{uuid.uuid4()}"}
    try:
        with sb.client() as c:
            assert c.post("/v1/orders", json={"line_items": [{"name": "warm", "unit_price_money": money(1)}]},
                          headers={"Idempotency-Key": f"warm-{uuid.uuid4()}"}).status_code == 201
            ((merchant_id,),) = query(db, "SELECT id FROM merchants WHERE name = 'm1'")
            with psycopg.connect(db) as holder:  # a transaction: the lock lasts until it ends
                holder.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"flint-merchant:{merchant_id}"])
                r = c.post("/v1/orders", json=body, headers=key)
                assert r.status_code == 503 and r.json()["error"]["code"] == "SERVICE_UNAVAILABLE", r.text
                assert r.headers["retry-after"] == "1"
                holder.rollback()
            first = c.post("/v1/orders", json=body, headers=key)
            assert first.status_code == 201 and "idempotency-replayed" not in first.headers
            again = c.post("/v1/orders", json=body, headers=key)
            assert again.headers["idempotency-replayed"] == "true"
            assert again.json()["data"]["order_id"] == first.json()["data"]["order_id"]
            names = [o["line_items"][0]["name"] for o in _all(c, "/v1/orders")]
            assert names.count("busy") == 1
    finally:
        sb.stop()
