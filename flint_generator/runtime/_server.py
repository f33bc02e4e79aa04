"""The server engine of the generated package: routing, authentication hook, strict JSON, parameter and body
validation through the models, idempotency, error envelopes. The same in every package; the spec reaches it
through `_config.py` and `_operations.json`, and server.py adds the typed `Service` protocol.

The pieces live in modules of their own: _server_types.py (Principal, ApiError, the idempotency protocol),
_server_routes.py (the operations), _server_input.py (strict JSON, parameters, form bodies) and _server_output.py
(envelopes, request ids, JSON bytes); this module runs a request through them and builds the app. A client-only
copy of the package leaves out server.py and every _server*.py.
"""

from __future__ import annotations

import hashlib
import logging
import typing as _t
import uuid

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route

from ._config import (
    CODES,
    CONFLICT_ERROR_TYPE,
    ECHO_IDEMPOTENCY_KEY,
    IDEMPOTENCY_HEADER,
    REPLAYED_HEADER,
    REQUEST_ID_HEADER,
)
from ._operations import package_file as _package_file
from ._runtime import UNSET, Unset, ValidationError
from ._server_input import _BadBody, _non_json_body, _read_body, _read_params
from ._server_input import parse_json_body as parse_json_body
from ._server_output import _canonical, _envelope, _replay_body, _request_id, _serialize, _validation_error
from ._server_output import error_type as error_type
from ._server_output import serialize as serialize
from ._server_routes import _OPS as _OPS
from ._server_routes import IDEMPOTENT_OPERATIONS as IDEMPOTENT_OPERATIONS
from ._server_routes import OPERATION_SECURITY as OPERATION_SECURITY
from ._server_routes import SUCCESS_STATUS as SUCCESS_STATUS
from ._server_routes import _Op
from ._server_types import (
    ApiError,
    Authenticate,
    Conflict,
    IdempotencyOutcome,
    IdempotencyStore,
    OperationSecurity,
    Principal,
    Proceed,
    Replay,
    RequestContext,
)

log = logging.getLogger(__name__.rsplit(".", 1)[0] + ".server")
# the order methods are listed in `Allow` (405 answers and OPTIONS)
_METHOD_ORDER = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "QUERY")


