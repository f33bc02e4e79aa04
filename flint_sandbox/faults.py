"""Planted faults for the contract kit's self-test. TEST-ONLY: never set FLINT_SANDBOX_FAULTS in real use.

`FLINT_SANDBOX_FAULTS=name1,name2` (read once when the app is built) switches on realistic one-line bugs at the
spot where each would live, so the contract kit can prove it catches them. Off by default.

The resource faults (`delete_keeps_resource`, `foreign_parent`, `leak_rejected_create`, `long_id_500`) live only here,
as ASGI wrappers around the app (`middlewares()`, added by app.build_app), outside the business code; so do the
behavioural faults for `flint-contract diff` (`BEHAVIOURAL`, in faults_behaviour.py).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

KNOWN = frozenset(
    {
        "float_amounts",
        "total_off_by_one",
        "negative_amount_due",
        "ignore_idempotency",
        "page_boundary_loss",
        "cross_tenant_read",
        "non_ascii_500",
        "missing_request_id",
        "clamp_page_size",
        "refund_skips_settlement_check",
        "stale_order_after_refund",
        "delete_keeps_resource",
        "foreign_parent",
        "leak_rejected_create",
        "long_id_500",
    }
)

# Behavioural faults for `flint-contract diff` (flint_sandbox.faults_behaviour): schema-valid and rule-abiding,
# caught only by comparing with the reference. Kept apart from KNOWN, the faults `flint-contract run` targets.
BEHAVIOURAL = frozenset(
    {"close_keeps_open", "intent_amount_plus_one", "accepts_zero_quantity", "rejects_large_quantity", "list_drops_last"}
)
ALL = KNOWN | BEHAVIOURAL

_active: frozenset[str] = frozenset()


def from_env() -> frozenset[str]:
    raw = os.environ.get("FLINT_SANDBOX_FAULTS", "")
    names = frozenset(n.strip() for n in raw.split(",") if n.strip())
    unknown = names - ALL
    if unknown:
        raise SystemExit(f"FLINT_SANDBOX_FAULTS: unknown fault(s) {sorted(unknown)}; known: {sorted(ALL)}")
    return names


def enable(names: frozenset[str]) -> None:
    global _active
    unknown = names - ALL
    if unknown:
        raise ValueError(f"unknown faults {sorted(unknown)}")
    _active = names


def on(name: str) -> bool:
    return name in _active


def any_on() -> bool:
    return bool(_active)


# ------------------------------------------------------------------------------ resource faults (ASGI wrappers)
async def _forward(app: ASGIApp, scope: Scope, body: bytes) -> tuple[Message, bytes]:
    """Run one request through `app` with this body; its response start message and body."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    start: dict[str, Any] = {}
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return start, b"".join(chunks)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _reply(send: Send, start: Message, body: bytes) -> None:
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
    headers.append((b"content-length", str(len(body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _with_path(scope: Scope, path: str, method: str | None = None) -> Scope:
    return dict(scope, path=path, raw_path=path.encode(), method=method or scope["method"])


_NESTED = re.compile(r"^/v1/orders/([^/]+)/(line-items|charges|payment-intents|payment-attempts)/([^/]+)(/.*)?$")


class DeleteKeepsResource:
    """`delete_keeps_resource`: deleting an order's line item or charge answers 200 with the order, but the delete is
    never written (it is read back instead), so the "deleted" item can still be changed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        m = _NESTED.match(scope.get("path", "")) if scope["type"] == "http" else None
        if m and scope["method"] == "DELETE" and m.group(2) in ("line-items", "charges") and not m.group(4):
            scope = _with_path(scope, f"/v1/orders/{m.group(1)}", "GET")
        await self.app(scope, receive, send)


_ID = re.compile(rb'"([a-z]{2,5}_[0-9A-HJKMNP-TV-Z]{26})"')


class ForeignParent:
    """`foreign_parent`: nested routes look the child up by its own id and act on the child's real order, whatever
    order the path names (`/v1/orders/A/line-items/<B's line>` changes order B)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.owner: dict[str, str] = {}  # child id -> its order, learned from responses

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith("/v1/orders"):
            await self.app(scope, receive, send)
            return
        m = _NESTED.match(scope["path"])
        if m and self.owner.get(m.group(3), m.group(1)) != m.group(1):
            scope = _with_path(scope, f"/v1/orders/{self.owner[m.group(3)]}/{m.group(2)}/{m.group(3)}{m.group(4) or ''}")
        body = await _read_body(receive)
        start, out = await _forward(self.app, scope, body)
        if 200 <= int(start.get("status", 500)) < 300:
            parts = scope["path"].split("/")
            order = parts[3] if len(parts) > 3 and parts[3] else None
            if order is None and scope["method"] == "POST":
                try:
                    order = json.loads(out)["data"]["order_id"]
                except (ValueError, KeyError, TypeError):
                    order = None
            if order:
                for found in _ID.findall(out):
                    child = found.decode()
                    if not child.startswith("ord_"):
                        self.owner.setdefault(child, order)
        await _reply(send, start, out)


class LeakRejectedCreate:
    """`leak_rejected_create`: createOrder and createPaymentIntent store the object before the server rules on
    currency and amount run, and do not roll back when those rules refuse it: the caller gets the 400, the object stays."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope.get("path") not in ("/v1/orders", "/v1/payment-intents"):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        start, out = await _forward(self.app, scope, body)
        status = int(start.get("status", 500))
        if 400 <= status < 500 and status not in (401, 403):
            try:
                stored = _storable(json.loads(body))
            except ValueError:
                stored = None
            if stored is not None and stored != json.loads(body):
                headers = [(k, v + b"-stored" if k.lower() == b"idempotency-key" else v)
                           for k, v in scope.get("headers", []) if k.lower() != b"content-length"]
                raw = json.dumps(stored).encode()
                headers.append((b"content-length", str(len(raw)).encode()))
                await _forward(self.app, dict(scope, headers=headers), raw)
        await _reply(send, start, out)


def _storable(node: Any) -> Any:
    """The request as the buggy insert stores it: before the currency and amount rules."""
    if isinstance(node, dict):
        out = {k: _storable(v) for k, v in node.items()}
        if isinstance(out.get("currency"), str):
            out["currency"] = "USD"
        if type(out.get("amount")) is int and out["amount"] > 10**9:
            out["amount"] = 1000
        return out
    if isinstance(node, list):
        return [_storable(v) for v in node]
    return node


class LongId500:
    """`long_id_500`: an id longer than its database column (255) is looked up anyway and the driver's error escapes
    as a bare 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and any(len(part) > 255 for part in scope.get("path", "").split("/")):
            body = b"Internal Server Error"
            await send({"type": "http.response.start", "status": 500,
                        "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)


_MIDDLEWARES: dict[str, Callable[[ASGIApp], ASGIApp]] = {
    "delete_keeps_resource": DeleteKeepsResource,
    "foreign_parent": ForeignParent,
    "leak_rejected_create": LeakRejectedCreate,
    "long_id_500": LongId500,
}


def middlewares() -> list[Callable[[ASGIApp], ASGIApp]]:
    """The wrappers of the active resource and behavioural faults, for app.build_app to add (none when no fault
    is on)."""
    from .faults_behaviour import MIDDLEWARES  # imports this module's helpers

    wrappers = {**_MIDDLEWARES, **MIDDLEWARES}
    return [cls for name, cls in wrappers.items() if name in _active]
