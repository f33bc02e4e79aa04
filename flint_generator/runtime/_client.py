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

The pieces live in modules of their own: _options.py (settings, options, logger), _request.py (prepare: validate and
encode), _retry.py (the attempts), _responses.py (decode, APIResponse, with_raw_response), _pages.py (pagination) and
_money.py; this module holds the client classes and gathers what the generated client.py reads through it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import sys
import time
import typing as _t
import uuid
from urllib.parse import urlsplit

import httpx

from . import _config
from . import _runtime as _rt
from ._money import minor_units as minor_units
from ._options import _OPTION_NAMES, PACKAGE, Settings, _setup_logging, logger
from ._options import PageOptions as PageOptions
from ._options import RequestOptions as RequestOptions
from ._pages import aitems as aitems
from ._pages import apages as apages
from ._pages import items as items
from ._pages import listed as listed
from ._pages import next_link as next_link
from ._pages import next_offset as next_offset
from ._pages import next_page as next_page
from ._pages import page_limits as page_limits
from ._pages import pages as pages
from ._pages import same_origin
from ._request import Call
from ._request import prepare as prepare
from ._request import prepare_operation, response_parser
from ._responses import APIResponse as APIResponse
from ._responses import async_with_raw_response
from ._responses import with_raw_response as with_raw_response
from ._retry import Run
from .errors import APIDestinationError

DEFAULT_TIMEOUT = 60.0
DEFAULT_MAX_RETRIES = 2
USER_AGENT = (
    f"{PACKAGE}/{_config.INFO_VERSION} (python {sys.version_info[0]}.{sys.version_info[1]}; httpx {httpx.__version__})"
)

T = _t.TypeVar("T")
P = _t.ParamSpec("P")
C = _t.TypeVar("C", bound="BaseClient")


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

    def follow_call(self, url: str, operation_id: str) -> Call:
        """A GET of a next-page link, parsed like the list's first page; refused (nothing sent) unless the link
        stays on the client's origin: a server must not be able to send the API key elsewhere."""
        if not same_origin(self._settings.base_url, url):
            raise APIDestinationError(
                f"next page link {url!r} leaves the client's origin {self._settings.base_url!r}; not followed",
                outcome="not_sent",
                retry_allowed=False,
            )
        return Call(
            "GET", urlsplit(url).path, "", [], None, None, False, None, False, response_parser(operation_id), url=url
        )


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

    def call(self, operation_id: str, args: _t.Mapping[str, _t.Any]) -> _t.Any:
        """One operation of the package's _operations.json, called with a client method's `locals()` (its arguments,
        `options` among them)."""
        return self.send(prepare_operation(operation_id, args), args["options"])

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

    def follow(self, url: str, operation_id: str, options: _t.Mapping[str, _t.Any]) -> APIResponse[_t.Any]:
        """The next page at `url` (see follow_call) of a list operation, with its HTTP response."""
        return with_raw_response(self.send)(self.follow_call(url, operation_id), options)


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

    async def call(self, operation_id: str, args: _t.Mapping[str, _t.Any]) -> _t.Any:
        """One operation of the package's _operations.json, called with a client method's `locals()`."""
        return await self.send(prepare_operation(operation_id, args), args["options"])

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

    async def follow(self, url: str, operation_id: str, options: _t.Mapping[str, _t.Any]) -> APIResponse[_t.Any]:
        """The next page at `url` (see follow_call) of a list operation, with its HTTP response."""
        return await async_with_raw_response(self.send)(self.follow_call(url, operation_id), options)
