"""The server engine of the generated package: routing, authentication hook, strict JSON, parameter and body
validation through the models, idempotency, error envelopes. The same in every package; the spec reaches it
through `_config.py` and `_operations.json`, and server.py adds the typed `Service` protocol.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import importlib
import importlib.resources as _resources
import json
import logging
import re
import typing as _t
import urllib.parse
import uuid
from dataclasses import dataclass
from decimal import Decimal

from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route

from . import _runtime as _rt
from ._config import (
    CODES,
    CONFLICT_ERROR_TYPE,
    DOC_URL,
    ECHO_CALLER_REQUEST_ID,
    ECHO_IDEMPOTENCY_KEY,
    ERROR_SOURCES,
    ERROR_TYPES,
    IDEMPOTENCY_HEADER,
    MAX_BODY_BYTES,
    MAX_DEPTH,
    OMIT_NULL,
    REPLAYED_HEADER,
    REPLAYED_POINTER,
    REQUEST_ID_HEADER,
    REQUEST_ID_POINTER,
    VALIDATION_ERROR_TYPE,
)
from ._runtime import UNSET, Unset, ValidationError

log = logging.getLogger(__name__.rsplit(".", 1)[0] + ".server")
# the models module of this package, found at import time (the engine is the same text in every package)
_m: _t.Any = importlib.import_module(".models", __package__)
# the order methods are listed in `Allow` (405 answers and OPTIONS)
_METHOD_ORDER = ("GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "QUERY")


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the authenticate hook decided. Idempotency keys (and data) are scoped by `tenant`."""

    tenant: str
    scopes: frozenset[str]
    key_id: str | None = None


@dataclass
class RequestContext:
    request_id: str
    principal: Principal
    operation_id: str
    idempotency_key: str | None
    headers: _t.Mapping[str, str]


@dataclass(frozen=True)
class OperationSecurity:
    """What an operation requires: `scopes` of its first security requirement; `requirements` lists every
    alternative as ((scheme, (scope, ...)), ...); `anonymous` when the spec allows no credentials.
    """

    operation_id: str
    scopes: frozenset[str]
    requirements: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...]
    anonymous: bool


