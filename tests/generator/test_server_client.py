"""Functional: the generated server stub and clients against each other (real Starlette app; async over
httpx.ASGITransport, sync over a real uvicorn on a loopback port)."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from typing import Any, Iterator

import httpx
import pytest
import uvicorn

from tests.generator.conftest import Package

KEY = "rich_test_secret"


class Store:
    """A minimal in-memory IdempotencyStore."""

    def __init__(self, pkg: Package) -> None:
        self.s = pkg.server
        self.rows: dict[tuple[str, str], tuple[str, str, int | None, bytes | None]] = {}

    async def begin(self, tenant: str, key: str, route: str, fingerprint: str) -> Any:
        row = self.rows.get((tenant, key))
        if row is None:
            self.rows[(tenant, key)] = (route, fingerprint, None, None)
            return self.s.Proceed()
        if (row[0], row[1]) != (route, fingerprint):
            return self.s.Conflict("IDEMPOTENCY_KEY_REUSED")
        if row[2] is None:
            return self.s.Conflict("IDEMPOTENCY_KEY_IN_PROGRESS")
        return self.s.Replay(row[2], row[3] or b"")

    async def complete(self, tenant: str, key: str, status: int, body: bytes) -> None:
        route, fp, _, _ = self.rows[(tenant, key)]
        self.rows[(tenant, key)] = (route, fp, status, body)

    async def abandon(self, tenant: str, key: str) -> None:
        self.rows.pop((tenant, key), None)


class Service:
    def __init__(self, pkg: Package) -> None:
        self.m = pkg.models
        self.s = pkg.server
        self.fail_next = 0
        self.fail_status = 503
        self.keys: list[str | None] = []
        self.created = 0
        self.widgets = [self.widget(f"w_{i:03d}") for i in range(7)]

    def widget(self, wid: str, name: str = "W") -> Any:
        m = self.m
        return m.Widget(id=wid, name=name, status=m.Status.ACTIVE, created_at=__import__("datetime").datetime(
            2024, 1, 1, tzinfo=__import__("datetime").timezone.utc), parts=[],
            total_money=m.Money(amount=0, currency=m.CurrencyCode.USD))

    async def create_widget(self, ctx: Any, body: Any) -> Any:
        self.keys.append(ctx.idempotency_key)
        if self.fail_next:
            self.fail_next -= 1
            raise self.s.ApiError(self.fail_status, "BUSY", "try again", headers={"Retry-After": "0"})
        self.created += 1
        w = self.widget(f"w_new{self.created}", body.name)
        return self.m.WidgetResponse(data=w, request_id=ctx.request_id)

    async def list_widgets(self, ctx: Any, *, page_size: Any, page_token: Any, color: Any, expand: Any) -> Any:
        size = 3 if page_size is self.s.UNSET else page_size
        start = 0 if page_token is self.s.UNSET else int(page_token)
        page = self.widgets[start:start + size]
        nxt = str(start + size) if start + size < len(self.widgets) else self.s.UNSET
        return self.m.WidgetListResponse(data=page, request_id=ctx.request_id, next_page_token=nxt)

    async def get_widget(self, ctx: Any, widget_id: str) -> Any:
        for w in self.widgets:
            if w.id == widget_id:
                return self.m.WidgetResponse(data=w, request_id=ctx.request_id)
        raise self.s.ApiError(404, "RESOURCE_NOT_FOUND", "no such widget", "widget_id")

    async def update_widget(self, ctx: Any, widget_id: str, body: Any) -> Any:
        self.last_update = body
        w = self.widget(widget_id, "W" if body.name is self.s.UNSET else body.name)
        return self.m.WidgetResponse(data=w, request_id=ctx.request_id)

    async def explode_widget(self, ctx: Any, widget_id: str) -> Any:
        raise RuntimeError("secret internals")

    async def archive_widget(self, ctx: Any, widget_id: str, body: Any = None) -> Any:
        self.last_archive = body
        return self.m.WidgetResponse(data=self.widget(widget_id), request_id=ctx.request_id)

    async def echo_shape(self, ctx: Any, body: Any) -> Any:
        return body


def make_app(pkg: Package, service: Service, store: Store | None = None) -> Any:
    s = pkg.server

    async def authenticate(headers: Any, security: Any) -> Any:
        auth = headers.get("authorization", "")
        if not auth:
            raise s.ApiError(401, "API_KEY_REQUIRED", "missing key")
        if auth != f"Bearer {KEY}":
            raise s.ApiError(401, "API_KEY_NOT_FOUND", "unknown key")
        return s.Principal(tenant="mer_1", scopes=frozenset(security.scopes))

    return s.create_app(service, authenticate=authenticate, idempotency=store)


def call(app: Any, method: str, path: str, body: bytes | None = None, **headers: str) -> httpx.Response:
    async def go() -> httpx.Response:
        h = {"authorization": f"Bearer {KEY}", "content-type": "application/json", **headers}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://t") as c:
            return await c.request(method, path, content=body, headers=h)

    return asyncio.run(go())


def error(r: httpx.Response) -> tuple[int, str, str | None]:
    e = r.json()["error"]
    assert set(e) == {"type", "code", "message", "param", "request_id"}
    assert e["request_id"] == r.headers["x-request-id"]
    return r.status_code, e["code"], e["param"]


GOOD = {"name": "Tote", "parts": [{"sku": "ABC-1", "quantity": 2, "price_money": {"amount": 2500, "currency": "USD"}}]}


@pytest.fixture()
def app(rich: Package) -> Any:
    return make_app(rich, Service(rich))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"name": "x", "parts": [{"sku": "ABC-1", "quantity": 1, "price_money": {"amount": 2500.0, "currency": "USD"}}]}',
         (400, "INVALID_JSON", "parts[0].price_money.amount")),
        (b'{"name": "x", "parts": [{"sku": "ABC-1", "quantity": 1, "price_money": {"amount": "2500", "currency": "USD"}}]}',
         (400, "INVALID_JSON", "parts[0].price_money.amount")),
        (b'{"name": "x", "parts": [{"sku": "ABC-1", "quantity": 1, "price_money": {"amount": -5, "currency": "USD"}}]}',
         (400, "NEGATIVE_AMOUNT", "parts[0].price_money.amount")),
        (b'{"name": "x", "parts": [{"sku": "ABC-1", "quantity": 1, "price_money": {"amount": 5, "currency": "EUR"}}]}',
         (400, "UNSUPPORTED_CURRENCY", "parts[0].price_money.currency")),
        (b'{"name": "x", "parts": [{"sku": "ABC-1", "quantity": 1, "price_money": {"amount": 5, "currency": "usd"}}]}',
         (400, "INVALID_CURRENCY", "parts[0].price_money.currency")),
        (b'{"parts": [{"sku": "ABC-1", "quantity": 1}]}', (400, "FIELD_REQUIRED", "name")),
        (b'{"name": "x", "parts": [{"sku": "ABC-1", "quantity": 1}], "zzz": 1}', (400, "UNKNOWN_FIELD", "zzz")),
        (b'{"name": "x", "parts": [{"sku": "nope", "quantity": 1}]}', (400, "INVALID_FIELD", "parts[0].sku")),
        (b'{"name": "x", "parts": []}', (400, "INVALID_FIELD", "parts")),
        (b'{"name": "x\\u0000", "parts": [{"sku": "ABC-1", "quantity": 1}]}', (400, "INVALID_FIELD", "name")),
        (b'{"name": "x\\ud800", "parts": [{"sku": "ABC-1", "quantity": 1}]}', (400, "INVALID_JSON", "name")),
        (b'{"name": "x", "parts": [{"sku": "ABC-1", "quantity": NaN}]}', (400, "INVALID_JSON", None)),
        (b'{"name": ', (400, "INVALID_JSON", None)),
        (b'\xff\xfe', (400, "INVALID_JSON", None)),
        (b'[1, 2]', (400, "INVALID_JSON", None)),
        (b'{"name": "x", "parts": [{"sku": "ABC-1", "quantity": 1}], "labels": {"a": [[[[[[[[[1]]]]]]]]]}}',
         (400, "INVALID_JSON", "labels.a[0][0][0][0][0][0]")),  # depth 9 > max_depth 8
    ],
)
def test_request_validation_codes(app: Any, body: bytes, expected: tuple[int, str, str | None]) -> None:
    assert error(call(app, "POST", "/v1/widgets", body)) == expected


def test_success_status_body_and_request_id(app: Any) -> None:
    r = call(app, "POST", "/v1/widgets", json.dumps(GOOD).encode())
    assert r.status_code == 201
    assert r.json()["request_id"] == r.headers["x-request-id"] and r.json()["data"]["name"] == "Tote"


def test_transport_level_rejections(app: Any) -> None:
    big = json.dumps({**GOOD, "name": "x" * 5000}).encode()
    assert error(call(app, "POST", "/v1/widgets", big)) == (413, "PAYLOAD_TOO_LARGE", None)
    assert error(call(app, "POST", "/v1/widgets", b"name=x", **{"content-type": "text/plain"}))[:2] == (
        415, "UNSUPPORTED_MEDIA_TYPE")
    assert error(call(app, "GET", "/v1/nothing-here"))[:2] == (404, "RESOURCE_NOT_FOUND")
    assert error(call(app, "DELETE", "/v1/widgets"))[0] == 405
    assert error(call(app, "GET", "/v1/widgets", authorization=""))[:2] == (401, "API_KEY_REQUIRED")


def test_parameters_are_validated(app: Any) -> None:
    assert error(call(app, "GET", "/v1/widgets?page_size=0")) == (400, "INVALID_PARAMETER", "page_size")
    assert error(call(app, "GET", "/v1/widgets?page_size=101")) == (400, "INVALID_PARAMETER", "page_size")
    assert error(call(app, "GET", "/v1/widgets?page_size=2.5")) == (400, "INVALID_PARAMETER", "page_size")
    assert error(call(app, "GET", "/v1/widgets?color=purple")) == (400, "INVALID_PARAMETER", "color")
    assert error(call(app, "GET", "/v1/widgets?expand=nope")) == (400, "INVALID_PARAMETER", "expand")
    for q in ("expand=parts&expand=owner", "expand[]=parts", "expand=parts,owner", "expand[0]=owner"):
        assert call(app, "GET", "/v1/widgets?" + q).status_code == 200, q


def test_unexpected_exception_is_a_500_envelope(app: Any) -> None:
    r = call(app, "POST", "/v1/widgets/w_1/explode")
    assert error(r) == (500, "INTERNAL_ERROR", None)
    assert "secret" not in r.text and "Traceback" not in r.text


def test_openapi_json_is_served_without_auth(app: Any) -> None:
    r = call(app, "GET", "/openapi.json", authorization="")
    assert r.status_code == 200 and r.json()["info"]["title"] == "Rich Test API"


def test_idempotency_replay_and_conflicts(rich: Package) -> None:
    service = Service(rich)
    app = make_app(rich, service, Store(rich))
    body = json.dumps(GOOD).encode()
    first = call(app, "POST", "/v1/widgets", body, **{"idempotency-key": "k1"})
    again = call(app, "POST", "/v1/widgets", body, **{"idempotency-key": "k1"})
    assert first.status_code == again.status_code == 201 and service.created == 1
    assert again.json()["meta"]["idempotency_replayed"] is True
    assert again.json()["data"] == first.json()["data"]
    other = call(app, "POST", "/v1/widgets", json.dumps({**GOOD, "name": "Other"}).encode(),
                 **{"idempotency-key": "k1"})
    assert error(other) == (409, "IDEMPOTENCY_KEY_REUSED", "Idempotency-Key")
    assert other.json()["error"]["type"] == "idempotency_error"
    service.fail_next = 1  # a 5xx is not stored: the same key may run again
    assert call(app, "POST", "/v1/widgets", body, **{"idempotency-key": "k2"}).status_code == 503
    assert call(app, "POST", "/v1/widgets", body, **{"idempotency-key": "k2"}).status_code == 201


def test_union_body_round_trips(app: Any) -> None:
    r = call(app, "POST", "/v1/shapes", b'{"kind": "circle", "radius": 1.5}')
    assert r.status_code == 200 and r.json() == {"kind": "circle", "radius": 1.5}


def test_unknown_discriminator_in_a_request_is_rejected(app: Any) -> None:
    # a request may not carry an unknown variant (responses keep it: test_models' UnknownVariant tests)
    assert error(call(app, "POST", "/v1/shapes", b'{"kind": "hexagon", "sides": 6}')) == (400, "INVALID_FIELD", "kind")
    assert error(call(app, "POST", "/v1/shapes", b'{"sides": 6}')) == (400, "FIELD_REQUIRED", "kind")
    assert error(call(app, "POST", "/v1/shapes", b'{"kind": 7}')) == (400, "INVALID_JSON", "kind")


def test_undeclared_method_is_405_with_allow(app: Any) -> None:
    for method in ("DELETE", "PUT", "TRACE", "PATCH"):
        r = call(app, method, "/v1/widgets")
        assert error(r)[:2] == (405, "METHOD_NOT_ALLOWED") and r.headers["allow"] == "GET, POST", method
    r = call(app, "DELETE", "/v1/widgets/w_001")
    assert error(r)[0] == 405 and r.headers["allow"] == "GET, PATCH"
    r = call(app, "GET", "/v1/widgets/w_001/explode")
    assert error(r)[0] == 405 and r.headers["allow"] == "POST"
    # OPTIONS answers with the same list (schemathesis' allow_header_conformance), no auth needed
    r = call(app, "OPTIONS", "/v1/widgets", authorization="")
    assert r.status_code == 204 and r.headers["allow"] == "GET, POST" and r.content == b""
    # declared methods still route, HEAD follows GET
    assert call(app, "GET", "/v1/widgets/w_001").status_code == 200
    assert call(app, "HEAD", "/v1/widgets/w_001").status_code == 200


def test_replay_carries_the_new_request_id(rich: Package) -> None:
    service = Service(rich)
    app = make_app(rich, service, Store(rich))
    body = json.dumps(GOOD).encode()
    first = call(app, "POST", "/v1/widgets", body, **{"idempotency-key": "rk"})
    again = call(app, "POST", "/v1/widgets", body, **{"idempotency-key": "rk"})
    assert again.headers["x-request-id"] != first.headers["x-request-id"]
    assert again.json()["request_id"] == again.headers["x-request-id"]
    assert again.json()["meta"]["idempotency_replayed"] is True
    # the stored data is answered unchanged, byte for byte
    def data_bytes(r: httpx.Response) -> bytes:
        return json.dumps(r.json()["data"], separators=(",", ":"), ensure_ascii=False).encode()
    assert data_bytes(again) == data_bytes(first) and first.text.count(data_bytes(first).decode()) == 1
    assert again.text.count(data_bytes(first).decode()) == 1
    # a replayed error envelope also names the new request id
    service.fail_status, service.fail_next = 409, 1
    e1 = call(app, "POST", "/v1/widgets", body, **{"idempotency-key": "rk2"})
    e2 = call(app, "POST", "/v1/widgets", body, **{"idempotency-key": "rk2"})
    assert error(e1)[:2] == error(e2)[:2] == (409, "BUSY")  # error() checks body request_id == header
    assert e1.headers["x-request-id"] != e2.headers["x-request-id"]


def test_empty_array_query_value_is_validated(app: Any) -> None:
    for q in ("expand=", "expand=parts,", "expand[]=", "expand=parts&expand="):
        assert error(call(app, "GET", "/v1/widgets?" + q)) == (400, "INVALID_PARAMETER", "expand"), q


def test_body_on_an_operation_without_one_must_be_json(app: Any) -> None:
    for raw in (b"\n", b" ", b"nope", b"{"):
        assert error(call(app, "POST", "/v1/widgets/w_1/explode", raw))[:2] == (400, "INVALID_JSON"), raw
    # an optional body: whitespace is not JSON either; absent and {} are fine
    for raw in (b"\n", b"  \t"):
        assert error(call(app, "POST", "/v1/widgets/w_001/archive", raw))[:2] == (400, "INVALID_JSON"), raw
    assert call(app, "POST", "/v1/widgets/w_001/archive", b"").status_code == 200
    assert call(app, "POST", "/v1/widgets/w_001/archive", b"{}").status_code == 200
    assert call(app, "POST", "/v1/widgets/w_1/explode", b"{}").status_code == 500  # reached the service
    assert call(app, "POST", "/v1/widgets/w_1/explode", b"").status_code == 500


# ------------------------------------------------------------------------------------------------ async client


async def _raw_list(client: Any, page_size: str) -> Any:
    """A list request the client does not validate (the server's 400 must still map to BadRequestError)."""
    from importlib import import_module

    errors = import_module(type(client).__module__.rsplit(".", 1)[0] + ".errors")
    r = await client._http.get(client.base_url + "/v1/widgets", params={"page_size": page_size},
                               headers={"authorization": f"Bearer {KEY}"})
    raise errors.error_for_response(r)


def test_async_client_create_get_paginate_errors(rich: Package) -> None:
    m, c, e = rich.models, rich.client, rich.errors
    service = Service(rich)
    app = make_app(rich, service)

    async def go() -> None:
        async with c.RichClient(KEY) if False else c.AsyncRichClient(
                KEY, base_url="http://t", transport=httpx.ASGITransport(app)) as client:
            assert client.mode == "test"
            body = m.CreateWidgetRequest.from_dict(GOOD)
            created = await client.widgets.create(body)
            assert isinstance(created, m.WidgetResponse) and created.data.name == "Tote"
            assert client.last_request_id == created.request_id
            assert client.last_response is not None and client.last_response.status_code == 201
            got = await client.widgets.get("w_003")
            assert got.data.id == "w_003"
            ids = [w.id async for w in client.widgets.list_auto(page_size=2, expand=[m.ListWidgetsExpandItem.PARTS])]
            assert ids == [f"w_{i:03d}" for i in range(7)]
            with pytest.raises(e.NotFoundError) as info:
                await client.widgets.get("w_missing")
            assert (info.value.code, info.value.param, info.value.status_code) == ("RESOURCE_NOT_FOUND", "widget_id",
                                                                                  404)
            assert info.value.request_id == info.value.response.headers["x-request-id"]
            with pytest.raises(e.RequestValidationError) as refused:  # checked before sending (issue 20.4)
                await client.widgets.list(page_size=0)
            assert (refused.value.path, refused.value.outcome, refused.value.kind) == ("page_size", "not_sent",
                                                                                       "validation")
            with pytest.raises(e.BadRequestError) as bad:  # the server's own check, past the client's
                await _raw_list(client, "0")
            assert (bad.value.code, bad.value.type, bad.value.kind) == ("INVALID_PARAMETER", "validation_error",
                                                                        "validation")
            with pytest.raises(e.InternalServerError):
                await client.widgets.explode("w_1", max_retries=0)
            patched = await client.widgets.update("w_1", m.UpdateWidgetBody(name="New", note=None))
            assert patched.data.name == "New"
            assert service.last_update.note is None  # null sent: a PATCH can clear a field
            assert client.last_response is not None
            assert json.loads(client.last_response.request.content) == {"name": "New", "note": None}

    asyncio.run(go())
    assert len(service.keys) == 1 and service.keys[0]  # a uuid was generated for the mutating call


def test_async_client_retries_with_same_idempotency_key(rich: Package) -> None:
    m, c = rich.models, rich.client
    service = Service(rich)
    service.fail_next = 2
    app = make_app(rich, service)

    async def go() -> None:
        async with c.AsyncRichClient(KEY, base_url="http://t", transport=httpx.ASGITransport(app),
                                     max_retries=2) as client:
            await client.widgets.create(m.CreateWidgetRequest.from_dict(GOOD))

    asyncio.run(go())
    assert len(service.keys) == 3 and len(set(service.keys)) == 1


# ------------------------------------------------------------------------------------------------ sync client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture()
def live(rich: Package) -> Iterator[tuple[str, Service]]:
    service = Service(rich)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(make_app(rich, service), host="127.0.0.1", port=port, log_level="error",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}", service
    server.should_exit = True
    thread.join(5)


def test_sync_client_over_real_http(rich: Package, live: tuple[str, Service]) -> None:
    url, service = live
    m, c, e = rich.models, rich.client, rich.errors
    with c.RichClient(KEY, base_url=url, max_retries=3) as client:
        service.fail_next, service.fail_status = 2, 429
        created = client.widgets.create(m.CreateWidgetRequest.from_dict(GOOD), idempotency_key="my-key")
        assert created.data.name == "Tote"
        assert service.keys == ["my-key"] * 3  # two 429s with Retry-After: 0, then success, same key each time
        assert [w.id for w in client.widgets.list_auto(page_size=3)] == [f"w_{i:03d}" for i in range(7)]
        service.fail_next, service.fail_status = 5, 503
        with pytest.raises(e.InternalServerError) as info:
            client.widgets.create(m.CreateWidgetRequest.from_dict(GOOD), max_retries=1)
        assert info.value.code == "BUSY"
    with c.RichClient("wrong", base_url=url) as client, pytest.raises(e.AuthenticationError) as auth:
        client.widgets.get("w_001")
    assert auth.value.code == "API_KEY_NOT_FOUND"


def test_sync_client_connection_error(rich: Package) -> None:
    with rich.client.RichClient(KEY, base_url=f"http://127.0.0.1:{free_port()}", max_retries=0) as client, \
            pytest.raises(rich.errors.APIConnectionError):
        client.widgets.get("w_001")


def test_retry_after_forms_and_cap(rich: Package) -> None:
    c = rich.module("_retry")  # the client's retry policy

    def resp(value: str) -> httpx.Response:
        return httpx.Response(429, headers={"retry-after": value})

    assert c.retry_after(resp("3")) == 3.0
    when = __import__("email.utils").utils.formatdate(time.time() + 30, usegmt=True)
    assert 25 <= (c.retry_after(resp(when)) or 0) <= 31
    assert c.retry_after(resp("garbage")) is None
    assert c.backoff(0, resp("3600")) == c.MAX_RETRY_AFTER
    assert all(0 <= c.backoff(5, None) <= c.MAX_RETRY_DELAY for _ in range(50))
    assert c.should_retry(httpx.Response(503)) and not c.should_retry(httpx.Response(400))
    assert not c.should_retry(httpx.Response(503, headers={"x-should-retry": "false"}))


def test_idempotency_header_checked_against_its_schema(app: Any) -> None:
    body = json.dumps(GOOD).encode()
    assert error(call(app, "POST", "/v1/widgets", body, **{"idempotency-key": "k" * 256})) == (
        400, "INVALID_PARAMETER", "Idempotency-Key")
    assert call(app, "POST", "/v1/widgets", body, **{"idempotency-key": "k" * 255}).status_code == 201


class Flaky(httpx.AsyncBaseTransport):
    """The real app behind a transport whose first `n` sends fail with `exc` (as a flaky network would)."""

    def __init__(self, app: Any, n: int, exc: type[Exception]) -> None:
        self.inner = httpx.ASGITransport(app)
        self.n = n
        self.exc = exc
        self.sent = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        if self.sent <= self.n:
            raise self.exc("network trouble", request=request)  # type: ignore[call-arg]
        return await self.inner.handle_async_request(request)


def test_transport_errors_retry_only_when_safe(rich: Package, monkeypatch: pytest.MonkeyPatch) -> None:
    m, c, e = rich.models, rich.client, rich.errors
    monkeypatch.setattr(rich.module("_retry"), "INITIAL_RETRY_DELAY", 0.0)
    service = Service(rich)
    app = make_app(rich, service)

    async def go() -> None:
        flaky = Flaky(app, 2, httpx.ReadTimeout)
        async with c.AsyncRichClient(KEY, base_url="http://t", transport=flaky, max_retries=3) as client:
            await client.widgets.create(m.CreateWidgetRequest.from_dict(GOOD))  # has an idempotency key: resent
        assert flaky.sent == 3
        flaky = Flaky(app, 1, httpx.ReadTimeout)
        async with c.AsyncRichClient(KEY, base_url="http://t", transport=flaky, max_retries=3) as client:
            with pytest.raises(e.APITimeoutError):
                await client.widgets.explode("w_1")  # POST without a key: the server may have acted, no resend
        assert flaky.sent == 1
        flaky = Flaky(app, 1, httpx.ConnectError)
        async with c.AsyncRichClient(KEY, base_url="http://t", transport=flaky, max_retries=3) as client:
            with pytest.raises(e.InternalServerError):  # never connected: resent, then the app answers 500
                await client.widgets.explode("w_1", max_retries=1)
        assert flaky.sent == 2

    asyncio.run(go())
    assert service.created == 1
