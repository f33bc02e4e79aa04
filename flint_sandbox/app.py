"""The sandbox's ASGI app: the generated stub app around `SandboxService`, plus the sandbox clock endpoint."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import flint_api
from flint_api import server as flint_server
from flint_api.server import ApiError, OperationSecurity, Principal, Service, create_app

from . import accounts, crashpoints, faults, httpguard, planted
from .errors import error_type
from .idempotency import DbIdempotencyStore
from .service import SandboxService
from .store import MAX_CLOCK_OFFSET_SECONDS, KeyRecord, Storage, Tx, open_storage


API_VERSION = flint_api.__version__  # the spec's info.version: the only Flint-Version this server serves
VERSION_HEADER = "Flint-Version"
MODE_HEADER = "Flint-Mode"
MAX_IDEMPOTENCY_KEY = 255
# operations that take an Idempotency-Key (the stub reads and validates the header only for these)
_IDEMPOTENT_OPS = flint_server.IDEMPOTENT_OPERATIONS


class AuthFailure(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _key_from(headers: Mapping[str, str]) -> str | None:
    """The API key sent, None when none was; both headers at once is AMBIGUOUS_AUTH."""
    auth = headers.get("authorization")
    x_key = headers.get("x-api-key")
    if auth is not None and x_key is not None:
        raise AuthFailure("AMBIGUOUS_AUTH", "Send the API key in Authorization or in X-API-Key, not both")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return auth.strip()  # a malformed credential is an unknown key, not a missing one
    return x_key.strip() if x_key and x_key.strip() else None


def check_version(headers: Mapping[str, str]) -> None:
    v = headers.get(VERSION_HEADER.lower())
    if v is not None and v != API_VERSION:
        raise ApiError(400, "INVALID_API_VERSION", f"Flint-Version {v!r} is not served here; use {API_VERSION}",
                       VERSION_HEADER, error_type(400))


class Authenticator:
    """The `authenticate` hook: API key -> Principal(tenant=merchant id, scopes). Keys are never revoked in
    the sandbox, so found keys are cached per process; unknown keys always go to the database, so a key
    created by `flint-sandbox keys create` works at once. It also checks the request headers every operation
    shares (Flint-Version, the Idempotency-Key length), since it is the hook that sees them first."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage
        self._cache: dict[str, KeyRecord] = {}

    async def lookup(self, key: str) -> KeyRecord | None:
        rec = self._cache.get(key)
        if rec is None:
            rec = await self.storage.read(lambda tx: accounts.find_key(tx, key))
            if rec is not None:
                self._cache[key] = rec
        return rec

    async def record_for(self, headers: Mapping[str, str]) -> KeyRecord:
        try:
            key = _key_from(headers)
        except AuthFailure as e:
            raise ApiError(401, e.code, e.message, None, error_type(401)) from None
        if key is None:
            raise ApiError(401, "AUTH_REQUIRED", "Send your API key as Authorization: Bearer <key> or X-API-Key",
                           None, error_type(401))
        rec = await self.lookup(key)
        if rec is None:
            raise ApiError(401, "INVALID_API_KEY", "No API key matches the credential", None, error_type(401))
        return rec

    async def __call__(self, headers: Mapping[str, str], security: OperationSecurity) -> Principal:
        rec = await self.record_for(headers)
        missing = accounts.missing_scope(security, rec.scopes)
        if missing is not None:
            raise ApiError(403, "INSUFFICIENT_SCOPE", f"The key lacks the scope {missing}", None, error_type(403))
        check_version(headers)
        key = headers.get("idempotency-key")
        if (key is not None and len(key) > MAX_IDEMPOTENCY_KEY
                and security.operation_id in _IDEMPOTENT_OPS):
            raise ApiError(400, "IDEMPOTENCY_KEY_TOO_LONG",
                           f"Idempotency-Key is longer than {MAX_IDEMPOTENCY_KEY} characters", "Idempotency-Key",
                           error_type(400))
        return Principal(tenant=rec.merchant_id, scopes=rec.scopes, key_id=rec.key_id)


