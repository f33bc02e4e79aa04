"""Every exception the client raises, in one hierarchy rooted at `APIError`.

Each error says how to recover:

- `kind`: transport, timeout, deadline, protocol, validation, authentication, authorization, not_found, conflict,
  rate_limit, server, api or destination;
- `outcome`: "response" (an HTTP response arrived), "not_sent" (nothing left the client: no retry can double a
  write) or "unknown" (the connection broke after the request may have reached the server);
- `retry_allowed`: True only when sending the same request again cannot double a write (a safe or idempotent
  method, a write carrying its idempotency key, or nothing was sent) and a retry can help (not for a refused
  request or a 4xx other than 408/429);
- `status_code`, `request_id`, `body` (the decoded error body), `response` (the raw `httpx.Response`) when a
  response arrived; status errors also carry the parsed error envelope (`type`, `code`, `message`, `param`,
  `doc_url`, `error_source`, `details`).
"""

from __future__ import annotations

import json
import typing as _t

from . import _config
from ._runtime import ValidationError

if _t.TYPE_CHECKING:
    import httpx

# HTTP methods that are idempotent by RFC 9110: sending one twice has the effect of sending it once
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE"})


class APIError(Exception):
    """Base of every error the client raises."""

    kind: str = "api"

    def __init__(
        self,
        message: str,
        *,
        outcome: str = "response",
        retry_allowed: bool = False,
        response: httpx.Response | None = None,
        body: _t.Any = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.outcome = outcome
        self.retry_allowed = retry_allowed
        self.response = response
        self.status_code: int | None = response.status_code if response is not None else None
        self.body = body
        self.request_id = request_id or (
            response.headers.get(_config.REQUEST_ID_HEADER) if response is not None else None
        )


class APIConnectionError(APIError):
    """No HTTP response: DNS, refused or reset connection. `outcome` says whether the request may have arrived."""

    kind = "transport"


class APITimeoutError(APIConnectionError):
    """One attempt ran out of its `timeout` (connect, read, write or pool)."""

    kind = "timeout"


class APIDeadlineError(APITimeoutError):
    """The call's overall `deadline` (every attempt, backoff and Retry-After wait) ran out. When the last attempt got
    an answer that would have been retried, `response`/`status_code` are that answer."""

    kind = "deadline"


class APIDestinationError(APIError):
    """A redirect (3xx: never followed) or a next-page link leaving the client's origin (never requested)."""

    kind = "destination"


class APIProtocolError(APIError):
    """A 2xx response that breaks the contract: a body that is not JSON, or not valid against the response schema
    (then `APIResponseValidationError`). Carries the status and the raw response."""

    kind = "protocol"


class APIResponseValidationError(APIProtocolError):
    """A 2xx body that does not match its schema: `path` is where it failed, `error` the ValidationError."""

    def __init__(self, message: str, *, error: ValidationError, response: httpx.Response, body: _t.Any) -> None:
        super().__init__(message, response=response, body=body)
        self.error = error
        self.path = error.path


class RequestValidationError(APIError):
    """A request value its schema refuses (closed enum, null where not nullable, unknown discriminator, pattern,
    bounds, missing field): raised before anything is sent. `path` is the JSON path (`line_items[0].quantity`,
    or a parameter's wire name), `error` the ValidationError."""

    kind = "validation"

    def __init__(self, error: ValidationError) -> None:
        super().__init__(f"request not sent: {error}", outcome="not_sent")
        self.error = error
        self.path = error.path
        self.code = error.code


class APIStatusError(APIError):
    """The server answered with a non-2xx status.

    `type`, `code`, `message`, `param`, `request_id`, `doc_url` and `error_source` come from the
    `{"error": {...}}` envelope (None when the body has none); `details` is its "details" list (the entries that are
    objects; None when absent); `body` is the decoded JSON body (or None) and `response` the raw httpx.Response.
    """

    status_code: int

    def __init__(self, response: httpx.Response, body: _t.Any, *, retry_allowed: bool = False) -> None:
        err = body.get("error") if isinstance(body, dict) else None
        if not isinstance(err, dict):
            err = body if isinstance(body, dict) else {}

        def text(key: str) -> str | None:
            v = err.get(key)
            return v if isinstance(v, str) else None

        msg = text("message") or response.reason_phrase or "HTTP error"
        code = text("code")
        super().__init__(
            f"{response.status_code} {code or ''}: {msg}".replace("  ", " "),
            response=response,
            body=body,
            request_id=text("request_id"),
            retry_allowed=retry_allowed,
        )
        self.message = msg
        self.type = text("type")
        self.code = code
        self.param = text("param")
        self.doc_url = text("doc_url")
        self.error_source = text("error_source")
        details = err.get("details")
        self.details: list[dict[str, _t.Any]] | None = (
            [d for d in details if isinstance(d, dict)] if isinstance(details, list) else None
        )


class BadRequestError(APIStatusError):
    """400"""

    kind = "validation"


class AuthenticationError(APIStatusError):
    """401"""

    kind = "authentication"


class PermissionDeniedError(APIStatusError):
    """403"""

    kind = "authorization"


class NotFoundError(APIStatusError):
    """404"""

    kind = "not_found"


class ConflictError(APIStatusError):
    """409"""

    kind = "conflict"


class PreconditionFailedError(ConflictError):
    """412: an `If-Match` / `If-None-Match` condition failed (someone changed the resource)."""


class UnprocessableEntityError(APIStatusError):
    """422"""

    kind = "validation"


class RateLimitError(APIStatusError):
    """429"""

    kind = "rate_limit"


class InternalServerError(APIStatusError):
    """5xx"""

    kind = "server"


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    412: PreconditionFailedError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}
# statuses where the same request may succeed later (with x-should-retry: true the server can add others)
RETRYABLE_STATUSES = frozenset({408, 429})


def error_for_response(response: httpx.Response, *, resendable: bool = False) -> APIStatusError:
    """The typed error of a non-2xx response; `resendable`: the request can be sent again without doubling a write
    (its `retry_allowed` also needs a status a retry can fix: 408, 429, 5xx or `x-should-retry: true`)."""
    try:
        body: _t.Any = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    status = response.status_code
    cls = _BY_STATUS.get(status)
    if cls is None:
        cls = InternalServerError if status >= 500 else APIStatusError
    hint = response.headers.get("x-should-retry")
    fixable = hint == "true" or (hint != "false" and (status in RETRYABLE_STATUSES or status >= 500))
    return cls(response, body, retry_allowed=resendable and fixable)


__all__ = [
    "APIError",
    "APIConnectionError",
    "APITimeoutError",
    "APIDeadlineError",
    "APIDestinationError",
    "APIProtocolError",
    "APIResponseValidationError",
    "RequestValidationError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "PreconditionFailedError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "IDEMPOTENT_METHODS",
    "error_for_response",
]
