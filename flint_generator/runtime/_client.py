"""The engine under the generated clients (client.py only declares the typed methods): options, validation before
sending, RFC 3986 query strings, retries within a deadline, recovery-aware errors, per-call raw responses, pages,
money, logging.

One logical call:

1. the method's arguments are dumped to JSON data and validated against their schemas; a refused value raises
   `RequestValidationError` (outcome "not_sent") and nothing is sent;
2. attempts run until one gets an answer that is final; each attempt is limited by `timeout` (clipped to what is left
   of the deadline), and the whole call (attempts, backoff, Retry-After waits) by `deadline`; a wait that would
   end after the deadline is not started: `APIDeadlineError` is raised at once;
3. a transport error is retried only when resending cannot double a write: nothing was sent (connect errors), the
   method is idempotent (GET, HEAD, OPTIONS, PUT, DELETE) or the request carries its idempotency key; 408, 429 and
   5xx answers likewise (429 always: the server refused before acting), honouring Retry-After;
4. redirects are never followed (a 3xx is `APIDestinationError`); a 2xx whose body is not JSON or not valid against
   the schema is `APIProtocolError` / `APIResponseValidationError`, with the status and the raw response.
"""

from __future__ import annotations

import asyncio
import contextvars
import dataclasses
import datetime as _dt
import email.utils
import enum
import json
import logging
import os
import random
import re
import sys
import time
import typing as _t
import uuid
from decimal import Decimal
from urllib.parse import quote, urlencode, urlsplit

import httpx

from . import _codec, _config
from . import _runtime as _rt
from .errors import (
    IDEMPOTENT_METHODS,
    APIConnectionError,
    APIDeadlineError,
    APIDestinationError,
    APIProtocolError,
    APIResponseValidationError,
    APITimeoutError,
    RequestValidationError,
    error_for_response,
)

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2
INITIAL_RETRY_DELAY = 0.5
MAX_RETRY_DELAY = 8.0
MAX_RETRY_AFTER = 60.0
PACKAGE = (__package__ or "api").rsplit(".", 1)[-1]
USER_AGENT = (
    f"{PACKAGE}/{_config.INFO_VERSION} (python {sys.version_info[0]}.{sys.version_info[1]}; httpx {httpx.__version__})"
)

T = _t.TypeVar("T")
P = _t.ParamSpec("P")
PageT = _t.TypeVar("PageT")
ItemT = _t.TypeVar("ItemT")
C = _t.TypeVar("C", bound="BaseClient")

# the package's logger: requests, statuses, retries and their delays, request ids; never credentials or bodies.
# `<PREFIX>_LOG=debug|info` in the environment sends it to stderr.
logger = logging.getLogger(__package__ or PACKAGE)


def _setup_logging() -> None:
    level = os.environ.get(f"{_config.ENV_PREFIX}_LOG", "").lower()
    if level in ("debug", "info") and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.DEBUG if level == "debug" else logging.INFO)


class RequestOptions(_t.TypedDict, total=False):
    """Keywords every operation method accepts (each overrides the client's setting for this call only):
    `timeout` (seconds or an `httpx.Timeout`, per attempt), `deadline` (seconds for the whole call: every attempt,
    backoff and Retry-After wait), `max_retries` (after the first attempt), `extra_headers` (sent as given, last),
    `strict_responses` (False: a 2xx body that does not match its schema is returned as received, see decode).
    """

    timeout: float | httpx.Timeout | None
    deadline: float | None
    max_retries: int | None
    extra_headers: _t.Mapping[str, str] | None
    strict_responses: bool | None


_OPTION_NAMES = frozenset(RequestOptions.__annotations__)


class PageOptions(RequestOptions, total=False):
    """RequestOptions of the page and item iterators, plus `max_pages` / `max_items` (stop after that many). The
    deadline applies to each page's request, never to the time the caller spends between items.
    """

    max_pages: int | None
    max_items: int | None


@dataclasses.dataclass(frozen=True)
class Settings:
    """A client's defaults; `with_options` makes a client with some of them changed (sharing the connection pool)."""

    api_key: str | None
    base_url: str
    timeout: float | httpx.Timeout
    max_retries: int
    deadline: float | None
    default_headers: _t.Mapping[str, str]
    api_version: str | None
    idempotency_key: str | None = None
    strict_responses: bool = True


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


