"""Unit tests of the per-response rules against the spec's own response examples: every example
honours the rules, and realistic one-line corruptions of them are caught by the intended check."""

from __future__ import annotations

import copy
import json
from typing import Any, Iterator

import pytest

from flint_contract.invariants import Exchange, check_response, order_arithmetic
from flint_contract.spec import Operation, Spec, load_spec

SPEC = load_spec()


def _examples(spec: Spec) -> Iterator[tuple[Operation, int, str, Any]]:
    for op in spec.operations.values():
        for status, response in (op.raw.get("responses") or {}).items():
            if not str(status).isdigit():
                continue
            resp, base, _ = spec.deref(response, op.base)
            media = ((resp or {}).get("content") or {}).get("application/json") or {}
            if "example" in media:
                yield op, int(status), "example", media["example"]
            for name, ex in (media.get("examples") or {}).items():
                ex, _, _ = spec.deref(ex, base)
                if isinstance(ex, dict) and "value" in ex:
                    yield op, int(status), name, ex["value"]


EXAMPLES = list(_examples(SPEC))


def _exchange(op: Operation, status: int, body: Any, request_body: Any = None) -> Exchange:
    rid = None
    if isinstance(body, dict):
        rid = body.get("request_id") or (body.get("error") or {}).get("request_id")
    headers = {"content-type": "application/json"}
    if rid:
        headers["X-Request-Id"] = rid  # the contract's spelling; header names are case-insensitive
    return Exchange(
        method=op.method,
        url="http://test" + op.path,
        status=status,
        headers=headers,
        text=json.dumps(body),
        operation=op,
        request_body=request_body,
    )


def test_spec_has_response_examples() -> None:
    assert len(EXAMPLES) > 48
    assert {op.operation_id for op, status, _, _ in EXAMPLES if status < 300} == set(SPEC.operations)


@pytest.mark.parametrize("op,status,name,body", EXAMPLES, ids=[f"{o.operation_id}-{s}-{n}" for o, s, n, _ in EXAMPLES])
def test_spec_examples_honour_the_rules(op: Operation, status: int, name: str, body: Any) -> None:
    findings = [f for f in check_response(SPEC, _exchange(op, status, body)) if f.check != "error_param_names_field"]
    assert findings == []


def _success(op_id: str) -> Any:
    for op, status, _, body in EXAMPLES:
        if op.operation_id == op_id and 200 <= status < 300:
            return op, status, copy.deepcopy(body)
    raise AssertionError(op_id)


def _checks(op: Operation, status: int, body: Any, text: str | None = None) -> set[str]:
    ex = _exchange(op, status, body)
    if text is not None:
        ex.text = text
    return {f.check for f in check_response(SPEC, ex)}


def test_float_amount_literal_is_caught() -> None:
    op, status, body = _success("getOrder")
    text = json.dumps(body).replace('"amount": 2500,', '"amount": 2500.0,', 1)
    assert "2500.0" in text
    assert "money_amount_is_integer" in _checks(op, status, body, text)


def test_string_amount_and_lowercase_currency_are_caught() -> None:
    op, status, body = _success("getOrder")
    body["data"]["pricing_amounts"]["total_money"]["amount"] = "2500"
    body["data"]["pricing_amounts"]["subtotal_money"]["currency"] = "usd"
    found = _checks(op, status, body)
    assert {"money_amount_is_integer", "money_currency_usd"} <= found


def test_negative_amount_only_allowed_in_signed_fields() -> None:
    op, status, body = _success("getOrder")
    body["data"]["pricing_amounts"]["discount_money"]["amount"] = -1
    assert "money_non_negative" in _checks(op, status, body)
    # balance_money is x-signed: a credit (negative balance) is legitimate.
    op, status, body = _success("getOrder")
    sa = body["data"]["settlement_amounts"]
    total = body["data"]["pricing_amounts"]["total_money"]["amount"]
    sa["paid_money"]["amount"] = total + 100
    sa["balance_money"]["amount"] = -100
    sa["amount_due_money"]["amount"] = 0
    sa["outstanding_money"]["amount"] = 0
    sa["credit_money"]["amount"] = 100
    sa["net_collected_money"]["amount"] = total + 100 - sa["refunded_money"]["amount"]
    found = _checks(op, status, body)
    assert "money_non_negative" not in found and "order_arithmetic" not in found, found


def test_total_off_by_one_is_caught() -> None:
    op, status, body = _success("createOrder")
    body["data"]["pricing_amounts"]["total_money"]["amount"] += 1
    assert "order_arithmetic" in _checks(op, status, body)


def test_negative_amount_due_is_caught() -> None:
    op, status, body = _success("getOrder")
    sa = body["data"]["settlement_amounts"]
    sa["balance_money"]["amount"] = -50
    sa["amount_due_money"]["amount"] = -50
    sa["outstanding_money"]["amount"] = -50
    found = _checks(op, status, body)
    assert {"order_arithmetic", "money_non_negative"} <= found


