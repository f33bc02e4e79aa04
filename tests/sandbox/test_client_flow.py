"""The generated client against the sandbox: a full flow through typed models (also exercises the client)."""

from __future__ import annotations

from typing import Iterator

import pytest
from sandbox_harness import KEY1, Sandbox


@pytest.fixture()
def client(sandbox: Sandbox) -> Iterator[object]:
    from flint_api.client import FlintClient

    with FlintClient(KEY1, base_url=sandbox.url) as c:
        yield c


def test_order_pay_refund_flow_with_the_generated_client(client: object) -> None:
    from flint_api import models
    from flint_api.client import FlintClient
    from flint_api.errors import BadRequestError

    assert isinstance(client, FlintClient)
    order = client.orders.create(models.CreateOrderRequest.from_dict(
        {"line_items": [{"name": "Canvas tote bag", "quantity": 2, "unit_price_money": {"amount": 1250, "currency": "USD"}}]}
    )).data
    assert order.pricing_amounts.total_money.amount == 2500
    paid = client.orders.pay(order.order_id, models.PayOrderPay.from_dict(
        {"action": "pay", "payment_source": {"token": "tok_visa"}})).data
    assert paid.order.settlement_amounts.amount_due_money.amount == 0
    assert paid.payment_attempt.status.value == "succeeded"
    refund = client.refunds.create(models.CreateRefundRequest.from_dict(
        {"order_id": order.order_id, "amount_money": {"amount": 500, "currency": "USD"}})).data
    assert refund.amount_money.amount == 500
    again = client.orders.get(order.order_id).data
    assert again.settlement_amounts.refunded_money.amount == 500
    with pytest.raises(BadRequestError) as e:
        client.refunds.create(models.CreateRefundRequest.from_dict(
            {"order_id": order.order_id, "amount_money": {"amount": 2001, "currency": "USD"}}))
    assert (e.value.code, e.value.param) == ("AMOUNT_EXCEEDS_REFUNDABLE", "amount_money.amount")
    ids = {o.order_id for o in client.orders.list_auto(page_size=2)}
    assert order.order_id in ids


def test_three_d_secure_and_standalone_intents_with_the_generated_client(client: object) -> None:
    from flint_api import models
    from flint_api.client import FlintClient
    from flint_api.errors import ConflictError

    assert isinstance(client, FlintClient)
    order = client.orders.create(models.CreateOrderRequest.from_dict(
        {"line_items": [{"name": "Lamp", "unit_price_money": {"amount": 4000, "currency": "USD"}}]})).data
    started = client.orders.pay(order.order_id, models.PayOrderPay.from_dict(
        {"action": "pay", "payment_source": {"token": "tok_threeds_required"}})).data
    attempt = started.payment_attempt
    assert attempt.status.value == "requires_action" and attempt.is_resumable
    assert attempt.pending_actions[0].action_type.value == "payment_authentication"
    assert started.order.active_payment_attempt.payment_attempt_id == attempt.payment_attempt_id
    with pytest.raises(ConflictError) as e:
        client.orders.pay(order.order_id, models.PayOrderPay.from_dict(
            {"action": "pay", "payment_source": {"token": "tok_visa"}}))
    assert e.value.code == "ORDER_PAYMENT_ATTEMPT_ACTIVE"
    done = client.orders.pay(order.order_id, models.PayOrderResume.from_dict(
        {"action": "resume", "order_payment_attempt_id": attempt.payment_attempt_id})).data
    assert done.payment_attempt.status.value == "succeeded"
    assert done.order.settlement_amounts.paid_money.amount == 4000
    attempts = list(client.orders.list_payment_attempts_auto(order.order_id, page_size=1))
    assert [a.payment_attempt_id for a in attempts] == [attempt.payment_attempt_id]

    created = client.payment_intents.create(models.CreatePaymentIntentRequest.from_dict(
        {"amount_money": {"amount": 1000, "currency": "USD"}, "payment_options": ["card"]})).data
    pi = client.payment_intents.confirm(created.payment_intent.payment_intent_id, models.ConfirmPaymentIntentRequest.from_dict(
        {"payment_source_token": "tok_visa"})).data
    assert pi.status.value == "succeeded" and pi.captured_money.amount == 1000
    assert pi.processing_fee_money.amount == 59 and pi.merchant_net_money.amount == 941
