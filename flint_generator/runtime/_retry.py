"""The attempts of one call: per-attempt timeouts clipped to the deadline, which failures may be retried (a resend
must never double a write), backoff with full jitter and Retry-After, and the error each way of failing raises.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
import typing as _t

import httpx

from . import _config
from . import _runtime as _rt
from ._options import Settings, logger
from ._request import Call
from ._responses import _RAW, decode
from .errors import (
    IDEMPOTENT_METHODS,
    APIConnectionError,
    APIDeadlineError,
    APIDestinationError,
    APITimeoutError,
    error_for_response,
)

INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0


def retry_after(response: httpx.Response | None) -> float | None:
    """Seconds the server asks to wait (Retry-After as seconds or an HTTP date), None when it gives none."""
    if response is None:
        return None
    raw = response.headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def should_retry(response: httpx.Response) -> bool:
    hint: str | None = response.headers.get("x-should-retry")
    if hint == "true" or hint == "false":
        return hint == "true"
    return response.status_code == 429 or response.status_code >= 500 or response.status_code == 408


def backoff(attempt: int, response: httpx.Response | None) -> float:
    after = retry_after(response)
    if after is not None:
        return min(after, MAX_RETRY_AFTER)
    return random.uniform(0, min(INITIAL_RETRY_DELAY * (2**attempt), MAX_RETRY_DELAY))  # full jitter


# transport errors raised before any byte of the request left the client
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout, httpx.UnsupportedProtocol)


def _clip(timeout: float | httpx.Timeout, remaining: float | None) -> httpx.Timeout:
    t = timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout)
    if remaining is None:
        return t

    def cut(v: float | None) -> float:
        return remaining if v is None else min(v, remaining)

    return httpx.Timeout(connect=cut(t.connect), read=cut(t.read), write=cut(t.write), pool=cut(t.pool))


class Run:
    """The attempts of one call: the deadline, the retry decisions, the outcome so far."""

    def __init__(
        self,
        settings: Settings,
        call: Call,
        options: _t.Mapping[str, _t.Any],
        clock: _t.Callable[[], float],
        keyed: bool,
    ) -> None:
        self.call = call
        self.clock = clock
        self.start = clock()
        deadline = options.get("deadline")
        self.deadline: float | None = settings.deadline if deadline is None else deadline
        self.end = None if self.deadline is None else self.start + self.deadline
        timeout = options.get("timeout")
        self.timeout: float | httpx.Timeout = settings.timeout if timeout is None else timeout
        retries = options.get("max_retries")
        self.retries: int = settings.max_retries if retries is None else retries
        strict = options.get("strict_responses")
        self.strict: bool = settings.strict_responses if strict is None else strict
        self.attempts = 0
        # sending it again cannot double a write: an idempotent method, or the request carries its idempotency key
        self.resendable = call.method in IDEMPOTENT_METHODS or keyed
        self.unknown = False  # an earlier attempt may have reached the server

    def remaining(self) -> float | None:
        return None if self.end is None else self.end - self.clock()

    def next_attempt(self) -> httpx.Timeout:
        left = self.remaining()
        if left is not None and left <= 0:
            raise self.deadline_error(None, "unknown" if self.unknown else "not_sent")
        self.attempts += 1
        return _clip(self.timeout, left)

    def _fits(self, delay: float) -> bool:
        left = self.remaining()
        return left is None or delay < left

    def deadline_error(self, response: httpx.Response | None, outcome: str) -> APIDeadlineError:
        body = None
        if response is not None:
            try:
                body = json.loads(response.content) if response.content else None
            except ValueError:
                body = None
        return APIDeadlineError(
            f"deadline of {self.deadline}s exceeded after {self.attempts} attempt(s)"
            + (f" (last answer {response.status_code})" if response is not None else ""),
            outcome=outcome,
            retry_allowed=self.resendable or outcome == "not_sent",
            response=response,
            body=body,
        )

    def after_error(self, exc: Exception) -> float:
        """The wait before the next attempt after a transport error, or the error to raise."""
        sent = not isinstance(exc, _NOT_SENT)
        if sent:
            self.unknown = True
        outcome = "unknown" if self.unknown else "not_sent"
        left = self.remaining()
        if isinstance(exc, (httpx.TimeoutException, asyncio.TimeoutError)) and left is not None and left <= 0.001:
            raise self.deadline_error(None, outcome) from exc
        if self.attempts <= self.retries and (not sent or self.resendable):
            delay = backoff(self.attempts - 1, None)
            if not self._fits(delay):
                raise self.deadline_error(None, outcome) from exc
            logger.info("retrying %s %s in %.2fs after %s", self.call.method, self.call.path, delay, type(exc).__name__)
            return delay
        allowed = self.resendable or outcome == "not_sent"
        if isinstance(exc, (httpx.TimeoutException, asyncio.TimeoutError)):
            raise APITimeoutError(f"request timed out: {exc!r}", outcome=outcome, retry_allowed=allowed) from exc
        raise APIConnectionError(f"connection error: {exc!r}", outcome=outcome, retry_allowed=allowed) from exc

    def after_response(self, response: httpx.Response) -> float | None:
        """None when `response` ends the call; else the wait before the next attempt (or the error to raise)."""
        status = response.status_code
        rid = response.headers.get(_config.REQUEST_ID_HEADER)
        logger.info(
            "%s %s -> %d (request id %s, attempt %d)", self.call.method, self.call.path, status, rid, self.attempts
        )
        if 200 <= status < 300 or (status == 304 and self.call.not_modified):
            return None
        if 300 <= status < 400:
            raise APIDestinationError(
                f"{status} redirect to {response.headers.get('location')!r} not followed",
                response=response,
                retry_allowed=False,
            )
        resendable = self.resendable or status == 429
        if self.attempts <= self.retries and resendable and should_retry(response):
            delay = backoff(self.attempts - 1, response)
            if not self._fits(delay):
                raise self.deadline_error(response, "response")
            logger.info("retrying %s %s in %.2fs after %d", self.call.method, self.call.path, delay, status)
            return delay
        raise error_for_response(response, resendable=resendable)

    def done(self, response: httpx.Response) -> _t.Any:
        """The call's result from its final response (see decode), kept for with_raw_response."""
        problems: list[_rt.ValidationError] = []
        result = decode(self.call, response, self.strict, problems)
        held = _RAW.get()
        if held is not None:
            held.append((response, self.attempts, self.clock() - self.start, problems))
        return result
