"""A call before it is sent: request values to JSON data (`jsonable`), validated against their schemas
(`RequestValidationError`, nothing sent), encoded as RFC 3986 query strings, `simple`-style path and header values
and JSON, form or raw bodies, into one `Call` that every attempt resends unchanged.
"""

from __future__ import annotations

import datetime as _dt
import enum
import json
import typing as _t
from decimal import Decimal
from urllib.parse import quote, urlencode

import httpx

from . import _codec, _config, _operations
from . import _runtime as _rt
from .errors import RequestValidationError


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


def prepare_operation(operation_id: str, args: _t.Mapping[str, _t.Any]) -> Call:
    """`prepare` for one operation of _operations.json, from a client method's arguments (its `locals()`): the
    method declares the types, the table says where each argument goes and which parser checks it."""
    e = _operations.by_id()[operation_id]
    resolve = _operations.resolve
    where: dict[str, list[Param]] = {"path": [], "query": [], "header": []}
    for name, py_name, location, _conv, _multi, _required, ref, style, explode in e["params"]:
        if location in where:  # cookie parameters are declared, not sent
            where[location].append((name, args[py_name], resolve(ref), style, explode))
    shape = e["response"]
    return prepare(
        e["method"],
        e["path"],
        path_params=where["path"],
        query=where["query"],
        headers=where["header"],
        body=args["body"] if e["body"] is not None else _rt.UNSET,
        fields={json_name: args[py_name] for json_name, py_name in e["fields"]},
        body_parse=resolve(e["body"]) if e["body"] is not None else None,
        media=e["media"],
        idempotent=e["idempotent"],
        idempotency_key=args["idempotency_key"] if e["idempotent"] else None,
        not_modified=e["not_modified"],
        parse=response_parser(operation_id),
        response=shape if shape in ("raw", "text") else "json",
    )


def response_parser(operation_id: str) -> Parser | None:
    """What checks a 2xx JSON body of the operation (None: any JSON, or a body returned as text or bytes)."""
    e = _operations.by_id()[operation_id]
    if e["parse"] is None or e["response"] not in ("json", "none"):
        return None
    return _operations.resolve(e["parse"])


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
