"""What the server writes: error envelopes (their type, doc URL and source from the spec's tables), request ids,
JSON bytes (Decimals as exact tokens), the canonical body of the idempotency fingerprint, and stored results
answered again.
"""

from __future__ import annotations

import json
import re
import typing as _t
import urllib.parse
import uuid

from starlette.requests import Request
from starlette.responses import Response

from . import _runtime as _rt
from ._config import (
    CODES,
    DOC_URL,
    ECHO_CALLER_REQUEST_ID,
    ERROR_SOURCES,
    ERROR_TYPES,
    OMIT_NULL,
    REPLAYED_POINTER,
    REQUEST_ID_HEADER,
    REQUEST_ID_POINTER,
)
from ._runtime import ValidationError
from ._server_types import Replay


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


def serialize(result: _t.Any) -> bytes:
    """The JSON bytes the stub sends for a service method's result (what an idempotency store keeps)."""
    return _serialize(result)


def _serialize(result: _t.Any, shape: str = "json") -> bytes:
    if shape == "raw" and isinstance(result, (bytes, bytearray)):
        return bytes(result)
    if shape == "text" and isinstance(result, str):
        return result.encode("utf-8")
    return _dumps(_rt.dump(result))
