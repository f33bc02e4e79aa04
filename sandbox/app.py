"""The sandbox's ASGI app: the generated stub app around `SandboxService`, plus the sandbox clock endpoint."""

from __future__ import annotations

import json
import os
import re
from datetime import datetime
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from flint_api.server import ApiError, Principal, Service, create_app

from . import accounts, faults
from .errors import TYPES
from .idempotency import SQLiteIdempotencyStore
from .service import SandboxService
from .store import KeyRecord, SQLiteStorage, Storage, Tx


def _key_from(headers: Mapping[str, str]) -> str | None:
    auth = headers.get("authorization")
    if auth:
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        return auth.strip()  # a malformed credential is an unknown key, not a missing one
    key = headers.get("x-api-key")
    return key.strip() if key and key.strip() else None


def _required_scopes(security: Any) -> frozenset[str]:
    """The operation's scopes, however the stub hands them over (an object with `.scopes`, or OpenAPI's list
    of {scheme: [scopes]} alternatives, which here all carry the same scopes)."""
    scopes = getattr(security, "scopes", None)
    if scopes is not None:
        return frozenset(scopes)
    if isinstance(security, Mapping):
        return frozenset(s for v in security.values() for s in v)
    if isinstance(security, (list, tuple)) and security:
        first = security[0]
        if isinstance(first, Mapping):
            return frozenset(s for v in first.values() for s in v)
        return frozenset(str(s) for s in security)
    return frozenset()


class Authenticator:
    """The `authenticate` hook: API key -> Principal(tenant=merchant id, scopes). Keys are never revoked in
    the sandbox, so found keys are cached per process; unknown keys always go to the database, so a key
    created by `flint-sandbox keys create` works at once."""

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

    async def __call__(self, headers: Mapping[str, str], security: Any) -> Principal:
        key = _key_from(headers)
        if key is None:
            raise ApiError(401, "API_KEY_REQUIRED", "Send your API key as Authorization: Bearer <key>", None,
                           "authentication_error")
        rec = await self.lookup(key)
        if rec is None:
            raise ApiError(401, "API_KEY_NOT_FOUND", "No API key matches the credential", None, "authentication_error")
        missing = _required_scopes(security) - rec.scopes
        if missing:
            raise ApiError(403, "INSUFFICIENT_SCOPE", f"The key lacks the scope {sorted(missing)[0]}", None,
                           "authorization_error")
        return Principal(tenant=rec.merchant_id, scopes=rec.scopes, key_id=rec.key_id)


def _error(status: int, code: str, message: str, param: str | None = None) -> JSONResponse:
    request_id = os.urandom(16).hex()
    body = {"error": {"type": TYPES.get(status, "api_error"), "code": code, "message": message, "param": param,
                      "request_id": request_id}}
    return JSONResponse(body, status_code=status, headers={"x-request-id": request_id})


def clock_route(storage: Storage, auth: Authenticator) -> Route:
    """POST /_sandbox/clock/advance {"days": N}: sandbox-only, outside /v1 and outside the spec."""

    async def advance(request: Request) -> JSONResponse:
        key = _key_from(request.headers)
        if key is None:
            return _error(401, "API_KEY_REQUIRED", "Send your API key")
        if await auth.lookup(key) is None:
            return _error(401, "API_KEY_NOT_FOUND", "No API key matches the credential")
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return _error(400, "INVALID_JSON", "Body is not JSON")
        days = body.get("days") if isinstance(body, dict) else None
        if isinstance(days, bool) or not isinstance(days, (int, float)) or not 0 <= days <= 3650:
            return _error(400, "INVALID_FIELD", "days must be a number between 0 and 3650", "days")
        seconds = int(days * 86400)
        def advance_clock(tx: Tx) -> datetime:
            tx.advance_clock(seconds)
            return tx.now()

        now = await storage.write(advance_clock)
        return JSONResponse({"data": {"now": now.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}})

    return Route("/_sandbox/clock/advance", advance, methods=["POST"])


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


# --------------------------------------------------------------------------------------------- app


def build_app(db_path: str, faults_on: frozenset[str] = frozenset()) -> Starlette:
    faults.enable(faults_on)
    storage = SQLiteStorage(db_path)
    auth = Authenticator(storage)
    service: Service = SandboxService(storage)  # mypy checks the implementation against the generated protocol
    app = create_app(
        service,
        authenticate=auth,
        idempotency=SQLiteIdempotencyStore(storage),
        extra_routes=[clock_route(storage, auth)],
    )
    if faults.on("clamp_page_size"):
        app.add_middleware(ClampPageSize)
    if faults.on("float_amounts"):
        app.add_middleware(FloatAmounts)
    return app


def app_from_env() -> Starlette:
    """uvicorn factory for `flint-sandbox serve` (also with --workers N): the db path comes from the env."""
    return build_app(os.environ["FLINT_SANDBOX_DB"], faults.from_env())
