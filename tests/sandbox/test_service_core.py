"""The handlers' shared helpers: what a list handler's arguments become as the query, and an optional body."""

from __future__ import annotations

from datetime import datetime, timezone

from flint_api import UNSET, models
from flint_sandbox.service_core import query_of, sent


def test_query_of_keeps_the_sent_query_parameters_under_their_wire_names() -> None:
    when = datetime(2026, 1, 2, tzinfo=timezone.utc)
    handler_args = {
        "self": object(), "ctx": object(), "x_request_id": "req_1", "flint_version": "2026-01-01",
        "page_size": 5, "page_token": UNSET, "type_": models.ListBalanceTransactionsType("payment"),
        "status": [models.ListRefundsStatusItem("pending")], "created_after": when, "order_id": "ord_1",
    }
    assert query_of(handler_args) == {
        "page_size": 5, "type": "payment", "status": ["pending"], "created_after": when, "order_id": "ord_1",
    }


def test_sent_reads_an_optional_body_not_sent_as_an_empty_model() -> None:
    empty = sent(UNSET, models.CaptureOrderPaymentRequest)
    assert isinstance(empty, models.CaptureOrderPaymentRequest) and empty.to_dict() == {}
    given = models.CaptureOrderPaymentRequest.from_dict({"order_payment_attempt_id": "opat_1"})
    assert sent(given, models.CaptureOrderPaymentRequest) is given
