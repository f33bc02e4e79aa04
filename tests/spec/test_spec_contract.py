"""The Flint contract (spec/flint.yaml): validity, our lint rules, DESIGN.md agreement, seed vectors, arithmetic."""

from __future__ import annotations

import copy
import re
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import openapi_spec_validator
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lint  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SPEC_PATH = ROOT / "spec" / "flint.yaml"
DESIGN_PATH = ROOT / "docs" / "DESIGN.md"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    with SPEC_PATH.open() as fh:
        loaded = yaml.safe_load(fh)
    assert isinstance(loaded, dict)
    return loaded


def ops_by_id(doc: dict[str, Any]) -> dict[str, tuple[str, str, dict[str, Any]]]:
    return {op["operationId"]: (path, method, op) for path, method, op, _ in lint.iter_operations(doc)}


# ---------------------------------------------------------------------------------------------------------------
# Validity
# ---------------------------------------------------------------------------------------------------------------
def test_spec_is_valid_openapi_31(doc: dict[str, Any]) -> None:
    assert doc["openapi"] == "3.1.0"
    openapi_spec_validator.validate(doc)


@pytest.mark.parametrize("rule", lint.ALL_RULES, ids=lambda r: r.__name__)
def test_lint_rule_holds_on_the_spec(doc: dict[str, Any], rule: Callable[[dict[str, Any]], list[str]]) -> None:
    assert rule(doc) == []


def test_schemathesis_loads_all_operations_and_links() -> None:
    schemathesis = pytest.importorskip("schemathesis")
    schema = schemathesis.openapi.from_path(str(SPEC_PATH))
    operations = list(schema.get_all_operations())
    assert len(operations) == 48
    assert all(not isinstance(o, Exception) and o.ok() for o in operations)
    # Building the state machine resolves every declared link; an invalid one raises InvalidStateMachine.
    machine = schema.as_state_machine()
    names = " ".join(dir(machine))
    for link in ("PayOrder", "RefundOrder", "GetRefund", "ListRefundBalanceTransactions", "CancelPayout",
                 "ConfirmPaymentIntent", "GetOrderPaymentAttempt", "UpdateOrderCharge", "RepriceOrderDiscounts"):
        assert link in names


# ---------------------------------------------------------------------------------------------------------------
# The operation table (48 operations; DESIGN.md's table predates the official-shapes rewrite)
# ---------------------------------------------------------------------------------------------------------------
OPERATIONS = """
listOrders GET /v1/orders orders 200
createOrder POST /v1/orders orders 201
getOrder GET /v1/orders/{order_id} orders 200
updateOrder PATCH /v1/orders/{order_id} orders 200
listOrderActivities GET /v1/orders/{order_id}/activities orders 200
addOrderCharge POST /v1/orders/{order_id}/charges orders 200
updateOrderCharge PATCH /v1/orders/{order_id}/charges/{order_charge_id} orders 200
deleteOrderCharge DELETE /v1/orders/{order_id}/charges/{order_charge_id} orders 200
closeOrder POST /v1/orders/{order_id}/close orders 200
applyOrderDiscount POST /v1/orders/{order_id}/discounts orders 200
previewOrderDiscounts POST /v1/orders/{order_id}/discounts/preview orders 200
removeOrderDiscounts POST /v1/orders/{order_id}/discounts/remove orders 200
repriceOrderDiscounts POST /v1/orders/{order_id}/discounts/reprice orders 200
addOrderLineItems POST /v1/orders/{order_id}/line-items orders 200
updateOrderLineItem PATCH /v1/orders/{order_id}/line-items/{order_line_item_id} orders 200
deleteOrderLineItem DELETE /v1/orders/{order_id}/line-items/{order_line_item_id} orders 200
payOrder POST /v1/orders/{order_id}/pay orders 200
listOrderPaymentAttempts GET /v1/orders/{order_id}/payment-attempts orders 200
getOrderPaymentAttempt GET /v1/orders/{order_id}/payment-attempts/{payment_attempt_id} orders 200
cancelOrderPaymentAttempt POST /v1/orders/{order_id}/payment-attempts/{payment_attempt_id}/cancel orders 200
createOrderPaymentIntent POST /v1/orders/{order_id}/payment-intents orders 201
cancelOrderPayment POST /v1/orders/{order_id}/payment-intents/{payment_intent_id}/cancel orders 200
captureOrderPayment POST /v1/orders/{order_id}/payment-intents/{payment_intent_id}/capture orders 200
listPaymentIntents GET /v1/payment-intents payment_intents 200
createPaymentIntent POST /v1/payment-intents payment_intents 201
getPaymentIntent GET /v1/payment-intents/{payment_intent_id} payment_intents 200
updatePaymentIntent PATCH /v1/payment-intents/{payment_intent_id} payment_intents 200
cancelPaymentIntent POST /v1/payment-intents/{payment_intent_id}/cancel payment_intents 200
capturePaymentIntent POST /v1/payment-intents/{payment_intent_id}/capture payment_intents 200
confirmPaymentIntent POST /v1/payment-intents/{payment_intent_id}/confirm payment_intents 200
listRefunds GET /v1/refunds refunds 200
createRefund POST /v1/refunds refunds 201
getRefund GET /v1/refunds/{refund_id} refunds 200
updateRefund PATCH /v1/refunds/{refund_id} refunds 200
listBalanceTransactions GET /v1/balance-transactions balance_transactions 200
getBalanceTransaction GET /v1/balance-transactions/{balance_transaction_id} balance_transactions 200
listBalances GET /v1/balances balances 200
getPayoutSettings GET /v1/payout-settings payout_settings 200
updatePayoutSettings PATCH /v1/payout-settings payout_settings 200
listPayoutDestinations GET /v1/payout-settings/destinations payout_destinations 200
getPayoutDestination GET /v1/payout-settings/destinations/{payout_destination_id} payout_destinations 200
updatePayoutDestination PATCH /v1/payout-settings/destinations/{payout_destination_id} payout_destinations 200
deletePayoutDestination DELETE /v1/payout-settings/destinations/{payout_destination_id} payout_destinations 200
listPayouts GET /v1/payouts payouts 200
createPayout POST /v1/payouts payouts 201
getPayout GET /v1/payouts/{payout_id} payouts 200
cancelPayout POST /v1/payouts/{payout_id}/cancel payouts 200
listPayoutEntries GET /v1/payouts/{payout_id}/entries payouts 200
"""
RENAMED_OPERATIONS = {
    "applyOrderDiscounts": "applyOrderDiscount",
    "captureOrderPaymentIntent": "captureOrderPayment",
    "cancelOrderPaymentIntent": "cancelOrderPayment",
}


