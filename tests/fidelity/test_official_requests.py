"""Fidelity tier, requests: every official request shape, built with the generated client as the official SDK would
send it, is accepted by the sandbox (and does what the contract says). These are the calls that the old contract made
the real API reject or our client refuse (pay actions, discounts, tax location, refund targets, plain ids...)."""

from __future__ import annotations

from typing import Any

from flint_api import models as m
from flint_api.client import FlintClient

USD = "USD"


def money(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": USD}


def tote_order(c: FlintClient, **extra: Any) -> m.Order:
    body = {"line_items": [{"name": "Canvas tote bag", "quantity": 2, "unit_price_money": money(1250)}], **extra}
    return c.orders.create(m.CreateOrderRequest.from_dict(body)).data


def test_create_order_with_the_official_discount_tax_and_tip_shapes(client: FlintClient) -> None:
    order = tote_order(client, discounts=[{"manual": {"name": "Loyalty", "amount_money": money(500)}}],
                       tax={"enabled": True, "location": {"address": {"postal_code": "94103", "country": "US"},
                                                          "address_type": "shipping"}},
                       requested_tip={"percent": 15, "description": "Thanks", "metadata": {"k": "v"}},
                       buyer_note="ring twice", external_reference_id="ext-1", metadata={"a": "b"})
    # 2500 - 500 = 2000; tax round_half_up(2000 * 8.5%) = 170; tip 15% of 2000 = 300
    assert order.pricing_amounts.total_money.amount == 2000 + 170 + 300
    assert order.tax.status == "calculated" and order.tax.mode == "automatic"
    assert order.buyer_actions == []
    assert order.line_items[0].version == 1
    discount = order.applied_discounts[0]
    assert not discount.order_discount_id.startswith("dsc_") and discount.customer_facing_name == "Loyalty"
    assert order.settlement_amounts.outstanding_money.amount == order.settlement_amounts.amount_due_money.amount == 2470
    assert order.tips[0].effective_amount_money.amount == 300


def test_order_edits_in_the_official_shapes(client: FlintClient) -> None:
    order = tote_order(client)
    oid = order.order_id
    order = client.orders.apply_discount(oid, m.DiscountInput.from_dict(
        {"manual": {"name": "Ten off", "amount_money": money(1000), "discount_class": "order"}})).data
    dsc = order.applied_discounts[0].order_discount_id
    order = client.orders.add_charge(oid, m.AddOrderChargeRequest.from_dict(
        {"charge": {"name": "Service", "type": "service_fee", "percent": 10.125}})).data
    chg = order.charges[0]
    # 10.125% of the 2500 pre-discount subtotal = 253.125 -> 253
    assert chg.applied_money.amount == 253
    order = client.orders.update_charge(oid, chg.order_charge_id, m.UpdateOrderChargeRequest.from_dict(
        {"amount_money": money(100), "name": "Service fee"})).data
    assert order.charges[0].applied_money.amount == 100 and order.charges[0].name == "Service fee"
    order = client.orders.remove_discounts(oid, m.RemoveOrderDiscountsRequest.from_dict({"order_discount_ids": [dsc]})).data
    assert order.applied_discounts == []
    revision = order.order_revision
    order = client.orders.update(oid, m.UpdateOrderRequest.from_dict(
        {"tax": {"location": {"address": {"postal_code": "10001"}}}, "requested_tip": None, "metadata": None,
         "order_revision": revision})).data
    assert order.tax.status == "calculated"
    li = order.line_items[0]
    order = client.orders.update_line_item(oid, li.order_line_item_id, m.UpdateOrderLineItemRequest.from_dict(
        {"quantity": 3, "metadata": None})).data
    assert order.line_items[0].version == li.version + 1
    order = client.orders.reprice_discounts(oid).data
    preview = client.orders.preview_discounts(oid, m.DiscountPreviewRequest.from_dict({})).data
    assert preview.applied == [] and preview.available == [] and preview.skipped == []
    activities = client.orders.list_activities(oid).data
    assert activities and activities[0].activity_type == "created"
    closed = client.orders.close(oid, m.CloseOrderRequest.from_dict({"reason_message": "customer left"})).data
    assert closed.status == "closed" and closed.closed_reason == "customer left"


def test_pay_with_each_official_action(client: FlintClient) -> None:
    order = tote_order(client)
    paid = client.orders.pay(order.order_id, m.parse_pay_order_request(
        {"action": "pay", "payment_source": {"token": "tok_visa"}, "buyer_email": "a@example.com",
         "expected_outstanding_money": money(2500)})).data
    assert paid.order.payment_status == "paid"
    assert paid.payment_attempt is not None and paid.payment_attempt.status == "succeeded"
    assert paid.payment_attempt.payment_attempt_id.startswith("opat_")
    # expand=payment_intents embeds the official summary (found by the contract kit: a full intent with
    # payment_source null broke the response schema)
    expanded = client.orders.get(order.order_id, expand=["payment_intents"]).data
    assert expanded.payment_intents is not None and expanded.payment_intents[0].status == "succeeded"

    # 3-D Secure: requires_action, then resume with the attempt id
    order = tote_order(client)
    started = client.orders.pay(order.order_id, m.parse_pay_order_request(
        {"action": "pay", "payment_source": {"token": "tok_threeds_required"}})).data
    attempt = started.payment_attempt
    assert attempt is not None and attempt.status == "requires_action" and attempt.is_resumable
    assert attempt.pending_actions and attempt.pending_actions[0].action_type == "payment_authentication"
    resumed = client.orders.pay(order.order_id, m.parse_pay_order_request(
        {"action": "resume", "order_payment_attempt_id": attempt.payment_attempt_id})).data
    assert resumed.order.payment_status == "paid"
    attempts = client.orders.list_payment_attempts(order.order_id).data
    assert any(a.payment_attempt_id == attempt.payment_attempt_id for a in attempts)
    got = client.orders.get_payment_attempt(order.order_id, attempt.payment_attempt_id).data
    assert got.status == "succeeded"

    # confirm_payment_intents: an order payment intent confirmed with its own token
    order = tote_order(client)
    leg = client.orders.create_payment_intent(order.order_id, m.CreateOrderPaymentIntentRequest.from_dict({})).data
    confirmed = client.orders.pay(order.order_id, m.parse_pay_order_request(
        {"action": "confirm_payment_intents",
         "payment_intents": [{"payment_intent_id": leg.payment_intent.payment_intent_id, "token": "tok_visa"}]})).data
    assert confirmed.order.payment_status == "paid"

    # setup: a zero-total order
    free = client.orders.create(m.CreateOrderRequest.from_dict(
        {"line_items": [{"name": "Sample", "unit_price_money": money(0)}]})).data
    setup = client.orders.pay(free.order_id, m.parse_pay_order_request(
        {"action": "setup", "setup_payment_source": {"token": "tok_visa"}})).data
    assert setup.payment_attempt is not None and setup.payment_attempt.mode == "setup"


def test_cancel_a_payment_attempt_awaiting_action(client: FlintClient) -> None:
    order = tote_order(client)
    started = client.orders.pay(order.order_id, m.parse_pay_order_request(
        {"action": "pay", "payment_source": {"token": "tok_threeds_required"}})).data
    assert started.payment_attempt is not None
    canceled = client.orders.cancel_payment_attempt(order.order_id, started.payment_attempt.payment_attempt_id,
                                                    m.CancelOrderPaymentAttemptRequest.from_dict(
                                                        {"cancellation_reason": "abandoned"})).data
    assert canceled.payment_attempt is not None and canceled.payment_attempt.status == "canceled"
    assert canceled.order.payment_status == "unpaid"


def test_manual_capture_with_the_attempt_id(client: FlintClient) -> None:
    order = tote_order(client)
    leg = client.orders.create_payment_intent(order.order_id, m.CreateOrderPaymentIntentRequest.from_dict(
        {"capture_method": "manual"})).data.payment_intent
    auth = client.orders.pay(order.order_id, m.parse_pay_order_request(
        {"action": "pay", "payment_source": {"token": "tok_visa"}})).data
    assert auth.payment_attempt is not None and auth.payment_attempt.status == "requires_capture"
    captured = client.orders.capture_payment(order.order_id, leg.payment_intent_id, m.CaptureOrderPaymentRequest.from_dict(
        {"amount_money": money(2500), "order_payment_attempt_id": auth.payment_attempt.payment_attempt_id})).data
    assert captured.payment_intent.status == "succeeded"
    assert captured.order.settlement_amounts.paid_money.amount == 2500


def test_standalone_payment_intent_lifecycle(client: FlintClient) -> None:
    created = client.payment_intents.create(m.CreatePaymentIntentRequest.from_dict(
        {"amount_money": money(5000), "payment_options": ["card"], "capture_method": "manual"})).data
    pi = created.payment_intent
    assert pi.status == "requires_payment_method" and pi.payment_flow == "api"
    pi = client.payment_intents.update(pi.payment_intent_id, m.UpdatePaymentIntentRequest.from_dict(
        {"metadata": {"cart": "42"}, "receipt_email": "a@example.com"})).data
    pi = client.payment_intents.confirm(pi.payment_intent_id, m.ConfirmPaymentIntentRequest.from_dict(
        {"payment_source_token": "tok_visa"})).data
    assert pi.status == "requires_capture"
    pi = client.payment_intents.capture(pi.payment_intent_id, m.CapturePaymentIntentRequest.from_dict(
        {"amount_money": money(4000)})).data
    assert pi.status == "succeeded" and pi.captured_money is not None and pi.captured_money.amount == 4000
    # fee 2.9% + 30c of 4000 = 116 + 30
    assert pi.processing_fee_money is not None and pi.processing_fee_money.amount == 146
    other = client.payment_intents.create(m.CreatePaymentIntentRequest.from_dict(
        {"amount_money": money(700), "payment_options": ["card"]})).data.payment_intent
    canceled = client.payment_intents.cancel(other.payment_intent_id, m.CancelPaymentIntentRequest.from_dict(
        {"cancellation_reason": "abandoned"})).data
    assert canceled.status == "canceled"
    # a standalone payment is refundable by its payment_intent_id alone
    refund = client.refunds.create(m.CreateRefundRequest.from_dict(
        {"payment_intent_id": pi.payment_intent_id, "amount_money": money(1000)})).data
    assert refund.amount_money.amount == 1000 and refund.refunded_tip_money.amount == 0


def test_refund_by_each_official_target(client: FlintClient) -> None:
    order = tote_order(client)
    paid = client.orders.pay(order.order_id, m.parse_pay_order_request(
        {"action": "pay", "payment_source": {"token": "tok_visa"}})).data
    pi_id = paid.order.payment_intent_ids[0]
    li = paid.order.line_items[0].order_line_item_id
    by_intent = client.refunds.create(m.CreateRefundRequest.from_dict(
        {"payment_intent_id": pi_id, "amount_money": money(300)})).data
    assert by_intent.payment_intent_id == pi_id
    by_tender = client.refunds.create(m.CreateRefundRequest.from_dict(
        {"tender_allocations": [{"tender_type": "payment_intent", "payment_intent_id": pi_id, "amount_money": money(200)}]})).data
    assert by_tender.amount_money.amount == 200
    by_line = client.refunds.create(m.CreateRefundRequest.from_dict(
        {"order_id": order.order_id, "line_items": [{"order_line_item_id": li, "amount_money": money(100)}],
         "refund_method": "original_payment", "reason": "requested_by_customer"})).data
    assert by_line.line_item_allocations[0].refunded_money.amount == 100
    updated = client.refunds.update(by_line.refund_id, m.UpdateRefundRequest.from_dict({"metadata": None})).data
    assert updated.refund_id == by_line.refund_id
    again = client.orders.get(order.order_id).data
    assert again.settlement_amounts.refunded_money.amount == 600


def test_money_movement_requests_in_the_official_shapes(client: FlintClient) -> None:
    order = tote_order(client)
    client.orders.pay(order.order_id, m.parse_pay_order_request({"action": "pay", "payment_source": {"token": "tok_visa"}}))
    settings = client.payout_settings.update(m.UpdatePayoutSettingsRequest.from_dict(
        {"weekly_payout_days": ["friday"], "minimum_balance_by_currency": {"USD": None}})).data
    assert settings.merchant_id
    payout = client.payouts.create(m.CreatePayoutRequest.from_dict(
        {"amount_money": money(1000), "external_reference_id": "po-ref-1"})).data
    assert payout.initiated_by == "manual" and payout.held_money.amount == 0
    canceled = client.payouts.cancel(payout.payout_id, m.EmptyRequest.from_dict({})).data
    assert canceled.status == "canceled"
    dest = client.payout_destinations.list().data[0]
    dest = client.payout_destinations.update(dest.payout_destination_id, m.UpdatePayoutDestinationRequest.from_dict(
        {"metadata": None})).data
    balances = client.balances.list().data
    assert balances[0].merchant_id and balances[0].held_money.amount == 0


def test_official_request_headers_are_accepted_and_echoed(client: FlintClient) -> None:
    response = client.orders.list(x_request_id="req-fidelity-1", flint_version="2026-09-07")
    assert response.request_id == "req-fidelity-1"
    assert client.last_response is not None
    assert client.last_response.headers["X-Request-Id"] == "req-fidelity-1"
    assert client.last_response.headers["Flint-Version"] == "2026-09-07"
