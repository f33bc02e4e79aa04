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


API_VERSION = "2026-09-07"
# the official mapping: an error's type is fixed by its status
ERROR_TYPES = {400: "validation_error", 401: "authentication_error", 403: "authorization_error",
               404: "not_found_error", 405: "invalid_request_error", 409: "conflict_error",
               413: "invalid_request_error", 415: "invalid_request_error", 429: "rate_limit_error",
               503: "unavailable_error", 504: "timeout_error"}


def error(r: httpx.Response, status: int, code: str, param: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] == code, err
    assert set(err) >= {"type", "code", "message", "doc_url", "error_source", "request_id"}
    assert err["type"] == ERROR_TYPES.get(status, "internal_error"), err
    assert err.get("param", "absent") is not None  # a param without a value is left out, never null
    if param is not None:
        assert err["param"] == param, err
    assert err["request_id"] == r.headers["x-request-id"]
    assert r.headers["flint-version"] == API_VERSION and r.headers["flint-mode"] == "test"
    return err  # type: ignore[no-any-return]


def fresh_merchant(sandbox: Sandbox, *scopes: str) -> httpx.Client:
    """A new merchant with its own key, made by the CLI while the server runs (it must see the key at once)."""
    args = [sys.executable, "-m", "flint_sandbox.cli", "keys", "create", "--db", str(sandbox.db),
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
    assert o["requested_tip"] == {"percent": 15}
    (tip,) = o["tips"]
    assert tip["effective_amount_money"] == money(600) and tip["status"] == "requested"
    assert o["pricing_amounts"]["requested_tip_money"] == money(600)
    assert o["pricing_amounts"]["total_money"] == money(4600)


def test_tax_location_gives_213_on_2500(c1: httpx.Client) -> None:
    o = create_order(c1, (1250, 2), tax={"location": {"address": {"postal_code": "94103"}}})
    assert o["pricing_amounts"]["tax_money"] == money(213)
    assert o["pricing_amounts"]["total_money"] == money(2713)
    assert (o["tax"]["status"], o["tax"]["taxability_reason"]) == ("calculated", "standard_rated")
    assert o["settlement_amounts"]["outstanding_money"] == o["settlement_amounts"]["amount_due_money"] == money(2713)
    assert "currency" not in o and o["buyer_actions"] == []


def test_eur_is_unsupported_currency(c1: httpx.Client) -> None:
    r = c1.post("/v1/orders", json={"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "EUR"}}]})
    err = error(r, 400, "UNSUPPORTED_CURRENCY")
    assert err["param"] == "line_items[0].unit_price_money.currency"
    assert err["type"] == "validation_error"
    r = c1.post("/v1/orders", json={"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "usd"}}]})
    assert error(r, 400, "INVALID_CURRENCY")["param"] == "line_items[0].unit_price_money.currency"
    # XYZ passes the schema's pattern; the sandbox knows it is no ISO 4217 code
    r = c1.post("/v1/orders", json={"line_items": [{"name": "x", "unit_price_money": money(100)},
                                                   {"name": "y", "unit_price_money": {"amount": 1, "currency": "XYZ"}}]})
    assert error(r, 400, "INVALID_CURRENCY")["param"] == "line_items[1].unit_price_money.currency"


@pytest.mark.parametrize("amount", ["12.50", '"1250"', "2500.0", "1e3"])
def test_float_or_string_amount_is_invalid_json(c1: httpx.Client, amount: str) -> None:
    raw = '{"line_items": [{"name": "x", "unit_price_money": {"amount": %s, "currency": "USD"}}]}' % amount
    r = c1.post("/v1/orders", content=raw, headers={"Content-Type": "application/json"})
    error(r, 400, "INVALID_JSON")


def test_negative_price_is_rejected(c1: httpx.Client) -> None:
    r = c1.post("/v1/orders", json={"line_items": [{"name": "x", "unit_price_money": money(-1)}]})
    assert error(r, 400, "LINE_ITEM_NEGATIVE_PRICE")["param"] == "line_items[0].unit_price_money.amount"


def test_order_editing_endpoints_and_activities(c1: httpx.Client) -> None:
    o = create_order(c1, (1250, 2))
    oid, li = o["order_id"], o["line_items"][0]["order_line_item_id"]
    assert (o["order_revision"], o["line_items"][0]["version"], o["origin"]) == (1, 1, "api")
    r = c1.patch(f"/v1/orders/{oid}/line-items/{li}", json={"quantity": 4})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["line_items"][0]["version"] == 2 and r.json()["data"]["order_revision"] == 2
    error(c1.patch(f"/v1/orders/{oid}", json={"order_revision": 1, "buyer_note": "x"}), 409, "ORDER_REVISION_MISMATCH",
          "order_revision")
    r = c1.post(f"/v1/orders/{oid}/charges", json={"charge": {"name": "Svc", "type": "service_fee", "percent": 12.3456}})
    assert r.status_code == 200, r.text
    charge = r.json()["data"]["charges"][0]
    assert charge["applied_money"] == money(617) and charge["percent"] == 12.3456  # 12.3456% of 5000 = 617.28
    r = c1.patch(f"/v1/orders/{oid}/charges/{charge['order_charge_id']}", json={"amount_money": money(100)})
    assert r.status_code == 200, r.text
    charge = r.json()["data"]["charges"][0]
    assert charge["applied_money"] == money(100) and "percent" not in charge
    error(c1.patch(f"/v1/orders/{oid}/charges/{charge['order_charge_id']}",
                   json={"amount_money": money(1), "percent": 1}), 400, "INVALID_REQUEST")
    error(c1.post(f"/v1/orders/{oid}/discounts", json={"promotion": {"promotion_code": "X"}}), 404, "PROMOTION_NOT_FOUND",
          "promotion")
    r = c1.post(f"/v1/orders/{oid}/discounts", json={"manual": {"name": "Promo", "amount_money": money(300)}})
    assert r.status_code == 200, r.text
    d = r.json()["data"]["applied_discounts"][0]
    assert d["applied_money"] == money(300) and d["customer_facing_name"] == "Promo" and "_" not in d["order_discount_id"]
    r = c1.post(f"/v1/orders/{oid}/discounts/preview", json={})
    assert r.status_code == 200 and r.json()["data"] == {"applied": [], "available": [], "skipped": []}
    r = c1.post(f"/v1/orders/{oid}/discounts/reprice")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["pricing_amounts"]["total_money"] == money(5000 - 300 + 100)
    r = c1.post(f"/v1/orders/{oid}/close", json={"reason_message": "customer left"})
    assert r.status_code == 200 and r.json()["data"]["closed_reason"] == "customer left"
    r = c1.get(f"/v1/orders/{oid}/activities")
    assert r.status_code == 200, r.text
    acts = r.json()["data"]
    assert [a["activity_type"] for a in acts] == [
        "created", "line_item_updated", "charge_added", "charge_updated", "discount_applied", "closed"]
    assert [a["balance_delta_money"]["amount"] for a in acts] == [2500, 2500, 617, -517, -300, 300]
    assert acts[-1]["running_balance_money"] == money(5100)  # closing unpaid cancels the pending discount
    r = c1.get(f"/v1/orders/{oid}/activities", params={"sort_direction": "desc", "type": ["charge_added", "closed"]})
    assert [a["activity_type"] for a in r.json()["data"]] == ["closed", "charge_added"]
    error(c1.get("/v1/orders/ord_nope/activities"), 404, "RESOURCE_NOT_FOUND")


# ---------------------------------------------------------------------------------------------- payments


def test_declines_answer_200_and_leave_the_order_unpaid(c1: httpx.Client) -> None:
    o = create_order(c1, (5000, 1))
    for token, code in (("tok_card_declined", "card_declined"), ("tok_insufficient_funds", "insufficient_funds")):
        r = pay(c1, o["order_id"], token)
        assert r.status_code == 200, r.text
        attempt = r.json()["data"]["payment_attempt"]
        assert (attempt["status"], attempt["failure_code"]) == ("failed", code)
        assert r.json()["data"]["order"]["payment_status"] == "unpaid"
        pi = c1.get(f"/v1/payment-intents/{attempt['payment_intents'][0]['payment_intent_id']}").json()["data"]
        assert pi["status"] == "requires_payment_method" and pi["last_payment_error"]["code"] == code
    error(pay(c1, o["order_id"], "tok_nope"), 400, "INVALID_PAYMENT_SOURCE", "payment_source.token")
    error(c1.post(f"/v1/orders/{o['order_id']}/pay", json={"action": "pay"}), 400, "PAYMENT_SOURCE_REQUIRED",
          "payment_source")
    error(c1.post(f"/v1/orders/{o['order_id']}/pay", json={
        "action": "pay", "payment_source": {"token": "tok_visa", "confirmation_token": "ct_1"}}), 400,
        "PAYMENT_SOURCE_CONFLICT", "payment_source")
    error(c1.post(f"/v1/orders/{o['order_id']}/pay", json={
        "action": "pay", "payment_source": {"token": "tok_visa"}, "expected_outstanding_money": money(4999)}), 409,
        "ORDER_CHANGED_REFRESH_REQUIRED")
    r = c1.post(f"/v1/orders/{o['order_id']}/pay", json={
        "action": "pay", "payment_source": {"token": "tok_visa"}, "expected_outstanding_money": money(5000)})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["payment_attempt"]["status"] == "succeeded"
    assert r.json()["data"]["order"]["payment_status"] == "paid"
    error(pay(c1, o["order_id"]), 409, "ORDER_ALREADY_PAID")
    r = c1.post(f"/v1/orders/{o['order_id']}/line-items", json={"line_items": [{"name": "y", "unit_price_money": money(1)}]})
    assert r.status_code == 409 and r.json()["error"]["code"] in ("ORDER_HAS_PAYMENTS", "ORDER_FINANCIAL_MUTATION_NOT_ALLOWED")
    attempts = c1.get(f"/v1/orders/{o['order_id']}/payment-attempts").json()["data"]
    assert [a["status"] for a in attempts] == ["succeeded", "failed", "failed"]  # newest first


def test_manual_capture_flow(c1: httpx.Client) -> None:
    o = create_order(c1, (1250, 2))
    r = c1.post(f"/v1/orders/{o['order_id']}/payment-intents", json={"capture_method": "manual"})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["payment_collection"] == {}
    pi = r.json()["data"]["payment_intent"]
    assert (pi["status"], pi["payment_flow"], pi["payment_options"], pi["order_id"]) == (
        "requires_payment_method", "api", ["card"], o["order_id"])
    error(c1.post(f"/v1/orders/{o['order_id']}/payment-intents", json={}), 409, "ORDER_FINANCIAL_MUTATION_NOT_ALLOWED")
    r = pay(c1, o["order_id"])
    attempt = r.json()["data"]["payment_attempt"]
    assert attempt["status"] == "requires_capture"
    assert r.json()["data"]["order"]["authorization_amounts"]["capturable_money"] == money(2500)
    base = f"/v1/orders/{o['order_id']}/payment-intents/{pi['payment_intent_id']}"
    aid = attempt["payment_attempt_id"]
    error(c1.post(base + "/capture", json={"amount_money": money(2000)}), 400, "PAYMENT_ATTEMPT_ID_REQUIRED",
          "order_payment_attempt_id")
    error(c1.post(base + "/capture", json={"amount_money": money(2000), "order_payment_attempt_id": "opat_other"}), 400,
          "PAYMENT_ATTEMPT_MISMATCH")
    error(c1.post(base + "/capture", json={"amount_money": money(2501), "order_payment_attempt_id": aid}), 400,
          "CAPTURE_AMOUNT_EXCEEDS_AUTHORIZED", "amount_money.amount")
    error(c1.post(base + "/capture", json={"amount_money": money(0), "order_payment_attempt_id": aid}), 400,
          "INVALID_AMOUNT", "amount_money.amount")
    r = c1.post(base + "/capture", json={"amount_money": money(2000), "order_payment_attempt_id": aid})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["payment_intent"]["status"] == "succeeded"
    assert data["payment_intent"]["processing_fee_money"] == money(88)  # 58 + 30
    assert data["payment_intent"]["merchant_net_money"] == money(1912)
    assert data["payment_intent"]["released_money"] == money(500)
    assert data["payment_attempt"]["status"] == "succeeded"
    assert data["order"]["settlement_amounts"]["amount_due_money"] == money(500)
    assert data["order"]["payment_status"] == "partially_paid"
    error(c1.post(base + "/capture", json={"order_payment_attempt_id": aid}), 409, "INVALID_STATUS_FOR_CAPTURE")
    error(c1.post(base + "/cancel", json={}), 409, "PAYMENT_INTENT_NOT_CANCELABLE")

    o2 = create_order(c1, (700, 1))
    pi2 = c1.post(f"/v1/orders/{o2['order_id']}/payment-intents", json={"capture_method": "manual"}).json()["data"]
    aid2 = pay(c1, o2["order_id"]).json()["data"]["payment_attempt"]["payment_attempt_id"]
    base2 = f"/v1/orders/{o2['order_id']}/payment-intents/{pi2['payment_intent']['payment_intent_id']}"
    error(c1.post(base2 + "/cancel", json={}), 400, "PAYMENT_ATTEMPT_ID_REQUIRED")
    r = c1.post(base2 + "/cancel", json={"order_payment_attempt_id": aid2})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["payment_intent"]["status"] == "canceled"
    assert r.json()["data"]["payment_attempt"]["status"] == "canceled"
    assert r.json()["data"]["order"]["payment_status"] == "unpaid"


def test_three_d_secure_resume_over_http(c1: httpx.Client, c2: httpx.Client) -> None:
    o = create_order(c1, (1000, 3))
    oid = o["order_id"]
    r = pay(c1, oid, "tok_threeds_required")
    assert r.status_code == 200, r.text
    attempt = r.json()["data"]["payment_attempt"]
    assert attempt["status"] == "requires_action" and attempt["is_resumable"] is True
    assert attempt["expected_outstanding_money"] == money(3000)
    (action,) = attempt["pending_actions"]
    pid = attempt["payment_intents"][0]["payment_intent_id"]
    assert action["action_type"] == "payment_authentication"
    assert action["client_action"]["stripe"] == {"account_id": "acct_sandbox", "publishable_key": "pk_test_sandbox"}
    assert action["subject"]["payment_intent"]["payment_intent_id"] == pid
    assert r.json()["data"]["order"]["active_payment_attempt"]["payment_attempt_id"] == attempt["payment_attempt_id"]
    pi = c1.get(f"/v1/payment-intents/{pid}").json()["data"]
    assert pi["status"] == "requires_action" and pi["current_payment_action"]["pending_action_id"] == action["pending_action_id"]
    error(pay(c1, oid), 409, "ORDER_PAYMENT_ATTEMPT_ACTIVE")
    aid = attempt["payment_attempt_id"]
    error(c2.get(f"/v1/orders/{oid}/payment-attempts/{aid}"), 404, "RESOURCE_NOT_FOUND")
    got = c1.get(f"/v1/orders/{oid}/payment-attempts/{aid}")
    assert got.status_code == 200 and got.json()["data"]["status"] == "requires_action"
    error(c1.post(f"/v1/orders/{oid}/pay", json={"action": "resume", "order_payment_attempt_id": "opat_" + "0" * 26}),
          404, "RESOURCE_NOT_FOUND")
    r = c1.post(f"/v1/orders/{oid}/pay", json={"action": "resume", "order_payment_attempt_id": aid})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["payment_attempt"]["status"] == "succeeded" and data["payment_attempt"]["is_resumable"] is False
    assert data["order"]["payment_status"] == "paid" and data["order"].get("active_payment_attempt") is None
    error(c1.post(f"/v1/orders/{oid}/pay", json={"action": "resume", "order_payment_attempt_id": aid}), 409,
          "PAYMENT_ATTEMPT_NOT_RESUMABLE")
    error(c1.post(f"/v1/orders/{oid}/payment-attempts/{aid}/cancel", json={}), 409, "PAYMENT_ATTEMPT_NOT_CANCELABLE")
    pi = c1.get(f"/v1/payment-intents/{pid}", params={"expand": "order"}).json()["data"]
    assert pi["status"] == "succeeded" and pi["captured_money"] == money(3000)
    assert pi["processing_fee_money"] == money(117) and pi["merchant_net_money"] == money(2883)
    assert pi["order"]["order_id"] == oid and pi["order"]["payment_status"] == "paid"
    txns = c1.get("/v1/balance-transactions", params={"related_object_id": pid}).json()["data"]
    assert [(t["amount_money"]["amount"], t["fee_money"]["amount"], t["net_money"]["amount"]) for t in txns] == [
        (3000, 117, 2883)]

    # an abandoned 3-D Secure step: cancel the attempt, pay again with another card
    o = create_order(c1, (400, 1))
    aid = pay(c1, o["order_id"], "tok_threeds_required").json()["data"]["payment_attempt"]["payment_attempt_id"]
    r = c1.post(f"/v1/orders/{o['order_id']}/payment-attempts/{aid}/cancel", json={})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["payment_attempt"]["status"] == "canceled"
    assert r.json()["data"]["payment_attempt"]["payment_intents"][0]["status"] == "requires_payment_method"
    assert pay(c1, o["order_id"]).json()["data"]["order"]["payment_status"] == "paid"
    page1 = c1.get(f"/v1/orders/{o['order_id']}/payment-attempts", params={"page_size": 1}).json()
    assert page1["data"][0]["status"] == "succeeded" and page1["next_page_token"]
    page2 = c1.get(f"/v1/orders/{o['order_id']}/payment-attempts",
                   params={"page_size": 1, "page_token": page1["next_page_token"]}).json()
    assert [a["payment_attempt_id"] for a in page2["data"]] == [aid] and "next_page_token" not in page2


def test_split_payment_confirm_payment_intents(c1: httpx.Client) -> None:
    o = create_order(c1, (2000, 1))
    oid = o["order_id"]
    url = f"/v1/orders/{oid}/payment-intents"
    error(c1.post(url, json={"amount_money": money(2001)}), 400, "AMOUNT_EXCEEDS_BALANCE", "amount_money.amount")
    error(c1.post(url, json={"amount_money": money(0)}), 400, "INVALID_AMOUNT", "amount_money.amount")
    legs = [c1.post(url, json={"amount_money": money(a)}).json()["data"]["payment_intent"]["payment_intent_id"]
            for a in (1200, 800)]
    r = c1.post(f"/v1/orders/{oid}/pay", json={"action": "confirm_payment_intents", "payment_intents": [
        {"payment_intent_id": legs[0], "token": "tok_visa"}, {"payment_intent_id": "pi_" + "0" * 26, "token": "tok_visa"}]})
    error(r, 404, "RESOURCE_NOT_FOUND", "payment_intents[1].payment_intent_id")
    r = c1.post(f"/v1/orders/{oid}/pay", json={"action": "confirm_payment_intents", "completion_behavior": "partial_payment",
                                               "payment_intents": [{"payment_intent_id": legs[0], "token": "tok_visa"}]})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["order"]["payment_status"] == "partially_paid"
    r = c1.post(f"/v1/orders/{oid}/pay", json={"action": "confirm_payment_intents",
                                               "payment_intents": [{"payment_intent_id": legs[1], "token": "tok_visa"}]})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["order"]["payment_status"] == "paid"
    assert r.json()["data"]["order"]["settlement_amounts"]["paid_money"] == money(2000)
    listed = c1.get("/v1/payment-intents", params={"order_id": oid, "status": ["succeeded"]}).json()["data"]
    assert sorted(p["captured_money"]["amount"] for p in listed) == [800, 1200]
    error(c1.post(url, json={}), 409, "ORDER_ALREADY_PAID")


def test_setup_action(c1: httpx.Client) -> None:
    o = create_order(c1, (500, 1))
    body = {"action": "setup", "setup_payment_source": {"token": "tok_visa"}}
    error(c1.post(f"/v1/orders/{o['order_id']}/pay", json=body), 400, "SETUP_SOURCE_NON_ZERO_ORDER")
    free = create_order(c1, (0, 1))
    r = c1.post(f"/v1/orders/{free['order_id']}/pay", json=body)
    assert r.status_code == 200, r.text
    a = r.json()["data"]["payment_attempt"]
    assert (a["mode"], a["status"]) == ("setup", "succeeded")


def test_standalone_payment_intents_over_http(c1: httpx.Client, c2: httpx.Client) -> None:
    error(c1.post("/v1/payment-intents", json={"amount_money": money(0), "payment_options": ["card"]}), 400,
          "INVALID_AMOUNT", "amount_money.amount")
    r = c1.post("/v1/payment-intents", json={"amount_money": money(4000), "payment_options": ["card"],
                                             "capture_method": "manual", "metadata": {"cart": "42"}})
    assert r.status_code == 201, r.text
    assert r.json()["data"]["payment_collection"] == {}
    pi = r.json()["data"]["payment_intent"]
    pid = pi["payment_intent_id"]
    assert pi["status"] == "requires_payment_method" and "order_id" not in pi and pi["payment_flow"] == "api"
    error(c2.get(f"/v1/payment-intents/{pid}"), 404, "RESOURCE_NOT_FOUND")
    r = c1.patch(f"/v1/payment-intents/{pid}", json={"amount_money": money(4500)})
    assert r.status_code == 200 and r.json()["data"]["amount_money"] == money(4500)
    r = c1.post(f"/v1/payment-intents/{pid}/confirm", json={"payment_source_token": "tok_insufficient_funds"})
    assert r.status_code == 200, r.text
    assert r.json()["data"]["status"] == "requires_payment_method"
    assert r.json()["data"]["last_payment_error"]["code"] == "insufficient_funds"
    error(c1.post(f"/v1/payment-intents/{pid}/confirm", json={"payment_source_token": "tok_bogus"}), 400,
          "INVALID_PAYMENT_SOURCE", "payment_source_token")
    r = c1.post(f"/v1/payment-intents/{pid}/confirm", json={"payment_source_token": "tok_threeds_required"})
    assert r.json()["data"]["status"] == "requires_action"
    r = c1.post(f"/v1/payment-intents/{pid}/confirm", json={})
    assert r.status_code == 200, r.text
    auth = r.json()["data"]
    assert auth["status"] == "requires_capture" and auth["capturable_money"] == money(4500)
    error(c1.patch(f"/v1/payment-intents/{pid}", json={"amount_money": money(1)}), 409, "PAYMENT_INTENT_CANNOT_BE_UPDATED")
    error(c1.post(f"/v1/payment-intents/{pid}/capture", json={"amount_money": money(4501)}), 400,
          "CAPTURE_AMOUNT_EXCEEDS_AUTHORIZED")
    r = c1.post(f"/v1/payment-intents/{pid}/capture", json={})
    assert r.status_code == 200, r.text
    done = r.json()["data"]
    assert done["status"] == "succeeded" and done["captured_money"] == money(4500)
    assert done["processing_fee_money"] == money(161) and done["merchant_net_money"] == money(4339)
    error(c1.post(f"/v1/payment-intents/{pid}/cancel", json={}), 409, "PAYMENT_INTENT_NOT_CANCELABLE")
    txns = c1.get("/v1/balance-transactions", params={"related_object_id": pid}).json()["data"]
    assert [(t["type"], t["amount_money"]["amount"], t["fee_money"]["amount"], t["net_money"]["amount"]) for t in txns] == [
        ("payment", 4500, 161, 4339)]
    assert txns[0].get("order_id") is None
    r = c1.get(f"/v1/payment-intents/{pid}", params={"expand": "order"})
    assert r.status_code == 200 and r.json()["data"]["order"] is None
    other = c1.post("/v1/payment-intents", json={"amount_money": money(100), "payment_options": ["card"]}).json()["data"]
    r = c1.post(f"/v1/payment-intents/{other['payment_intent']['payment_intent_id']}/cancel",
                json={"cancellation_reason": "abandoned"})
    assert r.status_code == 200 and r.json()["data"]["cancellation_reason"] == "abandoned"
    listed = c1.get("/v1/payment-intents", params=[("status", "canceled"), ("status", "succeeded"), ("page_size", "100")])
    ids = {p["payment_intent_id"] for p in listed.json()["data"]}
    assert {pid, other["payment_intent"]["payment_intent_id"]} <= ids
    assert all(p["status"] in ("canceled", "succeeded") for p in listed.json()["data"])


# ---------------------------------------------------------------------------------------------- refunds, ledger, payouts


def test_refunds_ledger_balances_and_payouts(sandbox: Sandbox) -> None:
    with fresh_merchant(sandbox) as c:
        o = create_order(c, (2500, 2))  # 5000
        assert pay(c, o["order_id"]).status_code == 200
        r = c.post("/v1/refunds", json={"order_id": o["order_id"], "amount_money": money(1000)})
        assert r.status_code == 201, r.text
        assert r.headers["flint-version"] == API_VERSION and r.headers["flint-mode"] == "test"
        assert r.json()["meta"]["api_version"] == API_VERSION
        refund = r.json()["data"]
        assert refund["status"] == "pending"
        assert refund["refund_method"] == "original_payment" and refund["refunded_tip_money"] == money(0)
        assert refund["payment_intent_id"] is not None  # one payment: it is named
        assert [(p["amount_money"], p["status"]) for p in refund["payment_refunds"]] == [(money(1000), "pending")]
        (alloc,) = refund["line_item_allocations"]  # one line of 2 x 2500: 1000 is 0 whole units
        assert alloc["refunded_money"] == money(1000) and alloc["quantity"] == 0
        assert alloc["tax_refund_mode"] == "automatic"
        auto = alloc["automatic_refund"]
        assert auto["total_money"] == money(1000)
        assert auto["subtotal_money"]["amount"] - auto["discount_money"]["amount"] + auto["tax_money"]["amount"] == 1000
        order = c.get(f"/v1/orders/{o['order_id']}").json()["data"]
        assert order["settlement_amounts"]["refunded_money"] == money(1000)
        assert order["settlement_amounts"]["net_collected_money"] == money(4000)
        assert order["refund_status"] == "partially_refunded"
        assert sum(li["refunded_money"]["amount"] for li in order["line_items"]) == 1000
        error(c.post("/v1/refunds", json={"order_id": o["order_id"], "amount_money": money(4001)}), 400,
              "AMOUNT_EXCEEDS_REFUNDABLE")
        error(c.post("/v1/refunds", json={"order_id": o["order_id"], "amount_money": money(0)}), 400, "INVALID_AMOUNT")

        txns_r = c.get("/v1/balance-transactions")
        txns = txns_r.json()["data"]
        assert "history" not in txns_r.json()["meta"]
        assert sorted((t["type"], t["amount_money"]["amount"], t["fee_money"]["amount"], t["net_money"]["amount"])
                      for t in txns) == [("payment", 5000, 175, 4825), ("refund", -1000, 0, -1000)]
        assert all(t["net_money"]["amount"] == t["amount_money"]["amount"] - t["fee_money"]["amount"] for t in txns)
        by_type = {t["type"]: t for t in txns}
        assert by_type["refund"]["related_resource"] == {"type": "refund", "refund_id": refund["refund_id"]}
        assert by_type["payment"]["related_resource"]["type"] == "payment_intent"
        assert all("occurred_at" in t and "created_at" not in t and t["merchant_id"] for t in txns)
        assert c.get("/v1/balance-transactions", params={"related_object_type": "refund"}).json()["data"] == \
            [by_type["refund"]]
        expanded = c.get(f"/v1/balance-transactions/{by_type['refund']['balance_transaction_id']}",
                         params={"expand": "order"}).json()["data"]
        assert expanded["order"]["order_id"] == o["order_id"] and "line_items" not in expanded["order"]
        (bal,) = c.get("/v1/balances").json()["data"]  # one row per currency
        assert bal["available_money"] == money(3825) and bal["pending_money"] == money(0)
        assert bal["held_money"] == bal["reserve_money"] == bal["unavailable_money"] == money(0)
        assert bal["available_by_source_type"] == {"card": money(3825)} and "balance_source_type" not in bal

        error(c.post("/v1/payouts", json={"amount_money": money(3826)}), 400, "INSUFFICIENT_AVAILABLE_BALANCE")
        error(c.post("/v1/payouts", json={"amount_money": money(0)}), 400, "INVALID_AMOUNT")
        po = c.post("/v1/payouts", json={"amount_money": money(1000)})
        assert po.status_code == 201, po.text
        p = po.json()["data"]
        assert (p["held_money"], p["fee_amount_status"], p["initiated_by"], p["reversal_status"]) == \
            (money(0), "final", "manual", "none")
        assert p["fee_money"] == money(0) and p["net_money"] == money(1000) and p["merchant_id"]
        assert "canceled_at" not in p
        po_id = p["payout_id"]
        dest = c.get(f"/v1/payouts/{po_id}", params={"expand": "payout_destination"}).json()["data"]["payout_destination"]
        assert dest["payout_destination_id"] == p["payout_destination_id"] and "metadata" not in dest
        canceled = c.post(f"/v1/payouts/{po_id}/cancel", json={})
        assert canceled.status_code == 200 and canceled.json()["data"]["status"] == "canceled"
        assert "canceled_at" not in canceled.json()["data"]
        error(c.post(f"/v1/payouts/{po_id}/cancel", json={}), 409, "PAYOUT_NOT_CANCELABLE")
        po2 = c.post("/v1/payouts", json={"amount_money": money(3825)}).json()["data"]
        assert c.get("/v1/balances").json()["data"][0]["available_money"] == money(0)

        r = c.post("/_sandbox/clock/advance", json={"days": 1})
        assert r.status_code == 200, r.text
        assert c.get(f"/v1/payouts/{po2['payout_id']}").json()["data"]["status"] == "in_transit"
        assert c.get(f"/v1/refunds/{refund['refund_id']}").json()["data"]["status"] == "succeeded"
        subprocess.run([sys.executable, "-m", "flint_sandbox.cli", "clock", "advance", "--db", str(sandbox.db), "--days", "1"],
                       check=True, capture_output=True)
        assert c.get(f"/v1/payouts/{po2['payout_id']}").json()["data"]["status"] == "paid"
        entries = c.get(f"/v1/payouts/{po_id}/entries").json()["data"]
        assert [(e["type"], e["amount_money"]["amount"]) for e in entries] == [("payout", -1000), ("payout_cancellation", 1000)]
        assert all("payout_id" not in e and e["occurred_at"] for e in entries)

        txns = c.get("/v1/balance-transactions", params={"page_size": 100}).json()["data"]
        bal = c.get("/v1/balances").json()["data"][0]
        assert bal["available_money"]["amount"] + bal["pending_money"]["amount"] == sum(t["net_money"]["amount"] for t in txns) == 0


def test_refund_targets_lines_tip_and_errors(sandbox: Sandbox) -> None:
    with fresh_merchant(sandbox) as c:
        # 3 x 1000 + 1 x 2000, taxed (8.5%: 255 + 170), tip 500: total 5925
        o = create_order(c, (1000, 3), (2000, 1), requested_tip={"amount_money": money(500)},
                         tax={"location": {"address": {"postal_code": "94103", "country": "US"}}})
        assert o["pricing_amounts"]["total_money"] == money(5925)
        oid, (l1, l2) = o["order_id"], [li["order_line_item_id"] for li in o["line_items"]]
        assert pay(c, oid).status_code == 200
        pi_id = c.get(f"/v1/orders/{oid}").json()["data"]["payment_intent_ids"][0]

        # one unit of line 1 (a third of 3255)
        r = c.post("/v1/refunds", json={"order_id": oid, "line_items": [{"order_line_item_id": l1, "quantity": 1}]})
        assert r.status_code == 201, r.text
        ref = r.json()["data"]
        assert ref["amount_money"] == money(1085) and ref["refunded_tip_money"] == money(0)
        (a,) = ref["line_item_allocations"]
        assert (a["order_line_item_id"], a["quantity"], a["refunded_money"]) == (l1, 1, money(1085))
        assert a["automatic_refund"] == {"subtotal_money": money(1000), "discount_money": money(0),
                                         "tax_money": money(85), "total_money": money(1085)}
        # an amount on line 2 via payment_intent_id
        r = c.post("/v1/refunds", json={"payment_intent_id": pi_id, "amount_money": money(100),
                                         "line_items": [{"order_line_item_id": l2}]})
        assert r.status_code == 201, r.text
        ref2 = r.json()["data"]
        assert ref2["order_id"] == oid and ref2["payment_intent_id"] == pi_id
        assert [x["order_line_item_id"] for x in ref2["line_item_allocations"]] == [l2]
        # tender allocations: the rest of everything; the tip is refunded last
        left = 5925 - 1085 - 100
        error(c.post("/v1/refunds", json={"tender_allocations": [
            {"tender_type": "payment_intent", "payment_intent_id": pi_id, "amount_money": money(left + 1)}]}), 400,
            "AMOUNT_EXCEEDS_REFUNDABLE")
        r = c.post("/v1/refunds", json={"tender_allocations": [
            {"tender_type": "payment_intent", "payment_intent_id": pi_id, "amount_money": money(left)}],
            "metadata": {"k": "v"}})
        assert r.status_code == 201, r.text
        ref3 = r.json()["data"]
        assert ref3["amount_money"] == money(left) and ref3["refunded_tip_money"] == money(500)
        assert ref3["tender_allocations"][0]["payment_intent_id"] == pi_id
        total_alloc = [x for rf in (ref, ref2, ref3) for x in rf["line_item_allocations"]]
        for lid, line in ((l1, o["line_items"][0]), (l2, o["line_items"][1])):
            mine = [x["automatic_refund"] for x in total_alloc if x["order_line_item_id"] == lid]
            for part in ("subtotal_money", "discount_money", "tax_money", "total_money"):  # exact when fully refunded
                assert sum(m[part]["amount"] for m in mine) == line[part]["amount"], (lid, part)
        assert sum(x["quantity"] for x in total_alloc if x["order_line_item_id"] == l1) == 3

        error(c.post("/v1/refunds", json={"order_id": oid, "amount_money": money(1)}), 400, "AMOUNT_EXCEEDS_REFUNDABLE")
        error(c.post("/v1/refunds", json={"gift_card_load_id": "gcl_" + "0" * 26}), 404, "GIFT_CARD_NOT_FOUND")
        error(c.post("/v1/refunds", json={"tender_allocations": [{"tender_type": "gift_card_redemption",
                                                                    "gift_card_redemption_id": "gcr_1",
                                                                    "amount_money": money(1)}]}), 404,
              "GIFT_CARD_NOT_FOUND")
        error(c.post("/v1/refunds", json={"order_id": oid, "charges": [{"order_charge_id": "ch_1"}]}), 400,
              "NOTHING_TO_REFUND_FOR_CHARGE")
        error(c.post("/v1/refunds", json={"order_id": oid, "amount_money": money(0)}), 400, "INVALID_AMOUNT")
        error(c.post("/v1/refunds", json={"order_id": oid, "metadata": {"flint_x": "1"}}), 400,
              "RESERVED_METADATA_KEY")
        error(c.post("/v1/refunds", json={"order_id": oid, "amount_money": {"amount": 1, "currency": "EUR"}}), 400,
              "UNSUPPORTED_CURRENCY", "amount_money.currency")
        error(c.post("/v1/payouts", json={"amount_money": {"amount": 1, "currency": "XYZ"}}), 400,
              "INVALID_CURRENCY", "amount_money.currency")
        error(c.post("/v1/payouts", json={"amount_money": money(1), "metadata": {"flint_x": "1"}}), 400,
              "RESERVED_METADATA_KEY")

        # reads: status filter (an array), expansions as summaries, metadata cleared by null
        ids = {x["refund_id"] for x in c.get("/v1/refunds", params={"status": ["pending", "succeeded"],
                                                                        "order_id": oid}).json()["data"]}
        assert ids == {ref["refund_id"], ref2["refund_id"], ref3["refund_id"]}
        assert c.get("/v1/refunds", params={"status": "succeeded", "order_id": oid}).json()["data"] == []
        g = c.get(f"/v1/refunds/{ref3['refund_id']}", params={"expand": ["order", "payment_intent"]}).json()["data"]
        assert g["order"]["order_id"] == oid and "line_items" not in g["order"]
        assert g["payment_intent"]["payment_intent_id"] == pi_id
        r = c.patch(f"/v1/refunds/{ref3['refund_id']}", json={"metadata": None})
        assert r.status_code == 200 and r.json()["data"]["metadata"] == {}
        assert c.patch(f"/v1/refunds/{ref3['refund_id']}", json={}).status_code == 200


def test_payout_settings_and_destinations(sandbox: Sandbox) -> None:
    with fresh_merchant(sandbox) as c:
        s = c.get("/v1/payout-settings").json()["data"]
        assert s["delay_days"] == 0 and s["interval"] == "manual"
        dests = c.get("/v1/payout-settings/destinations").json()["data"]
        assert len(dests) == 1 and dests[0]["status"] == "active" and dests[0]["default_for_currency"]
        r = c.patch("/v1/payout-settings", json={"interval": "weekly"})
        assert r.json()["data"]["weekly_payout_days"] == ["monday"]
        assert r.json()["data"]["merchant_id"] == s["merchant_id"]
        for day in ("someday", "saturday"):
            error(c.patch("/v1/payout-settings", json={"weekly_payout_days": [day]}), 400, "INVALID_WEEKLY_PAYOUT_DAY")
        error(c.patch("/v1/payout-settings", json={"delay_days_override": 31}), 400, "INVALID_DELAY_DAYS_OVERRIDE")
        r = c.patch("/v1/payout-settings", json={"minimum_balance_by_currency": {"USD": money(100)}})
        assert r.json()["data"]["minimum_balance_by_currency"] == {"USD": money(100)}
        r = c.patch("/v1/payout-settings", json={"minimum_balance_by_currency": {"USD": None}})
        assert r.status_code == 200 and r.json()["data"]["minimum_balance_by_currency"] == {}
        r = c.patch("/v1/payout-settings", json={"interval": "weekly", "weekly_payout_days": ["friday"], "delay_days_override": 2})
        assert r.status_code == 200, r.text
        assert r.json()["data"]["delay_days"] == 2
        d_id = dests[0]["payout_destination_id"]
        r = c.patch(f"/v1/payout-settings/destinations/{d_id}", json={"metadata": {"k": "v"}})
        assert r.json()["data"]["metadata"] == {"k": "v"}
        error(c.patch(f"/v1/payout-settings/destinations/{d_id}", json={"metadata": {"flint_k": "v"}}), 400,
              "RESERVED_METADATA_KEY")
        r = c.patch(f"/v1/payout-settings/destinations/{d_id}", json={"metadata": None})
        assert r.status_code == 200 and r.json()["data"]["metadata"] == {}
        assert c.patch(f"/v1/payout-settings/destinations/{d_id}", json={}).status_code == 200
        r = c.request("DELETE", f"/v1/payout-settings/destinations/{d_id}", json={})
        assert r.status_code == 200 and r.json()["data"]["status"] == "deleted"
        assert r.json()["data"]["disabled_reason"] == "disabled_by_merchant_request"
        assert r.json()["data"]["status_updated_at"] == r.json()["data"]["disabled_at"]
        error(c.post("/v1/payouts", json={"amount_money": money(1)}), 409, "DEFAULT_PAYOUT_DESTINATION_REQUIRED")
        error(c.post("/v1/payouts", json={"amount_money": money(1), "payout_destination_id": d_id}), 409,
              "DESTINATION_NOT_ACTIVE")
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
        error(anon.get("/v1/orders"), 401, "AUTH_REQUIRED")
    with sandbox.client("flint_test_nope") as bad:
        error(bad.get("/v1/orders"), 401, "INVALID_API_KEY")
        error(bad.post("/_sandbox/clock/advance", json={"days": 0}), 401, "INVALID_API_KEY")
    with sandbox.client(None) as anon:
        error(anon.post("/_sandbox/clock/advance", json={"days": 0}), 401, "AUTH_REQUIRED")
    with httpx.Client(base_url=sandbox.url, headers={"X-API-Key": KEY1}) as xkey:
        assert xkey.get("/v1/orders").status_code == 200
        error(xkey.get("/v1/orders", headers={"Authorization": f"Bearer {KEY1}"}), 401, "AMBIGUOUS_AUTH")
    with fresh_merchant(sandbox, "commerce.orders.read") as ro:
        assert ro.get("/v1/orders").status_code == 200
        error(ro.post("/v1/orders", json={"line_items": [{"name": "x", "unit_price_money": money(1)}]}), 403,
              "INSUFFICIENT_SCOPE")
        error(ro.get("/v1/balances"), 403, "INSUFFICIENT_SCOPE")
    # a read accepts the resource's read or write scope; a write needs the write scope
    with fresh_merchant(sandbox, "commerce.refunds.write", "money_movement.payouts.read") as wo:
        assert wo.get("/v1/refunds").status_code == 200
        assert wo.get("/v1/payouts").status_code == 200
        error(wo.post("/v1/payouts", json={"amount_money": money(1)}), 403, "INSUFFICIENT_SCOPE")
        error(wo.get("/v1/balances"), 403, "INSUFFICIENT_SCOPE")


def test_version_and_idempotency_key_headers(c1: httpx.Client) -> None:
    r = c1.get("/v1/balances", headers={"Flint-Version": API_VERSION})
    assert r.status_code == 200 and r.headers["flint-version"] == API_VERSION
    assert r.json()["meta"]["api_version"] == API_VERSION
    for bad in ("2020-01-01", "latest"):
        error(c1.get("/v1/balances", headers={"Flint-Version": bad}), 400, "INVALID_API_VERSION", "Flint-Version")
    long_key = "k" * 256
    error(c1.post("/v1/payouts", json={"amount_money": money(1)}, headers={"Idempotency-Key": long_key}), 400,
          "IDEMPOTENCY_KEY_TOO_LONG", "Idempotency-Key")
    r = c1.post("/v1/payouts", json={"amount_money": money(0)}, headers={"Idempotency-Key": "k" * 255})
    error(r, 400, "INVALID_AMOUNT")  # 255 characters is a valid key
    assert c1.get("/v1/balances", headers={"Idempotency-Key": long_key}).status_code == 200  # reads ignore it


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
        error(c1.get("/v1/orders", params={"page_size": size}), 400, "INVALID_PAGE_SIZE")
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