def design_operations() -> list[tuple[str, str, str, str, str]]:
    rows = []
    for line in OPERATIONS.strip().splitlines():
        operation_id, method, path, tag, success = line.split()
        rows.append((operation_id, method.lower(), path, tag, success))
    return rows


def test_operations_match_design_table(doc: dict[str, Any]) -> None:
    expected = design_operations()
    assert len(expected) == 48
    ops = ops_by_id(doc)
    assert set(ops) == {row[0] for row in expected}
    assert not set(ops) & set(RENAMED_OPERATIONS)
    for operation_id, method, path, tag, success in expected:
        got_path, got_method, op = ops[operation_id]
        assert (got_path, got_method) == (path, method), operation_id
        assert op["tags"] == [tag], operation_id
        successes = [s for s in op["responses"] if str(s).startswith("2")]
        assert successes == [success], operation_id


def test_security_uses_both_schemes_with_scopes(doc: dict[str, Any]) -> None:
    """Each requirement is one scheme with one scope, Bearer and X-API-Key in pairs. A write needs the resource's
    write scope; a read accepts the read scope or the write scope (read-or-write alternatives)."""
    schemes = doc["components"]["securitySchemes"]
    assert schemes["BearerAuth"] == {**schemes["BearerAuth"], "type": "http", "scheme": "bearer"}
    assert schemes["ApiKeyHeader"]["in"] == "header" and schemes["ApiKeyHeader"]["name"] == "X-API-Key"
    for operation_id, (_, method, op) in ops_by_id(doc).items():
        security = op["security"]
        assert all(len(s) == 1 for s in security), operation_id
        pairs = [security[i : i + 2] for i in range(0, len(security), 2)]
        for bearer, api_key in pairs:
            assert list(bearer) == ["BearerAuth"] and list(api_key) == ["ApiKeyHeader"], operation_id
            assert len(bearer["BearerAuth"]) == 1 and bearer["BearerAuth"] == api_key["ApiKeyHeader"], operation_id
        scopes = [pair[0]["BearerAuth"][0] for pair in pairs]
        resources = {scope.rsplit(".", 1)[0] for scope in scopes}
        assert len(resources) == 1, (operation_id, scopes)
        resource = resources.pop()
        if method == "get" or operation_id in lint.NON_IDEMPOTENT_WRITES:
            assert sorted(scopes) == [resource + ".read", resource + ".write"], (operation_id, scopes)
        else:
            assert scopes == [resource + ".write"], (operation_id, scopes)


def test_root_extensions(doc: dict[str, Any]) -> None:
    assert doc["x-client-name"] == "FlintClient"
    assert doc["x-package-name"] == "flint_api"
    assert doc["x-idempotency"] == {
        "header": "Idempotency-Key",
        "replayed_pointer": "/meta/idempotency_replayed",
        "replayed_header": "Idempotency-Replayed",
        "echo_key_header": True,
    }
    assert doc["x-pagination"] == {
        "cursor_param": "page_token",
        "size_param": "page_size",
        "next_cursor": "next_page_token",
        "items": "data",
    }
    assert doc["x-request-id"] == {"header": "X-Request-Id", "pointer": "/request_id", "echo_caller": True}
    rv = doc["x-request-validation"]
    assert rv["error_type"] == "validation_error" and rv["max_body_bytes"] == 1048576 and rv["max_depth"] == 32
    assert rv["codes"]["type"] == "INVALID_JSON" and rv["codes"]["parameter"] == "INVALID_QUERY_PARAMETER"
    assert rv["codes"]["value"] == "INVALID_REQUEST"


ERROR_TYPES = {
    400: "validation_error",
    401: "authentication_error",
    403: "authorization_error",
    404: "not_found_error",
    405: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    409: "conflict_error",
    429: "rate_limit_error",
    503: "unavailable_error",
    504: "timeout_error",
}
RENAMED_CODES = {
    "INVALID_FIELD": "INVALID_REQUEST",
    "INVALID_PARAMETER": "INVALID_QUERY_PARAMETER",
    "NEGATIVE_AMOUNT": "INVALID_AMOUNT",
    "NOTHING_TO_PAY": "ORDER_ALREADY_PAID",
    "ORDER_HAS_PAYMENTS": "ORDER_FINANCIAL_MUTATION_NOT_ALLOWED",
    "PAYMENT_INTENT_NOT_CAPTURABLE": "INVALID_STATUS_FOR_CAPTURE",
    "API_KEY_REQUIRED": "AUTH_REQUIRED",
    "API_KEY_NOT_FOUND": "INVALID_API_KEY",
}


def test_error_catalog_matches_design(doc: dict[str, Any]) -> None:
    """The type of every code is fixed by its status (else internal_error); renamed codes are gone, their
    replacements and the new codes (INVALID_PAGE_SIZE, INVALID_EXPAND) are there."""
    catalog = doc["x-error-catalog"]
    for code, entry in catalog.items():
        assert entry["type"] == ERROR_TYPES.get(entry["status"], "internal_error"), code
        assert entry["description"], code
    for old, new in RENAMED_CODES.items():
        assert old not in catalog and new in catalog, (old, new)
    assert catalog["INVALID_PAGE_SIZE"]["status"] == 400 and catalog["INVALID_EXPAND"]["status"] == 400
    assert catalog["UNSUPPORTED_CURRENCY"]["status"] == 400 and catalog["RATE_LIMIT_EXCEEDED"]["status"] == 429


def test_error_envelope_schema(doc: dict[str, Any]) -> None:
    error = doc["components"]["schemas"]["Error"]["properties"]["error"]
    assert error["required"] == ["type", "code", "message", "doc_url", "error_source"]
    assert {"param", "request_id", "details"} <= set(error["properties"])
    assert error["properties"]["param"]["type"] == "string"  # omitted, never null


def test_every_catalog_code_is_returned_somewhere(doc: dict[str, Any]) -> None:
    returned = {
        c
        for _, _, op, _ in lint.iter_operations(doc)
        for r in op["responses"].values()
        for c in r.get("x-error-codes-returned", [])
    }
    # 500 is declared nowhere and 405 comes from routing (no operation): INTERNAL_ERROR, METHOD_NOT_ALLOWED.
    assert returned == set(doc["x-error-catalog"]) - {"INTERNAL_ERROR", "METHOD_NOT_ALLOWED"}


