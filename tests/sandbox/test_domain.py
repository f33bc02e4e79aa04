"""Business rules on a real SQLite file, below HTTP: orders, payments, refunds, ledger, payouts, tenancy."""

from __future__ import annotations

import multiprocessing
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from sandbox import accounts, ledger, orders, payments, payouts, refunds
from sandbox.errors import DomainError
from sandbox.store import SQLiteStorage, Tx

TOTE = {"line_items": [{"name": "Canvas tote bag", "quantity": 2, "unit_price_money": {"amount": 1250, "currency": "USD"}}]}


@pytest.fixture()
def db(tmp_path: Path) -> tuple[SQLiteStorage, str, str]:
    s = SQLiteStorage(str(tmp_path / "sandbox.db"))
    m1 = s.write_sync(lambda tx: accounts.add_key(tx, "m1", "flint_test_one"))
    m2 = s.write_sync(lambda tx: accounts.add_key(tx, "m2", "flint_test_two"))
    return s, m1, m2


def err(fn: Any) -> DomainError:
    with pytest.raises(DomainError) as e:
        fn()
    return e.value


def test_tote_bag_order(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    o = s.write_sync(lambda tx: orders.create_order(tx, m1, TOTE))
    assert o["line_items"][0]["base_subtotal_money"] == {"amount": 2500, "currency": "USD"}
    assert o["pricing_amounts"]["total_money"]["amount"] == 2500
    assert o["settlement_amounts"]["amount_due_money"]["amount"] == 2500
    assert o["status"] == "open" and o["payment_status"] == "unpaid"
    assert "_sandbox" not in o
    again = s.read_sync(lambda tx: orders.get_order(tx, m1, o["order_id"]))
    assert again == o


def test_refund_of_unpaid_order_is_no_payments(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    o = s.write_sync(lambda tx: orders.create_order(tx, m1, TOTE))
    e = err(lambda: s.write_sync(lambda tx: refunds.create_refund(
        tx, m1, {"order_id": o["order_id"], "amount_money": {"amount": 500, "currency": "USD"}}, None)))
    assert (e.status, e.code) == (400, "NO_PAYMENTS_FOR_ORDER")


def test_pay_refund_ledger_and_payout(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, m2 = db
    body = {"line_items": [{"name": "Box", "unit_price_money": {"amount": 5000, "currency": "USD"}}]}
    o = s.write_sync(lambda tx: orders.create_order(tx, m1, body))
    declined = s.write_sync(lambda tx: payments.pay_order(
        tx, m1, o["order_id"], {"action": "pay", "payment_source": {"token": "tok_card_declined"}}))
    assert declined["payment_attempt"]["failure_code"] == "card_declined"
    assert declined["order"]["payment_status"] == "unpaid"
    paid = s.write_sync(lambda tx: payments.pay_order(
        tx, m1, o["order_id"], {"action": "pay", "payment_source": {"token": "tok_visa"}}))
    assert paid["order"]["payment_status"] == "paid"
    assert paid["order"]["settlement_amounts"]["amount_due_money"]["amount"] == 0
    e = err(lambda: s.write_sync(lambda tx: orders.add_line_items(tx, m1, o["order_id"], body)))
    assert (e.status, e.code) == (409, "ORDER_HAS_PAYMENTS")

    txns, _ = s.read_sync(lambda tx: ledger.list_txns(tx, m1, {}))
    assert [(t["type"], t["amount_money"]["amount"], t["fee_money"]["amount"], t["net_money"]["amount"]) for t in txns] == [
        ("payment", 5000, 175, 4825)
    ]
    r = s.write_sync(lambda tx: refunds.create_refund(
        tx, m1, {"order_id": o["order_id"], "amount_money": {"amount": 1000, "currency": "USD"}}, None))
    assert r["status"] == "pending"
    after = s.read_sync(lambda tx: orders.get_order(tx, m1, o["order_id"]))
    assert after["settlement_amounts"]["refunded_money"]["amount"] == 1000
    assert after["refund_status"] == "partially_refunded"
    assert after["line_items"][0]["refunded_money"]["amount"] == 1000
    e = err(lambda: s.write_sync(lambda tx: refunds.create_refund(
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


def test_percent_discount_charge_and_tip(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    body = {
        "line_items": [{"name": "a", "unit_price_money": {"amount": 3000, "currency": "USD"}},
                       {"name": "b", "unit_price_money": {"amount": 1000, "currency": "USD"}}],
        "discounts": [{"name": "12.5% off", "percent": 12.5}],
        "requested_tip": {"percent": 15},
        "tax": {"location": {"postal_code": "94103"}},
    }
    o = s.write_sync(lambda tx: orders.create_order(tx, m1, body))
    assert o["applied_discounts"][0]["applied_money"]["amount"] == 500
    assert [li["discount_money"]["amount"] for li in o["line_items"]] == [375, 125]
    assert o["requested_tip"]["effective_amount_money"]["amount"] == 525  # 15% of 3500
    assert o["pricing_amounts"]["tax_money"]["amount"] == 223 + 74  # 8.5% of 2625 and 875
    o = s.write_sync(lambda tx: orders.add_charge(tx, m1, o["order_id"], {"charge": {
        "name": "Service", "type": "service_fee", "percent": 10, "calculation_basis": "subtotal_post_discount"}}))
    assert o["charges"][0]["applied_money"]["amount"] == 350
    pa = o["pricing_amounts"]
    assert pa["total_money"]["amount"] == 4000 - 500 + 350 + 297 + 525
    assert sum(li["total_money"]["amount"] for li in o["line_items"]) + 350 + 525 == pa["total_money"]["amount"]
    assert o["tax"] == {"enabled": True, "rate_bps": 850, "location": {"postal_code": "94103", "country": "US"}}


def test_manual_capture(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    o = s.write_sync(lambda tx: orders.create_order(tx, m1, TOTE))
    pi = s.write_sync(lambda tx: payments.create_order_payment_intent(tx, m1, o["order_id"], {"capture_method": "manual"}))
    pid = pi["payment_intent_id"]
    auth = s.write_sync(lambda tx: payments.pay_order(tx, m1, o["order_id"], {"action": "pay", "payment_source": {"token": "tok_visa"}}))
    assert auth["payment_attempt"]["status"] == "requires_capture"
    assert auth["order"]["payment_status"] == "unpaid"
    e = err(lambda: s.write_sync(lambda tx: payments.capture(tx, m1, o["order_id"], pid, {"amount_money": {"amount": 2501, "currency": "USD"}})))
    assert e.code == "CAPTURE_AMOUNT_EXCEEDS_AUTHORIZED"
    cap = s.write_sync(lambda tx: payments.capture(tx, m1, o["order_id"], pid, {"amount_money": {"amount": 2000, "currency": "USD"}}))
    assert cap["payment_intent"]["status"] == "succeeded"
    assert cap["order"]["payment_status"] == "partially_paid"
    assert cap["order"]["settlement_amounts"]["amount_due_money"]["amount"] == 500
    e = err(lambda: s.write_sync(lambda tx: payments.cancel(tx, m1, o["order_id"], pid, {})))
    assert e.code == "PAYMENT_INTENT_NOT_CANCELABLE"


def test_pagination_walks_every_item_once(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, m2 = db
    ids = {s.write_sync(lambda tx: orders.create_order(tx, m1, TOTE))["order_id"] for _ in range(7)}
    s.write_sync(lambda tx: orders.create_order(tx, m2, TOTE))
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


def _refund_worker(path: str, order_id: str, merchant_id: str, n: int, out: Any) -> None:
    s = SQLiteStorage(path)
    ok = 0
    for _ in range(n):
        try:
            s.write_sync(lambda tx: refunds.create_refund(
                tx, merchant_id, {"order_id": order_id, "amount_money": {"amount": 700, "currency": "USD"}}, None))
            ok += 1
        except DomainError as e:
            assert e.code == "AMOUNT_EXCEEDS_REFUNDABLE"
    out.put(ok)


def test_refunds_from_two_processes_never_exceed_paid(db: tuple[SQLiteStorage, str, str]) -> None:
    s, m1, _ = db
    o = s.write_sync(lambda tx: orders.create_order(tx, m1, {"line_items": [{"name": "x", "unit_price_money": {"amount": 5000, "currency": "USD"}}]}))
    s.write_sync(lambda tx: payments.pay_order(tx, m1, o["order_id"], {"action": "pay", "payment_source": {"token": "tok_visa"}}))
    ctx = multiprocessing.get_context("spawn")
    q = ctx.Queue()
    procs = [ctx.Process(target=_refund_worker, args=(s.path, o["order_id"], m1, 10, q)) for _ in range(2)]
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
