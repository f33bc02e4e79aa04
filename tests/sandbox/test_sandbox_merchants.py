"""`POST /_sandbox/merchants` (sandbox-only, outside the spec; `flint-contract diff` starts each sequence on a fresh
merchant with it): only a key with every write scope may call it; the new key works at once with every scope, and
its merchant shares nothing with the caller's."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest

from sandbox_harness import KEY1, Sandbox


def money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}


@pytest.fixture(scope="module")
def sb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    s = Sandbox(tmp_path_factory.mktemp("merchants") / "m.db", [f"m1:{KEY1}"])
    yield s
    s.stop()


def test_a_fresh_merchant_works_at_once_and_shares_nothing(sb: Sandbox) -> None:
    with sb.client(KEY1) as c:
        mine = c.post("/v1/orders", json={"line_items": [{"name": "t", "unit_price_money": money(500)}]})
        assert mine.status_code == 201, mine.text
        r = c.post("/_sandbox/merchants", json={})
        assert r.status_code == 201, r.text
        first = r.json()["data"]
        second = c.post("/_sandbox/merchants").json()["data"]
    assert first["api_key"].startswith("flint_test_") and first["merchant_id"].startswith("mer_")
    assert first["api_key"] != second["api_key"] and first["merchant_id"] != second["merchant_id"]
    with sb.client(first["api_key"]) as fresh:
        assert fresh.get("/v1/orders").json()["data"] == []
        assert fresh.get(f"/v1/orders/{mine.json()['data']['order_id']}").status_code == 404
        made = fresh.post("/v1/orders", json={"line_items": [{"name": "t", "unit_price_money": money(700)}]})
        assert made.status_code == 201, made.text
        assert fresh.get("/v1/payout-settings/destinations").json()["data"], "a new merchant is seeded like any other"
    with sb.client(second["api_key"]) as other:
        assert other.get("/v1/orders").json()["data"] == []


def test_only_a_key_with_every_write_scope_creates_merchants(sb: Sandbox) -> None:
    key = subprocess.run([sys.executable, "-m", "flint_sandbox.cli", "keys", "create", "--db", str(Path(str(sb.db))),
                          "--merchant", f"ro-{uuid.uuid4().hex[:6]}", "--scope", "commerce.orders.read",
                          "--scope", "commerce.orders.write"], check=True, capture_output=True, text=True).stdout.strip()
    with sb.client(key) as c:
        r = c.post("/_sandbox/merchants", json={})
        assert r.status_code == 403 and r.json()["error"]["code"] == "INSUFFICIENT_SCOPE", r.text
    with sb.client("flint_test_nobody") as c:
        r = c.post("/_sandbox/merchants", json={})
        assert r.status_code == 401 and r.json()["error"]["code"] == "INVALID_API_KEY", r.text