# ---------------------------------------------------------------------------------------------------------------
# Schema strictness and money
# ---------------------------------------------------------------------------------------------------------------
def request_object_schemas(doc: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every object schema reachable from a request body (refs followed once per name)."""
    seen: set[str] = set()
    pending: list[tuple[str, Any]] = []
    for _, _, op, _ in lint.iter_operations(doc):
        if "requestBody" in op:
            pending.append((op["operationId"], op["requestBody"]["content"]["application/json"]["schema"]))
    while pending:
        where, node = pending.pop()
        if isinstance(node, dict):
            if "$ref" in node:
                if node["$ref"] not in seen:
                    seen.add(node["$ref"])
                    pending.append((node["$ref"], lint.resolve(doc, {"$ref": node["$ref"]})))
            if node.get("type") == "object" and "properties" in node:
                yield where, node
            for key, value in node.items():
                if key != "$ref":
                    pending.append((where, value))
        elif isinstance(node, list):
            pending.extend((where, v) for v in node)


def test_request_objects_reject_unknown_fields(doc: dict[str, Any]) -> None:
    schemas = list(request_object_schemas(doc))
    assert len(schemas) > 20
    for where, schema in schemas:
        assert schema.get("additionalProperties") is False, where


def schema_validator(doc: dict[str, Any], name: str) -> jsonschema.protocols.Validator:
    return lint._validator(doc, {"$ref": f"#/components/schemas/{name}"})


def first_error_code(doc: dict[str, Any], name: str, instance: Any) -> list[str]:
    """The codes the x-error-code(s) annotations give for each failure (innermost schema first)."""
    codes = []
    for error in schema_validator(doc, name).iter_errors(instance):
        for sub in [error] + list(error.context or []):
            schema = sub.schema if isinstance(sub.schema, dict) else {}
            code = (schema.get("x-error-codes") or {}).get(sub.validator) or schema.get("x-error-code")
            if code:
                codes.append(code)
    return codes


@pytest.mark.parametrize(
    ("schema", "instance", "code"),
    [
        ("MoneyInput", {"amount": 1, "currency": "usd"}, "INVALID_CURRENCY"),
        ("MoneyInput", {"amount": 1, "currency": "US"}, "INVALID_CURRENCY"),
        ("MoneyInput", {"amount": -1, "currency": "USD"}, "INVALID_AMOUNT"),
        ("MoneyInput", {"amount": 2**63, "currency": "USD"}, "AMOUNT_TOO_LARGE"),
        ("TipMoneyInput", {"amount": 0, "currency": "USD"}, "INVALID_TIP_AMOUNT"),
        ("UnitPriceMoneyInput", {"amount": -1250, "currency": "USD"}, "LINE_ITEM_NEGATIVE_PRICE"),
    ],
)
def test_request_money_failures_carry_their_codes(doc: dict[str, Any], schema: str, instance: Any, code: str) -> None:
    assert code in first_error_code(doc, schema, instance)


@pytest.mark.parametrize(
    ("schema", "instance", "server_code"),
    [
        ("MoneyInput", {"amount": 1, "currency": "XYZ"}, "INVALID_CURRENCY"),
        ("MoneyInput", {"amount": 1, "currency": "EUR"}, "UNSUPPORTED_CURRENCY"),
        ("MoneyInput", {"amount": 0, "currency": "USD"}, "INVALID_AMOUNT"),
        ("PaymentSourceCredential", {"token": "tok_mastercard"}, "INVALID_PAYMENT_SOURCE"),
    ],
)
def test_server_rules_are_schema_valid(doc: dict[str, Any], schema: str, instance: Any, server_code: str) -> None:
    """Non-ISO and non-USD currencies, a zero amount of money that moves, unknown tokens: server rules (the
    contract kit's relaxations), not schema failures."""
    assert schema_validator(doc, schema).is_valid(instance), server_code
    assert server_code in doc["x-error-catalog"]


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ("TipInput", {"percent": 15, "amount_money": {"amount": 600, "currency": "USD"}}),
        ("TipInput", {}),
        ("DiscountInput", {"name": "x"}),
        (
            "ChargeInput",
            {"name": "x", "type": "service_fee", "percent": 10, "amount_money": {"amount": 1, "currency": "USD"}},
        ),
        ("CreateOrderRequest", {"line_items": []}),
        (
            "CreateOrderRequest",
            {"line_items": [{"name": "x", "unit_price_money": {"amount": 1, "currency": "USD"}}] * 101},
        ),
        ("CreateOrderLineItem", {"name": "x", "quantity": 0, "unit_price_money": {"amount": 1, "currency": "USD"}}),
        (
            "CreateOrderLineItem",
            {"name": "x", "quantity": 1000001, "unit_price_money": {"amount": 1, "currency": "USD"}},
        ),
        ("CreateOrderLineItem", {"name": "x", "unit_price_money": {"amount": 12.5, "currency": "USD"}}),
        ("CreateOrderLineItem", {"name": "x", "unit_price_money": {"amount": "1250", "currency": "USD"}}),
        ("TipInput", {"percent": 0.15}),
        ("TipInput", {"percent": 100.001}),
        ("TipInput", {"percent": 12.34567}),
        ("TipInput", {"amount_money": {"amount": 0, "currency": "USD"}}),
        ("DiscountInput", {"manual": {"name": "x", "amount_money": {"amount": 1, "currency": "USD"}},
                           "promotion": {"promotion_code": "SAVE"}}),
        ("DiscountInput", {"discounts": [{"name": "x", "amount_money": {"amount": 1, "currency": "USD"}}]}),
        ("CloseOrderRequest", {"reason": "x"}),
        ("Metadata", {f"k{i}": "v" for i in range(51)}),
        ("Metadata", {"k" * 41: "v"}),
        ("Metadata", {"k": "v" * 501}),
        ("CreateRefundRequest", {}),
        ("CreateRefundRequest", {"amount_money": {"amount": 1, "currency": "USD"}}),
        ("PayOrderRequest", {"action": "refund"}),
    ],
)
def test_request_schemas_reject(doc: dict[str, Any], schema: str, instance: Any) -> None:
    assert not schema_validator(doc, schema).is_valid(instance)


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ("TipInput", {"percent": 15}),
        ("TipInput", {"percent": 12.5}),
        ("TipInput", {"percent": 40.12}),
        ("ChargeInput", {"name": "Service", "type": "service_fee", "percent": 12.57}),
        ("TipInput", {"amount_money": {"amount": 600, "currency": "USD"}}),
        (
            "ChargeInput",
            {"name": "Delivery", "type": "delivery_fee", "amount_money": {"amount": 500, "currency": "USD"}},
        ),
        (
            "CreateOrderLineItem",
            {"name": "Canvas tote bag", "quantity": 2, "unit_price_money": {"amount": 1250, "currency": "USD"}},
        ),
        ("UpdateOrderRequest", {"requested_tip": None}),
        ("CreateRefundRequest", {"order_id": "ord_01JD5ZQ8W3N4R5T6V7X8Y9Z0AB"}),
        ("CreateRefundRequest", {"order_id": "not-a-prefixed-id"}),  # no id patterns: a bad id is a 404
        ("TipInput", {"percent": 12.3456}),
        ("DiscountInput", {"manual": {"name": "Loyalty", "amount_money": {"amount": 1000, "currency": "USD"}}}),
        ("DiscountInput", {"promotion": {"promotion_code": "SAVE10"}}),
        ("PayOrderRequest", {"action": "pay", "payment_source": {"token": "tok_visa"}}),
        ("CloseOrderRequest", {"reason_message": "customer left"}),
        ("CloseOrderRequest", {}),
    ],
)
def test_request_schemas_accept(doc: dict[str, Any], schema: str, instance: Any) -> None:
    assert schema_validator(doc, schema).is_valid(instance)


