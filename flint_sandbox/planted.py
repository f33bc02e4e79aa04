"""The seam for the planted faults that were once branches in the business code (TEST-ONLY, see faults.py).

Two shapes, both chosen once in app.build_app from the switched-on names:
- `Policy`: the decisions a fault bends, injected into the service; the default is the honest policy, so the
  business code reads a rule parameter and never a fault name.
- wrappers: faults that corrupt what goes over the wire (or skip a layer) are ASGI wrappers around the app, or a
  wrapper around the idempotency store, so the business code never sees them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from flint_api.server import IdempotencyOutcome, IdempotencyStore, Proceed
from starlette.types import ASGIApp, Receive, Scope, Send

from .faults import _forward, _read_body, _reply


@dataclass(frozen=True)
class Policy:
    """What the service decides where a planted fault would decide otherwise; `Policy()` is the honest one."""

    # refunds stay within what was settled (`refund_skips_settlement_check` turns it off)
    refund_limits: bool = True
    # a refund is written into its order (`stale_order_after_refund` turns it off)
    refund_updates_order: bool = True
    # a response document that breaks the response schema goes out raw instead of as a 500, so the kit sees a
    # fault's effect on the wire (on whenever any fault is)
    send_broken_documents: bool = False


HONEST = Policy()


def policy_for(names: frozenset[str]) -> Policy:
    return Policy(
        refund_limits="refund_skips_settlement_check" not in names,
        refund_updates_order="stale_order_after_refund" not in names,
        send_broken_documents=bool(names),
    )


# ------------------------------------------------------------------------------------------ idempotency store
class IgnoreIdempotency:
    """`ignore_idempotency`: the key is never looked at (every request proceeds, nothing is stored)."""

    def __init__(self, inner: IdempotencyStore) -> None:
        self.inner = inner

    async def begin(self, tenant: str, key: str, route: str, fingerprint: str) -> IdempotencyOutcome:
        return Proceed()

    async def complete(self, tenant: str, key: str, status: int, body: bytes) -> None:
        return None

    async def abandon(self, tenant: str, key: str) -> None:
        return None


def idempotency_store(store: IdempotencyStore, names: frozenset[str]) -> IdempotencyStore:
    return IgnoreIdempotency(store) if "ignore_idempotency" in names else store


# ------------------------------------------------------------------------------------------ response rewriters
class _RewriteJson:
    """Rewrites each 2xx JSON response body of a matching request through `fix` (subclasses set both)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def match(self, scope: Scope) -> bool:
        return str(scope.get("path", "")).startswith("/v1/")

    def fix(self, scope: Scope, doc: Any) -> Any:
        return doc

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.match(scope):
            await self.app(scope, receive, send)
            return
        start, out = await _forward(self.app, scope, await _read_body(receive))
        status = int(start.get("status", 500))
        if 200 <= status < 300 and out:
            try:
                doc = json.loads(out)
            except ValueError:
                doc = None
            if doc is not None:
                out = json.dumps(self.fix(scope, doc)).encode()
        await _reply(send, start, out)


