"""A user's project that vendors only the client part of the generated Flint package (no server.py, no
starlette) and uses it the way the README shows. tests/generator/test_client_example.py type-checks it with
mypy --strict without the server dependencies and runs it against a real sandbox (FLINT_API_KEY, FLINT_BASE_URL)."""

from __future__ import annotations

import logging

from flint_api import errors, models
from flint_api.client import FlintClient, money
from flint_api.params import CreateOrderLineItemParams


def main() -> None:
    logging.basicConfig(level=logging.INFO)  # the `flint_api` logger: requests, statuses, retries, request ids
    with FlintClient(timeout=10.0, deadline=30.0) as client:  # key and base URL from FLINT_API_KEY / FLINT_BASE_URL
        # 16.1: a TypedDict of the body's items, the body's fields as keywords; plain str where enums are expected
        tote: CreateOrderLineItemParams = {
            "name": "Canvas tote bag", "quantity": 2, "unit_price_money": {"amount": 1250, "currency": "USD"}}
        order = client.orders.create(line_items=[tote], idempotency_key="example-order-1").data
        assert order.pricing_amounts.total_money.amount == 2500
        again = client.orders.create(line_items=[tote], idempotency_key="example-order-1").data
        assert again.order_id == order.order_id  # the same key replays the same order

        # 20.8: exact money from a decimal string
        price = money("USD", "12.50")
        assert price.amount == 1250 and price.currency == "USD"

        # 16.3: a per-call raw response, and a client with other defaults sharing the connection pool
        raw = client.with_raw_response(client.orders.get)(order.order_id)
        assert raw.status_code == 200 and raw.request_id and raw.parsed.data.order_id == order.order_id
        assert raw.headers["Flint-Version"] == "2026-09-07"  # 20.7: the pinned version is sent and echoed
        patient = client.with_options(max_retries=5, deadline=60.0)
        open_orders = list(patient.orders.list_auto(status="open", page_size=1, max_items=2))
        assert 1 <= len(open_orders) <= 2

        # 16.2 / 20.2 / 20.4: one hierarchy; a refused value is never sent
        try:
            client.orders.create(line_items=[{"name": "x", "quantity": 0,
                                              "unit_price_money": {"amount": 1, "currency": "usd"}}])
        except errors.RequestValidationError as e:
            assert (e.kind, e.outcome, e.retry_allowed) == ("validation", "not_sent", False)
            print("refused before sending:", e.path)
        try:
            client.orders.get("ord_does_not_exist")
        except errors.NotFoundError as e:
            assert (e.kind, e.outcome, e.status_code) == ("not_found", "response", 404) and e.request_id
            print("not found:", e.code, e.request_id)
        except errors.APIError as e:
            raise AssertionError(f"unexpected {e.kind}") from e

        # 16.5: the key's mode comes from the spec's x-api-key-modes (flint_test_ / flint_live_)
        assert client.mode == "test"

        # 16.1: a variant's one-value discriminator tag defaults (PayOrderPay's action is "pay")
        attempt = client.orders.pay(
            order.order_id, models.PayOrderPay(payment_source=models.PaymentSourceCredential(token="tok_visa")))

        # 16.2: the lenient response mode returns what the server sent and lists what failed its schema (nothing here)
        lenient = client.with_raw_response(client.with_options(strict_responses=False).orders.get)(order.order_id)
        assert not lenient.validation_errors
        paid = lenient.parsed.data
        assert isinstance(paid.pricing_amounts.total_money, models.Money)
        print("order", order.order_id, "paid:", paid.payment_status, type(attempt).__name__)


if __name__ == "__main__":
    main()
