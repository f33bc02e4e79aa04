"""Functional: `x-error-envelope` and the response-header keys of `x-idempotency` / `x-request-id` (replayed_header,
echo_key_header, echo_caller), on a small inline spec with and without them, through the generated Starlette stub
and the generated async client over httpx's ASGI transport."""

from __future__ import annotations

import asyncio
import copy
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from flint_generator.ir import build_api
from flint_generator.pipeline import generate
from tests.generator.conftest import Package, build
from tests.generator.test_server_client import Store

KEY = "env_test_secret"
ERROR = {"$ref": "#/components/schemas/Error"}
FLINT_TYPES = {
    "400": "validation_error", "422": "validation_error", "401": "authentication_error", "402": "payment_error",
    "403": "authorization_error", "404": "not_found_error", "405": "invalid_request_error",
    "410": "invalid_request_error", "413": "invalid_request_error", "415": "invalid_request_error",
    "409": "conflict_error", "429": "rate_limit_error", "502": "external_service_error",
    "503": "unavailable_error", "504": "timeout_error", "default": "internal_error",
}
ENVELOPE_EXT = {
    "x-error-envelope": {
        "types_by_status": FLINT_TYPES,
        "doc_url": "https://docs.withflintpay.com/errors/{code}",
        "error_source": {"default": "integration", "5xx": "flint", "402": "merchant"},
        "omit_null": ["param", "request_id"],
    },
    "x-idempotency": {"header": "Idempotency-Key", "replayed_pointer": "/meta/idempotency_replayed",
                      "replayed_header": "Idempotency-Replayed", "echo_key_header": True},
    "x-request-id": {"header": "X-Request-Id", "pointer": "/request_id", "echo_caller": True},
}
PLAIN_EXT = {
    "x-idempotency": {"header": "Idempotency-Key", "replayed_pointer": "/meta/idempotency_replayed"},
    "x-request-id": {"header": "X-Request-Id", "pointer": "/request_id"},
}


def spec(**root: Any) -> dict[str, Any]:
    errors = {"default": {"description": "error", "content": {"application/json": {"schema": ERROR}}}}
    return {
        "openapi": "3.1.0", "info": {"title": "Env", "version": "1"},
        "x-package-name": "env_api", "x-client-name": "EnvClient",
        "x-request-validation": {"error_type": "validation_error"},
        **root,
        "security": [{"bearerAuth": []}],
        "paths": {
            "/v1/things": {"post": {
                "operationId": "createThing", "tags": ["things"],
                "parameters": [{"name": "Idempotency-Key", "in": "header",
                                "schema": {"type": "string", "minLength": 1, "maxLength": 64}}],
                "requestBody": {"required": True, "content": {"application/json": {"schema": {
                    "type": "object", "additionalProperties": False, "required": ["name"],
                    "properties": {"name": {"type": "string", "minLength": 1}}}}}},
                "responses": {"201": {"description": "created", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/ThingResponse"}}}}, **errors},
            }},
            "/v1/fail/{status}": {"get": {
                "operationId": "fail", "tags": ["things"],
                "parameters": [{"name": "status", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 100, "maximum": 599}},
                               {"name": "param", "in": "query", "schema": {"type": "string"}},
                               {"name": "detailed", "in": "query", "schema": {"type": "boolean"}}],
                "responses": {"200": {"description": "never", "content": {"application/json": {"schema": {
                    "$ref": "#/components/schemas/ThingResponse"}}}}, **errors},
            }},
        },
        "components": {
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Thing": {"type": "object", "required": ["id", "name"],
                          "properties": {"id": {"type": "string"}, "name": {"type": "string"}}},
                "ThingResponse": {"type": "object", "required": ["data", "request_id"], "properties": {
                    "data": {"$ref": "#/components/schemas/Thing"}, "request_id": {"type": "string"},
                    "meta": {"type": "object", "properties": {"idempotency_replayed": {"type": "boolean"}}}}},
                "Error": {"type": "object", "properties": {"error": {"type": "object"}}},
            },
        },
    }


