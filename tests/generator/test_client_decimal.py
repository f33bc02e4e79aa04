"""Exact numbers (issue 20.3): `type: number` (no format, or `format: decimal`) is `decimal.Decimal` in models,
parameters and bodies, read from JSON as the exact token and written back as it; `format: float`/`double` stays
`float`; integers (money in minor units) stay `int`. Driven over HTTP against the scripted loopback server."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from tests.generator.conftest import Package, build, mini_spec
from tests.generator.test_client_runtime import Script, answer, server  # noqa: F401  (server is a fixture)

PRICE = {"type": "object", "required": ["rate", "amount"], "properties": {
    "rate": {"type": "number", "minimum": 0.1},  # exact, bounds compared exactly
    "fx": {"type": "number", "format": "decimal", "multipleOf": 0.0001},
    "ratio": {"type": "number", "format": "double"},                   # the spec asks for a binary float
    "amount": {"type": "integer"},                                     # minor units: int
    "history": {"type": "array", "items": {"type": "number"}}}}


def spec() -> dict[str, Any]:
    return mini_spec({"Price": PRICE}, {"/prices": {"post": {
        "operationId": "createPrice", "tags": ["prices"],
        "parameters": [{"name": "scale", "in": "query", "schema": {"type": "number"}}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Price"}}}},
        "responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Price"}}}}}}}})


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Package:
    return build(tmp_path_factory.mktemp("decimal"), spec(), name="decimal_gen")


LONG = b'{"rate": 12.3456000000000000001, "fx": 0.1, "ratio": 0.5, "amount": 1999, "history": [1e-30, 2]}'


def test_annotations(pkg: Package) -> None:
    hints = pkg.models.Price.__annotations__
    assert hints["rate"] == "_dec.Decimal" and hints["fx"] == "_dec.Decimal | _rt.Unset"
    assert hints["ratio"] == "float | _rt.Unset" and hints["amount"] == "int"


def test_sent_and_received_exactly(pkg: Package, server: tuple[str, Script]) -> None:
    url, script = server
    script.on("POST", "/prices", answer(200, raw=LONG))
    with pkg.client.MiniClient(base_url=url) as client:
        got = client.prices.create(rate=Decimal("0.1000"), amount=5, fx=Decimal("1E+2"), scale=Decimal("2.50"),
                                   history=[Decimal("0.30"), 7])
        assert got.rate == Decimal("12.3456000000000000001") and type(got.rate) is Decimal  # no float round trip
        assert type(got.fx) is Decimal and got.fx == Decimal("0.1")
        assert type(got.ratio) is float and got.ratio == 0.5
        assert got.amount == 1999 and type(got.amount) is int
        assert got.history == [Decimal("1E-30"), Decimal(2)] and all(type(h) is Decimal for h in got.history)
        with pytest.raises(pkg.errors.RequestValidationError) as info:  # 0.0999... < 0.1 exactly, no float fuzz
            client.prices.create(rate=Decimal("0.09999999999999999999"), amount=1)
        assert info.value.path == "rate"
        client.prices.create(rate=Decimal("0.1"), amount=1)  # the bound itself: Decimal("0.1") >= 0.1 as written
    sent = script.seen[0]
    assert sent["body"] == b'{"rate":0.1000,"fx":1E+2,"amount":5,"history":[0.30,7]}'
    assert sent["path"] == "/prices?scale=2.50"
    assert len(script.seen) == 2


def test_models_round_trip_exact_tokens(pkg: Package) -> None:
    rt = pkg.rt
    price = pkg.models.Price.from_dict(json.loads(LONG, parse_float=Decimal))
    text = rt.exact_json(price.to_dict())
    assert json.loads(text, parse_float=Decimal) == json.loads(LONG, parse_float=Decimal)
    assert '"rate":12.3456000000000000001' in text and '"history":[1E-30,2]' in text  # the tokens as received
    # data from a plain json.loads (floats) is taken through the float's shortest repr, never its binary expansion
    assert pkg.models.Price.from_dict({"rate": 0.3, "amount": 1}).rate == Decimal("0.3")
    for bad in (True, "1.5", float("nan")):
        with pytest.raises(rt.ValidationError):
            pkg.models.Price.from_dict({"rate": bad, "amount": 1})
    with pytest.raises(rt.ValidationError):  # money in minor units stays an integer: 12.5 is refused
        pkg.models.Price.from_dict({"rate": 1, "amount": Decimal("12.5")})


def test_exact_json_writes_any_finite_decimal(pkg: Package) -> None:
    """1E+400 overflows a float but is a finite JSON number: written as it is (a 500 in the stub's idempotency
    fingerprint before), while NaN and infinities are refused."""
    rt = pkg.rt
    assert rt.exact_json({"a": [Decimal("1E+400"), Decimal("-0.00"), 2.5]}) == '{"a":[1E+400,-0.00,2.5]}'
    for bad in (Decimal("NaN"), Decimal("Infinity"), float("inf")):
        with pytest.raises(ValueError):
            rt.exact_json([bad])
