"""The stub's decoder owns request validation; the sandbox's business code checks only what the schema cannot say.

- `test_decoder_answers_schema_violations`: bad requests get Flint's code and param over HTTP, and the generated
  decoder alone (the operation's body or parameter parser, no sandbox) gives the same code and param: the answer
  comes from the spec, not from a second hand-written check.
- `test_server_rules_pass_the_decoder`: the rules that depend on state or on more than one field (money that moves
  is > 0, a tip within its amount, a conditional field) pass the decoder and are the sandbox's.
- `test_business_code_leaves_schema_rules_to_the_decoder`: no business module raises a code the spec gives to a
  schema keyword (or the decoder's type/required/unknown-field codes), except the listed state rules that reuse one.
  It fails as soon as a hand-written re-check of a type, required field, enum, length, range or pattern comes back.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

import flint_sandbox
from flint_api import ValidationError, _server
from flint_api._config import CODES

LINE = {"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}}


def L(**kw: Any) -> dict[str, Any]:
    return {**LINE, **kw}


def M(amount: int = 100, currency: str = "USD") -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


# (method, path, body or None for a query case, Flint's code, Flint's param); {oid}/{li} are a fresh order and line
SCHEMA_CASES: list[tuple[str, str, Any, str, str | None]] = [
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": "x"}]}, 'INVALID_JSON', 'line_items[0].unit_price_money'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 12.5, "currency": "USD"}}]}, 'INVALID_JSON', 'line_items[0].unit_price_money.amount'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": "100", "currency": "USD"}}]}, 'INVALID_JSON', 'line_items[0].unit_price_money.amount'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 9223372036854775808, "currency": "USD"}}]}, 'AMOUNT_TOO_LARGE', 'line_items[0].unit_price_money.amount'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": -1, "currency": "USD"}}]}, 'LINE_ITEM_NEGATIVE_PRICE', 'line_items[0].unit_price_money.amount'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 1, "currency": "usd"}}]}, 'INVALID_CURRENCY', 'line_items[0].unit_price_money.currency'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 1}}]}, 'FIELD_REQUIRED', 'line_items[0].unit_price_money.currency'),
    ('POST', '/v1/orders', {"line_items": [{"name": 5, "unit_price_money": {"amount": 100, "currency": "USD"}}]}, 'INVALID_JSON', 'line_items[0].name'),
    ('POST', '/v1/orders', {"line_items": [{"unit_price_money": {"amount": 100, "currency": "USD"}}]}, 'FIELD_REQUIRED', 'line_items[0].name'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x"}]}, 'FIELD_REQUIRED', 'line_items[0].unit_price_money'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}, "quantity": 0}]}, 'LINE_ITEM_INVALID_QUANTITY', 'line_items[0].quantity'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}, "quantity": 1000000000}]}, 'LINE_ITEM_QUANTITY_TOO_LARGE', 'line_items[0].quantity'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}, "quantity": "2"}]}, 'INVALID_JSON', 'line_items[0].quantity'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}, "description": 3}]}, 'INVALID_JSON', 'line_items[0].description'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}, "metadata": "x"}]}, 'INVALID_JSON', 'line_items[0].metadata'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}, "metadata": {"a": 1}}]}, 'METADATA_VALUE_TOO_LONG', 'line_items[0].metadata.a'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}}], "metadata": {"a": 1}}, 'METADATA_VALUE_TOO_LONG', 'metadata.a'),
    ('POST', '/v1/orders', {"line_items": []}, 'INVALID_REQUEST', 'line_items'),
    ('POST', '/v1/orders', {}, 'FIELD_REQUIRED', 'line_items'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}}], "tax": "x"}, 'INVALID_JSON', 'tax'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}}], "tax": {"location": {}}}, 'FIELD_REQUIRED', 'tax.location.address'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}}], "tax": {"location": {"address": {}}}}, 'FIELD_REQUIRED', 'tax.location.address.postal_code'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}}], "tax": {"location": {"address": {"postal_code": 5}}}}, 'INVALID_JSON', 'tax.location.address.postal_code'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}}], "requested_tip": "x"}, 'INVALID_JSON', 'requested_tip'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}}], "requested_tip": {"amount_money": {"amount": 0, "currency": "USD"}}}, 'INVALID_TIP_AMOUNT', 'requested_tip.amount_money.amount'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}}], "buyer_note": 5}, 'NOTE_TOO_LONG', 'buyer_note'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}}], "discounts": [{"manual": {"amount_money": {"amount": 100, "currency": "USD"}}}]}, 'FIELD_REQUIRED', 'discounts[0].manual.name'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}}], "discounts": [{"manual": {"name": "d"}}]}, 'FIELD_REQUIRED', 'discounts[0].manual.amount_money'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}}], "discounts": [{"manual": {"name": 5, "amount_money": {"amount": 100, "currency": "USD"}}}]}, 'INVALID_JSON', 'discounts[0].manual.name'),
    ('POST', '/v1/orders', {"line_items": [{"name": "x", "unit_price_money": {"amount": 100, "currency": "USD"}}], "discounts": [{}]}, 'INVALID_REQUEST', 'discounts[0]'),
    ('POST', '/v1/orders/{oid}/charges', {"charge": {"type": "service_fee", "amount_money": {"amount": 100, "currency": "USD"}}}, 'FIELD_REQUIRED', 'charge.name'),
    ('POST', '/v1/orders/{oid}/charges', {"charge": {"type": "service_fee", "name": "c", "amount_money": {"amount": 100, "currency": "USD"}, "calculation_basis": "x"}}, 'INVALID_REQUEST', 'charge.calculation_basis'),
    ('POST', '/v1/orders/{oid}/charges', {"charge": {"type": "service_fee", "name": "c", "percent": "x"}}, 'INVALID_JSON', 'charge.percent'),
    ('POST', '/v1/orders/{oid}/charges', {"charge": {"type": "service_fee", "name": "c", "percent": 101}}, 'INVALID_REQUEST', 'charge.percent'),
    ('POST', '/v1/orders/{oid}/charges', {"charge": {"type": "service_fee", "name": "c", "percent": 1.00001}}, 'INVALID_REQUEST', 'charge.percent'),
    ('POST', '/v1/orders/{oid}/charges', {"charge": {"name": "c"}}, 'FIELD_REQUIRED', 'charge.type'),
    ('POST', '/v1/orders/{oid}/line-items', {"line_items": []}, 'INVALID_REQUEST', 'line_items'),
    ('PATCH', '/v1/orders/{oid}/line-items/{li}', {"quantity": 0}, 'LINE_ITEM_INVALID_QUANTITY', 'quantity'),
    ('PATCH', '/v1/orders/{oid}/line-items/{li}', {"name": 5}, 'INVALID_JSON', 'name'),
    ('PATCH', '/v1/orders/{oid}/line-items/{li}', {"unit_price_money": {"amount": -1, "currency": "USD"}}, 'LINE_ITEM_NEGATIVE_PRICE', 'unit_price_money.amount'),
    ('PATCH', '/v1/orders/{oid}', {"buyer_note": 5}, 'NOTE_TOO_LONG', 'buyer_note'),
    ('PATCH', '/v1/orders/{oid}', {"metadata": {"a": 5}}, 'METADATA_VALUE_TOO_LONG', 'metadata.a'),
    ('PATCH', '/v1/orders/{oid}', {"requested_tip": {"percent": 0.5}}, 'INVALID_REQUEST', 'requested_tip.percent'),
    ('PATCH', '/v1/orders/{oid}', {"requested_tip": {"amount_money": {"amount": 0, "currency": "USD"}}}, 'INVALID_TIP_AMOUNT', 'requested_tip.amount_money.amount'),
    ('POST', '/v1/orders/{oid}/close', {"reason_message": 5}, 'INVALID_JSON', 'reason_message'),
    ('POST', '/v1/orders/{oid}/pay', {"action": "nope"}, 'INVALID_ACTION', 'action'),
    ('POST', '/v1/orders/{oid}/pay', {"action": "pay", "payment_source": {"token": "tok_visa"}, "expected_outstanding_money": {"amount": -1, "currency": "USD"}}, 'INVALID_AMOUNT', 'expected_outstanding_money.amount'),
    ('POST', '/v1/orders/{oid}/payment-intents', {"amount_money": {"amount": -5, "currency": "USD"}}, 'INVALID_AMOUNT', 'amount_money.amount'),
    ('POST', '/v1/payment-intents', {"amount_money": {"amount": -5, "currency": "USD"}, "payment_options": ["card"]}, 'INVALID_AMOUNT', 'amount_money.amount'),
    ('POST', '/v1/payment-intents', {"payment_options": ["card"]}, 'FIELD_REQUIRED', 'amount_money'),
    ('POST', '/v1/payment-intents', {"amount_money": {"amount": 5, "currency": "USD"}, "tip_money": {"amount": -1, "currency": "USD"}, "payment_options": ["card"]}, 'INVALID_AMOUNT', 'tip_money.amount'),
    ('POST', '/v1/refunds', {"amount_money": {"amount": 100, "currency": "USD"}}, 'INVALID_REQUEST', None),
    ('POST', '/v1/refunds', {"order_id": "{oid}", "amount_money": {"amount": -1, "currency": "USD"}}, 'INVALID_AMOUNT', 'amount_money.amount'),
    ('POST', '/v1/payouts', {}, 'FIELD_REQUIRED', 'amount_money'),
    ('POST', '/v1/payouts', {"amount_money": "x"}, 'INVALID_JSON', 'amount_money'),
    ('PATCH', '/v1/payout-settings', {"delay_days_override": -1}, 'INVALID_DELAY_DAYS_OVERRIDE', 'delay_days_override'),
    ('PATCH', '/v1/payout-settings', {"delay_days_override": 1000000}, 'INVALID_DELAY_DAYS_OVERRIDE', 'delay_days_override'),
    ('PATCH', '/v1/payout-settings', {"delay_days_override": "x"}, 'INVALID_JSON', 'delay_days_override'),
    ('PATCH', '/v1/payout-settings', {"interval": "hourly"}, 'INVALID_REQUEST', 'interval'),
    ('PATCH', '/v1/payout-settings', {"weekly_payout_days": ["sunday"]}, 'INVALID_WEEKLY_PAYOUT_DAY', 'weekly_payout_days[0]'),
    ('PATCH', '/v1/payout-settings', {"monthly_payout_days": [0]}, 'INVALID_MONTHLY_PAYOUT_DAY', 'monthly_payout_days[0]'),
    ('PATCH', '/v1/payout-settings', {"monthly_payout_days": [32]}, 'INVALID_MONTHLY_PAYOUT_DAY', 'monthly_payout_days[0]'),
    ('GET', '/v1/orders?page_size=0', None, 'INVALID_PAGE_SIZE', 'page_size'),
    ('GET', '/v1/orders?page_size=101', None, 'INVALID_PAGE_SIZE', 'page_size'),
    ('GET', '/v1/refunds?page_size=0', None, 'INVALID_PAGE_SIZE', 'page_size'),
]
SERVER_CASES: list[tuple[str, str, Any, str, str | None]] = [
    ('POST', '/v1/orders/{oid}/payment-intents', {"amount_money": {"amount": 0, "currency": "USD"}}, 'INVALID_AMOUNT', 'amount_money.amount'),
    ('POST', '/v1/payment-intents', {"amount_money": {"amount": 5, "currency": "USD"}, "tip_money": {"amount": 6, "currency": "USD"}, "payment_options": ["card"]}, 'INVALID_AMOUNT', 'tip_money.amount'),
    ('POST', '/v1/refunds', {"tender_allocations": [{"tender_type": "payment_intent", "amount_money": {"amount": 100, "currency": "USD"}}]}, 'FIELD_REQUIRED', 'tender_allocations[0].payment_intent_id'),
    ('POST', '/v1/payouts', {"amount_money": {"amount": 0, "currency": "USD"}}, 'INVALID_AMOUNT', 'amount_money.amount'),
]


def _op(method: str, path: str) -> Any:
    path = path.split("?")[0]
    for op in _server._OPS:
        if op.method == method and re.fullmatch(re.sub(r"\{[^}]+\}", "[^/]+", op.path), path):
            return op
    raise AssertionError(f"no operation for {method} {path}")


def _decoded(method: str, path: str, body: Any) -> tuple[str, str | None] | None:
    """What the generated decoder alone says about the request: (code, param), or None when it accepts it."""
    op = _op(method, path)
    try:
        if body is None:
            name, raw = path.split("?")[1].split("=")
            next(p for p in op.params if p.name == name).parse(int(raw), name)
        else:
            op.body(body, "")
    except ValidationError as e:
        if body is None:
            return e.code or CODES["parameter"], name
        return e.code or CODES.get(e.kind, CODES["value"]), e.path or None
    return None


def _send(c: httpx.Client, method: str, path: str, body: Any) -> tuple[int, str | None, str | None]:
    order = c.post("/v1/orders", json={"line_items": [LINE]}).json()["data"]
    ids = {"oid": order["order_id"], "li": order["line_items"][0]["order_line_item_id"]}
    path = path.format(**ids)
    if body is not None:
        body = json.loads(json.dumps(body).replace("{oid}", ids["oid"]))
    r = c.request(method, path, json=body) if body is not None else c.request(method, path)
    err = r.json().get("error", {})
    return r.status_code, err.get("code"), err.get("param")


@pytest.mark.parametrize("method, path, body, code, param", SCHEMA_CASES)
def test_decoder_answers_schema_violations(
    c1: httpx.Client, method: str, path: str, body: Any, code: str, param: str | None
) -> None:
    assert _send(c1, method, path, body) == (400, code, param)
    assert _decoded(method, path.replace("{oid}", "ord_1").replace("{li}", "li_1"), body) == (code, param)


@pytest.mark.parametrize("method, path, body, code, param", SERVER_CASES)
def test_server_rules_pass_the_decoder(
    c1: httpx.Client, method: str, path: str, body: Any, code: str, param: str | None
) -> None:
    assert _send(c1, method, path, body) == (400, code, param)
    assert _decoded(method, path.replace("{oid}", "ord_1").replace("{li}", "li_1"), body) is None


def _spec_codes() -> set[str]:
    """Every code the decoder gives for a schema keyword: the spec's x-error-code / x-error-codes values and the
    type, required and unknown-field codes (the generic INVALID_REQUEST / INVALID_QUERY_PARAMETER are left out:
    cross-field rules use them too)."""
    spec = json.loads((Path(_server.__file__).parent / "openapi.json").read_text(encoding="utf-8"))
    codes = {CODES[k] for k in ("malformed_body", "type", "required", "unknown_field")}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "x-error-code" and isinstance(v, str):
                    codes.add(v)
                elif k == "x-error-codes" and isinstance(v, dict):
                    codes.update(v.values())
                else:
                    walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec.get("paths"))
    walk(spec.get("components"))
    return codes


# The raise sites of a schema code that are state or cross-field rules: (module, code, param expression) -> why.
STATE_RULES = {
    ("app.py", "INVALID_API_VERSION", "VERSION_HEADER"): "a well-formed date that is not the version served (the"
    " schema checks the pattern); also for the clock route outside the spec",
    ("ledger.py", "AMOUNT_TOO_LARGE", None): "a merchant's captured payments stay within int64 (a sum over the ledger)",
    ("pricing.py", "AMOUNT_TOO_LARGE", "param"): "a computed total (lines x quantity, sums) fits int64",
    ("money.py", "INVALID_CURRENCY", "param"): "ISO 4217 membership: the schema checks only three capitals",
    ("money.py", "INVALID_AMOUNT", "f'{param}.amount'"): "money that moves is > 0 (the schema says >= 0, as official)",
    ("order_inputs.py", "METADATA_TOO_MANY_KEYS", "param"): "a patch merged into the stored map",
    ("order_edits.py", "TOO_MANY_LINE_ITEMS", "'line_items'"): "new lines plus the lines the order already has",
    ("order_payments.py", "INVALID_AMOUNT", "'payment_intents'"): "the selected legs against the outstanding balance",
    ("standalone_payments.py", "INVALID_AMOUNT", "'tip_money.amount'"): "the tip within amount_money (two fields)",
    ("standalone_payments.py", "INVALID_AMOUNT", "'amount_money.amount'"): "a new amount within the stored tip",
    ("refund_creation.py", "FIELD_REQUIRED", "f'{param}.payment_intent_id'"): "needed only when tender_type is payment_intent",
    ("refund_creation.py", "INVALID_AMOUNT", "'amount_money.amount'"): "amount_money equals the tender allocations' sum",
}


def test_business_code_leaves_schema_rules_to_the_decoder() -> None:
    owned = _spec_codes()
    assert {"INVALID_JSON", "FIELD_REQUIRED", "LINE_ITEM_INVALID_QUANTITY", "INVALID_PAGE_SIZE"} <= owned
    found: dict[tuple[str, str, str | None], int] = {}
    for path in sorted(Path(flint_sandbox.__file__).parent.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in ("invalid", "DomainError", "PricingError", "ApiError"):
                continue
            args = node.args[1:] if node.func.id in ("DomainError", "ApiError") else node.args
            if args and isinstance(args[0], ast.Constant) and args[0].value in owned:
                site = (path.name, args[0].value, ast.unparse(args[2]) if len(args) > 2 else None)
                found[site] = node.lineno
    unexplained = {site: line for site, line in found.items() if site not in STATE_RULES}
    assert not unexplained, f"re-validation of what the decoder already rejects: {unexplained}"
    assert set(found) == set(STATE_RULES), set(STATE_RULES) - set(found)  # no stale entries