# ---------------------------------------------------------------------------------------------------- encoding
def jsonable(value: _t.Any) -> _t.Any:
    """JSON data of a request value: models through to_dict, enums to their value, sequences to lists, mappings
    (TypedDicts) to dicts without UNSET entries; Decimal stays Decimal (written as an exact number token).
    """
    t = type(value)
    if t is str or t is int or t is bool or value is None or t is float or t is Decimal:
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, _rt.UnknownEnumValue):
        return value.value
    if isinstance(value, _dt.datetime):
        return _rt.dump_datetime(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    if _rt.is_file(value):  # an upload stays as given: bytes, a file object, (filename, content[, type])
        return value
    to_dict = getattr(value, "to_dict", None)
    if to_dict is not None:
        return jsonable(to_dict())
    if isinstance(value, _t.Mapping):
        return {k: jsonable(v) for k, v in value.items() if v is not _rt.UNSET}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    return value


def dumps(value: _t.Any) -> bytes:
    """Compact JSON, UTF-8; a Decimal is written as its exact token (`12.50`), never through a float."""
    return _rt.exact_json(value).encode()


def loads(content: bytes) -> _t.Any:
    """JSON of a response body (numbers that are not integers as `_config.NUMBER`: Decimal when the spec's numbers
    are exact decimals)."""
    return json.loads(content, parse_float=_config.NUMBER)


def _text(v: _t.Any) -> str:
    if v is True or v is False:
        return "true" if v else "false"
    if v is None:
        return ""
    return str(v)


def _q(text: str) -> str:
    """RFC 3986 percent-encoding: everything but unreserved characters (`a b` -> `a%20b`, never `+`)."""
    return quote(text, safe="")


def encode_param(name: str, value: _t.Any, style: str, explode: bool) -> list[str]:
    """`name=value` items of a query string for one parameter's JSON data, in its OpenAPI style."""
    n = _q(name)
    if isinstance(value, list):
        if not value:
            return []
        if style == "form" and explode:
            return [f"{n}={_q(_text(v))}" for v in value]
        sep = {"spaceDelimited": "%20", "pipeDelimited": "%7C"}.get(style, ",")
        return [f"{n}={sep.join(_q(_text(v)) for v in value)}"]
    if isinstance(value, dict):
        if style == "deepObject":
            return [f"{n}%5B{_q(str(k))}%5D={_q(_text(v))}" for k, v in value.items()]
        if explode:
            return [f"{_q(str(k))}={_q(_text(v))}" for k, v in value.items()]
        return [f"{n}={','.join(_q(str(k)) + ',' + _q(_text(v)) for k, v in value.items())}"]
    return [f"{n}={_q(_text(value))}"]


def _simple(value: _t.Any, explode: bool, escape: _t.Callable[[str], str]) -> str:
    """OpenAPI `simple` style (path and header parameters)."""
    if isinstance(value, list):
        return ",".join(escape(_text(v)) for v in value)
    if isinstance(value, dict):
        if explode:
            return ",".join(f"{escape(str(k))}={escape(_text(v))}" for k, v in value.items())
        return ",".join(f"{escape(str(k))},{escape(_text(v))}" for k, v in value.items())
    return escape(_text(value))


def _form(value: _t.Any, prefix: str, out: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """application/x-www-form-urlencoded with bracketed keys (`a[b][0]=c`)."""
    if isinstance(value, dict):
        for k, v in value.items():
            _form(v, f"{prefix}[{k}]" if prefix else str(k), out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _form(v, f"{prefix}[{i}]", out)
    elif value is not None:
        out.append((prefix, _text(value)))
    return out


Parser = _t.Callable[[_t.Any, str], _t.Any]
# one parameter of a call: (wire name, value, parser validating its JSON data or None, style, explode)
Param = _t.Tuple[str, _t.Any, _t.Optional[Parser], str, bool]


class Call:
    """One prepared request: validated, encoded, ready for attempts."""

    __slots__ = (
        "method",
        "path",
        "query",
        "headers",
        "content",
        "media",
        "idempotent",
        "idempotency_key",
        "not_modified",
        "parse",
        "response",
        "url",
    )

    def __init__(
        self,
        method: str,
        path: str,
        query: str,
        headers: list[tuple[str, str]],
        content: bytes | None,
        media: str | None,
        idempotent: bool,
        idempotency_key: str | None,
        not_modified: bool,
        parse: Parser | None,
        response: str = "json",
        url: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.content = content
        self.media = media
        self.idempotent = idempotent
        self.idempotency_key = idempotency_key
        self.not_modified = not_modified
        self.parse = parse
        self.response = response  # "json", or a body returned as it came: "raw" (bytes) or "text" (str)
        self.url = url  # an absolute URL (a next-page link) instead of base URL + path + query


def _check(value: _t.Any, parse: Parser | None, path: str) -> None:
    if parse is None:
        return
    try:
        parse(value, path)
    except _rt.ValidationError as e:
        raise RequestValidationError(e) from None


def prepare(
    method: str,
    path: str,
    *,
    path_params: _t.Sequence[Param] = (),
    query: _t.Sequence[Param] = (),
    headers: _t.Sequence[Param] = (),
    body: _t.Any = _rt.UNSET,
    fields: _t.Mapping[str, _t.Any] | None = None,
    body_parse: Parser | None = None,
    media: str = "application/json",
    idempotent: bool = False,
    idempotency_key: str | None = None,
    not_modified: bool = False,
    parse: Parser | None = None,
    response: str = "json",
) -> Call:
    """Validate every value against its schema (RequestValidationError, nothing sent) and encode the request.
    `fields`: the body's top-level fields given as keywords (mutually exclusive with `body`).
    """
    given = {k: v for k, v in (fields or {}).items() if v is not _rt.UNSET}
    if given:
        if body is not _rt.UNSET:
            raise TypeError(f"pass the body or its fields as keywords, not both ({', '.join(given)})")
        body = given
    for name, value, fn, style, explode in path_params:
        data = jsonable(value)
        _check(data, fn, name)
        path = path.replace("{" + name + "}", _simple(data, explode, _q))
    items: list[str] = []
    for name, value, fn, style, explode in query:
        if value is _rt.UNSET:
            continue
        data = jsonable(value)
        _check(data, fn, name)
        if data is not None:
            items.extend(encode_param(name, data, style, explode))
    hs: list[tuple[str, str]] = []
    for name, value, fn, style, explode in headers:
        if value is _rt.UNSET:
            continue
        data = jsonable(value)
        _check(data, fn, name)
        if data is not None:
            hs.append((name, _simple(data, explode, str)))
    content: bytes | None = None
    content_type = media
    if body is not _rt.UNSET:
        data = _codec.fill_defaults(body_parse, jsonable(body))  # a variant's tag need not be passed
        _check(data, body_parse, "")
        content, content_type = encode_body(data, media)
    return Call(
        method,
        path,
        "&".join(items),
        hs,
        content,
        content_type if content is not None else None,
        idempotent,
        idempotency_key,
        not_modified,
        parse,
        response,
    )


def encode_body(data: _t.Any, media: str) -> tuple[bytes, str]:
    """(content, Content-Type) of a request body: JSON, a form (multipart: file fields become parts with a
    filename, other non-string values JSON text; urlencoded: bracketed keys), text, or raw bytes. Built once per
    call, so every retry resends the same bytes."""
    if media == "application/x-www-form-urlencoded":
        return urlencode(_form(data, "", [])).encode(), media
    if media == "multipart/form-data":
        fields: dict[str, list[str]] = {}
        files: list[tuple[str, _t.Any]] = []
        for k, v in data.items() if isinstance(data, dict) else ():
            for item in v if isinstance(v, list) else [v]:
                if _rt.is_file(item):
                    files.append((k, item if isinstance(item, tuple) else (k, item)))
                else:
                    fields.setdefault(k, []).append(item if isinstance(item, str) else dumps(item).decode())
        request = httpx.Request("POST", "http://multipart.invalid", data=fields, files=files)
        return request.read(), request.headers["Content-Type"]
    if isinstance(data, (bytes, bytearray)):
        return bytes(data), media
    if callable(getattr(data, "read", None)):
        return data.read(), media
    if isinstance(data, str) and not (media == "application/json" or media.endswith("+json")):
        return data.encode(), media
    return dumps(data), media


# ---------------------------------------------------------------------------------------------------- retries
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


# ---------------------------------------------------------------------------------------------------- clients
class BaseClient:
    """What the sync and async clients share: settings from arguments, then the environment
    (`<PREFIX>_API_KEY`, `<PREFIX>_BASE_URL`), then the spec; headers; `with_options`.
    """

    _settings: Settings
    # the clock and the sleep the engine uses (tests swap them for a fake clock)
    _clock: _t.Callable[[], float] = staticmethod(time.monotonic)

    def _init_settings(
        self,
        api_key: str | None,
        base_url: str | None,
        timeout: float | httpx.Timeout,
        max_retries: int,
        deadline: float | None,
        default_headers: _t.Mapping[str, str] | None,
        api_version: str | None,
        strict_responses: bool = True,
    ) -> None:
        _setup_logging()
        if api_key is None:
            api_key = os.environ.get(f"{_config.ENV_PREFIX}_API_KEY") or None
        if base_url is None:
            base_url = os.environ.get(f"{_config.ENV_PREFIX}_BASE_URL") or _config.DEFAULT_BASE_URL
        self._settings = Settings(
            api_key=api_key,
            base_url=base_url.rstrip("/"),
            timeout=timeout,
            max_retries=max_retries,
            deadline=deadline,
            default_headers=dict(default_headers or {}),
            api_version=api_version if api_version is not None else _config.API_VERSION,
            strict_responses=strict_responses,
        )
        self.last_response: httpx.Response | None = None

    @property
    def api_key(self) -> str | None:
        return self._settings.api_key

    @property
    def base_url(self) -> str:
        return self._settings.base_url

    @property
    def timeout(self) -> float | httpx.Timeout:
        return self._settings.timeout

    @property
    def max_retries(self) -> int:
        return self._settings.max_retries

    @property
    def deadline(self) -> float | None:
        return self._settings.deadline

    @property
    def api_version(self) -> str | None:
        return self._settings.api_version

    def _key_mode(self) -> str:
        """The key's mode from its prefix (the spec's x-api-key-modes), else "unknown"; generated clients expose it
        as `mode` only when the spec declares the prefixes."""
        key = self._settings.api_key or ""
        for mode, prefix in _config.KEY_MODES.items():
            if key.startswith(prefix):
                return mode
        return "unknown"

    @property
    def last_request_id(self) -> str | None:
        """Request id of `last_response`: the most recent response this client object saw (shared by every call
        on it; per call, use `with_raw_response`)."""
        r = self.last_response
        return r.headers.get(_config.REQUEST_ID_HEADER) if r is not None else None

    def _bind(self) -> None:
        """Create the resource groups (generated clients override it)."""

    def _derive(self: C, **changes: _t.Any) -> C:
        """A copy with the settings in `changes` that are not UNSET replaced, sharing the HTTP client."""
        given = {k: v for k, v in changes.items() if v is not _rt.UNSET}
        if "base_url" in given:
            given["base_url"] = given["base_url"].rstrip("/")
        if "default_headers" in given:
            given["default_headers"] = {**self._settings.default_headers, **given["default_headers"]}
        new = object.__new__(type(self))
        new.__dict__.update(self.__dict__)
        new._settings = dataclasses.replace(self._settings, **given)
        new._owns_http = False  # type: ignore[attr-defined]
        new.last_response = None
        new._bind()
        return new

    def _begin(self, call: Call, options: _t.Mapping[str, _t.Any]) -> tuple[str, httpx.Headers, bool]:
        """The URL, the headers and whether the call carries an idempotency key. The key is made once per call,
        before the first attempt (the caller's, the with_options one, else a uuid4): every retry sends the same.
        """
        unknown = set(options) - _OPTION_NAMES
        if unknown:
            raise TypeError(f"unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        key = None
        if call.idempotent:
            key = call.idempotency_key or self._settings.idempotency_key or str(uuid.uuid4())
        headers = self._headers(call, key, options.get("extra_headers"))
        return self._url(call), headers, key is not None

    def _headers(self, call: Call, key: str | None, extra: _t.Mapping[str, str] | None) -> httpx.Headers:
        """Later sources replace earlier ones whatever their case: defaults, the version pin, the client's headers,
        the key, the call's header parameters, the idempotency key, `extra_headers`."""
        s = self._settings
        h = httpx.Headers({"Accept": "application/json", "User-Agent": USER_AGENT})
        if _config.API_VERSION_HEADER and s.api_version:
            h[_config.API_VERSION_HEADER] = s.api_version
        h.update(s.default_headers)
        if s.api_key and _config.AUTH_HEADER:
            h[_config.AUTH_HEADER] = _config.AUTH_PREFIX + s.api_key
        for name, value in call.headers:
            h[name] = value
        if call.media is not None:
            h["Content-Type"] = call.media
        if key is not None:
            h[_config.IDEMPOTENCY_HEADER] = key
        if extra:
            h.update(extra)
        return h

    def _url(self, call: Call) -> str:
        if call.url is not None:
            return call.url
        return self._settings.base_url + call.path + ("?" + call.query if call.query else "")

    def follow_call(self, url: str, parse: Parser | None) -> Call:
        """A GET of a next-page link, parsed like the list's first page; refused (nothing sent) unless the link
        stays on the client's origin: a server must not be able to send the API key elsewhere."""
        if not same_origin(self._settings.base_url, url):
            raise APIDestinationError(
                f"next page link {url!r} leaves the client's origin {self._settings.base_url!r}; not followed",
                outcome="not_sent",
                retry_allowed=False,
            )
        return Call("GET", urlsplit(url).path, "", [], None, None, False, None, False, parse, url=url)


def with_raw_response(method: _t.Callable[P, T]) -> _t.Callable[P, APIResponse[T]]:
    """`with_raw_response(client.orders.get)("ord_1")` -> APIResponse: the parsed result with its own HTTP
    response, attempts and elapsed time (kept per call in a context variable, so concurrent calls never mix).
    """

    def call(*args: P.args, **kwargs: P.kwargs) -> APIResponse[T]:
        held: list[Raw] = []
        token = _RAW.set(held)
        try:
            parsed = method(*args, **kwargs)
        finally:
            _RAW.reset(token)
        if not held:
            raise TypeError("with_raw_response wraps an operation method that sends one request")
        response, attempts, elapsed, problems = held[-1]
        return APIResponse(parsed, response, attempts, elapsed, problems)

    return call


def async_with_raw_response(method: _t.Callable[P, _t.Awaitable[T]]) -> _t.Callable[P, _t.Awaitable[APIResponse[T]]]:
    """The async form of `with_raw_response`: `await client.with_raw_response(client.orders.get)("ord_1")`."""

    async def call(*args: P.args, **kwargs: P.kwargs) -> APIResponse[T]:
        held: list[Raw] = []
        token = _RAW.set(held)
        try:
            parsed = await method(*args, **kwargs)
        finally:
            _RAW.reset(token)
        if not held:
            raise TypeError("with_raw_response wraps an operation method that sends one request")
        response, attempts, elapsed, problems = held[-1]
        return APIResponse(parsed, response, attempts, elapsed, problems)

    return call


class SyncEngine(BaseClient):
    _http: httpx.Client
    _owns_http: bool
    _sleep: _t.Callable[[float], None] = staticmethod(time.sleep)

    def _init_http(self, transport: httpx.BaseTransport | None, http_client: httpx.Client | None) -> None:
        self._http = http_client or httpx.Client(transport=transport, follow_redirects=False)
        self._owns_http = http_client is None

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def send(self, call: Call, options: _t.Mapping[str, _t.Any]) -> _t.Any:
        """Run the call's attempts; return the parsed 2xx body (None for a 304) or raise an APIError."""
        url, headers, keyed = self._begin(call, options)
        run = Run(self._settings, call, options, self._clock, keyed)
        logger.debug("%s %s", call.method, url)
        while True:
            timeout = run.next_attempt()
            request = self._http.build_request(call.method, url, headers=headers, content=call.content, timeout=timeout)
            try:
                response = self._http.send(request, follow_redirects=False)
            except httpx.TransportError as exc:
                self._sleep(run.after_error(exc))
                continue
            self.last_response = response
            wait = run.after_response(response)
            if wait is None:
                return run.done(response)
            self._sleep(wait)

    def with_raw_response(self, method: _t.Callable[P, T]) -> _t.Callable[P, APIResponse[T]]:
        """`client.with_raw_response(client.orders.get)("ord_1")`: see APIResponse."""
        return with_raw_response(method)

    def follow(self, url: str, parse: Parser | None, options: _t.Mapping[str, _t.Any]) -> APIResponse[_t.Any]:
        """The next page at `url` (see follow_call) with its HTTP response."""
        return with_raw_response(self.send)(self.follow_call(url, parse), options)


class AsyncEngine(BaseClient):
    _http: httpx.AsyncClient
    _owns_http: bool

    async def _sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def _init_http(self, transport: httpx.AsyncBaseTransport | None, http_client: httpx.AsyncClient | None) -> None:
        self._http = http_client or httpx.AsyncClient(transport=transport, follow_redirects=False)
        self._owns_http = http_client is None

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def send(self, call: Call, options: _t.Mapping[str, _t.Any]) -> _t.Any:
        """Run the call's attempts; return the parsed 2xx body (None for a 304) or raise an APIError."""
        url, headers, keyed = self._begin(call, options)
        run = Run(self._settings, call, options, self._clock, keyed)
        logger.debug("%s %s", call.method, url)
        while True:
            timeout = run.next_attempt()
            request = self._http.build_request(call.method, url, headers=headers, content=call.content, timeout=timeout)
            left = run.remaining()
            try:
                # the deadline bounds the whole attempt (httpx's timeouts are per network operation)
                response = await asyncio.wait_for(self._http.send(request, follow_redirects=False), left)
            except (httpx.TransportError, asyncio.TimeoutError) as exc:
                await self._sleep(run.after_error(exc))
                continue
            self.last_response = response
            wait = run.after_response(response)
            if wait is None:
                return run.done(response)
            await self._sleep(wait)

    def with_raw_response(
        self, method: _t.Callable[P, _t.Awaitable[T]]
    ) -> _t.Callable[P, _t.Awaitable[APIResponse[T]]]:
        """`await client.with_raw_response(client.orders.get)("ord_1")`: see APIResponse."""
        return async_with_raw_response(method)

    async def follow(self, url: str, parse: Parser | None, options: _t.Mapping[str, _t.Any]) -> APIResponse[_t.Any]:
        """The next page at `url` (see follow_call) with its HTTP response."""
        return await async_with_raw_response(self.send)(self.follow_call(url, parse), options)


# ---------------------------------------------------------------------------------------------------- pages
class PageLimits:
    """PageOptions split: the RequestOptions each page's request gets, and the iterator's limits."""

    __slots__ = ("options", "max_pages", "max_items")

    def __init__(self, options: RequestOptions, max_pages: int | None, max_items: int | None) -> None:
        self.options = options
        self.max_pages = max_pages
        self.max_items = max_items


def page_limits(options: PageOptions) -> PageLimits:
    rest: dict[str, _t.Any] = dict(options)
    max_pages: int | None = rest.pop("max_pages", None)
    max_items: int | None = rest.pop("max_items", None)
    for name, v in (("max_pages", max_pages), ("max_items", max_items)):
        if v is not None and (type(v) is not int or v < 0):
            raise ValueError(f"{name} must be a non-negative integer, not {v!r}")
    return PageLimits(_t.cast(RequestOptions, rest), max_pages, max_items)


def _last(token: _t.Any) -> bool:
    return token is None or token is _rt.UNSET or token == ""


def pages(fetch: _t.Callable[[_t.Any], tuple[PageT, _t.Any]], max_pages: int | None) -> _t.Iterator[PageT]:
    """Lazy pages: `fetch(token)` (UNSET for the first page) returns the page and the next page's token (a cursor,
    an offset, a page number or a URL; None when that page was the last) until the last page or `max_pages`.
    Each request runs with its own deadline, started when the caller asks for that page."""
    token: _t.Any = _rt.UNSET
    n = 0
    while max_pages is None or n < max_pages:
        page, token = fetch(token)
        n += 1
        yield page
        if _last(token):
            return


def next_offset(at: _t.Any, count: int, size: _t.Any, total: _t.Any) -> int | None:
    """Offset pagination: the next offset after a page of `count` items fetched at `at` (UNSET: from 0), or None
    when that page was the last: empty, shorter than the page size asked for, or reaching `total`."""
    start = at if isinstance(at, int) else 0
    if count == 0 or (isinstance(size, int) and count < size):
        return None
    nxt = start + count
    return None if isinstance(total, int) and not isinstance(total, bool) and nxt >= total else nxt


def listed(value: list[ItemT] | _t.Any) -> list[ItemT]:
    """A page's items field: a list, or nothing when an optional field was absent (UNSET) or null."""
    return value if isinstance(value, list) else []


def next_page(at: _t.Any, count: int, size: _t.Any) -> int | None:
    """Page-number pagination: the number after page `at` (UNSET: the first, 1), or None when that page was the
    last (empty, or shorter than the page size asked for)."""
    if count == 0 or (isinstance(size, int) and count < size):
        return None
    return (at if isinstance(at, int) else 1) + 1


def next_link(response: httpx.Response, body_link: _t.Any = None) -> str | None:
    """Link pagination: the next page's absolute URL from the body's next-URL field when the spec names one, else
    from the RFC 8288 `Link: <url>; rel="next"` header; relative references resolve against the page's URL.
    Whether it may be followed (same origin) is checked when it is requested (`BaseClient.follow_call`)."""
    target = body_link if isinstance(body_link, str) and body_link else None
    if target is None and "link" in response.headers:
        target = response.links.get("next", {}).get("url")
    if not target:
        return None
    return str(response.url.join(target))


def items(
    pages_: _t.Iterator[PageT], items_of: _t.Callable[[PageT], _t.Iterable[ItemT]], max_items: int | None
) -> _t.Iterator[ItemT]:
    n = 0
    if max_items == 0:
        return
    for page in pages_:
        for item in items_of(page):
            yield item
            n += 1
            if max_items is not None and n >= max_items:
                return


async def apages(
    fetch: _t.Callable[[_t.Any], _t.Awaitable[tuple[PageT, _t.Any]]], max_pages: int | None
) -> _t.AsyncIterator[PageT]:
    token: _t.Any = _rt.UNSET
    n = 0
    while max_pages is None or n < max_pages:
        page, token = await fetch(token)
        n += 1
        yield page
        if _last(token):
            return


async def aitems(
    pages_: _t.AsyncIterator[PageT], items_of: _t.Callable[[PageT], _t.Iterable[ItemT]], max_items: int | None
) -> _t.AsyncIterator[ItemT]:
    n = 0
    if max_items == 0:
        return
    async for page in pages_:
        for item in items_of(page):
            yield item
            n += 1
            if max_items is not None and n >= max_items:
                return


def same_origin(base_url: str, url: str) -> bool:
    a, b = urlsplit(base_url), urlsplit(url)
    ports = {"http": 80, "https": 443}
    here = (a.scheme, a.hostname, a.port or ports.get(a.scheme))
    return here == (b.scheme, b.hostname, b.port or ports.get(b.scheme))


# ---------------------------------------------------------------------------------------------------- money
_MAJOR = re.compile(r"(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?")


def minor_units(amount: str | Decimal | int, exponent: int, signed: bool) -> int:
    """Exact minor units of a major-unit amount ("12.34" with exponent 2 -> 1234). Refuses floats, whitespace,
    a sign where the amount may not be negative (and "+" always), exponents, and more decimals than the currency
    has (never rounds)."""
    if isinstance(amount, bool) or isinstance(amount, float) or not isinstance(amount, (str, Decimal, int)):
        raise TypeError(f"money amounts are exact: pass a string like '12.34', not {type(amount).__name__}")
    if isinstance(amount, Decimal):
        if not amount.is_finite():
            raise ValueError(f"{amount!r} is not a finite amount")
        text = format(amount, "f")
    else:
        text = str(amount)
    m = _MAJOR.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not a plain decimal amount (digits, an optional '.', no spaces or exponent)")
    sign, whole, frac = m.group(1), m.group(2), m.group(3) or ""
    if sign and not signed:
        raise ValueError(f"{text!r}: this money may not be negative")
    if len(frac) > exponent:
        raise ValueError(f"{text!r} has more than {exponent} decimal(s)")
    units: int = int(whole) * int(10**exponent) + (int(frac.ljust(exponent, "0")) if exponent else 0)
    return -units if sign else units