class Service:
    def __init__(self, pkg: Package) -> None:
        self.m, self.s = pkg.models, pkg.server
        self.keys: list[str | None] = []
        self.request_ids: list[str] = []
        self.created = 0

    async def create_thing(self, ctx: Any, body: Any) -> Any:
        self.keys.append(ctx.idempotency_key)
        self.request_ids.append(ctx.request_id)
        if body.name == "taken":
            raise self.s.ApiError(409, "NAME_TAKEN", "that name is taken", "name")
        self.created += 1
        return self.m.ThingResponse(data=self.m.Thing(id=f"t_{self.created}", name=body.name),
                                    request_id=ctx.request_id)

    async def fail(self, ctx: Any, status: int, *, param: Any, detailed: Any) -> Any:
        self.request_ids.append(ctx.request_id)
        details = [{"code": "TOO_SHORT", "message": "name is too short", "param": "name"},
                   {"code": "MISSING", "message": "something else is missing"}] if detailed is True else None
        raise self.s.ApiError(status, "SOME_CODE", f"failed with {status}",
                              None if param is self.s.UNSET else param, details=details)


def make_app(pkg: Package, service: Service, store: Any = None) -> Any:
    s = pkg.server

    async def authenticate(headers: Any, security: Any) -> Any:
        if headers.get("authorization") != f"Bearer {KEY}":
            raise s.ApiError(401, "API_KEY_NOT_FOUND", "unknown key")
        return s.Principal(tenant="t1", scopes=frozenset())

    return s.create_app(service, authenticate=authenticate, idempotency=store)


def call(app: Any, method: str, path: str, body: Any = None, **headers: str) -> httpx.Response:
    async def go() -> httpx.Response:
        h = {"authorization": f"Bearer {KEY}", "content-type": "application/json", **headers}
        content = body if body is None or isinstance(body, bytes) else json.dumps(body).encode()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
            return await c.request(method, path, content=content, headers=h)

    return asyncio.run(go())


@pytest.fixture(scope="module")
def flint(tmp_path_factory: pytest.TempPathFactory) -> Package:
    return build(tmp_path_factory.mktemp("env"), spec(**ENVELOPE_EXT), name="env_api_flint")


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Package:
    return build(tmp_path_factory.mktemp("plain"), spec(**PLAIN_EXT), name="env_api_plain")


# ------------------------------------------------------------------------------------------------ with the extension


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 405, 409, 410, 413, 415, 418, 422, 429, 500, 501, 502,
                                    503, 504, 599])
def test_type_by_status_table(flint: Package, status: int) -> None:
    r = call(make_app(flint, Service(flint)), "GET", f"/v1/fail/{status}")
    assert r.status_code == status
    e = r.json()["error"]
    assert e["type"] == FLINT_TYPES.get(str(status), "internal_error")
    assert e["error_source"] == ("flint" if status >= 500 else "merchant" if status == 402 else "integration")
    assert e["doc_url"] == "https://docs.withflintpay.com/errors/SOME_CODE"


def test_envelope_fields_and_param_omitted_when_none(flint: Package) -> None:
    app = make_app(flint, Service(flint))
    r = call(app, "GET", "/v1/fail/404")
    assert list(r.json()["error"]) == ["type", "code", "message", "doc_url", "error_source", "request_id"]
    assert r.json()["error"]["request_id"] == r.headers["x-request-id"]
    r = call(app, "GET", "/v1/fail/409?param=name")
    assert list(r.json()["error"]) == ["type", "code", "message", "doc_url", "error_source", "param", "request_id"]
    assert r.json()["error"]["param"] == "name"
    assert b'"param":null' not in r.content
    # the stub's own errors use the same envelope: validation (400), unknown route (404), wrong method (405), auth
    v = call(app, "POST", "/v1/things", {"name": ""}).json()["error"]
    assert (v["type"], v["code"], v["param"], v["error_source"]) == ("validation_error", "INVALID_VALUE", "name",
                                                                     "integration")
    assert v["doc_url"] == "https://docs.withflintpay.com/errors/INVALID_VALUE"
    bad = call(app, "POST", "/v1/things", b"{").json()["error"]
    assert bad["code"] == "MALFORMED_BODY" and "param" not in bad
    nf = call(app, "GET", "/v1/nowhere").json()["error"]
    assert (nf["type"], nf["code"], "param" in nf) == ("not_found_error", "RESOURCE_NOT_FOUND", False)
    na = call(app, "DELETE", "/v1/things")
    assert (na.status_code, na.json()["error"]["type"]) == (405, "invalid_request_error")
    auth = call(app, "GET", "/v1/fail/500", authorization="Bearer nope").json()["error"]
    assert (auth["type"], auth["error_source"]) == ("authentication_error", "integration")