def test_signed_money_fields_are_exactly_the_documented_ones(doc: dict[str, Any]) -> None:
    signed = sorted(
        pointer.split("/schemas/")[1].replace("/properties/", ".")
        for pointer, _, schema in lint._iter_properties(doc, doc["components"]["schemas"], "#/components/schemas")
        if isinstance(schema, dict) and schema.get("x-signed")
    )
    assert signed == [
        "Balance.available_money",
        "Balance.pending_money",
        "BalanceTransaction.amount_money",
        "BalanceTransaction.fee_money",
        "BalanceTransaction.net_money",
        "OrderActivity.balance_delta_money",
        "OrderActivity.running_balance_money",
        "OrderLineItem.total_money",
        "Payout.net_money",
        "PayoutEntry.amount_money",
        "SettlementAmounts.balance_money",
    ]


def _schemas_reachable(doc: dict[str, Any], roots: list[Any]) -> set[str]:
    """Component schema names reachable from the given nodes (refs followed)."""
    names: set[str] = set()
    pending = list(roots)
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name not in names:
                    names.add(name)
                    pending.append(doc["components"]["schemas"][name])
            pending.extend(v for k, v in node.items() if k not in ("examples", "example"))
        elif isinstance(node, list):
            pending.extend(node)
    return names


def test_every_enum_in_requests_is_closed_and_in_responses_open(doc: dict[str, Any]) -> None:
    """A schema used only by requests has closed enums; one used by responses has open enums (a schema used by
    both sides has none)."""
    request_roots: list[Any] = []
    response_roots: list[Any] = []
    for _, _, op, item in lint.iter_operations(doc):
        if "requestBody" in op:
            request_roots.append(op["requestBody"])
        request_roots.extend(lint.operation_parameters(doc, op, item))
        response_roots.extend(op["responses"].values())
    request_side = _schemas_reachable(doc, request_roots)
    response_side = _schemas_reachable(doc, response_roots)
    assert request_side and response_side
    for pointer, _, schema in lint._iter_properties(doc, doc["components"]["schemas"], "#/components/schemas"):
        if isinstance(schema, dict) and ("enum" in schema or "enum" in (schema.get("items") or {})):
            target = schema if "enum" in schema else schema["items"]
            name = pointer.split("/")[3]
            assert not (name in request_side and name in response_side), f"{pointer}: enum on both sides"
            expected = "closed" if name in request_side else "open"
            assert target["x-flint-enum"] == expected, pointer


def test_pagination_parameters(doc: dict[str, Any]) -> None:
    size = doc["components"]["parameters"]["PageSize"]
    assert size["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 100,
        "default": 20,
        "x-error-code": "INVALID_PAGE_SIZE",
    }
    assert "not clamped" in size["description"] or "never clamped" in size["description"]
    balances = ops_by_id(doc)["listBalances"][2]
    assert (
        "next_page_token" not in lint.resolve(doc, {"$ref": "#/components/schemas/BalanceListResponse"})["properties"]
    )
    assert all("Page" not in p.get("$ref", "") for p in balances.get("parameters", []))


def test_idempotency_key_parameter(doc: dict[str, Any]) -> None:
    p = doc["components"]["parameters"]["IdempotencyKey"]
    assert (p["name"], p["in"], p["required"]) == ("Idempotency-Key", "header", False)
    # The official schema sets no length; over 255 characters is the sandbox's 400 IDEMPOTENCY_KEY_TOO_LONG.
    assert p["schema"] == {"type": "string"}
    assert "IDEMPOTENCY_KEY_TOO_LONG" in p["description"]
    for name in ("XRequestIdHeader", "FlintVersionHeader"):
        header = doc["components"]["parameters"][name]
        assert header["in"] == "header" and header["required"] is False
        for operation_id, (path, method, op) in ops_by_id(doc).items():
            refs = [x.get("$ref") for x in op.get("parameters", [])]
            assert f"#/components/parameters/{name}" in refs, (operation_id, name)
    for operation_id, (path, method, op) in ops_by_id(doc).items():
        for status, resp in op["responses"].items():
            names = {h.lower() for h in resp.get("headers", {})}
            assert "x-request-id" in names, (operation_id, status)
            if status.startswith("2"):
                assert {"flint-version", "flint-mode"} <= names, (operation_id, status)
            if status == "429":
                assert "retry-after" in names, operation_id
            if status.startswith("2") and method != "get" and operation_id not in lint.NON_IDEMPOTENT_WRITES:
                assert {"idempotency-key", "idempotency-replayed"} <= names, (operation_id, status)


