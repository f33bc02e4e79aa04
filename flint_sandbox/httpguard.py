"""What keeps one client from taking the sandbox down: uvicorn's h11 protocol with a request deadline and a
connection cap, and a rate limit on the log.

uvicorn on its own times out only idle keep-alive connections *after* a response (`timeout_keep_alive`); a
connection that never completes its request (slowloris: headers sent a byte at a time, or a body that never
ends) stays open forever, and every such socket holds a file descriptor. So, per connection:

- request deadline (`--request-timeout`, default 10 s): from the moment the connection opens, and again from the
  end of each response, the next request (head and body) must have arrived completely within it, or the
  connection is closed. A request being processed (fully received) is never cut.
- keep-alive: uvicorn's `timeout_keep_alive` (5 s) still closes idle connections between requests.
- connection cap (`--max-connections`, default 2048): a connection beyond it closes the oldest connection
  that has no request in progress (idle, or still sending a request); when every connection is busy the new one
  is closed instead. A flood of idle or half-sent sockets therefore cannot lock legitimate clients out.
- request head size: h11's limit (`h11_max_incomplete_event_size`, 16 KiB here) answers an oversized or endless
  head with 400 and closes.

Settings reach every worker process through the environment (FLINT_SANDBOX_REQUEST_TIMEOUT,
FLINT_SANDBOX_MAX_CONNECTIONS), like the database path.

Log volume: `install_log_limits` puts a `RateLimit` filter on the handlers of the root and uvicorn loggers: at
most 20 records with the same logger, level and message template per 10 s window; the first record after a
window with suppressed ones says how many were dropped. So a client that sends a bad request 10,000 times a
second costs a few lines a second, not megabytes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

REQUEST_TIMEOUT_ENV = "FLINT_SANDBOX_REQUEST_TIMEOUT"
MAX_CONNECTIONS_ENV = "FLINT_SANDBOX_MAX_CONNECTIONS"
DEFAULT_REQUEST_TIMEOUT = 10.0
DEFAULT_MAX_CONNECTIONS = 2048
MAX_HEAD_BYTES = 16 * 1024

log = logging.getLogger("flint_sandbox.http")


def setting(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


class GuardedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol plus the request deadline and the connection cap (module docstring)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request_timeout = setting(REQUEST_TIMEOUT_ENV, DEFAULT_REQUEST_TIMEOUT)
        self.max_connections = int(setting(MAX_CONNECTIONS_ENV, DEFAULT_MAX_CONNECTIONS))
        self._deadline: asyncio.TimerHandle | None = None
        self.opened_at = time.monotonic()

    # -- the request deadline
    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout, self._expired)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _receiving(self) -> bool:
        """True while the client has not finished sending its current request."""
        return self.conn.their_state in (h11.IDLE, h11.SEND_BODY)

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing() or not self._receiving():
            return
        log.info("closing a connection from %s: no complete request within %.0f s", self.client,
                 self.request_timeout)
        self.transport.close()  # an app waiting for the body sees a disconnect (handled quietly)

    def idle(self) -> bool:
        """No request of this connection is being processed (it is between requests or still sending one)."""
        return self.cycle is None or self.cycle.response_complete

    # -- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm()
        if len(self.connections) > self.max_connections:
            self._shed()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if not self._receiving():
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    # -- the connection cap
    def _shed(self) -> None:
        victim: GuardedH11Protocol | None = None
        for conn in self.connections:
            if conn is self or not isinstance(conn, GuardedH11Protocol) or conn.transport.is_closing():
                continue
            if conn.idle() and (victim is None or conn.opened_at < victim.opened_at):
                victim = conn
        target = victim if victim is not None else self
        log.info("connection cap %d reached: closing %s connection from %s", self.max_connections,
                 "the oldest idle" if victim is not None else "the new", target.client)
        target.transport.close()


class RateLimit(logging.Filter):
    """At most `burst` records per (logger, level, message template) per `window` seconds."""

    def __init__(self, burst: int = 20, window: float = 10.0) -> None:
        super().__init__()
        self.burst = burst
        self.window = window
        self._seen: dict[tuple[str, int, str], list[float]] = {}  # key -> [window start, count, suppressed]

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, str(record.msg))
        now = time.monotonic()
        state = self._seen.get(key)
        if state is None or now - state[0] >= self.window:
            suppressed = int(state[2]) if state is not None else 0
            self._seen[key] = [now, 1, 0]
            if len(self._seen) > 10_000:  # bounded memory: forget old templates
                self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self.window}
            if suppressed:
                record.msg = f"{record.msg} [{suppressed} similar messages suppressed in the last {self.window:.0f} s]"
            return True
        state[1] += 1
        if state[1] <= self.burst:
            return True
        state[2] += 1
        return False


_installed = False


def install_log_limits() -> None:
    """Rate-limit every handler that sandbox, stub and uvicorn records reach (once per process)."""
    global _installed
    if _installed:
        return
    _installed = True
    root = logging.getLogger()
    if not root.handlers:  # records of `sandbox` and `flint_api` would otherwise go to logging.lastResort
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        root.addHandler(handler)
    limit = RateLimit()
    for name in ("", "uvicorn", "uvicorn.error", "uvicorn.access"):
        for h in logging.getLogger(name).handlers:
            if not any(isinstance(f, RateLimit) for f in h.filters):
                h.addFilter(limit)