def _endpoint(
    op: _Op, service: _t.Any, authenticate: Authenticate, store: IdempotencyStore | None
) -> _t.Callable[[Request], _t.Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        request_id = _request_id(request)
        begun: tuple[str, str] | None = None
        echo: dict[str, str] = {}  # response headers every answer from here on carries (the idempotency key)
        try:
            headers = request.headers
            principal = await authenticate(headers, op.security)
            args = _read_params(op, request)
            key: str | None = None
            if op.idempotent:
                key = headers.get(IDEMPOTENCY_HEADER)
                if key is not None:
                    try:
                        op.idempotency_key(key, IDEMPOTENCY_HEADER)
                    except ValidationError as e:
                        raise ApiError(
                            400, e.code or CODES["parameter"], f"{IDEMPOTENCY_HEADER}: {e.message}", IDEMPOTENCY_HEADER
                        ) from None
                elif ECHO_IDEMPOTENCY_KEY:
                    key = str(uuid.uuid4())  # the caller sent none: this one is used (and stored) and echoed
                if key is not None and ECHO_IDEMPOTENCY_KEY:
                    echo[IDEMPOTENCY_HEADER] = key
            body: _t.Any = UNSET
            canonical = b""
            if op.body is None:
                # nothing declared: a body may be absent, but one that is sent must still be JSON
                raw = await _read_body(request)
                if raw:
                    parse_json_body(raw)
            else:
                raw = await _read_body(request)
                if raw:
                    media = headers.get("content-type", "").split(";")[0].strip().lower()
                    if media != op.media:
                        raise ApiError(415, CODES["unsupported_media_type"], f"Content-Type must be {op.media}")
                    if op.shape == "json":
                        data = parse_json_body(raw, exact=True)
                        canonical = _canonical(data)
                    else:
                        data = await _non_json_body(op, raw, headers)
                        canonical = raw
                    body = op.body(data, "")
                elif op.body_required:
                    raise _BadBody("malformed_body", "request body is required", None)
            if key is not None and store is not None:
                route = f"{op.method} {request.url.path}"
                fingerprint = hashlib.sha256(route.encode() + b"\n" + canonical).hexdigest()
                outcome = await store.begin(principal.tenant, key, route, fingerprint)
                if isinstance(outcome, Replay):
                    replayed = {REPLAYED_HEADER: "true"} if REPLAYED_HEADER else {}
                    return Response(
                        _replay_body(outcome, request_id),
                        status_code=outcome.status,
                        media_type="application/json" if outcome.body else None,
                        headers={REQUEST_ID_HEADER: request_id, **echo, **replayed},
                    )
                if isinstance(outcome, Conflict):
                    return _envelope(
                        409, outcome.code, outcome.message, IDEMPOTENCY_HEADER, request_id, CONFLICT_ERROR_TYPE, echo
                    )
                begun = (principal.tenant, key)
            ctx = RequestContext(request_id, principal, op.operation_id, key, headers)
            result = await op.call(service, ctx, args, body)
            payload = b"" if result is None else _serialize(result, op.response)
            if begun is not None and store is not None:
                await store.complete(begun[0], begun[1], op.status, payload)
            return Response(
                payload,
                status_code=op.status,
                media_type=(
                    (op.response_media if op.response in ("raw", "text") else "application/json") if payload else None
                ),
                headers={REQUEST_ID_HEADER: request_id, **echo},
            )
        except ApiError as e:
            response = _envelope(
                e.status, e.code, e.message, e.param, request_id, e.type, {**echo, **e.headers}, e.details
            )
        except ValidationError as e:
            response = _validation_error(e, request_id, echo)
        except _BadBody as e:
            response = _envelope(400, CODES[e.kind], e.message, e.path, request_id, headers=echo)
        except ClientDisconnect:  # the client went away mid-body: nothing to answer, nothing to log loudly
            log.info("client disconnected before its request body arrived (request %s)", request_id)
            response = _envelope(400, CODES["malformed_body"], "client disconnected", None, request_id, headers=echo)
        except Exception:  # the contract: never a traceback on the wire
            log.exception("unhandled error in %s (request %s)", op.operation_id, request_id)
            response = _envelope(500, CODES["internal"], "internal error", None, request_id, headers=echo)
        if begun is not None and store is not None:
            try:
                if response.status_code >= 500:
                    await store.abandon(*begun)
                else:
                    await store.complete(begun[0], begun[1], response.status_code, bytes(response.body))
            except Exception:
                log.exception("idempotency store failed (request %s)", request_id)
        return response

    return endpoint


def create_app(
    service: _t.Any,
    *,
    authenticate: Authenticate,
    idempotency: IdempotencyStore | None = None,
    extra_routes: _t.Sequence[BaseRoute] = (),
) -> Starlette:
    """The ASGI app for `service`. `authenticate(headers, security)` returns a Principal or raises ApiError
    (401/403); `idempotency` stores results of calls that carry the idempotency header.
    """

    async def openapi(request: Request) -> Response:
        return Response(_package_file("openapi.json"), media_type="application/json")

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = {404: CODES["not_found"], 405: CODES["method_not_allowed"]}.get(
            status, CODES["internal"] if status >= 500 else CODES["malformed_body"]
        )
        message = {404: "no such route", 405: "method not allowed"}.get(status, "request failed")
        headers = exc.headers if isinstance(exc, HTTPException) else None
        return _envelope(status, code, message, None, _request_id(request), headers=headers)

    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return _envelope(500, CODES["internal"], "internal error", None, _request_id(request))

    routes: list[BaseRoute] = list(extra_routes)
    routes.append(Route("/openapi.json", openapi, methods=["GET"]))
    # one route per path (in _OPS order: literal segments first) taking every method, so that a method the path
    # does not declare gets 405 with `Allow` naming exactly the methods the spec declares for that URL
    tables: dict[str, dict[str, _t.Callable[[Request], _t.Awaitable[Response]]]] = {}
    for op in _OPS:
        tables.setdefault(op.path, {})[op.method] = _endpoint(op, service, authenticate, idempotency)
    path_routes: list[tuple[Route, dict[str, _t.Callable[[Request], _t.Awaitable[Response]]]]] = []
    for path, table in tables.items():
        route = Route(path, _Dispatch(_dispatcher(table, path_routes)))
        path_routes.append((route, table))
        routes.append(route)
    return Starlette(routes=routes, exception_handlers={HTTPException: http_error, Exception: crash})


_Endpoint = _t.Callable[[Request], _t.Awaitable[Response]]


class _Dispatch:
    """An ASGI app (not a plain function) so Starlette's Route leaves every method to it."""

    def __init__(self, fn: _Endpoint) -> None:
        self.fn = fn

    async def __call__(self, scope: _t.Any, receive: _t.Any, send: _t.Any) -> None:
        response = await self.fn(Request(scope, receive))
        await response(scope, receive, send)


def _dispatcher(table: dict[str, _Endpoint], path_routes: list[tuple[Route, dict[str, _Endpoint]]]) -> _Endpoint:
    async def dispatch(request: Request) -> Response:
        method = request.method
        endpoint = table.get(method) or (table.get("GET") if method == "HEAD" else None)
        if endpoint is not None:
            return await endpoint(request)
        # another path template may match the same URL and declare the method (/a/{x} next to /a/b)
        allowed: set[str] = set()
        for route, other in path_routes:
            if other is table:
                allowed.update(other)
                continue
            match, child = route.matches({**request.scope, "type": "http", "path_params": {}})
            if match == Match.NONE:
                continue
            allowed.update(other)
            found = other.get(method) or (other.get("GET") if method == "HEAD" else None)
            if found is not None:
                scope = {**request.scope, **child}
                return await found(Request(scope, request.receive))
        allow = ", ".join(sorted(allowed, key=lambda m: (_METHOD_ORDER.index(m) if m in _METHOD_ORDER else 99, m)))
        if method == "OPTIONS":
            return Response(None, status_code=204, headers={"Allow": allow, REQUEST_ID_HEADER: _request_id(request)})
        return _envelope(
            405,
            CODES["method_not_allowed"],
            f"{method} is not allowed here (allowed: {allow})",
            None,
            _request_id(request),
            headers={"Allow": allow},
        )

    return dispatch


__all__ = [
    "ApiError",
    "Authenticate",
    "Conflict",
    "IdempotencyOutcome",
    "IdempotencyStore",
    "OperationSecurity",
    "OPERATION_SECURITY",
    "Principal",
    "Proceed",
    "Replay",
    "RequestContext",
    "create_app",
    "error_type",
    "parse_json_body",
    "UNSET",
    "Unset",
]