# ---------------------------------------------------------------------------------------------------------------
# Seed vectors appear as examples
# ---------------------------------------------------------------------------------------------------------------
def examples_of(doc: dict[str, Any], operation_id: str) -> Iterator[tuple[str, Any]]:
    _, _, op = ops_by_id(doc)[operation_id]
    if "requestBody" in op:
        for name, ex in op["requestBody"]["content"]["application/json"]["examples"].items():
            yield f"request {name}", lint.resolve(doc, ex)["value"]
    for status, resp in op["responses"].items():
        for name, ex in resp["content"]["application/json"].get("examples", {}).items():
            yield f"{status} {name}", lint.resolve(doc, ex)["value"]


def test_seed_tote_bags_total_2500(doc: dict[str, Any]) -> None:
    found = dict(examples_of(doc, "createOrder"))
    assert found["request tote_bags"] == {
        "line_items": [
            {"name": "Canvas tote bag", "quantity": 2, "unit_price_money": {"amount": 1250, "currency": "USD"}}
        ]
    }
    order = found["201 tote_bags"]["data"]
    assert order["line_items"][0]["base_subtotal_money"] == {"amount": 2500, "currency": "USD"}
    assert order["pricing_amounts"]["total_money"] == {"amount": 2500, "currency": "USD"}
    assert order["pricing_amounts"]["tax_money"]["amount"] == 0
    assert order["settlement_amounts"]["amount_due_money"]["amount"] == 2500
    assert order["settlement_amounts"]["outstanding_money"]["amount"] == 2500
    assert "currency" not in order and order["buyer_actions"] is not None


def test_seed_tip_15_percent_of_4000_is_600(doc: dict[str, Any]) -> None:
    order = dict(examples_of(doc, "createOrder"))["201 discount_and_tip"]["data"]
    pricing = order["pricing_amounts"]
    assert pricing["subtotal_money"]["amount"] - pricing["discount_money"]["amount"] == 4000
    assert order["requested_tip"]["percent"] == 15
    assert order["tips"][0]["effective_amount_money"] == {"amount": 600, "currency": "USD"}
    assert pricing["requested_tip_money"] == {"amount": 600, "currency": "USD"}


def test_seed_unsupported_currency_example(doc: dict[str, Any]) -> None:
    err = dict(examples_of(doc, "createOrder"))["400 unsupported_currency"]["error"]
    assert err["code"] == "UNSUPPORTED_CURRENCY" and err["type"] == "validation_error"
    assert err["doc_url"] and err["error_source"]
    assert err["param"] == "line_items[0].unit_price_money.currency"
    assert "EUR" in err["message"]


def test_seed_refund_unpaid_order_example(doc: dict[str, Any]) -> None:
    found = dict(examples_of(doc, "createRefund"))
    assert found["400 no_payments"]["error"]["code"] == "NO_PAYMENTS_FOR_ORDER"
    request = found["request partial"]
    assert (
        request["amount_money"] == {"amount": 500, "currency": "USD"} and request["reason"] == "requested_by_customer"
    )


def test_tax_and_fee_worked_examples(doc: dict[str, Any]) -> None:
    taxed = dict(examples_of(doc, "createOrder"))["201 tote_bags_taxed"]["data"]
    assert taxed["pricing_amounts"]["tax_money"]["amount"] == 213
    assert taxed["pricing_amounts"]["total_money"]["amount"] == 2713
    txn = dict(examples_of(doc, "getBalanceTransaction"))["200 payment"]["data"]
    assert (txn["amount_money"]["amount"], txn["fee_money"]["amount"], txn["net_money"]["amount"]) == (5000, 175, 4825)
    assert "5000 -> 175" in doc["info"]["description"] and "tax 213" in doc["info"]["description"]


# ---------------------------------------------------------------------------------------------------------------
# Every example obeys the arithmetic the spec writes down
# ---------------------------------------------------------------------------------------------------------------
def round_half_up(base: int, bps: int) -> int:
    return (base * bps * 2 + 10000) // 20000


