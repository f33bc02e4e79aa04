"""The sandbox clock control (`POST /_sandbox/clock/advance`): only a key with every write scope moves it, it moves
the caller's merchant's clock only, it is capped (100 years ahead) so no value makes later requests fail, and a
database whose clock was pushed to year 9999 before the cap works again after a restart."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

from pg_harness import STORES, store_db
from sandbox_harness import KEY1, KEY2, Sandbox


def money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}


def new_key(sb: Sandbox, *scopes: str, merchant: str | None = None) -> str:
    args = [sys.executable, "-m", "flint_sandbox.cli", "keys", "create", "--db", str(sb.db),
            "--merchant", merchant or f"clk-{uuid.uuid4().hex[:8]}"]
    for s in scopes:
        args += ["--scope", s]
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()


def now_of(r: httpx.Response) -> datetime:
    assert r.status_code == 200, r.text
    return datetime.fromisoformat(r.json()["data"]["now"].replace("Z", "+00:00"))


def years_ahead(t: datetime) -> float:
    return (t - datetime.now(timezone.utc)).days / 365


def full_flow(c: httpx.Client) -> None:
    """Create, pay, refund, pay out, read everything: all must work at any clock position."""
    o = c.post("/v1/orders", json={"line_items": [{"name": "t", "unit_price_money": money(5000)}]})
    assert o.status_code == 201, o.text
    oid = o.json()["data"]["order_id"]
    assert c.post(f"/v1/orders/{oid}/pay", json={"action": "pay", "payment_source": {"token": "tok_visa"}}).status_code == 200
    assert c.post("/v1/refunds", json={"order_id": oid, "amount_money": money(100)}).status_code == 201
    assert c.post("/v1/payouts", json={"amount_money": money(100)}).status_code == 201
    for path in ("/v1/orders", "/v1/refunds", "/v1/payouts", "/v1/balance-transactions", "/v1/balances",
                 f"/v1/orders/{oid}/activities", "/v1/payment-intents"):
        r = c.get(path)
        assert r.status_code == 200, (path, r.text)


@pytest.fixture(scope="module", params=STORES)
def sb(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    s = Sandbox(store_db(request.param, request, tmp_path_factory.mktemp("clock"), "clock"), [f"m1:{KEY1}", f"m2:{KEY2}"])
    yield s
    s.stop()


def test_only_a_key_with_every_write_scope_moves_the_clock(sb: Sandbox) -> None:
    ro = new_key(sb, "commerce.orders.read", "money_movement.payouts.read")
    some_writes = new_key(sb, "commerce.orders.write", "commerce.refunds.write", "money_movement.payouts.write")
    for key in (ro, some_writes):
        with sb.client(key) as c:
            r = c.post("/_sandbox/clock/advance", json={"days": 1})
            assert r.status_code == 403 and r.json()["error"]["code"] == "INSUFFICIENT_SCOPE", r.text
    full = new_key(sb)
    with sb.client(full) as c:
        assert now_of(c.post("/_sandbox/clock/advance", json={"days": 0})) < datetime.now(timezone.utc).replace(
            year=datetime.now(timezone.utc).year + 1)


def test_the_clock_is_per_merchant(sb: Sandbox) -> None:
    a, b = new_key(sb), new_key(sb)
    with sb.client(a) as ca, sb.client(b) as cb:
        o = cb.post("/v1/orders", json={"line_items": [{"name": "t", "unit_price_money": money(5000)}]}).json()["data"]
        assert cb.post(f"/v1/orders/{o['order_id']}/pay",
                       json={"action": "pay", "payment_source": {"token": "tok_visa"}}).status_code == 200
        refund = cb.post("/v1/refunds", json={"order_id": o["order_id"], "amount_money": money(100)}).json()["data"]
        moved = now_of(ca.post("/_sandbox/clock/advance", json={"days": 30}))
        assert 29 <= (moved - datetime.now(timezone.utc)).days <= 30
        # b's clock did not move: its refund is still pending (it settles one sandbox day later)
        assert cb.get(f"/v1/refunds/{refund['refund_id']}").json()["data"]["status"] == "pending"
        assert (now_of(cb.post("/_sandbox/clock/advance", json={"days": 0})) - datetime.now(timezone.utc)).days < 1
        assert cb.get(f"/v1/refunds/{refund['refund_id']}").json()["data"]["status"] == "pending"
        now_of(cb.post("/_sandbox/clock/advance", json={"days": 1.5}))
        assert cb.get(f"/v1/refunds/{refund['refund_id']}").json()["data"]["status"] == "succeeded"


@pytest.mark.parametrize("body", [
    b'{"days": -1}', b'{"days": 3651}', b'{"days": "1"}', b'{"days": true}', b'{"days": NaN}', b'{"days": 1e999}',
    b'{"days": null}', b'{}', b'[1]', b'{"days": 1, "days": 2}', b'{"\\udc80": 1}', b'{nope',
])
def test_bad_clock_requests_are_400(sb: Sandbox, body: bytes) -> None:
    with sb.client(KEY1) as c:
        r = c.post("/_sandbox/clock/advance", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400, r.text
        assert r.json()["error"]["code"] in ("INVALID_FIELD", "INVALID_JSON")


def test_the_clock_is_capped_and_everything_works_at_the_cap(sb: Sandbox) -> None:
    key = new_key(sb)
    with sb.client(key) as c:
        t = None
        for _ in range(10):  # 10 x 3650 days: the 100-year cap, minus the leap days
            t = now_of(c.post("/_sandbox/clock/advance", json={"days": 3650}))
        assert t is not None and 99 < years_ahead(t) <= 100
        r = c.post("/_sandbox/clock/advance", json={"days": 3650})
        assert r.status_code == 400 and r.json()["error"]["code"] == "CLOCK_LIMIT_EXCEEDED", r.text
        assert r.json()["error"]["param"] == "days"
        r = c.post("/_sandbox/clock/advance", json={"days": 30})
        assert r.status_code == 400 and r.json()["error"]["code"] == "CLOCK_LIMIT_EXCEEDED"
        full_flow(c)
    with sb.client(KEY2) as other:  # untouched merchant, same server
        full_flow(other)


def test_a_clock_pushed_to_year_9999_recovers_after_restart(tmp_path: Path) -> None:
    """A database from before the cap, its clock offset near year 9999 (what the abuse probe left): after a restart
    every request works (the offset is read as the cap), and the CLI refuses to move past the cap."""
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    db = tmp_path / "old.db"
    sb = Sandbox(db, [f"m1:{KEY1}"])
    sb.stop()
    huge = int((datetime(9999, 12, 1, tzinfo=timezone.utc) - datetime.now(timezone.utc)).total_seconds())
    con = sqlite3.connect(db)
    con.execute("UPDATE sandbox_clock SET offset_seconds = ?", (huge,))
    con.execute("INSERT INTO merchant_clocks (merchant_id, offset_seconds) SELECT id, ? FROM merchants", (huge,))
    con.commit()
    con.close()
    sb = Sandbox(db, [f"m1:{KEY1}"])
    try:
        with sb.client() as c:
            full_flow(c)
            t = now_of(c.post("/_sandbox/clock/advance", json={"days": 0}))
            assert 99 < years_ahead(t) <= 100
    finally:
        sb.stop()
    r = subprocess.run([sys.executable, "-m", "flint_sandbox.cli", "clock", "advance", "--db", str(db), "--days", "1"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "cannot run more than" in r.stderr


def test_an_oversized_clock_body_is_413(sb: Sandbox) -> None:
    with sb.client(KEY1) as c:
        r = c.post("/_sandbox/clock/advance", content=b'{"days": 1, "pad": "' + b"x" * 10000 + b'"}',
                   headers={"Content-Type": "application/json"})
        assert r.status_code == 413 and r.json()["error"]["code"] == "PAYLOAD_TOO_LARGE", r.text
