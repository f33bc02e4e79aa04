"""What the server reads: strict JSON bodies (I-JSON: no duplicate keys, NUL characters or lone surrogates, bounded
depth), path, query and header parameters converted and validated through their parsers, form and text bodies, and
the body size limit. A malformed body raises `_BadBody`; a refused parameter `ApiError`.
"""

from __future__ import annotations

import json
import re
import typing as _t
import urllib.parse
from decimal import Decimal

from starlette.datastructures import Headers
from starlette.requests import Request

from ._config import CODES, MAX_BODY_BYTES, MAX_DEPTH
from ._runtime import UNSET, ValidationError
from ._server_routes import _Op
from ._server_types import ApiError


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