def test_details_are_passed_through(flint: Package) -> None:
    r = call(make_app(flint, Service(flint)), "GET", "/v1/fail/400?detailed=true")
    e = r.json()["error"]
    assert e["details"] == [{"code": "TOO_SHORT", "message": "name is too short", "param": "name"},
                            {"code": "MISSING", "message": "something else is missing"}]
    assert list(e)[-1] == "details"
    assert "details" not in call(make_app(flint, Service(flint)), "GET", "/v1/fail/400").json()["error"]


def test_explicit_type_and_positional_signature(flint: Package) -> None:
    s = flint.server
    err = s.ApiError(409, "X", "m", "p", "custom_error", {"Retry-After": "1"}, details=[{"code": "Y", "message": "n"}])
    assert (err.status, err.code, err.message, err.param, err.type, err.headers, err.details) == (
        409, "X", "m", "p", "custom_error", {"Retry-After": "1"}, [{"code": "Y", "message": "n"}])
    assert s.ApiError(400, "X", "m").details is None
    with pytest.raises(TypeError):
        s.ApiError(400, "X", "m", None, None, None, [{"code": "Y"}])  # details is keyword-only


def test_replayed_header_and_echoed_key(flint: Package) -> None:
    service = Service(flint)
    app = make_app(flint, service, Store(flint))
    first = call(app, "POST", "/v1/things", {"name": "a"}, **{"idempotency-key": "k1"})
    again = call(app, "POST", "/v1/things", {"name": "a"}, **{"idempotency-key": "k1"})
    assert first.status_code == again.status_code == 201 and service.created == 1
    assert first.headers["idempotency-key"] == again.headers["idempotency-key"] == "k1"
    assert "idempotency-replayed" not in first.headers
    assert again.headers["idempotency-replayed"] == "true"
    assert again.json()["meta"]["idempotency_replayed"] is True
    # no key sent: a uuid4 is used, stored and echoed; sending it back replays
    fresh = call(app, "POST", "/v1/things", {"name": "b"})
    generated = fresh.headers["idempotency-key"]
    assert uuid.UUID(generated).version == 4 and service.keys[-1] == generated
    replay = call(app, "POST", "/v1/things", {"name": "b"}, **{"idempotency-key": generated})
    assert replay.headers["idempotency-replayed"] == "true" and service.created == 2
    # the conflict is typed by the table (409 conflict_error) and also echoes the key
    conflict = call(app, "POST", "/v1/things", {"name": "other"}, **{"idempotency-key": "k1"})
    e = conflict.json()["error"]
    assert (conflict.status_code, e["code"], e["type"], e["param"]) == (409, "IDEMPOTENCY_KEY_REUSED",
                                                                        "conflict_error", "Idempotency-Key")
    assert conflict.headers["idempotency-key"] == "k1" and "idempotency-replayed" not in conflict.headers
    # a replayed error is flagged by the header too (the body is the stored envelope with the new request id)
    call(app, "POST", "/v1/things", {"name": "taken"}, **{"idempotency-key": "k3"})
    err = call(app, "POST", "/v1/things", {"name": "taken"}, **{"idempotency-key": "k3"})
    assert err.status_code == 409 and err.headers["idempotency-replayed"] == "true"
    assert err.json()["error"]["request_id"] == err.headers["x-request-id"]
    # service errors and validation errors of an idempotent operation echo the key as well
    assert call(app, "POST", "/v1/things", {"nom": 1}, **{"idempotency-key": "k4"}).headers["idempotency-key"] == "k4"
    # a key failing its schema is rejected, not echoed; without a store the generated key still reaches the service
    too_long = call(app, "POST", "/v1/things", {"name": "c"}, **{"idempotency-key": "k" * 65})
    assert too_long.status_code == 400 and "idempotency-key" not in too_long.headers
    no_store = Service(flint)
    r = call(make_app(flint, no_store), "POST", "/v1/things", {"name": "d"})
    assert r.headers["idempotency-key"] == no_store.keys[0] and uuid.UUID(no_store.keys[0]).version == 4
    # operations that do not take the header never echo one
    assert "idempotency-key" not in call(app, "GET", "/v1/fail/400").headers