def walk_objects(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from walk_objects(v)
    elif isinstance(node, list):
        for v in node:
            yield from walk_objects(v)


def all_example_values(doc: dict[str, Any]) -> list[Any]:
    return [value for _, _, value in lint.iter_examples(doc)]


def a(money: dict[str, Any]) -> int:
    value = money["amount"]
    assert isinstance(value, int)
    return value


def check_order(o: dict[str, Any]) -> None:
    p, st = o["pricing_amounts"], o["settlement_amounts"]
    line_sum = 0
    for li in o["line_items"]:
        assert a(li["base_subtotal_money"]) == li["quantity"] * a(li["unit_price_money"])
        assert a(li["subtotal_money"]) == a(li["base_subtotal_money"]) + a(li["modifier_total_money"])
        # Sandbox tax rule: 8.5% per line with a tax location, else 0.
        rate = 850 if (o["tax"].get("location") or o["tax"]["status"] == "calculated") else 0
        assert a(li["tax_money"]) == round_half_up(a(li["subtotal_money"]) - a(li["discount_money"]), rate)
        assert a(li["total_money"]) == a(li["subtotal_money"]) - a(li["discount_money"]) + a(li["tax_money"])
        line_sum += a(li["total_money"])
    assert a(p["subtotal_money"]) == sum(a(li["subtotal_money"]) for li in o["line_items"])
    assert a(p["discount_money"]) == sum(
        a(d["applied_money"]) for d in o["applied_discounts"] if d["status"] != "canceled"
    )
    assert a(p["discount_money"]) == sum(a(li["discount_money"]) for li in o["line_items"])
    assert a(p["charge_money"]) == sum(a(c["applied_money"]) for c in o["charges"])
    assert a(p["tax_money"]) == sum(a(li["tax_money"]) for li in o["line_items"])
    tips = o.get("tips") or []
    tip = sum(a(t["effective_amount_money"]) for t in tips)
    assert a(p["requested_tip_money"]) == tip
    total = a(p["total_money"])
    assert total == a(p["subtotal_money"]) - a(p["discount_money"]) + a(p["charge_money"]) + a(p["tax_money"]) + tip
    assert total == line_sum + a(p["charge_money"]) + tip
    paid, refunded = a(st["paid_money"]), a(st["refunded_money"])
    balance = total - paid
    assert a(st["balance_money"]) == balance
    assert a(st["amount_due_money"]) == max(balance, 0)
    assert a(st["outstanding_money"]) == a(st["amount_due_money"])
    assert a(st["credit_money"]) == max(-balance, 0)
    assert a(st["net_collected_money"]) == paid - refunded
    assert a(st["settled_tip_money"]) == min(tip, max(0, paid - (total - tip)))
    assert a(st["settled_tip_money"]) == sum(a(t["settled_amount_money"]) for t in tips)
    expected_payment = "unpaid" if paid == 0 else ("paid" if paid >= total else "partially_paid")
    assert o["payment_status"] == expected_payment
    expected_refund = "none" if refunded == 0 else ("refunded" if refunded == paid else "partially_refunded")
    assert o["refund_status"] == expected_refund
    if "requested_tip" in o and "percent" in o["requested_tip"]:
        bps = int(round(o["requested_tip"]["percent"] * 100))
        assert tip == round_half_up(a(p["subtotal_money"]) - a(p["discount_money"]), bps)


def test_order_examples_obey_the_arithmetic(doc: dict[str, Any]) -> None:
    orders = [
        o for v in all_example_values(doc) for o in walk_objects(v) if "pricing_amounts" in o and "line_items" in o
    ]
    assert len(orders) >= 20
    for o in orders:
        check_order(o)


def test_money_movement_examples_obey_the_arithmetic(doc: dict[str, Any]) -> None:
    txns = [
        o
        for v in all_example_values(doc)
        for o in walk_objects(v)
        if "balance_transaction_id" in o and "net_money" in o
    ]
    assert txns
    for t in txns:
        assert a(t["net_money"]) == a(t["amount_money"]) - a(t["fee_money"])
        if t["type"] == "payment":
            assert a(t["fee_money"]) == round_half_up(a(t["amount_money"]), 290) + 30
        elif t["type"] in ("refund", "payout"):
            assert a(t["amount_money"]) < 0 and a(t["fee_money"]) == 0
    intents = [o for v in all_example_values(doc) for o in walk_objects(v) if "processing_fee_money" in o]
    assert intents
    for pi in intents:
        captured = a(pi["captured_money"])
        fee = round_half_up(captured, 290) + 30 if captured else 0
        assert a(pi["processing_fee_money"]) == fee
        assert a(pi["merchant_net_money"]) == captured - fee
    payouts = [o for v in all_example_values(doc) for o in walk_objects(v) if "payout_id" in o and "net_money" in o]
    for po in payouts:
        if po["net_money"] is None or po["fee_money"] is None:
            continue  # fee not determined yet
        assert a(po["net_money"]) == a(po["amount_money"]) - a(po["fee_money"])


# ---------------------------------------------------------------------------------------------------------------
# Negative tests: each lint rule reports a planted problem in a small document
# ---------------------------------------------------------------------------------------------------------------
def mini_doc() -> dict[str, Any]:
    """A small valid document that passes every rule."""
    money = {"$ref": "#/components/schemas/Money"}

    def error_response(status: str, codes: list[str]) -> dict[str, Any]:
        return {
            "description": "error",
            "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"},
                    "examples": {"e": {"value": {"error": {"code": codes[0]}}}},
                }
            },
            "x-error-codes-returned": codes,
        }

    def ok_response(schema: dict[str, Any], value: Any) -> dict[str, Any]:
        return {
            "description": "ok",
            "headers": {"X-Request-Id": {"$ref": "#/components/headers/XRequestId"}},
            "content": {"application/json": {"schema": schema, "examples": {"ok": {"value": value}}}},
        }

    errors = {
        "400": error_response("400", ["INVALID_REQUEST"]),
        "401": error_response("401", ["AUTH_REQUIRED"]),
        "403": error_response("403", ["INSUFFICIENT_SCOPE"]),
        "404": error_response("404", ["RESOURCE_NOT_FOUND"]),
        "409": error_response("409", ["IDEMPOTENCY_KEY_REUSED"]),
        "413": error_response("413", ["PAYLOAD_TOO_LARGE"]),
        "415": error_response("415", ["UNSUPPORTED_MEDIA_TYPE"]),
        "429": error_response("429", ["RATE_LIMIT_EXCEEDED"]),
        "503": error_response("503", ["SERVICE_UNAVAILABLE"]),
        "504": error_response("504", ["REQUEST_TIMEOUT"]),
        "500": error_response("500", ["INTERNAL_ERROR"]),  # planted by _mutate_declares_500 only
    }
    thing = {"thing_id": "th_1", "price_money": {"amount": 5, "currency": "USD"}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "mini", "version": "1"},
        "tags": [{"name": "things", "description": "Things."}],
        "x-error-catalog": {
            "INVALID_REQUEST": {"status": 400},
            "AUTH_REQUIRED": {"status": 401},
            "INSUFFICIENT_SCOPE": {"status": 403},
            "RESOURCE_NOT_FOUND": {"status": 404},
            "IDEMPOTENCY_KEY_REUSED": {"status": 409},
            "PAYLOAD_TOO_LARGE": {"status": 413},
            "UNSUPPORTED_MEDIA_TYPE": {"status": 415},
            "RATE_LIMIT_EXCEEDED": {"status": 429},
            "SERVICE_UNAVAILABLE": {"status": 503},
            "REQUEST_TIMEOUT": {"status": 504},
            "INTERNAL_ERROR": {"status": 500},
        },
        "paths": {
            "/things": {
                "get": {
                    "operationId": "listThings",
                    "summary": "List",
                    "tags": ["things"],
                    "parameters": [
                        {"$ref": "#/components/parameters/PageSize"},
                        {"$ref": "#/components/parameters/PageToken"},
                    ],
                    "responses": {
                        "200": ok_response({"$ref": "#/components/schemas/ThingList"}, {"data": [thing]}),
                        **{k: errors[k] for k in ("400", "401", "403", "429")},
                    },
                },
                "post": {
                    "operationId": "createThing",
                    "summary": "Create",
                    "tags": ["things"],
                    "parameters": [{"$ref": "#/components/parameters/IdempotencyKey"}],
                    "requestBody": {
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ThingInput"},
                                "examples": {"ok": {"value": {"price_money": {"amount": 5, "currency": "USD"}}}},
                            }
                        }
                    },
                    "responses": {
                        "201": {
                            **ok_response({"$ref": "#/components/schemas/Thing"}, thing),
                            "links": {
                                "Get": {
                                    "operationId": "getThing",
                                    "parameters": {"thing_id": "$response.body#/thing_id"},
                                }
                            },
                        },
                        **{k: errors[k] for k in ("400", "401", "403", "409", "413", "415", "429", "503", "504")},
                    },
                },
            },
            "/things/{thing_id}": {
                "get": {
                    "operationId": "getThing",
                    "summary": "Get",
                    "tags": ["things"],
                    "parameters": [{"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": ok_response({"$ref": "#/components/schemas/Thing"}, thing),
                        **{k: errors[k] for k in ("400", "401", "403", "404", "429")},
                    },
                },
            },
        },
        "components": {
            "headers": {"XRequestId": {"required": True, "schema": {"type": "string"}}},
            "parameters": {
                "PageSize": {
                    "name": "page_size",
                    "in": "query",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100},
                },
                "PageToken": {"name": "page_token", "in": "query", "schema": {"type": "string"}},
                "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}},
            },
            "schemas": {
                "Money": {
                    "type": "object",
                    "required": ["amount", "currency"],
                    "properties": {
                        "amount": {"type": "integer", "minimum": 0},
                        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                    },
                },
                "SignedMoney": {"type": "object", "properties": {"amount": {"type": "integer"}}},
                "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object"}}},
                "Thing": {
                    "type": "object",
                    "required": ["thing_id"],
                    "properties": {
                        "thing_id": {"type": "string"},
                        "price_money": money,
                        "created_at": {"type": "string", "format": "date-time"},
                        "kind": {"type": "string", "enum": ["a", "b"], "x-flint-enum": "open"},
                    },
                },
                "ThingList": {
                    "type": "object",
                    "properties": {"data": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}},
                },
                "ThingInput": {"type": "object", "additionalProperties": False, "properties": {"price_money": money}},
            },
        },
    }


