"""Each planted fault (FLINT_SANDBOX_FAULTS, test-only) really changes behaviour, and only when switched on.
The contract kit's own mutation tests prove it catches them; this only guards against dead fault switches."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any, Callable

import httpx
import pytest
from sandbox_harness import KEY1, KEY2, Sandbox

ORDER = {"line_items": [{"name": "Tote", "quantity": 2, "unit_price_money": {"amount": 1250, "currency": "USD"}}]}


def _paid_order(c: httpx.Client) -> dict[str, Any]:
    o = c.post("/v1/orders", json=ORDER).json()["data"]
    c.post(f"/v1/orders/{o['order_id']}/pay", json={"action": "pay", "payment_source": {"token": "tok_visa"}})
    return o  # type: ignore[no-any-return]


def float_amounts(c: httpx.Client, c2: httpx.Client) -> bool:
    return b'"amount":2500.0' in c.post("/v1/orders", json=ORDER).content.replace(b" ", b"")


def total_off_by_one(c: httpx.Client, c2: httpx.Client) -> bool:
    return bool(c.post("/v1/orders", json=ORDER).json()["data"]["pricing_amounts"]["total_money"]["amount"] == 2501)


def negative_amount_due(c: httpx.Client, c2: httpx.Client) -> bool:
    o = _paid_order(c)
    c.post("/v1/refunds", json={"order_id": o["order_id"], "amount_money": {"amount": 500, "currency": "USD"}})
    due = c.get(f"/v1/orders/{o['order_id']}").json()["data"]["settlement_amounts"]["amount_due_money"]["amount"]
    return bool(due < 0)


def ignore_idempotency(c: httpx.Client, c2: httpx.Client) -> bool:
    h = {"Idempotency-Key": str(uuid.uuid4())}
    a = c.post("/v1/orders", json=ORDER, headers=h).json()["data"]["order_id"]
    return bool(a != c.post("/v1/orders", json=ORDER, headers=h).json()["data"]["order_id"])


def page_boundary_loss(c: httpx.Client, c2: httpx.Client) -> bool:
    for _ in range(4):
        c.post("/v1/orders", json=ORDER)
    first = c.get("/v1/orders", params={"page_size": 2}).json()
    second = c.get("/v1/orders", params={"page_size": 2, "page_token": first["next_page_token"]}).json()
    return len(second["data"]) < 2


def cross_tenant_read(c: httpx.Client, c2: httpx.Client) -> bool:
    oid = c.post("/v1/orders", json=ORDER).json()["data"]["order_id"]
    return c2.get(f"/v1/orders/{oid}").status_code == 200


def non_ascii_500(c: httpx.Client, c2: httpx.Client) -> bool:
    r = c.post("/v1/orders", json={"line_items": [{"name": "Café", "unit_price_money": {"amount": 1, "currency": "USD"}}]})
    return r.status_code == 500


def missing_request_id(c: httpx.Client, c2: httpx.Client) -> bool:
    return "request_id" not in c.post("/v1/orders", json=ORDER).json()


def clamp_page_size(c: httpx.Client, c2: httpx.Client) -> bool:
    return c.get("/v1/orders", params={"page_size": 101}).status_code == 200


def refund_skips_settlement_check(c: httpx.Client, c2: httpx.Client) -> bool:
    o = c.post("/v1/orders", json=ORDER).json()["data"]
    return c.post("/v1/refunds", json={"order_id": o["order_id"]} | {"amount_money": {"amount": 9, "currency": "USD"}}).status_code == 201


def stale_order_after_refund(c: httpx.Client, c2: httpx.Client) -> bool:
    o = _paid_order(c)
    c.post("/v1/refunds", json={"order_id": o["order_id"], "amount_money": {"amount": 500, "currency": "USD"}})
    return bool(c.get(f"/v1/orders/{o['order_id']}").json()["data"]["settlement_amounts"]["refunded_money"]["amount"] == 0)


def delete_keeps_resource(c: httpx.Client, c2: httpx.Client) -> bool:
    o = c.post("/v1/orders", json=ORDER).json()["data"]
    line = o["line_items"][0]["order_line_item_id"]
    c.delete(f"/v1/orders/{o['order_id']}/line-items/{line}")
    return c.patch(f"/v1/orders/{o['order_id']}/line-items/{line}", json={"quantity": 3}).status_code == 200


def foreign_parent(c: httpx.Client, c2: httpx.Client) -> bool:
    a = c.post("/v1/orders", json=ORDER).json()["data"]
    b = c.post("/v1/orders", json=ORDER).json()["data"]
    line = b["line_items"][0]["order_line_item_id"]
    return c.patch(f"/v1/orders/{a['order_id']}/line-items/{line}", json={"quantity": 3}).status_code == 200


def leak_rejected_create(c: httpx.Client, c2: httpx.Client) -> bool:
    before = len(c.get("/v1/payment-intents", params={"page_size": 100}).json()["data"])
    body = {"amount_money": {"amount": 500, "currency": "EUR"}, "payment_options": ["card"]}
    assert c.post("/v1/payment-intents", json=body).status_code == 400
    return len(c.get("/v1/payment-intents", params={"page_size": 100}).json()["data"]) > before


def long_id_500(c: httpx.Client, c2: httpx.Client) -> bool:
    return c.get("/v1/orders/ord_" + "X" * 300).status_code == 500


PROBES: dict[str, Callable[[httpx.Client, httpx.Client], bool]] = {
    f.__name__: f
    for f in (float_amounts, total_off_by_one, negative_amount_due, ignore_idempotency, page_boundary_loss,
              cross_tenant_read, non_ascii_500, missing_request_id, clamp_page_size, refund_skips_settlement_check,
              stale_order_after_refund, delete_keeps_resource, foreign_parent, leak_rejected_create, long_id_500)
}


def test_every_known_fault_has_a_probe() -> None:
    from flint_sandbox.faults import KNOWN

    assert set(PROBES) == KNOWN


@pytest.fixture(scope="module")
def faulty(tmp_path_factory: pytest.TempPathFactory) -> Any:
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    started: dict[str, Sandbox] = {}

    def get(faults: str) -> Sandbox:
        if faults not in started:
            db: Path = tmp_path_factory.mktemp("faults") / "f.db"
            started[faults] = Sandbox(db, [f"m1:{KEY1}", f"m2:{KEY2}"], env={"FLINT_SANDBOX_FAULTS": faults})
        return started[faults]

    yield get
    for sb in started.values():
        sb.stop()


@pytest.mark.parametrize("fault", sorted(PROBES))
def test_fault_shows_only_when_switched_on(faulty: Any, fault: str) -> None:
    for faults, expected in (("", False), (fault, True)):
        sb = faulty(faults)
        with sb.client(KEY1) as c, sb.client(KEY2) as c2:
            assert PROBES[fault](c, c2) is expected, (fault, faults)


def test_no_business_module_names_a_fault() -> None:
    """Planted faults come in at one seam (app.build_app: planted.Policy, the idempotency-store wrapper, ASGI
    wrappers); the business and storage modules never import `faults` nor name a fault."""
    import flint_sandbox
    from flint_sandbox.faults import KNOWN

    # the seam, the fault modules themselves, and the in-process runner that hands a fault list to build_app
    seam = {"faults.py", "faults_behaviour.py", "planted.py", "app.py", "inprocess.py"}
    root = Path(flint_sandbox.__file__).parent
    checked = 0
    for path in sorted(root.glob("*.py")):
        if path.name in seam:
            continue
        text = path.read_text(encoding="utf-8")
        assert "import faults" not in text and "faults." not in text and ", faults" not in text, path.name
        named = sorted(name for name in KNOWN if name in text)
        assert not named, (path.name, named)
        checked += 1
    assert checked >= 15  # every business, storage and service module was looked at
