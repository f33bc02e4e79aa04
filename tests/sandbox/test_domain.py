"""Business rules on a real store (a SQLite file; a PostgreSQL database), below HTTP: orders, payments, refunds,
ledger, payouts, tenancy."""

from __future__ import annotations

import importlib
import inspect
import multiprocessing
import os
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from flint_api import models
from flint_sandbox import accounts, ledger, order_pricing, orders, payment_intents
from flint_sandbox.errors import DomainError
from pg_harness import STORES, store_db
from flint_sandbox.store import Storage, Tx, open_storage


class _Decoded:
    """A module of business functions whose request body these tests write in wire form: each call decodes the
    body into the request model the function takes (its `body` annotation), as the stub does before a handler."""

    def __init__(self, module: ModuleType) -> None:
        self._module = module

    def __getattr__(self, name: str) -> Any:
        fn = getattr(self._module, name)
        param = inspect.signature(fn).parameters.get("body") if inspect.isfunction(fn) else None
        found = re.match(r"models\.(\w+)", str(param.annotation)) if param is not None else None
        if found is None:
            return fn
        model = getattr(models, found.group(1))
        # a model class, or a union alias decoded by its generated parse_<name> function
        decode = model.from_dict if hasattr(model, "from_dict") else getattr(
            models, "parse_" + re.sub(r"(?<!^)(?=[A-Z])", "_", found.group(1)).lower())
        signature = inspect.signature(fn)

        def call(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            if isinstance(bound.arguments.get("body"), dict):
                bound.arguments["body"] = decode(bound.arguments["body"])
            return fn(*bound.args, **bound.kwargs)

        return call


order_edits, order_payments, payment_attempts, payouts, refund_creation, refunds, standalone_payments = (
    _Decoded(importlib.import_module(f"flint_sandbox.{name}"))
    for name in ("order_edits", "order_payments", "payment_attempts", "payouts", "refund_creation", "refunds",
                 "standalone_payments")
)

SQLiteStorage = Storage  # the fixture's type below: either store

TOTE = {"line_items": [{"name": "Canvas tote bag", "quantity": 2, "unit_price_money": {"amount": 1250, "currency": "USD"}}]}


def _url(s: Any) -> str:
    return str(getattr(s, "url", None) or s.path)


@pytest.fixture(params=STORES)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[SQLiteStorage, str, str]:
    s = open_storage(str(store_db(request.param, request, tmp_path, "domain")))
    m1 = s.write_sync(lambda tx: accounts.add_key(tx, "m1", "flint_test_one"))
    m2 = s.write_sync(lambda tx: accounts.add_key(tx, "m2", "flint_test_two"))
    return s, m1, m2


def err(fn: Any) -> DomainError:
    with pytest.raises(DomainError) as e:
        fn()
    return e.value


def test_tote_bag_order(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    o = s.write_sync(lambda tx: order_edits.create_order(tx, m1, TOTE))
    assert o["line_items"][0]["base_subtotal_money"] == {"amount": 2500, "currency": "USD"}
    assert o["pricing_amounts"]["total_money"]["amount"] == 2500
    assert o["settlement_amounts"]["amount_due_money"]["amount"] == 2500
    assert o["status"] == "open" and o["payment_status"] == "unpaid"
    assert "_sandbox" not in o
    again = s.read_sync(lambda tx: orders.get_order(tx, m1, o["order_id"]))
    assert again == o


def test_refund_of_unpaid_order_is_no_payments(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    o = s.write_sync(lambda tx: order_edits.create_order(tx, m1, TOTE))
    e = err(lambda: s.write_sync(lambda tx: refund_creation.create_refund(
        tx, m1, {"order_id": o["order_id"], "amount_money": {"amount": 500, "currency": "USD"}}, None)))
    assert (e.status, e.code) == (400, "NO_PAYMENTS_FOR_ORDER")


def test_pay_refund_ledger_and_payout(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, m2 = db
    body = {"line_items": [{"name": "Box", "unit_price_money": {"amount": 5000, "currency": "USD"}}]}
    o = s.write_sync(lambda tx: order_edits.create_order(tx, m1, body))
    declined = s.write_sync(lambda tx: order_payments.pay_order(
        tx, m1, o["order_id"], {"action": "pay", "payment_source": {"token": "tok_card_declined"}}))
    assert declined["payment_attempt"]["failure_code"] == "card_declined"
    assert declined["order"]["payment_status"] == "unpaid"
    paid = s.write_sync(lambda tx: order_payments.pay_order(
        tx, m1, o["order_id"], {"action": "pay", "payment_source": {"token": "tok_visa"}}))
    assert paid["order"]["payment_status"] == "paid"
    assert paid["order"]["settlement_amounts"]["amount_due_money"]["amount"] == 0
    e = err(lambda: s.write_sync(lambda tx: order_edits.add_line_items(tx, m1, o["order_id"], body)))
    assert (e.status, e.code) == (409, "ORDER_FINANCIAL_MUTATION_NOT_ALLOWED")

    txns, _ = s.read_sync(lambda tx: ledger.list_txns(tx, m1, {}))
    assert [(t["type"], t["amount_money"]["amount"], t["fee_money"]["amount"], t["net_money"]["amount"]) for t in txns] == [
        ("payment", 5000, 175, 4825)
    ]
    r = s.write_sync(lambda tx: refund_creation.create_refund(
        tx, m1, {"order_id": o["order_id"], "amount_money": {"amount": 1000, "currency": "USD"}}, None))
    assert r["status"] == "pending"
    after = s.read_sync(lambda tx: orders.get_order(tx, m1, o["order_id"]))
    assert after["settlement_amounts"]["refunded_money"]["amount"] == 1000
    assert after["refund_status"] == "partially_refunded"
    assert after["line_items"][0]["refunded_money"]["amount"] == 1000
    e = err(lambda: s.write_sync(lambda tx: refund_creation.create_refund(
        tx, m1, {"order_id": o["order_id"], "amount_money": {"amount": 4001, "currency": "USD"}}, None)))
    assert e.code == "AMOUNT_EXCEEDS_REFUNDABLE"

    bal = s.read_sync(lambda tx: ledger.balances(tx, m1, None))
    assert bal[0]["available_money"]["amount"] == 4825 - 1000
    e = err(lambda: s.write_sync(lambda tx: payouts.create_payout(tx, m1, {"amount_money": {"amount": 3826, "currency": "USD"}})))
    assert e.code == "INSUFFICIENT_AVAILABLE_BALANCE"
    po = s.write_sync(lambda tx: payouts.create_payout(tx, m1, {"amount_money": {"amount": 3000, "currency": "USD"}}))
    assert po["status"] == "pending"
    canceled = s.write_sync(lambda tx: payouts.cancel_payout(tx, m1, po["payout_id"]))
    assert canceled["status"] == "canceled"
    po2 = s.write_sync(lambda tx: payouts.create_payout(tx, m1, {"amount_money": {"amount": 3825, "currency": "USD"}}))
    s.write_sync(lambda tx: tx.advance_clock(int(timedelta(days=3).total_seconds())))
    assert s.read_sync(lambda tx: payouts.get_payout(tx, m1, po2["payout_id"]))["status"] == "paid"
    assert s.read_sync(lambda tx: refunds.get_refund(tx, m1, r["refund_id"]))["status"] == "succeeded"
    e = err(lambda: s.write_sync(lambda tx: payouts.cancel_payout(tx, m1, po2["payout_id"])))
    assert e.code == "PAYOUT_NOT_CANCELABLE"
    entries, _ = s.read_sync(lambda tx: payouts.list_entries(tx, m1, po["payout_id"], {}))
    assert [x["type"] for x in entries] == ["payout", "payout_cancellation"]

    all_txns, _ = s.read_sync(lambda tx: ledger.list_txns(tx, m1, {"page_size": 100}))
    assert all(t["net_money"]["amount"] == t["amount_money"]["amount"] - t["fee_money"]["amount"] for t in all_txns)
    bal = s.read_sync(lambda tx: ledger.balances(tx, m1, None))
    assert bal[0]["available_money"]["amount"] + bal[0]["pending_money"]["amount"] == sum(
        t["net_money"]["amount"] for t in all_txns) == 0

    # tenancy: m2 sees none of it
    e = err(lambda: s.read_sync(lambda tx: orders.get_order(tx, m2, o["order_id"])))
    assert (e.status, e.code) == (404, "RESOURCE_NOT_FOUND")
    e = err(lambda: s.read_sync(lambda tx: payouts.get_payout(tx, m2, po["payout_id"])))
    assert e.status == 404
    assert s.read_sync(lambda tx: ledger.balances(tx, m2, None))[0]["available_money"]["amount"] == 0


def test_discount_charge_and_tip(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    body = {
        "line_items": [{"name": "a", "unit_price_money": {"amount": 3000, "currency": "USD"}},
                       {"name": "b", "unit_price_money": {"amount": 1000, "currency": "USD"}}],
        "discounts": [{"manual": {"name": "500 off", "amount_money": {"amount": 500, "currency": "USD"}}}],
        "requested_tip": {"percent": 15},
        "tax": {"location": {"address": {"postal_code": "94103"}}},
    }
    o = s.write_sync(lambda tx: order_edits.create_order(tx, m1, body))
    (d,) = o["applied_discounts"]
    assert d["applied_money"]["amount"] == 500
    assert (d["customer_facing_name"], d["source"], d["status"], d["order_id"]) == ("500 off", "manual", "pending", o["order_id"])
    assert len(d["order_discount_id"]) == 26 and "_" not in d["order_discount_id"]  # a bare ULID
    assert [li["discount_money"]["amount"] for li in o["line_items"]] == [375, 125]
    (tip,) = o["tips"]
    assert tip["effective_amount_money"]["amount"] == 525  # 15% of 3500
    assert (tip["settled_amount_money"]["amount"], tip["refunded_money"]["amount"], tip["status"]) == (0, 0, "requested")
    assert o["requested_tip"] == {"percent": 15}
    assert o["pricing_amounts"]["tax_money"]["amount"] == 223 + 74  # 8.5% of 2625 and 875
    o = s.write_sync(lambda tx: order_edits.add_charge(tx, m1, o["order_id"], {"charge": {
        "name": "Service", "type": "service_fee", "percent": 10, "calculation_basis": "subtotal_post_discount"}}))
    assert o["charges"][0]["applied_money"]["amount"] == 350
    pa = o["pricing_amounts"]
    assert pa["total_money"]["amount"] == 4000 - 500 + 350 + 297 + 525
    assert sum(li["total_money"]["amount"] for li in o["line_items"]) + 350 + 525 == pa["total_money"]["amount"]
    assert o["tax"] == {"enabled": True, "mode": "automatic", "status": "calculated",
                        "taxability_reason": "standard_rated",
                        "location": {"address": {"postal_code": "94103", "country": "US"}}}
    assert "currency" not in o and o["buyer_actions"] == [] and o["origin"] == "api" and o["merchant_id"] == m1


def test_four_decimal_percents_are_exact(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    o = s.write_sync(lambda tx: order_edits.create_order(tx, m1, {
        "line_items": [{"name": "a", "unit_price_money": {"amount": 5000, "currency": "USD"}}],
        "requested_tip": {"percent": 12.3456}}))
    assert o["tips"][0]["effective_amount_money"]["amount"] == 617  # 617.28
    oid = o["order_id"]
    # 0.0001% of 5000 is 0.005 -> 0; 0.01% of 5000 = 0.5 -> 1 (half up)
    for pct, want in ((0.0001, 0), (0.01, 1), (33.3333, 1667), (100, 5000)):
        o = s.write_sync(lambda tx: order_edits.add_charge(tx, m1, oid, {"charge": {"name": "c", "type": "other", "percent": pct}}))
        assert o["charges"][-1]["applied_money"]["amount"] == want, pct
        assert o["charges"][-1]["percent"] == pct


def test_tax_states(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    o = s.write_sync(lambda tx: order_edits.create_order(tx, m1, TOTE))
    assert (o["tax"]["status"], o["tax"]["taxability_reason"], o["pricing_amounts"]["tax_money"]["amount"]) == (
        "requires_location", "location_required", 0)
    loc = {"location": {"address": {"postal_code": "94103"}}}
    o = s.write_sync(lambda tx: order_edits.update_order(tx, m1, o["order_id"], {"tax": loc}))
    assert (o["tax"]["status"], o["pricing_amounts"]["tax_money"]["amount"], o["pricing_amounts"]["total_money"]["amount"]) == (
        "calculated", 213, 2713)
    o = s.write_sync(lambda tx: order_edits.update_order(tx, m1, o["order_id"], {"tax": {**loc, "enabled": False}}))
    assert (o["tax"]["enabled"], o["tax"]["status"], o["tax"]["taxability_reason"]) == (False, "not_required", "tax_disabled")
    assert o["pricing_amounts"]["total_money"]["amount"] == 2500
    o = s.write_sync(lambda tx: order_edits.update_order(tx, m1, o["order_id"], {"tax": {}}))
    assert o["tax"]["status"] == "requires_location" and "location" not in o["tax"]


def test_revisions_versions_and_activities(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    o = s.write_sync(lambda tx: order_edits.create_order(tx, m1, TOTE))
    oid, li = o["order_id"], o["line_items"][0]["order_line_item_id"]
    assert o["order_revision"] == 1 and o["line_items"][0]["version"] == 1
    o = s.write_sync(lambda tx: order_edits.update_line_item(tx, m1, oid, li, {"quantity": 3}))
    assert o["order_revision"] == 2 and o["line_items"][0]["version"] == 2
    e = err(lambda: s.write_sync(lambda tx: order_edits.update_order(tx, m1, oid, {"order_revision": 1, "buyer_note": "n"})))
    assert (e.status, e.code, e.param) == (409, "ORDER_REVISION_MISMATCH", "order_revision")
    o = s.write_sync(lambda tx: order_edits.update_order(tx, m1, oid, {"order_revision": 2, "requested_tip": {
        "amount_money": {"amount": 100, "currency": "USD"}}}))
    assert o["order_revision"] == 3 and o["pricing_amounts"]["total_money"]["amount"] == 3850
    tip_id = o["tips"][0]["order_tip_id"]
    o = s.write_sync(lambda tx: order_edits.add_charge(tx, m1, oid, {"charge": {
        "name": "Fee", "type": "service_fee", "amount_money": {"amount": 150, "currency": "USD"}}}))
    cid = o["charges"][0]["order_charge_id"]
    o = s.write_sync(lambda tx: order_edits.update_charge(tx, m1, oid, cid, {"percent": 10}))
    assert o["charges"][0]["applied_money"]["amount"] == 375 and "amount_money" not in o["charges"][0]
    e = err(lambda: s.write_sync(lambda tx: order_edits.update_charge(
        tx, m1, oid, cid, {"percent": 1, "amount_money": {"amount": 1, "currency": "USD"}})))
    assert (e.status, e.code) == (400, "INVALID_REQUEST")
    o = s.write_sync(lambda tx: order_edits.apply_discount(tx, m1, oid, {"manual": {
        "name": "d", "amount_money": {"amount": 250, "currency": "USD"}}}))
    did = o["applied_discounts"][0]["order_discount_id"]
    o = s.write_sync(lambda tx: order_edits.remove_discounts(tx, m1, oid, {"order_discount_ids": [did]}))
    o = s.write_sync(lambda tx: order_edits.delete_charge(tx, m1, oid, cid))
    o = s.write_sync(lambda tx: order_edits.close_order(tx, m1, oid, {"reason_message": "abandoned"}))
    assert o["closed_reason"] == "abandoned" and o["order_revision"] == 9
    acts, token = s.read_sync(lambda tx: orders.list_activities(tx, m1, oid, {}))
    assert token is None
    assert [a["activity_type"] for a in acts] == [
        "created", "line_item_updated", "requested_tip_added", "charge_added", "charge_updated", "discount_applied",
        "discount_removed", "charge_removed", "closed"]
    assert [a["balance_delta_money"]["amount"] for a in acts] == [2500, 1250, 100, 150, 225, -250, 250, -375, 0]
    running = 0
    for a in acts:
        running += a["balance_delta_money"]["amount"]
        assert a["running_balance_money"]["amount"] == running
    assert running == o["settlement_amounts"]["balance_money"]["amount"] == 3850
    assert acts[1]["order_line_item_id"] == li and acts[2]["order_tip_id"] == tip_id
    assert acts[3]["order_charge_id"] == cid and acts[5]["order_discount_id"] == did
    page1, token = s.read_sync(lambda tx: orders.list_activities(tx, m1, oid, {"page_size": 4, "sort_direction": "desc"}))
    assert [a["activity_type"] for a in page1] == ["closed", "charge_removed", "discount_removed", "discount_applied"]
    page2, _ = s.read_sync(lambda tx: orders.list_activities(
        tx, m1, oid, {"page_size": 4, "sort_direction": "desc", "page_token": token}))
    assert [a["activity_type"] for a in page2] == ["charge_updated", "charge_added", "requested_tip_added", "line_item_updated"]
    only, _ = s.read_sync(lambda tx: orders.list_activities(tx, m1, oid, {"type": ["charge_added", "closed"]}))
    assert [a["activity_type"] for a in only] == ["charge_added", "closed"]


def test_order_request_rules(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    line = lambda cur: {"name": "x", "unit_price_money": {"amount": 1, "currency": cur}}  # noqa: E731
    for lines, code, param in (
        ([line("XYZ")], "INVALID_CURRENCY", "line_items[0].unit_price_money.currency"),
        ([line("USD"), line("EUR")], "UNSUPPORTED_CURRENCY", "line_items[1].unit_price_money.currency"),
    ):
        e = err(lambda: s.write_sync(lambda tx: order_edits.create_order(tx, m1, {"line_items": lines})))
        assert (e.status, e.code, e.param) == (400, code, param)
    e = err(lambda: s.write_sync(lambda tx: order_edits.create_order(tx, m1, {**TOTE, "metadata": {"flint_x": "1"}})))
    assert (e.status, e.code, e.param) == (400, "RESERVED_METADATA_KEY", "metadata.flint_x")
    o = s.write_sync(lambda tx: order_edits.create_order(tx, m1, {**TOTE, "metadata": {f"k{i}": "v" for i in range(50)}}))
    e = err(lambda: s.write_sync(lambda tx: order_edits.update_order(tx, m1, o["order_id"], {"metadata": {"one_more": "v"}})))
    assert (e.status, e.code, e.param) == (400, "METADATA_TOO_MANY_KEYS", "metadata")
    assert s.write_sync(lambda tx: order_edits.update_order(tx, m1, o["order_id"], {"metadata": None}))["metadata"] == {}
    oid, li = o["order_id"], o["line_items"][0]["order_line_item_id"]
    e = err(lambda: s.write_sync(lambda tx: order_edits.apply_discount(tx, m1, oid, {"promotion": {"promotion_code": "SAVE"}})))
    assert (e.status, e.code, e.param) == (404, "PROMOTION_NOT_FOUND", "promotion")
    e = err(lambda: s.read_sync(lambda tx: order_edits.preview_discounts(tx, m1, oid, {"discount": {"promotion": {"promotion_id": "p"}}})))
    assert (e.status, e.code) == (404, "PROMOTION_NOT_FOUND")
    assert s.read_sync(lambda tx: order_edits.preview_discounts(tx, m1, oid, {})) == {"applied": [], "available": [], "skipped": []}
    manual = {"name": "d", "amount_money": {"amount": 100, "currency": "USD"}}
    e = err(lambda: s.write_sync(lambda tx: order_edits.apply_discount(tx, m1, oid, {"manual": {
        **manual, "scope": "line_item", "order_line_item_ids": [li, "li_nope"]}})))
    assert (e.status, e.param) == (404, "manual.order_line_item_ids[1]")
    e = err(lambda: s.write_sync(lambda tx: order_edits.apply_discount(tx, m1, oid, {"manual": {**manual, "order_charge_ids": ["chg_1"]}})))
    assert (e.status, e.code, e.param) == (400, "ORDER_DISCOUNT_NO_CHARGE_IDS", "manual.order_charge_ids")
    # scope line_items: the discount lands on the listed line only, capped at its subtotal
    two = s.write_sync(lambda tx: order_edits.add_line_items(tx, m1, oid, {"line_items": [line("USD")]}))
    other = two["line_items"][1]["order_line_item_id"]
    o = s.write_sync(lambda tx: order_edits.apply_discount(tx, m1, oid, {"manual": {
        **manual, "scope": "line_item", "order_line_item_ids": [other]}}))
    assert [x["discount_money"]["amount"] for x in o["line_items"]] == [0, 1]
    assert o["applied_discounts"][0]["applied_money"]["amount"] == 1 and o["applied_discounts"][0]["amount_money"]["amount"] == 100
    assert s.write_sync(lambda tx: order_edits.reprice_discounts(tx, m1, oid)) == o  # nothing changed: same revision


def test_tip_settles_last_and_is_refunded_last(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    body = {"line_items": [{"name": "x", "unit_price_money": {"amount": 4000, "currency": "USD"}}], "requested_tip": {"percent": 15}}
    o = s.write_sync(lambda tx: order_edits.create_order(tx, m1, body))
    paid = _pay(s, m1, o["order_id"])["order"]
    (tip,) = paid["tips"]
    assert (tip["effective_amount_money"]["amount"], tip["settled_amount_money"]["amount"], tip["status"]) == (600, 600, "settled")
    assert paid["settlement_amounts"]["settled_tip_money"]["amount"] == 600
    assert paid["settlement_amounts"]["outstanding_money"] == paid["settlement_amounts"]["amount_due_money"] == {
        "amount": 0, "currency": "USD"}
    doc = s.read_sync(lambda tx: orders.load(tx, m1, o["order_id"]))
    for refunded, tip_refunded, status in ((4000, 0, "settled"), (4100, 100, "partially_refunded"), (4600, 600, "refunded")):
        doc["settlement_amounts"]["refunded_money"]["amount"] = refunded
        order_pricing.reprice(doc, datetime.now(timezone.utc))
        t = doc["tips"][0]
        assert (t["refunded_money"]["amount"], t["status"]) == (tip_refunded, status), refunded


def test_manual_capture(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    o = s.write_sync(lambda tx: order_edits.create_order(tx, m1, TOTE))
    oid = o["order_id"]
    created = s.write_sync(lambda tx: order_payments.create_order_payment_intent(tx, m1, oid, {"capture_method": "manual"}))
    assert created["payment_collection"] == {}
    pid = created["payment_intent"]["payment_intent_id"]
    auth = s.write_sync(lambda tx: order_payments.pay_order(tx, m1, oid, {"action": "pay", "payment_source": {"token": "tok_visa"}}))
    attempt = auth["payment_attempt"]
    assert attempt["status"] == "requires_capture" and attempt["payment_intents"][0]["payment_intent_id"] == pid
    assert auth["order"]["payment_status"] == "unpaid"
    assert auth["order"]["authorization_amounts"]["capturable_money"]["amount"] == 2500
    # nothing is outstanding while the authorization holds the whole balance
    e = err(lambda: s.write_sync(lambda tx: order_payments.pay_order(tx, m1, oid, {"action": "pay", "payment_source": {"token": "tok_visa"}})))
    assert (e.status, e.code) == (409, "ORDER_ALREADY_PAID")
    cap_body = {"amount_money": {"amount": 2000, "currency": "USD"}}
    e = err(lambda: s.write_sync(lambda tx: order_payments.capture(tx, m1, oid, pid, cap_body)))
    assert (e.status, e.code, e.param) == (400, "PAYMENT_ATTEMPT_ID_REQUIRED", "order_payment_attempt_id")
    e = err(lambda: s.write_sync(lambda tx: order_payments.capture(tx, m1, oid, pid, {**cap_body, "order_payment_attempt_id": "opat_x"})))
    assert (e.status, e.code) == (400, "PAYMENT_ATTEMPT_MISMATCH")
    aid = {"order_payment_attempt_id": attempt["payment_attempt_id"]}
    for amount, code in ((2501, "CAPTURE_AMOUNT_EXCEEDS_AUTHORIZED"), (0, "INVALID_AMOUNT")):
        e = err(lambda: s.write_sync(lambda tx: order_payments.capture(
            tx, m1, oid, pid, {**aid, "amount_money": {"amount": amount, "currency": "USD"}})))
        assert (e.status, e.code, e.param) == (400, code, "amount_money.amount")
    cap = s.write_sync(lambda tx: order_payments.capture(tx, m1, oid, pid, {**cap_body, **aid}))
    pi = cap["payment_intent"]
    assert pi["status"] == "succeeded"
    assert [pi[k]["amount"] for k in ("authorized_money", "captured_money", "released_money", "capturable_money",
                                      "processing_fee_money", "merchant_net_money")] == [2500, 2000, 500, 0, 88, 1912]
    assert cap["payment_attempt"]["status"] == "succeeded" and cap["payment_attempt"]["completed_at"]
    assert cap["order"]["payment_status"] == "partially_paid"
    assert cap["order"]["settlement_amounts"]["amount_due_money"]["amount"] == 500
    assert cap["order"]["authorization_amounts"]["capturable_money"]["amount"] == 0
    e = err(lambda: s.write_sync(lambda tx: order_payments.capture(tx, m1, oid, pid, aid)))
    assert (e.status, e.code) == (409, "INVALID_STATUS_FOR_CAPTURE")
    e = err(lambda: s.write_sync(lambda tx: order_payments.cancel(tx, m1, oid, pid, {})))
    assert e.code == "PAYMENT_INTENT_NOT_CANCELABLE"
    txns, _ = s.read_sync(lambda tx: ledger.list_txns(tx, m1, {}))
    assert [(t["amount_money"]["amount"], t["fee_money"]["amount"], t["net_money"]["amount"]) for t in txns] == [
        (2000, 88, 1912)]


def _pay(s: SQLiteStorage, m: str, oid: str, token: str = "tok_visa", **extra: Any) -> dict[str, Any]:
    return s.write_sync(lambda tx: order_payments.pay_order(tx, m, oid, {"action": "pay", "payment_source": {"token": token}, **extra}))


def test_pay_source_rules_and_expected_outstanding(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    oid = s.write_sync(lambda tx: order_edits.create_order(tx, m1, TOTE))["order_id"]
    for body, code, param in (
        ({"action": "pay"}, "PAYMENT_SOURCE_REQUIRED", "payment_source"),
        ({"action": "pay", "payment_source": {}}, "PAYMENT_SOURCE_REQUIRED", "payment_source"),
        ({"action": "pay", "payment_source": {"token": "tok_visa", "payment_method_id": "pm_1"}},
         "PAYMENT_SOURCE_CONFLICT", "payment_source"),
        ({"action": "pay", "payment_source": {"payment_method_id": "pm_1"}}, "INVALID_PAYMENT_SOURCE",
         "payment_source.payment_method_id"),
        ({"action": "pay", "payment_source": {"confirmation_token": "ct_1"}}, "INVALID_PAYMENT_SOURCE",
         "payment_source.confirmation_token"),
        ({"action": "pay", "payment_source": {"token": "tok_nope"}}, "INVALID_PAYMENT_SOURCE", "payment_source.token"),
    ):
        e = err(lambda: s.write_sync(lambda tx: order_payments.pay_order(tx, m1, oid, body)))
        assert (e.status, e.code, e.param) == (400, code, param), body
    e = err(lambda: _pay(s, m1, oid, expected_outstanding_money={"amount": 2499, "currency": "USD"}))
    assert (e.status, e.code) == (409, "ORDER_CHANGED_REFRESH_REQUIRED")
    declined = _pay(s, m1, oid, "tok_insufficient_funds")
    a = declined["payment_attempt"]
    assert (a["status"], a["failure_code"], a["mode"], a["is_resumable"]) == ("failed", "insufficient_funds", "payment", False)
    assert a["payment_attempt_id"].startswith("opat_") and len(a["payment_attempt_id"]) == 5 + 26
    pi = s.read_sync(lambda tx: payment_intents.get_payment_intent(tx, m1, a["payment_intents"][0]["payment_intent_id"]))
    assert pi["status"] == "requires_payment_method"
    assert pi["last_payment_error"]["code"] == "insufficient_funds"
    assert pi["captured_money"]["amount"] == 0
    ok = _pay(s, m1, oid, expected_outstanding_money={"amount": 2500, "currency": "USD"})
    assert ok["payment_attempt"]["status"] == "succeeded"
    assert "failure_code" not in ok["payment_attempt"]
    # the declined intent was reused for the successful payment: one intent, one ledger row
    assert ok["order"]["payment_intent_ids"] == [pi["payment_intent_id"]]
    pi = s.read_sync(lambda tx: payment_intents.get_payment_intent(tx, m1, pi["payment_intent_id"], ["order"]))
    assert pi["last_payment_error"] is None and pi["captured_money"]["amount"] == 2500
    assert pi["processing_fee_money"]["amount"] == 103 and pi["merchant_net_money"]["amount"] == 2397
    assert pi["support_reference"] == "SR-" + pi["payment_intent_id"][-8:]
    assert pi["order"]["order_id"] == oid and pi["order"]["payment_status"] == "paid" and "line_items" not in pi["order"]
    e = err(lambda: _pay(s, m1, oid))
    assert (e.status, e.code) == (409, "ORDER_ALREADY_PAID")
    assert s.read_sync(lambda tx: ledger.available_balance(tx, m1, "USD")) == 2397


def test_three_d_secure_resume_and_cancel(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, m2 = db
    oid = s.write_sync(lambda tx: order_edits.create_order(tx, m1, TOTE))["order_id"]
    r = _pay(s, m1, oid, "tok_threeds_required")
    a = r["payment_attempt"]
    assert (a["status"], a["is_resumable"]) == ("requires_action", True)
    pid = a["payment_intents"][0]["payment_intent_id"]
    (action,) = a["pending_actions"]
    assert action["action_type"] == "payment_authentication"
    assert action["client_action"] == {"stripe": {"account_id": "acct_sandbox", "publishable_key": "pk_test_sandbox"}}
    assert action["subject"] == {"payment_intent": {"payment_intent_id": pid}}
    assert r["order"]["active_payment_attempt"]["payment_attempt_id"] == a["payment_attempt_id"]
    assert r["order"]["payment_status"] == "unpaid"
    pi = s.read_sync(lambda tx: payment_intents.get_payment_intent(tx, m1, pid))
    assert pi["status"] == "requires_action" and pi["current_payment_action"] == action
    assert s.read_sync(lambda tx: tx.sum("balance_transactions", m1, "amount")) == 0
    e = err(lambda: _pay(s, m1, oid))
    assert (e.status, e.code) == (409, "ORDER_PAYMENT_ATTEMPT_ACTIVE")
    # cancel: the intent goes back to requires_payment_method, the order has no active attempt
    c = s.write_sync(lambda tx: payment_attempts.cancel_attempt(tx, m1, oid, a["payment_attempt_id"], {}))
    assert c["payment_attempt"]["status"] == "canceled" and c["payment_attempt"]["pending_actions"] == []
    assert "active_payment_attempt" not in c["order"]
    assert s.read_sync(lambda tx: payment_intents.get_payment_intent(tx, m1, pid))["status"] == "requires_payment_method"
    e = err(lambda: s.write_sync(lambda tx: payment_attempts.cancel_attempt(tx, m1, oid, a["payment_attempt_id"], {})))
    assert (e.status, e.code) == (409, "PAYMENT_ATTEMPT_NOT_CANCELABLE")
    e = err(lambda: s.write_sync(lambda tx: order_payments.pay_order(
        tx, m1, oid, {"action": "resume", "order_payment_attempt_id": a["payment_attempt_id"]})))
    assert (e.status, e.code) == (409, "PAYMENT_ATTEMPT_NOT_RESUMABLE")
    # again, and resume: completes exactly like tok_visa
    a2 = _pay(s, m1, oid, "tok_threeds_required")["payment_attempt"]
    e = err(lambda: s.write_sync(lambda tx: order_payments.pay_order(tx, m1, oid, {"action": "resume", "order_payment_attempt_id": "opat_nope"})))
    assert (e.status, e.code, e.param) == (404, "RESOURCE_NOT_FOUND", "order_payment_attempt_id")
    e = err(lambda: s.read_sync(lambda tx: payment_attempts.get_attempt(tx, m2, oid, a2["payment_attempt_id"])))
    assert e.status == 404
    done = s.write_sync(lambda tx: order_payments.pay_order(
        tx, m1, oid, {"action": "resume", "order_payment_attempt_id": a2["payment_attempt_id"]}))
    assert done["payment_attempt"]["status"] == "succeeded" and done["payment_attempt"]["pending_actions"] == []
    assert done["order"]["payment_status"] == "paid" and "active_payment_attempt" not in done["order"]
    pi = s.read_sync(lambda tx: payment_intents.get_payment_intent(tx, m1, pid))
    assert (pi["status"], pi["captured_money"]["amount"], pi["current_payment_action"]) == ("succeeded", 2500, None)
    txns, _ = s.read_sync(lambda tx: ledger.list_txns(tx, m1, {}))
    assert [(t["amount_money"]["amount"], t["fee_money"]["amount"]) for t in txns] == [(2500, 103)]
    # attempts: newest first, paginated, another order's attempt is 404
    listed, token = s.read_sync(lambda tx: payment_attempts.list_attempts(tx, m1, oid, {"page_size": 2}))
    assert [x["payment_attempt_id"] for x in listed] == [a2["payment_attempt_id"], a["payment_attempt_id"]]
    assert token is None
    other = s.write_sync(lambda tx: order_edits.create_order(tx, m1, TOTE))["order_id"]
    e = err(lambda: s.read_sync(lambda tx: payment_attempts.get_attempt(tx, m1, other, a2["payment_attempt_id"])))
    assert (e.status, e.code) == (404, "RESOURCE_NOT_FOUND")
    assert s.read_sync(lambda tx: payment_attempts.get_attempt(tx, m1, oid, a2["payment_attempt_id"]))["status"] == "succeeded"


def test_three_d_secure_with_manual_capture(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    oid = s.write_sync(lambda tx: order_edits.create_order(tx, m1, TOTE))["order_id"]
    pid = s.write_sync(lambda tx: order_payments.create_order_payment_intent(tx, m1, oid, {"capture_method": "manual"}))[
        "payment_intent"]["payment_intent_id"]
    aid = _pay(s, m1, oid, "tok_threeds_required")["payment_attempt"]["payment_attempt_id"]
    r = s.write_sync(lambda tx: order_payments.pay_order(tx, m1, oid, {"action": "resume", "order_payment_attempt_id": aid}))
    assert r["payment_attempt"]["status"] == "requires_capture"
    assert r["order"]["payment_status"] == "unpaid"
    c = s.write_sync(lambda tx: order_payments.cancel(tx, m1, oid, pid, {"order_payment_attempt_id": aid}))
    assert c["payment_intent"]["status"] == "canceled" and c["payment_intent"]["released_money"]["amount"] == 2500
    assert c["payment_attempt"]["status"] == "canceled"
    assert c["order"]["authorization_amounts"]["capturable_money"]["amount"] == 0
    assert s.read_sync(lambda tx: tx.sum("balance_transactions", m1, "amount")) == 0


def test_split_legs_confirmed_in_one_attempt(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    oid = s.write_sync(lambda tx: order_edits.create_order(tx, m1, TOTE))["order_id"]

    def leg(amount: int) -> Any:
        return s.write_sync(lambda tx: order_payments.create_order_payment_intent(
            tx, m1, oid, {"amount_money": {"amount": amount, "currency": "USD"}}))

    for amount, code in ((0, "INVALID_AMOUNT"), (2501, "AMOUNT_EXCEEDS_BALANCE")):
        e = err(lambda: leg(amount))
        assert (e.status, e.code, e.param) == (400, code, "amount_money.amount")
    p1 = leg(1000)["payment_intent"]["payment_intent_id"]
    e = err(lambda: leg(1501))
    assert e.code == "AMOUNT_EXCEEDS_BALANCE"  # 1000 of 2500 is already taken by the first leg
    p2 = leg(1500)["payment_intent"]["payment_intent_id"]

    def confirm(sel: list[dict[str, Any]], **extra: Any) -> Any:
        return s.write_sync(lambda tx: order_payments.pay_order(
            tx, m1, oid, {"action": "confirm_payment_intents", "payment_intents": sel, **extra}))

    e = err(lambda: confirm([{"payment_intent_id": "pi_nope", "token": "tok_visa"}]))
    assert (e.status, e.param) == (404, "payment_intents[0].payment_intent_id")
    e = err(lambda: confirm([{"payment_intent_id": p1, "token": "tok_visa"}]))
    assert (e.status, e.code) == (400, "INVALID_AMOUNT")  # complete_order needs the whole balance
    declined = confirm([{"payment_intent_id": p1, "token": "tok_visa"}, {"payment_intent_id": p2, "token": "tok_card_declined"}])
    assert declined["payment_attempt"]["status"] == "failed"
    assert s.read_sync(lambda tx: tx.sum("balance_transactions", m1, "amount")) == 0  # all legs or none
    done = confirm([{"payment_intent_id": p1, "token": "tok_visa"}, {"payment_intent_id": p2, "token": "tok_visa"}])
    a = done["payment_attempt"]
    assert a["status"] == "succeeded"
    assert sorted(x["amount_money"]["amount"] for x in a["payment_intents"]) == [1000, 1500]
    assert done["order"]["payment_status"] == "paid"
    txns, _ = s.read_sync(lambda tx: ledger.list_txns(tx, m1, {}))
    assert sorted((t["amount_money"]["amount"], t["fee_money"]["amount"]) for t in txns) == [(1000, 59), (1500, 74)]


def test_setup_on_zero_total_order(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    oid = s.write_sync(lambda tx: order_edits.create_order(tx, m1, TOTE))["order_id"]
    body = {"action": "setup", "setup_payment_source": {"token": "tok_visa"}}
    e = err(lambda: s.write_sync(lambda tx: order_payments.pay_order(tx, m1, oid, body)))
    assert (e.status, e.code) == (400, "SETUP_SOURCE_NON_ZERO_ORDER")
    free = s.write_sync(lambda tx: order_edits.create_order(
        tx, m1, {"line_items": [{"name": "Free", "unit_price_money": {"amount": 0, "currency": "USD"}}]}))["order_id"]
    r = s.write_sync(lambda tx: order_payments.pay_order(tx, m1, free, body))
    a = r["payment_attempt"]
    assert (a["mode"], a["status"], a["payment_intents"], a["expected_outstanding_money"]["amount"]) == (
        "setup", "succeeded", [], 0)
    assert s.read_sync(lambda tx: tx.sum("balance_transactions", m1, "amount")) == 0


def test_standalone_payment_intents(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, m2 = db
    usd = lambda a: {"amount": a, "currency": "USD"}  # noqa: E731

    def create(**extra: Any) -> Any:
        return s.write_sync(lambda tx: standalone_payments.create_payment_intent(
            tx, m1, {"amount_money": usd(5000), "payment_options": ["card"], **extra}))["payment_intent"]

    e = err(lambda: s.write_sync(lambda tx: standalone_payments.create_payment_intent(
        tx, m1, {"amount_money": usd(0), "payment_options": ["card"]})))
    assert (e.status, e.code) == (400, "INVALID_AMOUNT")
    pi = create()
    pid = pi["payment_intent_id"]
    assert (pi["status"], pi["payment_flow"], pi["origin"], pi["payment_options"]) == (
        "requires_payment_method", "api", "api", ["card"])
    assert "order_id" not in pi and pi["risk"] is None and pi["last_payment_error"] is None
    upd = s.write_sync(lambda tx: standalone_payments.update_payment_intent(tx, m1, pid, {"amount_money": usd(6000), "metadata": {"k": "v"}}))
    assert upd["amount_money"]["amount"] == 6000 and upd["metadata"] == {"k": "v"}
    confirm = lambda p, b: s.write_sync(lambda tx: standalone_payments.confirm_payment_intent(tx, m1, p, b))  # noqa: E731
    e = err(lambda: confirm(pid, {}))
    assert (e.status, e.code) == (400, "PAYMENT_SOURCE_REQUIRED")
    d = confirm(pid, {"payment_source_token": "tok_card_declined"})
    assert d["status"] == "requires_payment_method" and d["last_payment_error"]["code"] == "card_declined"
    t = confirm(pid, {"payment_source_token": "tok_threeds_required"})
    assert t["status"] == "requires_action" and t["current_payment_action"]["action_type"] == "payment_authentication"
    e = err(lambda: s.write_sync(lambda tx: standalone_payments.update_payment_intent(tx, m1, pid, {"amount_money": usd(1)})))
    assert (e.status, e.code) == (409, "PAYMENT_INTENT_CANNOT_BE_UPDATED")
    ok = confirm(pid, {})
    assert ok["status"] == "succeeded" and ok["captured_money"]["amount"] == 6000 and ok["last_payment_error"] is None
    assert ok["processing_fee_money"]["amount"] == 204 and ok["merchant_net_money"]["amount"] == 5796
    e = err(lambda: s.write_sync(lambda tx: standalone_payments.cancel_payment_intent(tx, m1, pid, {})))
    assert (e.status, e.code) == (409, "PAYMENT_INTENT_NOT_CANCELABLE")
    e = err(lambda: confirm(pid, {"payment_source_token": "tok_visa"}))
    assert (e.status, e.code) == (409, "PAYMENT_ALREADY_SUCCEEDED")
    txns, _ = s.read_sync(lambda tx: ledger.list_txns(tx, m1, {}))
    assert [(t["type"], t["amount_money"]["amount"], t["fee_money"]["amount"], t["net_money"]["amount"], t["order_id"])
            for t in txns] == [("payment", 6000, 204, 5796, None)]
    # manual capture, partial; a tiny capture nets 0 on the intent but the ledger keeps the signed net
    man = create(capture_method="manual")
    auth = confirm(man["payment_intent_id"], {"payment_source_token": "tok_visa"})
    assert auth["status"] == "requires_capture" and auth["capturable_money"]["amount"] == 5000
    assert auth["authorization_expires_at"] > auth["authorized_at"]
    cap = lambda b: s.write_sync(lambda tx: standalone_payments.capture_payment_intent(tx, m1, man["payment_intent_id"], b))  # noqa: E731
    e = err(lambda: cap({"amount_money": usd(5001)}))
    assert e.code == "CAPTURE_AMOUNT_EXCEEDS_AUTHORIZED"
    done = cap({"amount_money": usd(20)})
    assert (done["captured_money"]["amount"], done["processing_fee_money"]["amount"], done["merchant_net_money"]["amount"],
            done["released_money"]["amount"]) == (20, 31, 0, 4980)
    e = err(lambda: cap({}))
    assert (e.status, e.code) == (409, "INVALID_STATUS_FOR_CAPTURE")
    assert s.read_sync(lambda tx: ledger.available_balance(tx, m1, "USD")) == 5796 - 11
    # cancel before confirm; another merchant cannot see it; list filters by status (an array)
    c = create()
    assert s.write_sync(lambda tx: standalone_payments.cancel_payment_intent(tx, m1, c["payment_intent_id"], {}))["status"] == "canceled"
    e = err(lambda: s.read_sync(lambda tx: payment_intents.get_payment_intent(tx, m2, pid)))
    assert e.status == 404
    got, _ = s.read_sync(lambda tx: payment_intents.list_payment_intents(tx, m1, {"status": ["succeeded", "canceled"]}))
    assert {p["payment_intent_id"] for p in got} == {pid, man["payment_intent_id"], c["payment_intent_id"]}
    assert s.read_sync(lambda tx: payment_intents.get_payment_intent(tx, m1, pid, ["order"]))["order"] is None


def test_pagination_walks_every_item_once(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, m2 = db
    ids = {s.write_sync(lambda tx: order_edits.create_order(tx, m1, TOTE))["order_id"] for _ in range(7)}
    s.write_sync(lambda tx: order_edits.create_order(tx, m2, TOTE))
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        docs, token = s.read_sync(lambda tx: orders.list_orders(tx, m1, {"page_size": 3, "page_token": token}))
        pages += 1
        seen += [d["order_id"] for d in docs]
        if token is None:
            break
    assert pages == 3 and len(seen) == 7 and set(seen) == ids
    docs, token = s.read_sync(lambda tx: orders.list_orders(tx, m1, {"page_size": 7}))
    assert len(docs) == 7 and token is None
    e = err(lambda: s.read_sync(lambda tx: orders.list_orders(tx, m1, {"page_token": "garbage!"})))
    assert e.code == "INVALID_PAGE_TOKEN"


def _refund_worker(url: str, order_id: str, merchant_id: str, n: int, out: Any) -> None:
    s = open_storage(url)
    ok = 0
    for _ in range(n):
        try:
            s.write_sync(lambda tx: refund_creation.create_refund(
                tx, merchant_id, {"order_id": order_id, "amount_money": {"amount": 700, "currency": "USD"}}, None))
            ok += 1
        except DomainError as e:
            assert e.code == "AMOUNT_EXCEEDS_REFUNDABLE"
    out.put(ok)


def test_refunds_from_two_processes_never_exceed_paid(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    o = s.write_sync(lambda tx: order_edits.create_order(tx, m1, {"line_items": [{"name": "x", "unit_price_money": {"amount": 5000, "currency": "USD"}}]}))
    s.write_sync(lambda tx: order_payments.pay_order(tx, m1, o["order_id"], {"action": "pay", "payment_source": {"token": "tok_visa"}}))
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_refund_worker, args=(_url(s), o["order_id"], m1, 10, q)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert q.get(timeout=5) + q.get(timeout=5) == 5000 // 700
    final = s.read_sync(lambda tx: orders.get_order(tx, m1, o["order_id"]))
    assert final["settlement_amounts"]["refunded_money"]["amount"] == 7 * 700
    assert s.read_sync(lambda tx: tx.sum("refunds", m1, "amount")) == 4900


def test_ledger_sums_are_exact_past_int64_partial_sums(db: tuple[SQLiteStorage, str, str]) -> None:
    # SQLite's SUM raises "integer overflow" when a partial sum leaves int64 even if the total fits.
    s, m1, _ = db
    half = 2**62

    def post_rows(tx: Tx) -> None:
        for i, amount in enumerate((half, half, -half, -half + 5)):
            ledger.post(tx, m1, type="adjustment", amount=amount, fee=0, currency="USD", related=("adjustment", f"adj_{i}"))

    s.write_sync(post_rows)
    assert s.read_sync(lambda tx: ledger.available_balance(tx, m1, "USD")) == 5
    bal = s.read_sync(lambda tx: ledger.balances(tx, m1, None))
    assert [b["available_money"]["amount"] for b in bal] == [5]
