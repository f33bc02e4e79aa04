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