def test_caller_request_id_is_echoed(flint: Package) -> None:
    service = Service(flint)
    app = make_app(flint, service)
    ok = call(app, "POST", "/v1/things", {"name": "a"}, **{"x-request-id": "req-abc 123"})
    assert ok.headers["x-request-id"] == ok.json()["request_id"] == service.request_ids[-1] == "req-abc 123"
    err = call(app, "GET", "/v1/fail/404", **{"x-request-id": "req-err"})
    assert err.headers["x-request-id"] == err.json()["error"]["request_id"] == "req-err"
    nf = call(app, "GET", "/v1/nowhere", **{"x-request-id": "req-404"})
    assert nf.headers["x-request-id"] == nf.json()["error"]["request_id"] == "req-404"
    edge = "r" * 200
    assert call(app, "GET", "/v1/fail/404", **{"x-request-id": edge}).headers["x-request-id"] == edge
    for bad in ("r" * 201, "", "tab\there"):
        r = call(app, "GET", "/v1/fail/404", **{"x-request-id": bad})
        assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-request-id"]), bad
        assert r.json()["error"]["request_id"] == r.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", call(app, "GET", "/v1/fail/404").headers["x-request-id"])


def test_client_errors_expose_doc_url_source_and_details(flint: Package, plain: Package) -> None:
    async def go(pkg: Package) -> Any:
        app = make_app(pkg, Service(pkg))
        async with pkg.client.AsyncEnvClient(KEY, base_url="http://t", transport=httpx.ASGITransport(app),
                                             max_retries=0) as client:
            with pytest.raises(pkg.errors.APIStatusError) as info:
                await client.things.fail(402, detailed=True)
            return info.value

    e = asyncio.run(go(flint))
    assert (e.status_code, e.type, e.code, e.param) == (402, "payment_error", "SOME_CODE", None)
    assert (e.doc_url, e.error_source) == ("https://docs.withflintpay.com/errors/SOME_CODE", "merchant")
    assert e.details == [{"code": "TOO_SHORT", "message": "name is too short", "param": "name"},
                         {"code": "MISSING", "message": "something else is missing"}]
    p = asyncio.run(go(plain))
    assert (p.doc_url, p.error_source, p.type) == (None, None, "invalid_request_error")
    assert p.details is not None and len(p.details) == 2  # details are a general feature of ApiError


# ------------------------------------------------------------------------------------------------ without it


def test_without_the_extension_the_envelope_is_unchanged(plain: Package) -> None:
    service = Service(plain)
    app = make_app(plain, service, Store(plain))
    r = call(app, "GET", "/v1/nowhere", **{"x-request-id": "mine"})  # the caller's id is not used
    rid = r.headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", rid)
    assert r.content == (b'{"error":{"type":"not_found_error","code":"RESOURCE_NOT_FOUND","message":"no such route",'
                         b'"param":null,"request_id":"' + rid.encode() + b'"}}')
    types = {s: call(app, "GET", f"/v1/fail/{s}").json()["error"]["type"] for s in (400, 402, 409, 422, 429, 502)}
    assert types == {400: "validation_error", 402: "invalid_request_error", 409: "conflict_error",
                     422: "invalid_request_error", 429: "rate_limit_error", 502: "api_error"}
    e = call(app, "GET", "/v1/fail/400").json()["error"]
    assert list(e) == ["type", "code", "message", "param", "request_id"] and e["param"] is None
    first = call(app, "POST", "/v1/things", {"name": "a"}, **{"idempotency-key": "k1"})
    again = call(app, "POST", "/v1/things", {"name": "a"}, **{"idempotency-key": "k1"})
    assert again.json()["meta"]["idempotency_replayed"] is True
    for h in (first.headers, again.headers):
        assert "idempotency-key" not in h and "idempotency-replayed" not in h
    assert set(again.headers) == set(first.headers)
    conflict = call(app, "POST", "/v1/things", {"name": "b"}, **{"idempotency-key": "k1"})
    assert conflict.json()["error"]["type"] == "idempotency_error"
    call(app, "POST", "/v1/things", {"name": "c"})
    assert service.keys[-1] is None  # no key sent, none made up
    assert plain.server.ERROR_TYPES["default"] == "invalid_request_error"
    assert (plain.server.DOC_URL, plain.server.ERROR_SOURCES, plain.server.OMIT_NULL) == (None, {}, ())


# ------------------------------------------------------------------------------------------------ the IR


