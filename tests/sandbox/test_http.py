"""The sandbox over HTTP: the seeds' worked examples, payments, refunds, ledger, payouts, tenancy, auth,
idempotency and hostile input, against a real server process on a real SQLite file."""

from __future__ import annotations

import subprocess
import sys
import uuid
from typing import Any

import httpx
import pytest

from sandbox_harness import KEY1, Sandbox

USD = "USD"


def money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": USD}


def create_order(c: httpx.Client, *lines: tuple[int, int], **extra: Any) -> dict[str, Any]:
    body = {"line_items": [{"name": f"Item {i}", "quantity": q, "unit_price_money": money(p)} for i, (p, q) in enumerate(lines)]}
    body.update(extra)
    r = c.post("/v1/orders", json=body)
    assert r.status_code == 201, r.text
    return r.json()["data"]  # type: ignore[no-any-return]


def pay(c: httpx.Client, order_id: str, token: str = "tok_visa") -> httpx.Response:
    return c.post(f"/v1/orders/{order_id}/pay", json={"action": "pay", "payment_source": {"token": token}})


def error(r: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code, err
    assert set(err) >= {"type", "code", "message", "param", "request_id"}
    assert err["request_id"] == r.headers["x-request-id"]
    return err  # type: ignore[no-any-return]


def fresh_merchant(sandbox: Sandbox, *scopes: str) -> httpx.Client:
    """A new merchant with its own key, made by the CLI while the server runs (it must see the key at once)."""
    args = [sys.executable, "-m", "sandbox.cli", "keys", "create", "--db", str(sandbox.db),
            "--merchant", f"m-{uuid.uuid4().hex[:8]}"]
    for s in scopes:
        args += ["--scope", s]
    key = subprocess.run(args, check=True, capture_output=True, text=True).stdout.strip()
    assert key.startswith("flint_test_") and "\n" not in key
    return sandbox.client(key)


# ---------------------------------------------------------------------------------------------- the seeds


def test_tote_bag_is_2500(c1: httpx.Client) -> None:
    r = c1.post("/v1/orders", headers={"Idempotency-Key": f"money-tote-{uuid.uuid4()}"}, json={
        "line_items": [{"name": "Canvas tote bag", "quantity": 2, "unit_price_money": money(1250)}]})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["request_id"] == r.headers["x-request-id"]
    o = body["data"]
    li = o["line_items"][0]
    assert li["base_subtotal_money"] == money(2500) and li["subtotal_money"] == money(2500)
    assert li["tax_money"] == money(0) and li["total_money"] == money(2500)
    assert o["pricing_amounts"]["total_money"] == money(2500)
    assert o["settlement_amounts"]["paid_money"] == money(0)
    assert o["settlement_amounts"]["amount_due_money"] == money(2500)
    assert o["status"] == "open"
    assert c1.get(f"/v1/orders/{o['order_id']}").json()["data"] == o


def test_refund_of_unpaid_order_is_no_payments_for_order(c1: httpx.Client) -> None:
    o = create_order(c1, (1250, 2))
    r = c1.post("/v1/refunds", json={"order_id": o["order_id"], "amount_money": money(500), "reason": "requested_by_customer"})
    error(r, 400, "NO_PAYMENTS_FOR_ORDER")


def test_fifteen_percent_tip_on_4000_is_600(c1: httpx.Client) -> None:
    o = create_order(c1, (4000, 1), requested_tip={"percent": 15})
    assert o["requested_tip"]["effective_amount_money"] == money(600)
    assert o["pricing_amounts"]["requested_tip_money"] == money(600)
    assert o["pricing_amounts"]["total_money"] == money(4600)


def test_tax_location_gives_213_on_2500(c1: httpx.Client) -> None:
    o = create_order(c1, (1250, 2), tax={"location": {"postal_code": "94103", "country": "US"}})
    assert o["pricing_amounts"]["tax_money"] == money(213)
    assert o["pricing_amounts"]["total_money"] == money(2713)


def test_eur_is_unsupported_currency(c1: httpx.Client) -> None:
    r = c1.post("/v1/orders", json={"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "EUR"}}]})
    err = error(r, 400, "UNSUPPORTED_CURRENCY")
    assert err["param"] == "line_items[0].unit_price_money.currency"
    assert err["type"] == "validation_error"
    r = c1.post("/v1/orders", json={"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "usd"}}]})
    assert error(r, 400, "INVALID_CURRENCY")["param"] == "line_items[0].unit_price_money.currency"


@pytest.mark.parametrize("amount", ["12.50", '"1250"', "2500.0", "1e3"])
def test_float_or_string_amount_is_invalid_json(c1: httpx.Client, amount: str) -> None:
    raw = '{"line_items": [{"name": "x", "unit_price_money": {"amount": %s, "currency": "USD"}}]}' % amount
    r = c1.post("/v1/orders", content=raw, headers={"Content-Type": "application/json"})
    error(r, 400, "INVALID_JSON")


def test_negative_price_is_rejected(c1: httpx.Client) -> None:
    r = c1.post("/v1/orders", json={"line_items": [{"name": "x", "unit_price_money": money(-1)}]})
    assert error(r, 400, "LINE_ITEM_NEGATIVE_PRICE")["param"] == "line_items[0].unit_price_money.amount"


# ---------------------------------------------------------------------------------------------- payments


def test_declines_answer_200_and_leave_the_order_unpaid(c1: httpx.Client) -> None:
    o = create_order(c1, (5000, 1))
    for token, code in (("tok_card_declined", "card_declined"), ("tok_insufficient_funds", "insufficient_funds")):
        r = pay(c1, o["order_id"], token)
        assert r.status_code == 200, r.text
        assert r.json()["data"]["payment_attempt"]["failure_code"] == code
        assert r.json()["data"]["order"]["payment_status"] == "unpaid"
    r = pay(c1, o["order_id"], "tok_nope")  # the spec's token enum rejects it before the service does
    assert r.status_code == 400 and r.json()["error"]["code"] in ("INVALID_PAYMENT_SOURCE", "INVALID_FIELD")
    r = pay(c1, o["order_id"])
    assert r.status_code == 200
    assert r.json()["data"]["payment_attempt"]["status"] == "succeeded"
    assert r.json()["data"]["order"]["payment_status"] == "paid"
    error(pay(c1, o["order_id"]), 409, "NOTHING_TO_PAY")
    error(c1.post(f"/v1/orders/{o['order_id']}/line-items", json={"line_items": [{"name": "y", "unit_price_money": money(1)}]}),
          409, "ORDER_HAS_PAYMENTS")


def test_manual_capture_flow(c1: httpx.Client) -> None:
    o = create_order(c1, (1250, 2))
    r = c1.post(f"/v1/orders/{o['order_id']}/payment-intents", json={"capture_method": "manual"})
    assert r.status_code == 201, r.text
    pi = r.json()["data"]
    assert pi["status"] == "requires_payment_method"
    r = pay(c1, o["order_id"])
    assert r.json()["data"]["payment_attempt"]["status"] == "requires_capture"
    assert r.json()["data"]["order"]["authorization_amounts"]["capturable_money"] == money(2500)
    base = f"/v1/orders/{o['order_id']}/payment-intents/{pi['payment_intent_id']}"
    error(c1.post(base + "/capture", json={"amount_money": money(2501)}), 400, "CAPTURE_AMOUNT_EXCEEDS_AUTHORIZED")
    r = c1.post(base + "/capture", json={"amount_money": money(2000)})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["payment_intent"]["status"] == "succeeded"
    assert data["payment_intent"]["processing_fee_money"] == money(88)  # 58 + 30
    assert data["order"]["settlement_amounts"]["amount_due_money"] == money(500)
    assert data["order"]["payment_status"] == "partially_paid"
    error(c1.post(base + "/capture", json={}), 409, "PAYMENT_INTENT_NOT_CAPTURABLE")
    error(c1.post(base + "/cancel", json={}), 409, "PAYMENT_INTENT_NOT_CANCELABLE")

    o2 = create_order(c1, (700, 1))
    pi2 = c1.post(f"/v1/orders/{o2['order_id']}/payment-intents", json={"capture_method": "manual"}).json()["data"]
    pay(c1, o2["order_id"])
    r = c1.post(f"/v1/orders/{o2['order_id']}/payment-intents/{pi2['payment_intent_id']}/cancel", json={})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["payment_intent"]["status"] == "canceled"
    assert r.json()["data"]["order"]["payment_status"] == "unpaid"


# ---------------------------------------------------------------------------------------------- refunds, ledger, payouts


def test_refunds_ledger_balances_and_payouts(sandbox: Sandbox) -> None:
    with fresh_merchant(sandbox) as c:
        o = create_order(c, (2500, 2))  # 5000
        assert pay(c, o["order_id"]).status_code == 200
        r = c.post("/v1/refunds", json={"order_id": o["order_id"], "amount_money": money(1000)})
        assert r.status_code == 201, r.text
        refund = r.json()["data"]
        assert refund["status"] == "pending"
        order = c.get(f"/v1/orders/{o['order_id']}").json()["data"]
        assert order["settlement_amounts"]["refunded_money"] == money(1000)
        assert order["settlement_amounts"]["net_collected_money"] == money(4000)
        assert order["refund_status"] == "partially_refunded"
        assert sum(li["refunded_money"]["amount"] for li in order["line_items"]) == 1000
        error(c.post("/v1/refunds", json={"order_id": o["order_id"], "amount_money": money(4001)}), 400,
              "AMOUNT_EXCEEDS_REFUNDABLE")
        error(c.post("/v1/refunds", json={"order_id": o["order_id"], "amount_money": money(0)}), 400, "INVALID_AMOUNT")

        txns = c.get("/v1/balance-transactions").json()["data"]
        assert sorted((t["type"], t["amount_money"]["amount"], t["fee_money"]["amount"], t["net_money"]["amount"])
                      for t in txns) == [("payment", 5000, 175, 4825), ("refund", -1000, 0, -1000)]
        assert all(t["net_money"]["amount"] == t["amount_money"]["amount"] - t["fee_money"]["amount"] for t in txns)
        bal = c.get("/v1/balances").json()["data"][0]
        assert bal["available_money"] == money(3825) and bal["pending_money"] == money(0)

        error(c.post("/v1/payouts", json={"amount_money": money(3826)}), 400, "INSUFFICIENT_AVAILABLE_BALANCE")
        po = c.post("/v1/payouts", json={"amount_money": money(1000)})
        assert po.status_code == 201, po.text
        po_id = po.json()["data"]["payout_id"]
        canceled = c.post(f"/v1/payouts/{po_id}/cancel", json={})
        assert canceled.status_code == 200 and canceled.json()["data"]["status"] == "canceled"
        error(c.post(f"/v1/payouts/{po_id}/cancel", json={}), 409, "PAYOUT_NOT_CANCELABLE")
        po2 = c.post("/v1/payouts", json={"amount_money": money(3825)}).json()["data"]
        assert c.get("/v1/balances").json()["data"][0]["available_money"] == money(0)

        r = c.post("/_sandbox/clock/advance", json={"days": 1})
        assert r.status_code == 200, r.text
        assert c.get(f"/v1/payouts/{po2['payout_id']}").json()["data"]["status"] == "in_transit"
        assert c.get(f"/v1/refunds/{refund['refund_id']}").json()["data"]["status"] == "succeeded"
        subprocess.run([sys.executable, "-m", "sandbox.cli", "clock", "advance", "--db", str(sandbox.db), "--days", "1"],
                       check=True, capture_output=True)
        assert c.get(f"/v1/payouts/{po2['payout_id']}").json()["data"]["status"] == "paid"
        entries = c.get(f"/v1/payouts/{po_id}/entries").json()["data"]
        assert [(e["type"], e["amount_money"]["amount"]) for e in entries] == [("payout", -1000), ("payout_cancellation", 1000)]

        txns = c.get("/v1/balance-transactions", params={"page_size": 100}).json()["data"]
        bal = c.get("/v1/balances").json()["data"][0]
        assert bal["available_money"]["amount"] + bal["pending_money"]["amount"] == sum(t["net_money"]["amount"] for t in txns) == 0


def test_payout_settings_and_destinations(sandbox: Sandbox) -> None:
    with fresh_merchant(sandbox) as c:
        s = c.get("/v1/payout-settings").json()["data"]
        assert s["delay_days"] == 0 and s["interval"] == "manual"
        dests = c.get("/v1/payout-settings/destinations").json()["data"]
        assert len(dests) == 1 and dests[0]["status"] == "active" and dests[0]["default_for_currency"]
        r = c.patch("/v1/payout-settings", json={"interval": "weekly"})
        assert r.json()["data"]["weekly_payout_days"] == ["monday"]
        error(c.patch("/v1/payout-settings", json={"weekly_payout_days": ["someday"]}), 400, "INVALID_FIELD")
        error(c.patch("/v1/payout-settings", json={"delay_days_override": 31}), 400, "INVALID_FIELD")
        r = c.patch("/v1/payout-settings", json={"interval": "weekly", "weekly_payout_days": ["friday"], "delay_days_override": 2})
        assert r.status_code == 200, r.text
        assert r.json()["data"]["delay_days"] == 2
        d_id = dests[0]["payout_destination_id"]
        r = c.patch(f"/v1/payout-settings/destinations/{d_id}", json={"metadata": {"k": "v"}})
        assert r.json()["data"]["metadata"] == {"k": "v"}
        r = c.delete(f"/v1/payout-settings/destinations/{d_id}")
        assert r.status_code == 200 and r.json()["data"]["status"] == "deleted"
        assert c.get("/v1/payout-settings/destinations").json()["data"] == []
        assert len(c.get("/v1/payout-settings/destinations", params={"include_deleted": "true"}).json()["data"]) == 1
        # with a 2-day delay, a payment's net is pending, so no payout
        o = create_order(c, (1000, 1))
        pay(c, o["order_id"])
        bal = c.get("/v1/balances").json()["data"][0]
        assert bal["pending_money"] == money(1000 - 59) and bal["available_money"] == money(0)


# ---------------------------------------------------------------------------------------------- tenancy and auth


def test_another_merchants_objects_are_404(c1: httpx.Client, c2: httpx.Client) -> None:
    o = create_order(c1, (100, 1))
    oid = o["order_id"]
    error(c2.get(f"/v1/orders/{oid}"), 404, "RESOURCE_NOT_FOUND")
    error(c2.patch(f"/v1/orders/{oid}", json={"buyer_note": "x"}), 404, "RESOURCE_NOT_FOUND")
    error(pay(c2, oid), 404, "RESOURCE_NOT_FOUND")
    error(c2.post("/v1/refunds", json={"order_id": oid}), 404, "RESOURCE_NOT_FOUND")
    missing = "ord_" + "0" * 26
    assert c2.get(f"/v1/orders/{oid}").json()["error"]["message"].replace(oid, "X") == \
        c2.get(f"/v1/orders/{missing}").json()["error"]["message"].replace(missing, "X")
    assert oid not in {x["order_id"] for x in c2.get("/v1/orders", params={"page_size": 100}).json()["data"]}


def test_auth_errors(sandbox: Sandbox) -> None:
    with sandbox.client(None) as anon:
        error(anon.get("/v1/orders"), 401, "API_KEY_REQUIRED")
    with sandbox.client("flint_test_nope") as bad:
        error(bad.get("/v1/orders"), 401, "API_KEY_NOT_FOUND")
    with httpx.Client(base_url=sandbox.url, headers={"X-API-Key": KEY1}) as xkey:
        assert xkey.get("/v1/orders").status_code == 200
    with fresh_merchant(sandbox, "commerce.orders.read") as ro:
        assert ro.get("/v1/orders").status_code == 200
        error(ro.post("/v1/orders", json={"line_items": [{"name": "x", "unit_price_money": money(1)}]}), 403,
              "INSUFFICIENT_SCOPE")
        error(ro.get("/v1/balances"), 403, "INSUFFICIENT_SCOPE")


# ---------------------------------------------------------------------------------------------- idempotency


def test_idempotency_replay_and_conflicts(c1: httpx.Client, c2: httpx.Client) -> None:
    key = f"k-{uuid.uuid4()}"
    body = {"line_items": [{"name": "x", "unit_price_money": money(300)}]}
    first = c1.post("/v1/orders", json=body, headers={"Idempotency-Key": key})
    again = c1.post("/v1/orders", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 201
    assert again.json()["data"] == first.json()["data"]
    assert again.json()["meta"].get("idempotency_replayed") is True
    assert not first.json()["meta"].get("idempotency_replayed")
    other = {"line_items": [{"name": "x", "unit_price_money": money(301)}]}
    error(c1.post("/v1/orders", json=other, headers={"Idempotency-Key": key}), 409, "IDEMPOTENCY_KEY_REUSED")
    error(c1.post("/v1/payouts", json={"amount_money": money(1)}, headers={"Idempotency-Key": key}), 409,
          "IDEMPOTENCY_KEY_REUSED")
    # keys are per merchant: the same key is fresh for m2
    r = c2.post("/v1/orders", json=body, headers={"Idempotency-Key": key})
    assert r.status_code == 201 and r.json()["data"]["order_id"] != first.json()["data"]["order_id"]
    # 4xx outcomes are stored and replayed too
    k2 = f"k-{uuid.uuid4()}"
    bad = {"order_id": first.json()["data"]["order_id"], "amount_money": money(1)}
    e1 = c1.post("/v1/refunds", json=bad, headers={"Idempotency-Key": k2})
    e2 = c1.post("/v1/refunds", json=bad, headers={"Idempotency-Key": k2})
    assert e1.status_code == e2.status_code == 400
    assert e1.json()["error"]["code"] == e2.json()["error"]["code"] == "NO_PAYMENTS_FOR_ORDER"


# ---------------------------------------------------------------------------------------------- hostile input


BAD_BODIES: list[tuple[str, bytes, int]] = [
    ("not json", b"{nope", 400),
    ("array body", b"[1,2]", 400),
    ("wrong type", b'{"line_items": "x"}', 400),
    ("missing field", b"{}", 400),
    ("unknown field", b'{"line_items": [{"name": "x", "unit_price_money": {"amount": 1, "currency": "USD"}}], "zzz": 1}', 400),
    ("nul byte", b'{"line_items": [{"name": "a\\u0000b", "unit_price_money": {"amount": 1, "currency": "USD"}}]}', 400),
    ("lone surrogate", b'{"line_items": [{"name": "\\ud800", "unit_price_money": {"amount": 1, "currency": "USD"}}]}', 400),
    ("deep nesting", b'{"metadata": ' + b'{"a": ' * 200 + b"1" + b"}" * 200 + b', "line_items": []}', 400),
    ("huge int", b'{"line_items": [{"name": "x", "unit_price_money": {"amount": 99999999999999999999999, "currency": "USD"}}]}', 400),
    ("negative quantity", b'{"line_items": [{"name": "x", "quantity": -1, "unit_price_money": {"amount": 1, "currency": "USD"}}]}', 400),
    ("bool amount", b'{"line_items": [{"name": "x", "unit_price_money": {"amount": true, "currency": "USD"}}]}', 400),
    ("invalid utf8", b'{"line_items": [{"name": "\xff\xfe", "unit_price_money": {"amount": 1, "currency": "USD"}}]}', 400),
    ("oversized", b'{"internal_note": "' + b"x" * (1024 * 1024 + 10) + b'"}', 413),
]


@pytest.mark.parametrize(("name", "raw", "status"), BAD_BODIES, ids=[b[0] for b in BAD_BODIES])
def test_bad_input_is_an_envelope_never_a_500(c1: httpx.Client, name: str, raw: bytes, status: int) -> None:
    r = c1.post("/v1/orders", content=raw, headers={"Content-Type": "application/json"})
    assert r.status_code == status, (name, r.status_code, r.text[:300])
    err = r.json()["error"]
    assert err["code"] and err["request_id"] == r.headers["x-request-id"]


def test_int64_overflow_in_quantity_times_price(c1: httpx.Client) -> None:
    r = c1.post("/v1/orders", json={"line_items": [{"name": "x", "quantity": 1000, "unit_price_money": money(2**62)}]})
    assert error(r, 400, "AMOUNT_TOO_LARGE")["param"] == "line_items[0].quantity"
    r = c1.post("/v1/orders", json={"line_items": [
        {"name": "a", "unit_price_money": money(2**62)}, {"name": "b", "unit_price_money": money(2**62)}]})
    error(r, 400, "AMOUNT_TOO_LARGE")
    o = create_order(c1, (2**40, 1))
    r = c1.post(f"/v1/orders/{o['order_id']}/line-items", json={"line_items": [
        {"name": "a", "unit_price_money": money(1)}, {"name": "b", "quantity": 1000000, "unit_price_money": money(2**62)}]})
    assert error(r, 400, "AMOUNT_TOO_LARGE")["param"] == "line_items[1].quantity"
    li = o["line_items"][0]["order_line_item_id"]
    r = c1.patch(f"/v1/orders/{o['order_id']}/line-items/{li}", json={"quantity": 1000000, "unit_price_money": money(2**62)})
    assert error(r, 400, "AMOUNT_TOO_LARGE")["param"] == "quantity"


def test_odd_unicode_round_trips(c1: httpx.Client) -> None:
    name = "Caf\u00e9 \u2603 \U0001f600 \u202e\u0301 \ufeff"
    o = create_order(c1, (100, 1))
    r = c1.post(f"/v1/orders/{o['order_id']}/line-items", json={"line_items": [{"name": name, "unit_price_money": money(1)}]})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["line_items"][-1]["name"] == name


def test_pagination_and_page_size_bounds(c1: httpx.Client) -> None:
    for size in ("0", "101", "-1", "abc"):
        error(c1.get("/v1/orders", params={"page_size": size}), 400, "INVALID_PARAMETER")
    error(c1.get("/v1/orders", params={"page_token": "garbage"}), 400, "INVALID_PAGE_TOKEN")
    created = {create_order(c1, (1, 1))["order_id"] for _ in range(5)}
    seen: list[str] = []
    params: dict[str, Any] = {"page_size": 2}
    while True:
        body = c1.get("/v1/orders", params=params).json()
        seen += [o["order_id"] for o in body["data"]]
        if "next_page_token" not in body:
            break
        assert len(body["data"]) == 2
        params["page_token"] = body["next_page_token"]
    assert len(seen) == len(set(seen)) and created <= set(seen)
