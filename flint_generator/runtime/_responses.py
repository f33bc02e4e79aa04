"""What a call returns: the parsed body of its final response (`decode`, strict or lenient about the schema), and
the per-call raw response (`APIResponse`, `with_raw_response`), kept in a context variable so concurrent calls
never mix.
"""

from __future__ import annotations

import contextlib
import contextvars
import typing as _t

import httpx

from . import _codec, _config
from . import _runtime as _rt
from ._options import logger
from ._request import Call, loads
from .errors import APIProtocolError, APIResponseValidationError

T = _t.TypeVar("T")
P = _t.ParamSpec("P")


class APIResponse(_t.Generic[T]):
    """One call's result with its HTTP response: `parsed` (what the method returns), `http_response`, `status_code`,
    `headers`, `request_id`, `attempts` (1 + retries), `elapsed` (seconds, all attempts and waits) and
    `validation_errors` (what a lenient call found wrong with the body; empty when it matched its schema).
    """

    __slots__ = ("parsed", "http_response", "attempts", "elapsed", "validation_errors")

    def __init__(
        self,
        parsed: T,
        http_response: httpx.Response,
        attempts: int,
        elapsed: float,
        validation_errors: _t.Sequence[_rt.ValidationError] = (),
    ) -> None:
        self.parsed = parsed
        self.http_response = http_response
        self.attempts = attempts
        self.elapsed = elapsed
        self.validation_errors = list(validation_errors)

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> str | None:
        rid: str | None = self.http_response.headers.get(_config.REQUEST_ID_HEADER)
        return rid

    def __repr__(self) -> str:
        return f"APIResponse(status_code={self.status_code}, request_id={self.request_id!r}, parsed={self.parsed!r})"


# (response, attempts, elapsed seconds, validation problems of a lenient call)
Raw = _t.Tuple[httpx.Response, int, float, _t.List[_rt.ValidationError]]
# where the engine leaves each call's response for with_raw_response: a context variable, so threads and asyncio
# tasks never see each other's (no shared `last_response`)
_RAW: contextvars.ContextVar[list[Raw] | None] = contextvars.ContextVar("raw_responses", default=None)


def decode(call: Call, response: httpx.Response, strict: bool, problems: list[_rt.ValidationError]) -> _t.Any:
    """The parsed body of a final 2xx (None for 304 / no schema and no content).

    A body that does not match its schema raises APIResponseValidationError, unless `strict` is off: then the
    body is returned as received (a model still becomes its class, with the failing values kept as they came,
    see `_codec.construct`), each problem logged as a warning and appended to `problems`. A body that is not
    JSON at all is a protocol error either way."""
    if response.status_code == 304 or (call.parse is None and not response.content and call.response == "json"):
        return None
    if call.response == "raw":
        return response.content
    if call.response == "text":
        return response.text
    try:
        data = loads(response.content)
    except ValueError as exc:
        raise APIProtocolError(
            f"{response.status_code} response body is not JSON: {exc}", response=response, retry_allowed=False
        ) from None
    if call.parse is None:
        return data
    try:
        return call.parse(data, "")
    except _rt.ValidationError as e:
        if not strict:
            return _lenient(call, response, data, e, problems)
        raise APIResponseValidationError(
            f"{response.status_code} response does not match its schema: {e}", error=e, response=response, body=data
        ) from None


def _lenient(
    call: Call, response: httpx.Response, data: _t.Any, error: _rt.ValidationError, problems: list[_rt.ValidationError]
) -> _t.Any:
    cls = _codec.model_of(call.parse) if call.parse is not None else None
    result: _t.Any
    if cls is not None:
        result, found = _codec.construct(cls, data)
        problems.extend(found or [error])
    else:  # a list, union or scalar response: the data as received
        result = data
        problems.append(error)
    for p in problems:
        logger.warning(
            "%s %s -> %d: response does not match its schema at %s: %s (request id %s); returned as received",
            call.method,
            call.path,
            response.status_code,
            p.path or "$",
            p,
            response.headers.get(_config.REQUEST_ID_HEADER),
        )
    return result


@contextlib.contextmanager
def _holding() -> _t.Iterator[list[Raw]]:
    """Where the engine leaves the responses of the calls made inside the block."""
    held: list[Raw] = []
    token = _RAW.set(held)
    try:
        yield held
    finally:
        _RAW.reset(token)


def _raw_response(parsed: T, held: list[Raw]) -> APIResponse[T]:
    if not held:
        raise TypeError("with_raw_response wraps an operation method that sends one request")
    response, attempts, elapsed, problems = held[-1]
    return APIResponse(parsed, response, attempts, elapsed, problems)


def with_raw_response(method: _t.Callable[P, T]) -> _t.Callable[P, APIResponse[T]]:
    """`with_raw_response(client.orders.get)("ord_1")` -> APIResponse: the parsed result with its own HTTP
    response, attempts and elapsed time (kept per call in a context variable, so concurrent calls never mix).
    """

    def call(*args: P.args, **kwargs: P.kwargs) -> APIResponse[T]:
        with _holding() as held:
            parsed = method(*args, **kwargs)
        return _raw_response(parsed, held)

    return call


def async_with_raw_response(method: _t.Callable[P, _t.Awaitable[T]]) -> _t.Callable[P, _t.Awaitable[APIResponse[T]]]:
    """The async form of `with_raw_response`: `await client.with_raw_response(client.orders.get)("ord_1")`."""

    async def call(*args: P.args, **kwargs: P.kwargs) -> APIResponse[T]:
        with _holding() as held:
            parsed = await method(*args, **kwargs)
        return _raw_response(parsed, held)

    return call
