"""The new-user walk's deliberately buggy server, reconstructed (../shared/reference/newuser-walk.md, step 3,
item 28): three routes (POST /v1/orders, GET /v1/orders, GET /v1/orders/{id}), everything else 404, and the
walk's bugs planted over the reference sandbox's real answers, so the shapes are right and only the bugs are
wrong:

- float amounts (every money `amount` a JSON float: 2500.0), unless `int_money`;
- no `request_id` in the success envelope;
- an order total that ignores the tip (total_money = subtotal - discount + charge + tax);
- page_size clamped to 1..100 instead of rejected;
- POST /v1/orders answers 200 instead of 201.
"""

from __future__ import annotations

import json
import re
import socket
import threading
from typing import Any
from urllib.parse import parse_qsl, urlencode

import uvicorn
from starlette.types import Message, Receive, Scope, Send

from flint_sandbox.inprocess import InProcessSandbox

_ORDER = re.compile(r"^/v1/orders/[^/]+$")
BUGS = ("float_amounts", "no_request_id", "total_ignores_tip", "clamped_page_size", "create_answers_200",
        "other_routes_404")


def _floats(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _floats(v) for k, v in node.items()}
        if "amount" in out and "currency" in out and type(out["amount"]) is int:
            out["amount"] = float(out["amount"])
        return out
    if isinstance(node, list):
        return [_floats(v) for v in node]
    return node


def _drop_tip(node: Any) -> None:
    if isinstance(node, dict):
        pricing = node.get("pricing_amounts")
        if isinstance(pricing, dict) and "line_items" in node:
            tip = (pricing.get("requested_tip_money") or {}).get("amount") or 0
            total = pricing.get("total_money")
            if isinstance(total, dict) and isinstance(total.get("amount"), int):
                total["amount"] -= tip
        for value in node.values():
            _drop_tip(value)
    elif isinstance(node, list):
        for value in node:
            _drop_tip(value)


class BuggyServer:
    def __init__(self, sandbox: InProcessSandbox, *, int_money: bool = False) -> None:
        self.app = sandbox.app
        self.int_money = int_money

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method, path = scope["method"], scope["path"]
        if not ((path == "/v1/orders" and method in ("GET", "POST")) or (_ORDER.match(path) and method == "GET")):
            body = json.dumps({"error": {"type": "not_found", "message": "Not Found"}}).encode()
            await send({"type": "http.response.start", "status": 404,
                        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        if path == "/v1/orders" and method == "GET":
            query = []
            for k, v in parse_qsl(scope["query_string"].decode(), keep_blank_values=True):
                if k == "page_size" and v.lstrip("-").isdigit():
                    v = str(min(max(int(v), 1), 100))
                query.append((k, v))
            scope = dict(scope, query_string=urlencode(query).encode())
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        status, raw = start["status"], b"".join(chunks)
        if 200 <= status < 300:
            doc = json.loads(raw)
            doc.pop("request_id", None)
            _drop_tip(doc)
            if not self.int_money:
                doc = _floats(doc)
            raw = json.dumps(doc).encode()
            if method == "POST" and status == 201:
                status = 200
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(raw)).encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": raw})


class Serving:
    """The buggy server on a free loopback port, in a thread of this process."""

    def __init__(self, *, int_money: bool = False) -> None:
        self.sandbox = InProcessSandbox()
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        self._sock = sock
        self.base_url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        config = uvicorn.Config(BuggyServer(self.sandbox, int_money=int_money), log_level="error", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [sock]}, daemon=True)

    def __enter__(self) -> "Serving":
        self._thread.start()
        while not self._server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the buggy server did not start")
            threading.Event().wait(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
        self._sock.close()
        self.sandbox.close()
