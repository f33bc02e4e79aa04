"""The kit's facts come from the contract and its rules are registered once: the currency rule follows the
loaded spec, each @rule is both a probe rule and the schemathesis check of the same name, and a finding
reaches the report as data (the JSON the hooks write), not as AssertionError text parsed back."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import requests
import schemathesis
from schemathesis import Response

from flint_contract import checks, engine
from flint_contract.invariants import RULES, Exchange, check_response, currency_rule, rule
from flint_contract.spec import Spec, load_spec

SPEC = load_spec()


def _spec_with(tmp_path: Path, change: Any) -> Spec:
    doc = copy.deepcopy(SPEC.document)
    change(doc)
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return load_spec(path)


def _money_exchange(spec: Spec, currency: str) -> Exchange:
    body = {"data": {"order_id": "ord_1", "total_money": {"amount": 100, "currency": currency}}, "request_id": "r", "meta": {}}
    return Exchange("GET", "http://t/v1/orders/ord_1", 200, {"content-type": "application/json", "x-request-id": "r"},
                    json.dumps(body), spec.operations["getOrder"])


def test_currencies_come_from_the_spec(tmp_path: Path) -> None:
    # The contract has no currency enum: the currencies it serves are the ones its examples use (USD).
    assert currency_rule(SPEC).supported == frozenset({"USD"})
    assert "money_currency_usd" in {f.check for f in check_response(SPEC, _money_exchange(SPEC, "CAD"))}

    def enum_on_money(doc: dict[str, Any]) -> None:
        doc["components"]["schemas"]["Money"]["properties"]["currency"]["enum"] = ["USD", "CAD"]

    widened = _spec_with(tmp_path, enum_on_money)
    assert currency_rule(widened).supported == frozenset({"USD", "CAD"})
    assert "money_currency_usd" not in {f.check for f in check_response(widened, _money_exchange(widened, "CAD"))}
    assert "money_currency_usd" in {f.check for f in check_response(widened, _money_exchange(widened, "EUR"))}
    assert "money_currency_usd" in {f.check for f in check_response(widened, _money_exchange(widened, "usd"))}


def test_each_rule_is_registered_once_and_is_the_schemathesis_check_of_its_name() -> None:
    assert len(checks.FLINT_CHECKS) == len(set(checks.FLINT_CHECKS))
    assert set(RULES) <= set(checks.FLINT_CHECKS)
    assert {"list_next_page_token", "flint_positive_data_acceptance"} <= set(checks.FLINT_CHECKS)
    for name in RULES:
        assert checks.RULE_CHECKS[name].__name__ == name
    with pytest.raises(ValueError):
        rule("order_arithmetic")(lambda spec, ex: iter(()))


def _case_and_response(body: Any) -> tuple[Any, Response]:
    schema = schemathesis.openapi.from_dict(SPEC.document)
    case = schema.find_operation_by_id("getOrder").Case(path_parameters={"order_id": "ord_x"})
    raw = requests.Response()
    raw.status_code = 200
    raw._content = json.dumps(body).encode()
    raw.headers.update({"content-type": "application/json", "x-request-id": "rid"})
    raw.request = requests.Request("GET", "http://h/v1/orders/ord_x", headers={"Authorization": "Bearer k"}).prepare()
    raw.url = str(raw.request.url)
    return case, Response.from_requests(raw, verify=True)


def test_a_failing_rule_check_records_its_finding_as_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    findings = tmp_path / "findings.ndjson"
    monkeypatch.setenv(checks.FINDINGS_ENV, str(findings))
    case, response = _case_and_response({"data": {"total_money": {"amount": 2500.0, "currency": "USD"}},
                                         "request_id": "rid", "meta": {}})
    with pytest.raises(AssertionError):
        checks.RULE_CHECKS["money_amount_is_integer"](None, response, case)  # type: ignore[arg-type]
    checks.RULE_CHECKS["money_currency_usd"](None, response, case)  # type: ignore[arg-type]  (passes)
    assert checks._exchange(case, response) is checks._exchange(case, response)  # one Exchange per response
    (record,) = [json.loads(line) for line in findings.read_text().splitlines()]
    assert record == {
        "check": "money_amount_is_integer",
        "message": "data.total_money.amount is 2500.0 (float)",
        "expected": RULES["money_amount_is_integer"](None, checks._exchange(case, response))[0].expected,
        "operation": "getOrder",
        "curl": 'curl -sS -i -X GET http://h/v1/orders/ord_x -H "Authorization: Bearer $FLINT_API_KEY"',
        # the response the finding was judged on, as received (this one has no headers)
        "response": 'HTTP 200\n\n{"data": {"total_money": {"amount": 2500.0, "currency": "USD"}}, "request_id": "rid", '
                    '"meta": {}}',
    }


def test_the_engine_reports_recorded_findings_verbatim(tmp_path: Path) -> None:
    """No text is parsed: a message that itself holds an 'Expected:' line stays whole, and the expectation is
    the recorded one."""
    path = tmp_path / "f.ndjson"
    record = {"check": "order_arithmetic", "message": "total 2501\nExpected: a decoy", "expected": "total = 2500",
              "operation": "createOrder", "curl": "curl x"}
    path.write_text(json.dumps(record) + "\n" + json.dumps(record) + "\n{cut", encoding="utf-8")
    result = engine.EngineResult(exit_code=1, violations=[])
    assert engine.read_findings(path, result) == {"order_arithmetic"}
    (v,) = result.violations
    assert (v.check, v.message, v.expected, v.operation, v.curl) == (
        "order_arithmetic", "total 2501\nExpected: a decoy", "total = 2500", "createOrder", "curl x")


def test_generated_framing_headers_are_dropped_from_every_case() -> None:
    """A negative case's random extra headers once named content-length ("$6" on a GET): uvicorn answered the
    unparseable request with a bare text/plain 400 before the app, and the kit reported it against the sandbox."""
    schema = schemathesis.openapi.from_dict(load_spec().document)
    case = schema["/v1/payment-intents"]["GET"].Case(
        headers={"content-length": "$6", "Transfer-Encoding": "x", "Host": "h", "X-Request-Id": "abc"})
    checks.prepare_case(case)
    assert case.headers == {"X-Request-Id": "abc"}


def test_headers_http_cannot_carry_are_dropped() -> None:
    """A control character in a generated header value (or a non-token name) makes uvicorn's parser answer a bare
    400 before the app: that tests the HTTP parser, not the API."""
    schema = schemathesis.openapi.from_dict(load_spec().document)
    case = schema["/v1/payment-intents"]["GET"].Case(
        headers={"X-Request-Id": "a\x01b", "Bad Name": "x", "Flint-Version": "2026-09-07", "X-Tab": "a\tb"})
    checks.prepare_case(case)
    assert case.headers == {"Flint-Version": "2026-09-07", "X-Tab": "a\tb"}