def test_order_arithmetic_on_seed_example() -> None:
    op, status, body = _success("createOrder")
    assert order_arithmetic(body["data"]) == []
    body["data"]["line_items"][0]["base_subtotal_money"]["amount"] += 10
    assert any("base_subtotal_money" in p for p in order_arithmetic(body["data"]))


def test_missing_request_id_and_mismatch() -> None:
    op, status, body = _success("getOrder")
    ex = _exchange(op, status, body)
    ex.headers = {"content-type": "application/json"}
    assert "envelope_request_id" in {f.check for f in check_response(SPEC, ex)}
    ex = _exchange(op, status, body)
    ex.headers = {"content-type": "application/json", "x-request-id": "other"}
    assert "envelope_request_id" in {f.check for f in check_response(SPEC, ex)}
    del body["meta"]
    assert "envelope_shape" in _checks(op, status, body)
    del body["request_id"]  # the planted missing_request_id fault: reported by the request-id check by name
    assert "envelope_request_id" in _checks(op, status, body)


def _error(code: str, **extra: Any) -> dict[str, Any]:
    return {
        "error": {
            "type": "validation_error",
            "code": code,
            "message": "m",
            "doc_url": "https://docs.withflintpay.com/errors/" + code.lower(),
            "error_source": "integration",
            "request_id": "r1",
            **extra,
        }
    }


def test_error_rules() -> None:
    op = SPEC.operations["createRefund"]
    err = _error("ORDER_CLOSED")
    assert "error_code_documented" in _checks(op, 400, err)
    err["error"]["code"] = "AMOUNT_EXCEEDS_REFUNDABLE"
    # param is omitted (not null) when no field applies
    assert _checks(op, 400, err) == set()
    err["error"]["param"] = None
    assert "error_envelope" in _checks(op, 400, err)
    del err["error"]["param"]
    for required in ("doc_url", "error_source", "type"):
        broken = copy.deepcopy(err)
        del broken["error"][required]
        assert "error_envelope" in _checks(op, 400, broken), required
    # the type is fixed by the status
    wrong_type = copy.deepcopy(err)
    wrong_type["error"]["type"] = "invalid_request_error"
    assert "error_envelope" in _checks(op, 400, wrong_type)
    not_found = _error("RESOURCE_NOT_FOUND", type="not_found_error")
    assert _checks(op, 404, not_found) == set()
    # details, when present, is a list of objects with a code
    err["error"]["details"] = [{"code": "AMOUNT_EXCEEDS_REFUNDABLE", "message": "m"}]
    assert _checks(op, 400, err) == set()
    err["error"]["details"] = "AMOUNT_EXCEEDS_REFUNDABLE"
    assert "error_envelope" in _checks(op, 400, err)
    del err["error"]["details"]
    # param must name a field of the request
    err["error"]["param"] = "amount_money.amount"
    ex = _exchange(op, 400, err, request_body={"order_id": "ord_x", "amount_money": {"amount": 1, "currency": "USD"}})
    assert check_response(SPEC, ex) == []
    ex = _exchange(op, 400, err, request_body={"order_id": "ord_x"})
    assert "error_param_names_field" in {f.check for f in check_response(SPEC, ex)}


def test_old_error_codes_are_not_documented() -> None:
    """The renamed codes (INVALID_FIELD -> INVALID_REQUEST, ...) are no longer in the contract."""
    op = SPEC.operations["createOrder"]
    assert "error_code_documented" in _checks(op, 400, _error("INVALID_FIELD"))
    assert "error_code_documented" in _checks(op, 400, _error("NEGATIVE_AMOUNT"))
    assert _checks(op, 400, _error("INVALID_REQUEST")) == set()
    assert _checks(op, 400, _error("INVALID_AMOUNT")) == set()


def test_outstanding_money_must_equal_amount_due() -> None:
    op, status, body = _success("createOrder")
    sa = body["data"]["settlement_amounts"]
    assert sa["outstanding_money"] == sa["amount_due_money"]
    assert _checks(op, status, body) == set()
    sa["outstanding_money"]["amount"] += 1
    assert "order_arithmetic" in _checks(op, status, body)


def test_tip_amounts_must_add_up() -> None:
    op, status, body = _success("createOrder")
    body["data"]["tips"] = [
        {
            "effective_amount_money": {"amount": body["data"]["pricing_amounts"]["requested_tip_money"]["amount"] + 1,
                                       "currency": "USD"},
            "settled_amount_money": {"amount": 0, "currency": "USD"},
        }
    ]
    assert any("tips[].effective_amount_money" in p for p in order_arithmetic(body["data"]))


def test_balance_transaction_net() -> None:
    op, status, body = _success("listBalanceTransactions")
    assert _checks(op, status, body) == set()
    body["data"][0]["net_money"]["amount"] += 1
    assert "balance_transaction_net" in _checks(op, status, body)