def _error(status: int, code: str, message: str, param: str | None = None) -> JSONResponse:
    request_id = os.urandom(16).hex()
    error: dict[str, Any] = {"type": error_type(status), "code": code, "message": message,
                             "doc_url": f"https://docs.withflintpay.com/errors/{code}",
                             "error_source": "flint" if status >= 500 else "integration", "request_id": request_id}
    if param is not None:
        error["param"] = param
    return JSONResponse({"error": error}, status_code=status, headers={"x-request-id": request_id})


CLOCK_MAX_DAYS_PER_CALL = 3650
CLOCK_MAX_BODY_BYTES = 4096
# Moving the clock settles refunds, moves payouts and makes funds available: only a key that could make every
# one of those writes itself (every write scope, as `--key` and `keys create` without `--scope` give) may move
# it, and it moves the caller's own merchant's clock only (like Stripe's test clocks).
CLOCK_SCOPES = frozenset(s for s in accounts.ALL_SCOPES if s.endswith(".write"))


async def sandbox_caller(auth: Authenticator, request: Request, action: str) -> KeyRecord:
    """The caller of a sandbox-only route: its key must hold every write scope (CLOCK_SCOPES) and the request
    name the version served; otherwise the ApiError to answer with."""
    rec = await auth.record_for(request.headers)
    missing = sorted(CLOCK_SCOPES - rec.scopes)
    if missing:
        raise ApiError(403, "INSUFFICIENT_SCOPE", f"{action} needs every write scope; the key lacks {missing[0]}",
                       None, error_type(403))
    check_version(request.headers)
    return rec


def clock_route(storage: Storage, auth: Authenticator) -> Route:
    """POST /_sandbox/clock/advance {"days": N}: sandbox-only, outside /v1 and outside the spec. Moves the calling
    merchant's clock forward by N days (0 <= N <= 3650, fractions allowed); the clock never runs more than
    store.MAX_CLOCK_OFFSET_SECONDS (100 years) ahead: past that, 400 CLOCK_LIMIT_EXCEEDED and nothing moves."""

    async def advance(request: Request) -> JSONResponse:
        try:
            rec = await sandbox_caller(auth, request, "Moving the sandbox clock")
        except ApiError as e:
            return _error(e.status, e.code, e.message, e.param)
        raw = b""
        try:
            async for chunk in request.stream():
                raw += chunk
                if len(raw) > CLOCK_MAX_BODY_BYTES:
                    return _error(413, "PAYLOAD_TOO_LARGE", f"request body larger than {CLOCK_MAX_BODY_BYTES} bytes")
        except ClientDisconnect:  # gone mid-body: nothing to answer, nothing moved
            return _error(400, "INVALID_JSON", "client disconnected")
        try:
            body = flint_server.parse_json_body(raw) if raw else {}
        except Exception:  # the stub's strict parser: not JSON, duplicate keys, surrogates, NaN, nesting
            return _error(400, "INVALID_JSON", "Body is not valid JSON")
        days = body.get("days") if isinstance(body, dict) else None
        if isinstance(days, bool) or not isinstance(days, (int, float)) or not 0 <= days <= CLOCK_MAX_DAYS_PER_CALL:
            return _error(400, "INVALID_FIELD", f"days must be a number between 0 and {CLOCK_MAX_DAYS_PER_CALL}",
                          "days")
        seconds = int(days * 86400)
        merchant = rec.merchant_id

        def advance_clock(tx: Tx) -> datetime | None:
            tx.bind_merchant(merchant)
            return tx.now() if tx.advance_clock(seconds, merchant) else None

        now = await storage.write(advance_clock)
        if now is None:
            return _error(400, "CLOCK_LIMIT_EXCEEDED", "The sandbox clock cannot run more than"
                          f" {MAX_CLOCK_OFFSET_SECONDS // 86400} days ahead", "days")
        return JSONResponse({"data": {"now": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}})

    return Route("/_sandbox/clock/advance", advance, methods=["POST"])


