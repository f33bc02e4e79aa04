"""A spec that is not Flint's gets nothing of Flint's (issue 16.5): no Bearer guess when it declares no security
scheme, its own apiKey header when it declares one, no key `mode` unless `x-api-key-modes` says how keys look,
no idempotency keys or version header unless declared. Driven over HTTP against the scripted loopback server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.generator.conftest import Package, build, mini_spec
from tests.generator.test_client_runtime import Script, answer, server  # noqa: F401  (server is a fixture)

PET = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}


def petstore(**root: Any) -> dict[str, Any]:
    return mini_spec({"Pet": PET}, {"/pets": {
        "get": {"operationId": "listPets", "tags": ["pets"], "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}}}}}},
        "post": {"operationId": "createPet", "tags": ["pets"], "requestBody": {"required": True, "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}},
            "responses": {"201": {"description": "ok", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}}}}}}}, **root)


def test_no_security_scheme_sends_no_credentials(tmp_path: Path, server: tuple[str, Script]) -> None:
    url, script = server
    pkg = build(tmp_path, petstore())
    config = pkg.module("_config")
    assert config.AUTH_HEADER is None and config.KEY_MODES == {} and config.API_VERSION_HEADER is None
    script.on("GET", "/pets", answer(200, [{"id": "p1"}]))
    script.on("POST", "/pets", answer(201, {"id": "p2"}))
    with pkg.client.MiniClient("some-key", base_url=url) as client:
        assert not hasattr(client, "mode")  # Flint's test/live key modes are not assumed
        assert [p.id for p in client.pets.list()] == ["p1"]
        assert client.pets.create(id="p2").id == "p2"
    for seen in script.seen:
        headers = {k.lower() for k in seen["headers"]}
        assert "authorization" not in headers and "idempotency-key" not in headers, seen["headers"]
    assert "idempotency_key" not in (pkg.root / pkg.name / "client.py").read_text()


def test_declared_api_key_header_and_key_modes(tmp_path: Path, server: tuple[str, Script]) -> None:
    url, script = server
    doc = petstore(security=[{"key": []}], **{"x-api-key-modes": {"sandbox": "pk_sb_", "production": "pk_prod_"}})
    doc["components"]["securitySchemes"] = {"key": {"type": "apiKey", "in": "header", "name": "X-Pet-Key"}}
    pkg = build(tmp_path, doc)
    script.on("GET", "/pets", answer(200, []))
    with pkg.client.MiniClient("pk_sb_123", base_url=url) as client:
        assert client.mode == "sandbox"
        assert client.with_options(api_key="pk_prod_9").mode == "production"
        assert client.with_options(api_key="flint_test_1").mode == "unknown"
        client.pets.list()
    assert script.seen[-1]["headers"]["X-Pet-Key"] == "pk_sb_123"
    assert "Authorization" not in script.seen[-1]["headers"]


def test_operation_level_bearer_scheme(tmp_path: Path, server: tuple[str, Script]) -> None:
    """No root security, one operation declaring an oauth2 scheme: the key goes out as a bearer token."""
    url, script = server
    doc = petstore()
    doc["paths"]["/pets"]["get"]["security"] = [{"oauth": ["pets:read"]}]
    doc["components"]["securitySchemes"] = {"oauth": {"type": "oauth2", "flows": {"clientCredentials": {
        "tokenUrl": "https://auth.example/token", "scopes": {"pets:read": "read"}}}}}
    pkg = build(tmp_path, doc)
    script.on("GET", "/pets", answer(200, []))
    with pkg.client.MiniClient("tok", base_url=url) as client:
        client.pets.list()
    assert script.seen[-1]["headers"]["Authorization"] == "Bearer tok"


@pytest.mark.parametrize("bad", [{"test": ""}, [], {"1x": "a_"}])
def test_malformed_key_modes_is_a_spec_error(tmp_path: Path, bad: Any) -> None:
    from flint_generator.pipeline import generate

    path = tmp_path / "s.json"
    import json

    path.write_text(json.dumps(petstore(**{"x-api-key-modes": bad})))
    res = generate(path, lenient=False)
    assert any(e.pointer.startswith("/x-api-key-modes") for e in res.errors), res.errors


# ------------------------------------------------------------------------------------- lenient response mode
ORDER = {"type": "object", "required": ["id", "amount", "status"], "properties": {
    "id": {"type": "string"}, "amount": {"type": "integer"},
    "status": {"type": "string", "enum": ["open", "paid"], "x-flint-enum": "closed"},
    "buyer": {"$ref": "#/components/schemas/Buyer"}}}
BUYER = {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}


def shop() -> dict[str, Any]:
    return mini_spec({"Order": ORDER, "Buyer": BUYER}, {"/orders/{id}": {"get": {
        "operationId": "getOrder", "tags": ["orders"],
        "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
        "responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Order"}}}}}}}})


DRIFTED = {"id": "o1", "amount": "12", "status": "refunded", "buyer": {"name": "Ann", "tier": "gold"}, "new": 1}


@pytest.fixture(scope="module")
def shop_pkg(tmp_path_factory: pytest.TempPathFactory) -> Package:
    return build(tmp_path_factory.mktemp("shop"), shop())


def test_lenient_mode_returns_drifted_response_and_logs(shop_pkg: Package, server: tuple[str, Script],
                                                        caplog: pytest.LogCaptureFixture) -> None:
    url, script = server
    script.on("GET", "/orders/o1", answer(200, DRIFTED))
    c, e, m = shop_pkg.client, shop_pkg.errors, shop_pkg.models
    with c.MiniClient(base_url=url) as client:
        with pytest.raises(e.APIResponseValidationError) as info:  # strict is the default
            client.orders.get("o1")
        assert info.value.path == "amount" and info.value.status_code == 200
        with caplog.at_level("WARNING", logger=shop_pkg.name):
            order = client.orders.get("o1", strict_responses=False)  # per call
        assert isinstance(order, m.Order) and isinstance(order.buyer, m.Buyer)
        assert (order.id, order.amount, order.status, order.buyer.name) == ("o1", "12", "refunded", "Ann")
        assert shop_pkg.rt.undeclared_fields(order) == {"new": 1}  # unknown fields kept
        assert shop_pkg.rt.undeclared_fields(order.buyer) == {"tier": "gold"}
        assert order.to_dict() == DRIFTED
        logged = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
        assert any("at amount" in t and "returned as received" in t and "req_200" in t for t in logged), logged
        assert any("at status" in t for t in logged), logged

        lenient = c.MiniClient(base_url=url, strict_responses=False)
        raw = lenient.with_raw_response(lenient.orders.get)("o1")
        assert raw.parsed.amount == "12"
        assert sorted(p.path for p in raw.validation_errors) == ["amount", "status"]
        with pytest.raises(e.APIResponseValidationError):  # and back to strict for one call
            lenient.orders.get("o1", strict_responses=True)
        with pytest.raises(e.APIResponseValidationError):
            lenient.with_options(strict_responses=True).orders.get("o1")
        script.on("GET", "/orders/o1", answer(200, {"id": "o1", "amount": 5, "status": "paid"}))
        clean = lenient.with_raw_response(lenient.orders.get)("o1")
        assert clean.validation_errors == [] and clean.parsed.amount == 5
        script.on("GET", "/orders/o1", answer(200, raw=b"{not json"))
        with pytest.raises(e.APIProtocolError):  # not JSON at all stays an error in either mode
            lenient.orders.get("o1")


def test_lenient_mode_async_missing_required(shop_pkg: Package, server: tuple[str, Script]) -> None:
    import asyncio

    url, script = server
    script.on("GET", "/orders/o2", answer(200, {"id": "o2", "status": "open"}))

    async def go() -> Any:
        async with shop_pkg.client.AsyncMiniClient(base_url=url, strict_responses=False) as client:
            return await client.with_raw_response(client.orders.get)("o2")

    raw = asyncio.run(go())
    assert raw.parsed.id == "o2" and raw.parsed.amount is shop_pkg.rt.UNSET
    assert [(p.path, p.kind) for p in raw.validation_errors] == [("amount", "required")]