def _orders_in(node: Any) -> list[dict[str, Any]]:
    """Every order document in a response (it carries pricing_amounts and settlement_amounts)."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if isinstance(node.get("pricing_amounts"), dict) and isinstance(node.get("settlement_amounts"), dict):
            found.append(node)
        for v in node.values():
            found.extend(_orders_in(v))
    elif isinstance(node, list):
        for v in node:
            found.extend(_orders_in(v))
    return found


def _amount(money: Any) -> int:
    return money["amount"] if isinstance(money, dict) and isinstance(money.get("amount"), int) else 0


class TotalOffByOne(_RewriteJson):
    """`total_off_by_one`: the order total is one minor unit more than its parts."""

    def fix(self, scope: Scope, doc: Any) -> Any:
        for order in _orders_in(doc):
            total = order["pricing_amounts"].get("total_money")
            if isinstance(total, dict) and isinstance(total.get("amount"), int):
                total["amount"] += 1
        return doc


class NegativeAmountDue(_RewriteJson):
    """`negative_amount_due`: refunds counted as collected money, so a refund drives amount_due below zero."""

    def fix(self, scope: Scope, doc: Any) -> Any:
        for order in _orders_in(doc):
            sa = order["settlement_amounts"]
            total = _amount(order["pricing_amounts"].get("total_money"))
            due = total - _amount(sa.get("paid_money")) - _amount(sa.get("refunded_money"))
            for name in ("amount_due_money", "outstanding_money"):
                if isinstance(sa.get(name), dict):
                    sa[name]["amount"] = due
        return doc


class MissingRequestId(_RewriteJson):
    """`missing_request_id`: the success envelope loses its request id."""

    def fix(self, scope: Scope, doc: Any) -> Any:
        if isinstance(doc, dict) and "data" in doc:
            doc.pop("request_id", None)
        return doc


class PageBoundaryLoss(_RewriteJson):
    """`page_boundary_loss`: a later page of the order list loses its first row."""

    def match(self, scope: Scope) -> bool:
        later = b"page_token=" in scope.get("query_string", b"")
        return scope["method"] == "GET" and scope.get("path") == "/v1/orders" and later

    def fix(self, scope: Scope, doc: Any) -> Any:
        if isinstance(doc, dict) and isinstance(doc.get("data"), list):
            doc["data"] = doc["data"][1:]
        return doc


# ------------------------------------------------------------------------------------------ request wrappers
_ORDER_PATH = re.compile(r"^/v1/orders/([^/]+)$")


class CrossTenantRead:
    """`cross_tenant_read`: an order is read without the merchant filter. The wrapper learns which credentials
    created each order and answers another merchant's `GET /v1/orders/{id}` with the owner's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.owner: dict[str, list[tuple[bytes, bytes]]] = {}  # order id -> the creating request's auth headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not str(scope.get("path", "")).startswith("/v1/orders"):
            await self.app(scope, receive, send)
            return
        start, out = await _forward(self.app, scope, await _read_body(receive))
        status = int(start.get("status", 500))
        m = _ORDER_PATH.match(scope["path"])
        if status == 404 and m and scope["method"] == "GET" and m.group(1) in self.owner:
            auth = self.owner[m.group(1)]
            headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() not in (b"authorization", b"x-api-key")]
            start, out = await _forward(self.app, dict(scope, headers=headers + auth), b"")
        elif status in (200, 201) and scope["method"] == "POST" and scope["path"] == "/v1/orders":
            try:
                order_id = json.loads(out)["data"]["order_id"]
            except (ValueError, KeyError, TypeError):
                order_id = None
            if isinstance(order_id, str):
                self.owner[order_id] = [
                    (k, v) for k, v in scope.get("headers", []) if k.lower() in (b"authorization", b"x-api-key")
                ]
        await _reply(send, start, out)


def _non_ascii_name(node: Any) -> bool:
    if isinstance(node, dict):
        return any(
            (k == "name" and isinstance(v, str) and not v.isascii()) or _non_ascii_name(v) for k, v in node.items()
        )
    return isinstance(node, list) and any(_non_ascii_name(v) for v in node)


class NonAscii500:
    """`non_ascii_500`: a name is encoded as ASCII on the way to storage, so a non-ASCII name escapes as a 500
    (the stub's internal-error envelope) and nothing is written."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("POST", "PATCH")
            or not str(scope.get("path", "")).startswith("/v1/orders")
        ):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        try:
            bad = _non_ascii_name(json.loads(body)) if body else False
        except ValueError:
            bad = False
        if not bad:
            start, out = await _forward(self.app, scope, body)
            await _reply(send, start, out)
            return
        out = json.dumps(
            {
                "error": {
                    "type": "internal_error",
                    "code": "INTERNAL_ERROR",
                    "message": "internal error",
                    "doc_url": "https://docs.withflintpay.com/errors/INTERNAL_ERROR",
                    "error_source": "flint",
                }
            }
        ).encode()
        await _reply(
            send,
            {"type": "http.response.start", "status": 500, "headers": [(b"content-type", b"application/json")]},
            out,
        )


_MIDDLEWARES: dict[str, Callable[[ASGIApp], ASGIApp]] = {
    "total_off_by_one": TotalOffByOne,
    "negative_amount_due": NegativeAmountDue,
    "missing_request_id": MissingRequestId,
    "page_boundary_loss": PageBoundaryLoss,
    "cross_tenant_read": CrossTenantRead,
    "non_ascii_500": NonAscii500,
}


def middlewares(names: frozenset[str]) -> list[Callable[[ASGIApp], ASGIApp]]:
    """The wrappers of the switched-on faults that live here, for app.build_app to add (none when none is on)."""
    return [cls for name, cls in _MIDDLEWARES.items() if name in names]