def merchants_route(storage: Storage, auth: Authenticator) -> Route:
    """POST /_sandbox/merchants: sandbox-only, outside /v1 and outside the spec. Creates a fresh test merchant and
    answers 201 {"data": {"merchant_id", "api_key"}} with a key holding every scope, so a tool comparing two servers
    (`flint-contract diff`) can start each sequence on an empty merchant. Only a key with every write scope may
    call it (the same rule as the clock); the new merchant shares nothing with the caller's."""

    async def create(request: Request) -> JSONResponse:
        try:
            await sandbox_caller(auth, request, "Creating a sandbox merchant")
        except ApiError as e:
            return _error(e.status, e.code, e.message, e.param)
        key = accounts.generate_key()
        name = "sandbox-" + key[-12:]
        merchant_id = await storage.write(lambda tx: accounts.add_key(tx, name, key))
        return JSONResponse({"data": {"merchant_id": merchant_id, "api_key": key}}, status_code=201)

    return Route("/_sandbox/merchants", create, methods=["POST"])


# --------------------------------------------------------------------------------------------- planted faults


class ClampPageSize:
    """Planted fault `clamp_page_size`: a query normaliser that clamps page_size instead of rejecting it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            pairs = parse_qsl(scope["query_string"].decode("latin-1"), keep_blank_values=True)
            fixed = []
            for k, v in pairs:
                if k == "page_size" and v.lstrip("-").isdigit():
                    v = str(min(max(int(v), 1), 100))
                fixed.append((k, v))
            scope = dict(scope, query_string=urlencode(fixed).encode("latin-1"))
        await self.app(scope, receive, send)


_AMOUNT = re.compile(rb'("amount":\s*)(-?\d+)(?=[,}\s])')


class FloatAmounts:
    """Planted fault `float_amounts`: a JSON encoder that writes amounts as floats (2500.0)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                body = _AMOUNT.sub(rb"\1\2.0", b"".join(chunks))
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)


class VersionHeaders:
    """Every response says which API version served it and that this is test mode."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() not in (b"flint-version", b"flint-mode")]
                headers += [(VERSION_HEADER.encode(), API_VERSION.encode()), (MODE_HEADER.encode(), b"test")]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# --------------------------------------------------------------------------------------------- app


def build_app(db_path: str, faults_on: frozenset[str] = frozenset(), crash_points: bool = False) -> Starlette:
    faults.enable(faults_on)
    crashpoints.enable(crash_points)
    storage = open_storage(db_path)
    auth = Authenticator(storage)
    # planted faults (test-only) come in here and nowhere else: a Policy for the service, wrappers around the rest
    service: Service = SandboxService(storage, planted.policy_for(faults_on))  # mypy checks it against the protocol
    app = create_app(
        service,
        authenticate=auth,
        idempotency=planted.idempotency_store(DbIdempotencyStore(storage), faults_on),
        extra_routes=[clock_route(storage, auth), merchants_route(storage, auth)],
    )
    if faults.on("clamp_page_size"):
        app.add_middleware(ClampPageSize)
    if faults.on("float_amounts"):
        app.add_middleware(FloatAmounts)
    for fault_middleware in faults.middlewares():
        app.add_middleware(fault_middleware)
    for fault_middleware in planted.middlewares(faults_on):
        app.add_middleware(fault_middleware)
    app.add_middleware(VersionHeaders)
    return app


def app_from_env() -> Starlette:
    """uvicorn factory for `flint-sandbox serve` (also with --workers N): the db path comes from the env."""
    httpguard.install_log_limits()
    return build_app(os.environ["FLINT_SANDBOX_DB"], faults.from_env(), crashpoints.from_env())