class ApiError(Exception):
    """Raise from a service method (or the auth hook) to answer with the error envelope. `type` None: by status
    (ERROR_TYPES); `details` (a list of objects, e.g. `{"code", "message", "param"}`) is written as "details".
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        param: str | None = None,
        type: str | None = None,
        headers: _t.Mapping[str, str] | None = None,
        *,
        details: _t.Sequence[_t.Mapping[str, _t.Any]] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.type = type
        self.headers = dict(headers or {})
        self.details: list[dict[str, _t.Any]] | None = None if details is None else [dict(d) for d in details]


Authenticate = _t.Callable[[_t.Mapping[str, str], OperationSecurity], _t.Awaitable[Principal]]


@dataclass(frozen=True)
class Proceed:
    """No stored result: run the operation, then call complete() (or abandon() on a 5xx)."""


@dataclass(frozen=True)
class Replay:
    status: int
    body: bytes


@dataclass(frozen=True)
class Conflict:
    code: str  # e.g. IDEMPOTENCY_KEY_REUSED or IDEMPOTENCY_KEY_IN_PROGRESS
    message: str = "idempotency key conflict"


IdempotencyOutcome = _t.Union[Proceed, Replay, Conflict]


class IdempotencyStore(_t.Protocol):
    async def begin(self, tenant: str, key: str, route: str, fingerprint: str) -> IdempotencyOutcome: ...

    async def complete(self, tenant: str, key: str, status: int, body: bytes) -> None: ...

    async def abandon(self, tenant: str, key: str) -> None: ...


@dataclass(frozen=True)
class _Param:
    name: str
    py_name: str
    location: str
    conv: str
    multi: bool
    required: bool
    parse: _t.Callable[[_t.Any, str], _t.Any]


@dataclass(frozen=True)
class _Op:
    operation_id: str
    method: str
    path: str
    status: int
    params: tuple[_Param, ...]
    body: _t.Callable[[_t.Any, str], _t.Any] | None
    body_required: bool
    media: str
    idempotent: bool
    idempotency_key: _t.Callable[[_t.Any, str], _t.Any]
    security: OperationSecurity
    service_name: str
    positional: tuple[str, ...]  # path parameters, passed in order before the body
    keywords: tuple[str, ...]  # query / header / cookie parameters, passed by name
    shape: str = "json"  # how the body travels: json, form (multipart / urlencoded), text, raw
    form: tuple[tuple[str, str, bool], ...] = ()  # form fields: (name, conversion, repeated)
    response: str = "json"  # none, json, text (str) or raw (bytes)
    response_media: str = "application/json"

    async def call(self, svc: _t.Any, ctx: RequestContext, a: dict[str, _t.Any], body: _t.Any) -> _t.Any:
        args = [a[n] for n in self.positional]
        if self.body is not None:
            args.append(body)
        return await getattr(svc, self.service_name)(ctx, *args, **{n: a[n] for n in self.keywords})


class _FromDict:
    """`cls.from_dict`, looked up per call: the compiled one replaces the generic one on first use."""

    __slots__ = ("cls",)

    def __init__(self, cls: _t.Any) -> None:
        self.cls = cls

    def __call__(self, data: _t.Any, path: str) -> _t.Any:
        return self.cls.from_dict(data, path)


def _package_file(name: str) -> bytes:
    """A data file of this package, also when it is vendored inside a zip file (zipapp, PyInstaller)."""
    return _resources.files(__package__ or "").joinpath(name).read_bytes()


def _parser(ref: str) -> _t.Callable[[_t.Any, str], _t.Any]:
    """A parser named in _operations.json by its attribute path (`_m.Order.from_dict`, `_rt.p_str`)."""
    root, *attrs = ref.split(".")
    obj: _t.Any = {"_m": _m, "_rt": _rt}[root]
    for attr in attrs[:-1]:
        obj = getattr(obj, attr)
    if attrs[-1] == "from_dict":
        return _FromDict(obj)
    fn: _t.Callable[[_t.Any, str], _t.Any] = getattr(obj, attrs[-1])
    return fn


def _load_operations() -> tuple[_Op, ...]:
    """The route table: data in _operations.json (see the generator's tables.py), in routing order."""
    table = json.loads(_package_file("_operations.json").decode("utf-8"))
    return tuple(
        _Op(
            e["id"],
            e["method"],
            e["path"],
            e["status"],
            tuple(
                _Param(n, py, loc, conv, multi, req, _parser(fn)) for n, py, loc, conv, multi, req, fn in e["params"]
            ),
            None if e["body"] is None else _parser(e["body"]),
            e["body_required"],
            e["media"],
            e["idempotent"],
            _parser(e["idempotency_key"]),
            OperationSecurity(
                e["id"],
                frozenset(e["scopes"]),
                tuple(tuple((name, tuple(scopes)) for name, scopes in req) for req in e["security"]),
                e["anonymous"],
            ),
            e["service"],
            tuple(e["positional"]),
            tuple(e["keywords"]),
            e.get("shape", "json"),
            tuple((n, c, m) for n, c, m in e.get("form", [])),
            e.get("response", "json"),
            e.get("response_media", "application/json"),
        )
        for e in table
    )


_OPS = _load_operations()
OPERATION_SECURITY: dict[str, OperationSecurity] = {op.operation_id: op.security for op in _OPS}
# by operationId: the documented success status, and whether the operation takes an idempotency key
SUCCESS_STATUS: dict[str, int] = {op.operation_id: op.status for op in _OPS}
IDEMPOTENT_OPERATIONS: frozenset[str] = frozenset(op.operation_id for op in _OPS if op.idempotent)


# ---------------------------------------------------------------------------------------------------- engine


def _by_status(table: _t.Mapping[str, str], status: int) -> str | None:
    return table.get(str(status)) or table.get(f"{status // 100}xx") or table.get("default")


def error_type(status: int) -> str:
    """The envelope's `type` for `status` when the error names none (a service calls this rather than keep a table)."""
    return _by_status(ERROR_TYPES, status) or ("api_error" if status >= 500 else "invalid_request_error")


def _envelope(
    status: int,
    code: str,
    message: str,
    param: str | None,
    request_id: str,
    type: str | None = None,
    headers: _t.Mapping[str, str] | None = None,
    details: list[dict[str, _t.Any]] | None = None,
) -> Response:
    error: dict[str, _t.Any] = {"type": type or error_type(status), "code": code, "message": message}
    if DOC_URL is not None:
        error["doc_url"] = DOC_URL.replace("{code}", urllib.parse.quote(code, safe=""))
    source = _by_status(ERROR_SOURCES, status)
    if source is not None:
        error["error_source"] = source
    error["param"] = param
    error["request_id"] = request_id
    if details is not None:
        error["details"] = details
    for name in OMIT_NULL:
        if name in error and error[name] is None:
            del error[name]
    h = {REQUEST_ID_HEADER: request_id, **(headers or {})}
    return Response(_dumps({"error": error}), status_code=status, media_type="application/json", headers=h)


_CALLER_REQUEST_ID = re.compile(r"[!-~](?:[ -~]{0,198}[!-~])?")


def _request_id(request: Request) -> str:
    """A new request id (uuid4 hex), or the caller's when ECHO_CALLER_REQUEST_ID and it is usable."""
    if ECHO_CALLER_REQUEST_ID:
        given = request.headers.get(REQUEST_ID_HEADER)
        if given is not None and _CALLER_REQUEST_ID.fullmatch(given):
            return given
    return uuid.uuid4().hex


def _dumps(value: _t.Any) -> bytes:
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    except TypeError:  # Decimals (`type: number` fields): each written as its exact token
        return _rt.exact_json(value).encode("utf-8")


def _canonical(data: _t.Any) -> bytes:
    """A request body's canonical bytes for the idempotency fingerprint (sorted keys, compact)."""
    try:
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    except TypeError:  # Decimals: exact tokens
        return _rt.exact_json(data, sort_keys=True).encode("utf-8")


def _reject_constant(name: str) -> _t.Any:
    raise ValueError(f"{name} is not valid JSON")


class _BadBody(Exception):
    def __init__(self, kind: str, message: str, path: str | None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.path = path


def _scan(value: _t.Any, path: str, depth: int) -> None:
    """Reject what json.loads lets through but nothing downstream should see: excessive nesting, NUL characters
    and lone surrogates (which cannot be encoded back to UTF-8)."""
    if depth > MAX_DEPTH:
        raise _BadBody("malformed_body", f"nesting deeper than {MAX_DEPTH}", path or None)
    if type(value) is str:
        _scan_str(value, path)
    elif type(value) is dict:
        for k, v in value.items():
            p = f"{path}.{k}" if path else k
            _scan_str(k, p)
            if type(v) is dict or type(v) is list or type(v) is str:
                _scan(v, p, depth + 1)
    elif type(value) is list:
        for i, v in enumerate(value):
            if type(v) is dict or type(v) is list or type(v) is str:
                _scan(v, f"{path}[{i}]", depth + 1)


def _scan_str(s: str, path: str) -> None:
    if s.isascii():
        if "\x00" in s:
            raise _BadBody("value", "NUL characters are not allowed", path or None)
        return
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        # the path itself may hold the surrogate (an object key): written as a \udXXX escape, so it can be sent
        safe = path.encode("utf-8", "backslashreplace").decode("utf-8")
        raise _BadBody("malformed_body", "lone surrogate in string", safe or None) from None
    if "\x00" in s:
        raise _BadBody("value", "NUL characters are not allowed", path or None)


def _path_to(node: _t.Any, target: _t.Any, path: str) -> str | None:
    """The path (in _scan's form) of the object `target` inside `node`, found by identity."""
    if node is target:
        return path
    items = node.items() if type(node) is dict else enumerate(node) if type(node) is list else ()
    for k, v in items:
        if type(v) is dict or type(v) is list:
            found = _path_to(v, target, ((f"{path}.{k}" if path else str(k)) if type(node) is dict else f"{path}[{k}]"))
            if found is not None:
                return found
    return None


def parse_json_body(raw: bytes, exact: bool = False) -> _t.Any:
    """Strict JSON: UTF-8, no NaN/Infinity, bounded depth, no NUL or lone surrogates, no key twice in one object
    (I-JSON, RFC 7493: json.loads would keep the last one silently). Raises _BadBody."""
    dup: list[tuple[dict[str, _t.Any], str]] = []

    def pairs(items: list[tuple[str, _t.Any]]) -> dict[str, _t.Any]:
        obj = dict(items)
        if len(obj) != len(items) and not dup:
            seen: set[str] = set()
            for k, _ in items:
                if k in seen:
                    dup.append((obj, k))
                    break
                seen.add(k)
        return obj

    try:
        # `exact`: numbers with a fraction or exponent as Decimals, as the operations' bodies are read (`type: number`
        # is exact; `format: float`/`double` fields convert them); otherwise floats, for a caller's own routes
        data = json.loads(
            raw.decode("utf-8"),
            parse_constant=_reject_constant,
            object_pairs_hook=pairs,
            parse_float=Decimal if exact else float,
        )
    except RecursionError:
        raise _BadBody("malformed_body", "JSON nested too deeply", None) from None
    except ValueError as exc:
        raise _BadBody("malformed_body", f"body is not valid JSON: {exc}", None) from None
    _scan(data, "", 1)
    if dup:
        obj, key = dup[0]
        where = _path_to(data, obj, "") or ""
        kind = "duplicate_key" if "duplicate_key" in CODES else "malformed_body"
        raise _BadBody(kind, f"duplicate key {key!r} in one JSON object", f"{where}.{key}" if where else key)
    return data


_INT = re.compile(r"-?(0|[1-9][0-9]*)")
_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?")


def _convert(raw: str, conv: str) -> _t.Any:
    """A parameter string as the JSON value it stands for; anything unparseable stays a string and then fails
    the parameter's type check."""
    if conv == "int" or (conv == "auto" and _INT.fullmatch(raw)):
        return int(raw) if _INT.fullmatch(raw) and len(raw) < 40 else raw
    if conv == "decimal":
        return Decimal(raw) if _NUMBER.fullmatch(raw) else raw
    if conv == "float":
        try:
            f = float(raw)
        except ValueError:
            return raw
        return f if f == f and f not in (float("inf"), float("-inf")) else raw
    if conv == "bool":
        return {"true": True, "false": False}.get(raw, raw)
    return raw


def _query_values(request: Request, name: str) -> list[str]:
    """Repeated `name=a&name=b` (canonical), `name[]=a`, `name[0]=a`, and comma-separated `name=a,b`."""
    out: list[str] = []
    for k, v in request.query_params.multi_items():
        indexed = k.startswith(name + "[") and k.endswith("]") and k[len(name) + 1 : -1].isdigit()
        if k == name or k == name + "[]" or indexed:
            # empty values are kept: `expand=` is a value that must pass the item schema, not "not given"
            out.extend(v.split(","))
    return out


def _read_params(op: _Op, request: Request) -> dict[str, _t.Any]:
    args: dict[str, _t.Any] = {}
    for p in op.params:
        raw: _t.Any
        if p.location == "path":
            raw = _convert(request.path_params[p.name], p.conv)
        elif p.location == "header":
            h = request.headers.get(p.name)
            raw = (
                UNSET
                if h is None
                else ([_convert(x.strip(), p.conv) for x in h.split(",")] if p.multi else _convert(h, p.conv))
            )
        elif p.multi:
            vals = _query_values(request, p.name)
            raw = [_convert(v, p.conv) for v in vals] if vals else UNSET
        else:
            vals = request.query_params.getlist(p.name)
            if len(vals) > 1:
                raise ApiError(400, CODES["parameter"], f"{p.name}: given more than once", p.name)
            raw = _convert(vals[0], p.conv) if vals else UNSET
        if raw is UNSET:
            if p.required:
                raise ApiError(400, CODES["parameter"], f"{p.name}: is required", p.name)
            args[p.py_name] = UNSET
            continue
        try:
            args[p.py_name] = p.parse(raw, p.name)
        except ValidationError as e:
            raise ApiError(400, e.code or CODES["parameter"], f"{p.name}: {e.message}", p.name) from None
    return args


def _validation_error(e: ValidationError, request_id: str, headers: _t.Mapping[str, str] | None = None) -> Response:
    if e.kind == "type" and not e.path:
        code = CODES["malformed_body"]  # the body is JSON but not the object/array the operation takes
    else:
        code = e.code or CODES.get(e.kind, CODES["value"])
    message = f"{e.path}: {e.message}" if e.path else e.message
    return _envelope(400, code, message, e.path or None, request_id, headers=headers)


def _set_pointer(doc: _t.Any, pointer: str, value: _t.Any, only_existing: bool = False) -> _t.Any:
    if not isinstance(doc, dict) or not pointer.startswith("/"):
        return doc
    parts = [p.replace("~1", "/").replace("~0", "~") for p in pointer[1:].split("/")]
    node = doc
    for part in parts[:-1]:
        nxt = node.get(part)
        if not isinstance(nxt, dict):
            if only_existing:
                return doc
            nxt = node[part] = {}
        node = nxt
    if not only_existing or parts[-1] in node:
        node[parts[-1]] = value
    return doc


def _replay_body(outcome: Replay, request_id: str) -> bytes:
    """A stored result answered again: its request id becomes this request's (body and header always agree),
    a 2xx gets the replayed flag; everything else is the stored data unchanged."""
    if not outcome.body:
        return outcome.body
    try:
        doc = json.loads(outcome.body)
    except ValueError:
        return outcome.body
    if not isinstance(doc, dict):
        return outcome.body
    error = doc.get("error")
    if isinstance(error, dict) and "request_id" in error:
        error["request_id"] = request_id
    elif REQUEST_ID_POINTER:
        doc = _set_pointer(doc, REQUEST_ID_POINTER, request_id, only_existing=True)
    if REPLAYED_POINTER and 200 <= outcome.status < 300:
        doc = _set_pointer(doc, REPLAYED_POINTER, True)
    return _dumps(doc)


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, CODES["body_too_large"], f"request body larger than {MAX_BODY_BYTES} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise ApiError(413, CODES["body_too_large"], f"request body larger than {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def serialize(result: _t.Any) -> bytes:
    """The JSON bytes the stub sends for a service method's result (what an idempotency store keeps)."""
    return _serialize(result)


def _serialize(result: _t.Any, shape: str = "json") -> bytes:
    if shape == "raw" and isinstance(result, (bytes, bytearray)):
        return bytes(result)
    if shape == "text" and isinstance(result, str):
        return result.encode("utf-8")
    return _dumps(_rt.dump(result))


async def _non_json_body(op: _Op, raw: bytes, headers: _t.Mapping[str, str]) -> _t.Any:
    """A form body as the JSON object its model validates (each field's text converted by the field's type, file
    parts as (filename, bytes, content type)); a text body as str; anything else as its bytes.
    """
    if op.shape == "text":
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _BadBody("malformed_body", "body is not UTF-8 text", None) from None
    if op.shape != "form":
        return raw
    pairs: list[tuple[str, _t.Any]] = []
    if op.media == "application/x-www-form-urlencoded":
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise _BadBody("malformed_body", "form body is not UTF-8", None) from None
        pairs = list(urllib.parse.parse_qsl(text, keep_blank_values=True))
    else:
        from starlette.datastructures import UploadFile
        from starlette.formparsers import MultiPartException, MultiPartParser

        async def stream() -> _t.AsyncGenerator[bytes, None]:
            yield raw

        try:
            form = await MultiPartParser(Headers(headers), stream()).parse()
        except MultiPartException as exc:
            raise _BadBody("malformed_body", f"multipart body: {exc.message}", None) from None
        for name, value in form.multi_items():
            if isinstance(value, UploadFile):
                content = await value.read()
                pairs.append((name, (value.filename or name, content, value.content_type or "")))
            else:
                pairs.append((name, value))
    convs = {n: (c, m) for n, c, m in op.form}
    out: dict[str, _t.Any] = {}
    for name, value in pairs:
        conv, multi = convs.get(name, ("auto", False))
        if isinstance(value, str):
            if conv == "json":
                try:
                    value = json.loads(value)
                except ValueError:
                    pass  # left as text: the model's type check names the field
            elif conv != "file":
                value = _convert(value, conv)
        if multi:
            out.setdefault(name, []).append(value)
        else:
            out[name] = value
    return out


def _endpoint(
    op: _Op, service: _t.Any, authenticate: Authenticate, store: IdempotencyStore | None
) -> _t.Callable[[Request], _t.Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        request_id = _request_id(request)
        begun: tuple[str, str] | None = None
        echo: dict[str, str] = {}  # response headers every answer from here on carries (the idempotency key)
        try:
            headers = request.headers
            principal = await authenticate(headers, op.security)
            args = _read_params(op, request)
            key: str | None = None
            if op.idempotent:
                key = headers.get(IDEMPOTENCY_HEADER)
                if key is not None:
                    try:
                        op.idempotency_key(key, IDEMPOTENCY_HEADER)
                    except ValidationError as e:
                        raise ApiError(
                            400, e.code or CODES["parameter"], f"{IDEMPOTENCY_HEADER}: {e.message}", IDEMPOTENCY_HEADER
                        ) from None
                elif ECHO_IDEMPOTENCY_KEY:
                    key = str(uuid.uuid4())  # the caller sent none: this one is used (and stored) and echoed
                if key is not None and ECHO_IDEMPOTENCY_KEY:
                    echo[IDEMPOTENCY_HEADER] = key
            body: _t.Any = UNSET
            canonical = b""
            if op.body is None:
                # nothing declared: a body may be absent, but one that is sent must still be JSON
                raw = await _read_body(request)
                if raw:
                    parse_json_body(raw)
            else:
                raw = await _read_body(request)
                if raw:
                    media = headers.get("content-type", "").split(";")[0].strip().lower()
                    if media != op.media:
                        raise ApiError(415, CODES["unsupported_media_type"], f"Content-Type must be {op.media}")
                    if op.shape == "json":
                        data = parse_json_body(raw, exact=True)
                        canonical = _canonical(data)
                    else:
                        data = await _non_json_body(op, raw, headers)
                        canonical = raw
                    body = op.body(data, "")
                elif op.body_required:
                    raise _BadBody("malformed_body", "request body is required", None)
            if key is not None and store is not None:
                route = f"{op.method} {request.url.path}"
                fingerprint = hashlib.sha256(route.encode() + b"\n" + canonical).hexdigest()
                outcome = await store.begin(principal.tenant, key, route, fingerprint)
                if isinstance(outcome, Replay):
                    replayed = {REPLAYED_HEADER: "true"} if REPLAYED_HEADER else {}
                    return Response(
                        _replay_body(outcome, request_id),
                        status_code=outcome.status,
                        media_type="application/json" if outcome.body else None,
                        headers={REQUEST_ID_HEADER: request_id, **echo, **replayed},
                    )
                if isinstance(outcome, Conflict):
                    return _envelope(
                        409, outcome.code, outcome.message, IDEMPOTENCY_HEADER, request_id, CONFLICT_ERROR_TYPE, echo
                    )
                begun = (principal.tenant, key)
            ctx = RequestContext(request_id, principal, op.operation_id, key, headers)
            result = await op.call(service, ctx, args, body)
            payload = b"" if result is None else _serialize(result, op.response)
            if begun is not None and store is not None:
                await store.complete(begun[0], begun[1], op.status, payload)
            return Response(
                payload,
                status_code=op.status,
                media_type=(
                    (op.response_media if op.response in ("raw", "text") else "application/json") if payload else None
                ),
                headers={REQUEST_ID_HEADER: request_id, **echo},
            )
        except ApiError as e:
            response = _envelope(
                e.status, e.code, e.message, e.param, request_id, e.type, {**echo, **e.headers}, e.details
            )
        except ValidationError as e:
            response = _validation_error(e, request_id, echo)
        except _BadBody as e:
            response = _envelope(400, CODES[e.kind], e.message, e.path, request_id, headers=echo)
        except ClientDisconnect:  # the client went away mid-body: nothing to answer, nothing to log loudly
            log.info("client disconnected before its request body arrived (request %s)", request_id)
            response = _envelope(400, CODES["malformed_body"], "client disconnected", None, request_id, headers=echo)
        except Exception:  # the contract: never a traceback on the wire
            log.exception("unhandled error in %s (request %s)", op.operation_id, request_id)
            response = _envelope(500, CODES["internal"], "internal error", None, request_id, headers=echo)
        if begun is not None and store is not None:
            try:
                if response.status_code >= 500:
                    await store.abandon(*begun)
                else:
                    await store.complete(begun[0], begun[1], response.status_code, bytes(response.body))
            except Exception:
                log.exception("idempotency store failed (request %s)", request_id)
        return response

    return endpoint


def create_app(
    service: _t.Any,
    *,
    authenticate: Authenticate,
    idempotency: IdempotencyStore | None = None,
    extra_routes: _t.Sequence[BaseRoute] = (),
) -> Starlette:
    """The ASGI app for `service`. `authenticate(headers, security)` returns a Principal or raises ApiError
    (401/403); `idempotency` stores results of calls that carry the idempotency header.
    """

    async def openapi(request: Request) -> Response:
        return Response(_package_file("openapi.json"), media_type="application/json")

    async def http_error(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        code = {404: CODES["not_found"], 405: CODES["method_not_allowed"]}.get(
            status, CODES["internal"] if status >= 500 else CODES["malformed_body"]
        )
        message = {404: "no such route", 405: "method not allowed"}.get(status, "request failed")
        headers = exc.headers if isinstance(exc, HTTPException) else None
        return _envelope(status, code, message, None, _request_id(request), headers=headers)

    async def crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error", exc_info=exc)
        return _envelope(500, CODES["internal"], "internal error", None, _request_id(request))

    routes: list[BaseRoute] = list(extra_routes)
    routes.append(Route("/openapi.json", openapi, methods=["GET"]))
    # one route per path (in _OPS order: literal segments first) taking every method, so that a method the path
    # does not declare gets 405 with `Allow` naming exactly the methods the spec declares for that URL
    tables: dict[str, dict[str, _t.Callable[[Request], _t.Awaitable[Response]]]] = {}
    for op in _OPS:
        tables.setdefault(op.path, {})[op.method] = _endpoint(op, service, authenticate, idempotency)
    path_routes: list[tuple[Route, dict[str, _t.Callable[[Request], _t.Awaitable[Response]]]]] = []
    for path, table in tables.items():
        route = Route(path, _Dispatch(_dispatcher(table, path_routes)))
        path_routes.append((route, table))
        routes.append(route)
    return Starlette(routes=routes, exception_handlers={HTTPException: http_error, Exception: crash})


_Endpoint = _t.Callable[[Request], _t.Awaitable[Response]]


class _Dispatch:
    """An ASGI app (not a plain function) so Starlette's Route leaves every method to it."""

    def __init__(self, fn: _Endpoint) -> None:
        self.fn = fn

    async def __call__(self, scope: _t.Any, receive: _t.Any, send: _t.Any) -> None:
        response = await self.fn(Request(scope, receive))
        await response(scope, receive, send)


def _dispatcher(table: dict[str, _Endpoint], path_routes: list[tuple[Route, dict[str, _Endpoint]]]) -> _Endpoint:
    async def dispatch(request: Request) -> Response:
        method = request.method
        endpoint = table.get(method) or (table.get("GET") if method == "HEAD" else None)
        if endpoint is not None:
            return await endpoint(request)
        # another path template may match the same URL and declare the method (/a/{x} next to /a/b)
        allowed: set[str] = set()
        for route, other in path_routes:
            if other is table:
                allowed.update(other)
                continue
            match, child = route.matches({**request.scope, "type": "http", "path_params": {}})
            if match == Match.NONE:
                continue
            allowed.update(other)
            found = other.get(method) or (other.get("GET") if method == "HEAD" else None)
            if found is not None:
                scope = {**request.scope, **child}
                return await found(Request(scope, request.receive))
        allow = ", ".join(sorted(allowed, key=lambda m: (_METHOD_ORDER.index(m) if m in _METHOD_ORDER else 99, m)))
        if method == "OPTIONS":
            return Response(None, status_code=204, headers={"Allow": allow, REQUEST_ID_HEADER: _request_id(request)})
        return _envelope(
            405,
            CODES["method_not_allowed"],
            f"{method} is not allowed here (allowed: {allow})",
            None,
            _request_id(request),
            headers={"Allow": allow},
        )

    return dispatch


__all__ = [
    "ApiError",
    "Authenticate",
    "Conflict",
    "IdempotencyOutcome",
    "IdempotencyStore",
    "OperationSecurity",
    "OPERATION_SECURITY",
    "Principal",
    "Proceed",
    "Replay",
    "RequestContext",
    "create_app",
    "error_type",
    "parse_json_body",
    "UNSET",
    "Unset",
]