def test_ir_reads_the_extension_in_a_fixed_order() -> None:
    shuffled = spec(**copy.deepcopy(ENVELOPE_EXT))
    env = shuffled["x-error-envelope"]
    env["types_by_status"] = dict(reversed(list(FLINT_TYPES.items())))
    env["omit_null"] = ["request_id", "param", "param"]
    a, errors = build_api(spec(**ENVELOPE_EXT), lenient=False)
    b, errors_b = build_api(shuffled, lenient=False)
    assert a is not None and b is not None and not errors and not errors_b
    assert list(a.ext.error_types.items()) == list(b.ext.error_types.items())
    assert list(a.ext.error_types)[-1] == "default" and a.ext.omit_null == b.ext.omit_null == ["param", "request_id"]
    assert a.ext.conflict_error_type is None and a.ext.replayed_header == "Idempotency-Replayed"
    assert a.ext.echo_idempotency_key and a.ext.echo_request_id
    # a table without `default` falls back to the generic types for what it leaves open
    partial = spec(**{"x-error-envelope": {"types_by_status": {402: "payment_error"}}})
    c, _ = build_api(partial, lenient=False)
    assert c is not None and c.ext.error_types == {"402": "payment_error", "5xx": "api_error",
                                                   "default": "invalid_request_error"}


def test_generated_output_does_not_depend_on_key_order(tmp_path: Path) -> None:
    shuffled = spec(**copy.deepcopy(ENVELOPE_EXT))
    shuffled["x-error-envelope"]["types_by_status"] = dict(reversed(list(FLINT_TYPES.items())))
    shuffled["x-error-envelope"]["error_source"] = {"402": "merchant", "5XX": "flint", "default": "integration"}
    outputs = []
    for i, doc in enumerate((spec(**ENVELOPE_EXT), shuffled)):
        path = tmp_path / f"s{i}.json"
        path.write_text(json.dumps(doc), encoding="utf-8")
        res = generate(path, package="env_api")
        assert not res.errors, res.errors
        outputs.append(res.files["env_api/server.py"].replace(f"s{i}.json".encode(), b"S"))
    assert re.sub(rb"sha256:[0-9a-f]+", b"", outputs[0]) == re.sub(rb"sha256:[0-9a-f]+", b"", outputs[1])


@pytest.mark.parametrize(("root", "pointer"), [
    ({"x-error-envelope": ["nope"]}, "/x-error-envelope"),
    ({"x-error-envelope": {"types_by_status": {"4x4": "bad"}}}, "/x-error-envelope/types_by_status/4x4"),
    ({"x-error-envelope": {"types_by_status": {"404": 7}}}, "/x-error-envelope/types_by_status/404"),
    ({"x-error-envelope": {"types_by_status": {}}}, "/x-error-envelope/types_by_status"),
    ({"x-error-envelope": {"doc_url": 5}}, "/x-error-envelope/doc_url"),
    ({"x-error-envelope": {"error_source": "flint"}}, "/x-error-envelope/error_source"),
    ({"x-error-envelope": {"error_source": {"6xx": "flint"}}}, "/x-error-envelope/error_source/6xx"),
    ({"x-error-envelope": {"omit_null": "param"}}, "/x-error-envelope/omit_null"),
    ({"x-error-envelope": {"omit_null": ["param", "parm"]}}, "/x-error-envelope/omit_null/1"),
    ({"x-error-envelope": {"doc_urls": "x"}}, "/x-error-envelope/doc_urls"),
    ({"x-idempotency": {"header": "Idempotency-Key", "replayed_header": "Bad Header"}},
     "/x-idempotency/replayed_header"),
    ({"x-idempotency": {"header": "Idempotency-Key", "echo_key_header": "yes"}}, "/x-idempotency/echo_key_header"),
    ({"x-request-id": {"header": "X-Request-Id", "echo_caller": 1}}, "/x-request-id/echo_caller"),
])
def test_malformed_extension_is_a_spec_error(root: dict[str, Any], pointer: str) -> None:
    api, errors = build_api(spec(**root), lenient=False)
    assert api is None and [e.pointer for e in errors] == [pointer], errors
    api, _ = build_api(spec(**root), lenient=True)  # lenient: a warning, and the generic default
    assert api is not None and [w.pointer for w in api.warnings] == [pointer]
    assert api.ext.doc_url is None and api.ext.error_types["default"] == "invalid_request_error"
    assert not api.ext.echo_idempotency_key and not api.ext.echo_request_id and api.ext.replayed_header is None


def test_configured_package_passes_mypy_strict(flint: Package, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--cache-dir", str(tmp_path / "c"),
         "--no-incremental", flint.name],
        cwd=flint.root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
