"""Planted behavioural faults for `flint-contract diff`'s self-test. TEST-ONLY, off by default.

Each one makes the server behave unlike Flint while every response stays schema-valid and rule-abiding, which is
what only a comparison with the reference can catch. Like the resource faults in flint_sandbox.faults they are
ASGI wrappers around the app (switched on by FLINT_SANDBOX_FAULTS, added by app.build_app), outside the business
code:

- `close_keeps_open` (wrong status transition): closeOrder answers 200 with the order, which stays open.
- `intent_amount_plus_one` (an amount off by one minor unit): createPaymentIntent stores amount + 1.
- `accepts_zero_quantity` (accepts what Flint rejects): a line item of quantity < 1 is stored as quantity 1.
- `rejects_large_quantity` (rejects what Flint accepts): a line item of quantity >= 10 is refused with a 400.
- `list_drops_last` (a list missing an item): listOrders leaves out the last order of every page.
"""

from __future__ import annotations

import json
import re
from typing import Any, Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .faults import _forward, _read_body, _reply, _with_path

_CLOSE = re.compile(r"^/v1/orders/([^/]+)/close$")
_LINES = re.compile(r"^/v1/orders(/[^/]+/line-items)?$")


def _json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


class CloseKeepsOpen:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        m = _CLOSE.match(scope.get("path", "")) if scope["type"] == "http" and scope["method"] == "POST" else None
        if m:
            await _read_body(receive)
            start, out = await _forward(self.app, _with_path(scope, f"/v1/orders/{m.group(1)}", "GET"), b"")
            await _reply(send, start, out)
            return
        await self.app(scope, receive, send)


class _BodyRewrite:
    """Rewrites the JSON body of POSTs to `paths` before the app sees it (None from `rewrite`: refuse with 400)."""

    paths: re.Pattern[str]

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    def rewrite(self, body: Any) -> Any:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not self.paths.match(scope.get("path", "")):
            await self.app(scope, receive, send)
            return
        raw = await _read_body(receive)
        body = _json(raw)
        if isinstance(body, dict):
            changed = self.rewrite(body)
            if changed is None:
                error = {"error": {"type": "validation_error", "code": "LINE_ITEM_INVALID_QUANTITY",
                                   "message": "quantity too large", "param": "line_items[0].quantity",
                                   "doc_url": "https://docs.withflintpay.com/errors/LINE_ITEM_INVALID_QUANTITY",
                                   "error_source": "integration"}}
                refusal: Message = {"type": "http.response.start", "status": 400,
                                    "headers": [(b"content-type", b"application/json")]}
                await _reply(send, refusal, json.dumps(error).encode())
                return
            raw = json.dumps(changed).encode()
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(raw)).encode()))
        start, out = await _forward(self.app, dict(scope, headers=headers), raw)
        await _reply(send, start, out)


def _lines(body: dict[str, Any]) -> list[dict[str, Any]]:
    items = body.get("line_items")
    return [li for li in items if isinstance(li, dict)] if isinstance(items, list) else []


class IntentAmountPlusOne(_BodyRewrite):
    paths = re.compile(r"^/v1/payment-intents$")

    def rewrite(self, body: Any) -> Any:
        money = body.get("amount_money")
        if isinstance(money, dict) and type(money.get("amount")) is int:
            money["amount"] += 1
        return body


class AcceptsZeroQuantity(_BodyRewrite):
    paths = _LINES

    def rewrite(self, body: Any) -> Any:
        for li in _lines(body):
            if type(li.get("quantity")) is int and li["quantity"] < 1:
                li["quantity"] = 1
        return body


class RejectsLargeQuantity(_BodyRewrite):
    paths = _LINES

    def rewrite(self, body: Any) -> Any:
        if any(type(li.get("quantity")) is int and li["quantity"] >= 10 for li in _lines(body)):
            return None
        return body


class ListDropsLast:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET" or scope.get("path") != "/v1/orders":
            await self.app(scope, receive, send)
            return
        start, out = await _forward(self.app, scope, await _read_body(receive))
        body = _json(out)
        if int(start.get("status", 500)) == 200 and isinstance(body, dict) and isinstance(body.get("data"), list) \
                and body["data"]:
            body["data"] = body["data"][:-1]
            out = json.dumps(body).encode()
        await _reply(send, start, out)


MIDDLEWARES: dict[str, Callable[[ASGIApp], ASGIApp]] = {
    "close_keeps_open": CloseKeepsOpen,
    "intent_amount_plus_one": IntentAmountPlusOne,
    "accepts_zero_quantity": AcceptsZeroQuantity,
    "rejects_large_quantity": RejectsLargeQuantity,
    "list_drops_last": ListDropsLast,
}
