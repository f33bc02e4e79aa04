"""Exceptions raised by the client: one class per HTTP status family, each carrying the parsed error envelope
(`type`, `code`, `message`, `param`, `request_id`, and `doc_url`, `error_source`, `details` when the server sends
them) and the raw `httpx.Response`."""

from __future__ import annotations

import json
import typing as _t

from . import _config

if _t.TYPE_CHECKING:
    import httpx


class APIError(Exception):
    """Base of every error the client raises."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class APIConnectionError(APIError):
    """The request never got an HTTP response (DNS, refused connection, reset...)."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class APIStatusError(APIError):
    """The server answered with a non-2xx status.

    `type`, `code`, `message`, `param`, `request_id`, `doc_url` and `error_source` come from the
    `{"error": {...}}` envelope (None when the body has none); `details` is its "details" list (the entries that are
    objects; None when absent); `body` is the decoded JSON body (or None) and `response` the raw httpx.Response.
    """

    status_code: int

    def __init__(self, response: httpx.Response, body: _t.Any) -> None:
        err = body.get("error") if isinstance(body, dict) else None
        if not isinstance(err, dict):
            err = body if isinstance(body, dict) else {}

        def text(key: str) -> str | None:
            v = err.get(key)
            return v if isinstance(v, str) else None

        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.type = text("type")
        self.code = text("code")
        self.param = text("param")
        self.doc_url = text("doc_url")
        self.error_source = text("error_source")
        details = err.get("details")
        self.details: list[dict[str, _t.Any]] | None = (
            [d for d in details if isinstance(d, dict)] if isinstance(details, list) else None
        )
        self.request_id = text("request_id") or response.headers.get(_config.REQUEST_ID_HEADER)
        msg = text("message") or response.reason_phrase or "HTTP error"
        super().__init__(f"{response.status_code} {self.code or ''}: {msg}".replace("  ", " "))
        self.message = msg


class BadRequestError(APIStatusError):
    """400"""


class AuthenticationError(APIStatusError):
    """401"""


class PermissionDeniedError(APIStatusError):
    """403"""


class NotFoundError(APIStatusError):
    """404"""


class ConflictError(APIStatusError):
    """409"""


class UnprocessableEntityError(APIStatusError):
    """422"""


class RateLimitError(APIStatusError):
    """429"""


class InternalServerError(APIStatusError):
    """5xx"""


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_for_response(response: httpx.Response) -> APIStatusError:
    try:
        body: _t.Any = json.loads(response.content) if response.content else None
    except ValueError:
        body = None
    cls = _BY_STATUS.get(response.status_code)
    if cls is None:
        cls = InternalServerError if response.status_code >= 500 else APIStatusError
    return cls(response, body)


__all__ = [
    "APIError",
    "APIConnectionError",
    "APITimeoutError",
    "APIStatusError",
    "BadRequestError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "UnprocessableEntityError",
    "RateLimitError",
    "InternalServerError",
    "error_for_response",
]