def test_mini_doc_is_clean() -> None:
    assert lint.lint(mini_doc()) == []


def _op(d: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    op = d["paths"][path][method]
    assert isinstance(op, dict)
    return op


def _mutate_missing_operation_id(d: dict[str, Any]) -> None:
    del _op(d, "/things", "get")["operationId"]


def _mutate_missing_summary(d: dict[str, Any]) -> None:
    del _op(d, "/things", "get")["summary"]


def _mutate_missing_tag(d: dict[str, Any]) -> None:
    _op(d, "/things", "get")["tags"] = []


def _mutate_undeclared_tag(d: dict[str, Any]) -> None:
    _op(d, "/things", "get")["tags"] = ["widgets"]


def _mutate_missing_request_example(d: dict[str, Any]) -> None:
    del _op(d, "/things", "post")["requestBody"]["content"]["application/json"]["examples"]


def _mutate_missing_response_example(d: dict[str, Any]) -> None:
    del _op(d, "/things/{thing_id}", "get")["responses"]["200"]["content"]["application/json"]["examples"]


def _mutate_inline_money(d: dict[str, Any]) -> None:
    d["components"]["schemas"]["Thing"]["properties"]["price_money"] = {"type": "object"}


def _mutate_float_money(d: dict[str, Any]) -> None:
    d["components"]["schemas"]["ThingInput"]["properties"]["tip_money"] = {"type": "number"}


def _mutate_signed_without_marker(d: dict[str, Any]) -> None:
    d["components"]["schemas"]["Thing"]["properties"]["net_money"] = {"$ref": "#/components/schemas/SignedMoney"}


def _mutate_no_idempotency(d: dict[str, Any]) -> None:
    _op(d, "/things", "post")["parameters"] = []


def _mutate_no_pagination(d: dict[str, Any]) -> None:
    _op(d, "/things", "get")["parameters"] = [{"$ref": "#/components/parameters/PageSize"}]


def _mutate_no_401(d: dict[str, Any]) -> None:
    del _op(d, "/things/{thing_id}", "get")["responses"]["401"]


def _mutate_no_404_with_path_param(d: dict[str, Any]) -> None:
    del _op(d, "/things/{thing_id}", "get")["responses"]["404"]


def _mutate_no_400_with_body(d: dict[str, Any]) -> None:
    del _op(d, "/things", "post")["responses"]["400"]


def _mutate_no_415_with_body(d: dict[str, Any]) -> None:
    del _op(d, "/things", "post")["responses"]["415"]


def _mutate_no_error_codes(d: dict[str, Any]) -> None:
    del _op(d, "/things", "post")["responses"]["409"]["x-error-codes-returned"]


def _mutate_unknown_error_code(d: dict[str, Any]) -> None:
    _op(d, "/things", "post")["responses"]["400"]["x-error-codes-returned"] = ["MADE_UP"]


def _mutate_code_wrong_status(d: dict[str, Any]) -> None:
    _op(d, "/things", "post")["responses"]["400"]["x-error-codes-returned"] = ["RESOURCE_NOT_FOUND"]


def _mutate_bad_response_example(d: dict[str, Any]) -> None:
    examples = _op(d, "/things/{thing_id}", "get")["responses"]["200"]["content"]["application/json"]["examples"]
    examples["ok"]["value"] = {"thing_id": "th_1", "price_money": {"amount": 2500.0, "currency": "USD"}}


def _mutate_bad_request_example(d: dict[str, Any]) -> None:
    examples = _op(d, "/things", "post")["requestBody"]["content"]["application/json"]["examples"]
    examples["ok"]["value"] = {"price_money": {"amount": 5, "currency": "USD"}, "surprise": True}


def _mutate_bad_format_example(d: dict[str, Any]) -> None:
    examples = _op(d, "/things/{thing_id}", "get")["responses"]["200"]["content"]["application/json"]["examples"]
    examples["ok"]["value"] = {"thing_id": "th_1", "created_at": "last tuesday"}


def _mutate_link_unknown_operation(d: dict[str, Any]) -> None:
    _op(d, "/things", "post")["responses"]["201"]["links"]["Get"]["operationId"] = "fetchThing"


def _mutate_link_unknown_parameter(d: dict[str, Any]) -> None:
    _op(d, "/things", "post")["responses"]["201"]["links"]["Get"]["parameters"] = {
        "thing_id": "$response.body#/thing_id",
        "colour": "red",
    }


def _mutate_link_misses_path_parameter(d: dict[str, Any]) -> None:
    _op(d, "/things", "post")["responses"]["201"]["links"]["Get"]["parameters"] = {"query.page_size": "5"}


def _mutate_enum_unmarked(d: dict[str, Any]) -> None:
    del d["components"]["schemas"]["Thing"]["properties"]["kind"]["x-flint-enum"]


def _mutate_no_request_id_header(d: dict[str, Any]) -> None:
    _op(d, "/things", "get")["responses"]["429"] = {**_op(d, "/things", "get")["responses"]["429"], "headers": {}}


def _mutate_lowercase_request_id_header(d: dict[str, Any]) -> None:
    # header names are case-insensitive: x-request-id still counts, but not when optional
    resp = _op(d, "/things", "get")["responses"]["200"]
    resp["headers"] = {"x-request-id": {"schema": {"type": "string"}}}


def _mutate_no_429(d: dict[str, Any]) -> None:
    del _op(d, "/things/{thing_id}", "get")["responses"]["429"]


def _mutate_no_503_on_write(d: dict[str, Any]) -> None:
    del _op(d, "/things", "post")["responses"]["503"]


def _mutate_declares_500(d: dict[str, Any]) -> None:
    _op(d, "/things/{thing_id}", "get")["responses"]["500"] = d["paths"]["/things"]["get"]["responses"]["429"]


def _mutate_nullable_money_wrong_ref(d: dict[str, Any]) -> None:
    d["components"]["schemas"]["Thing"]["properties"]["fee_money"] = {
        "anyOf": [{"$ref": "#/components/schemas/Thing"}, {"type": "null"}]
    }


def _mutate_annotated_code_undocumented(d: dict[str, Any]) -> None:
    d["components"]["schemas"]["ThingInput"]["properties"]["price_money"] = {
        "type": "object",
        "x-error-codes": {"minimum": "INVALID_AMOUNT"},
    }


NEGATIVE_CASES: list[tuple[Callable[[dict[str, Any]], list[str]], Callable[[dict[str, Any]], None], str]] = [
    (lint.check_operation_basics, _mutate_missing_operation_id, "missing operationId"),
    (lint.check_operation_basics, _mutate_missing_summary, "missing summary"),
    (lint.check_operation_basics, _mutate_missing_tag, "exactly one tag"),
    (lint.check_operation_basics, _mutate_undeclared_tag, "not declared"),
    (lint.check_operation_basics, _mutate_missing_request_example, "request body application/json has no example"),
    (lint.check_operation_basics, _mutate_missing_response_example, "has no example"),
    (lint.check_money_fields, _mutate_inline_money, "price_money: money-like property"),
    (lint.check_money_fields, _mutate_float_money, "tip_money: money-like property"),
    (lint.check_signed_money, _mutate_signed_without_marker, "net_money: SignedMoney and x-signed"),
    (lint.check_idempotency, _mutate_no_idempotency, "createThing: mutating operation lacks the Idempotency-Key"),
    (lint.check_pagination, _mutate_no_pagination, "listThings: list operation lacks page_token"),
    (lint.check_error_responses, _mutate_no_401, "getThing: missing documented 401"),
    (lint.check_error_responses, _mutate_no_404_with_path_param, "getThing: missing documented 404"),
    (lint.check_error_responses, _mutate_no_400_with_body, "createThing: missing documented 400"),
    (lint.check_error_responses, _mutate_no_415_with_body, "createThing: missing documented 415"),
    (lint.check_error_codes, _mutate_no_error_codes, "createThing 409: missing x-error-codes-returned"),
    (lint.check_error_codes, _mutate_unknown_error_code, "MADE_UP is not in x-error-catalog"),
    (lint.check_error_codes, _mutate_code_wrong_status, "RESOURCE_NOT_FOUND is cataloged with status 404"),
    (lint.check_examples, _mutate_bad_response_example, "2500.0 is not of type 'integer'"),
    (lint.check_examples, _mutate_bad_request_example, "Additional properties are not allowed"),
    (lint.check_examples, _mutate_bad_format_example, "is not a 'date-time'"),
    (lint.check_links, _mutate_link_unknown_operation, "unknown operationId fetchThing"),
    (lint.check_links, _mutate_link_unknown_parameter, "getThing has no parameter colour"),
    (lint.check_links, _mutate_link_misses_path_parameter, "does not supply path parameter"),
    (lint.check_enums, _mutate_enum_unmarked, "enum without x-flint-enum"),
    (lint.check_request_ids, _mutate_no_request_id_header, "listThings 429: no required X-Request-Id"),
    (lint.check_request_ids, _mutate_lowercase_request_id_header, "listThings 200: no required X-Request-Id"),
    (lint.check_error_responses, _mutate_no_429, "getThing: missing documented 429"),
    (lint.check_error_responses, _mutate_no_503_on_write, "createThing: missing documented 503"),
    (lint.check_error_responses, _mutate_declares_500, "getThing: declares a 500 response"),
    (lint.check_money_fields, _mutate_nullable_money_wrong_ref, "fee_money: money-like property"),
    (lint.check_annotated_codes_documented, _mutate_annotated_code_undocumented, "INVALID_AMOUNT is not documented"),
]


@pytest.mark.parametrize(
    ("rule", "mutate", "expected"), NEGATIVE_CASES, ids=[c[1].__name__.removeprefix("_mutate_") for c in NEGATIVE_CASES]
)
def test_lint_rule_reports_planted_problem(
    rule: Callable[[dict[str, Any]], list[str]], mutate: Callable[[dict[str, Any]], None], expected: str
) -> None:
    d = mini_doc()
    assert rule(d) == []
    mutate(d)
    problems = rule(d)
    assert any(expected in p for p in problems), problems


def test_lint_catches_a_broken_copy_of_the_real_spec(doc: dict[str, Any]) -> None:
    broken = copy.deepcopy(doc)
    refund = broken["paths"]["/v1/refunds"]["post"]
    refund["parameters"] = []
    refund["responses"]["400"]["x-error-codes-returned"].append("REFUND_TOO_BIG")
    broken["components"]["schemas"]["Refund"]["properties"]["fee_money"] = {"type": "integer"}
    shared = broken["components"]["examples"]["CreateOrderToteBagsResponse"]["value"]
    shared["data"]["pricing_amounts"]["total_money"]["amount"] = 2500.0
    problems = lint.lint(broken)
    assert any("createOrder 201 application/json tote_bags: data/pricing_amounts/total_money/amount" in p for p in problems)
    assert any("createRefund: mutating operation lacks the Idempotency-Key" in p for p in problems)
    assert any("REFUND_TOO_BIG is not in x-error-catalog" in p for p in problems)
    assert any("Refund/properties/fee_money" in p for p in problems)
