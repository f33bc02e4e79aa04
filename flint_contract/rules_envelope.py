"""Per-response rules about envelopes: success bodies carry data, meta and a request_id equal to the X-Request-Id
header; errors carry the fields the contract requires, a type fixed by the status, a code the spec documents for the
operation and status, and a param that names a field or parameter of the request.
"""

from __future__ import annotations

import json
from typing import Any, Iterator

from .rules import Exchange, fmt_path, rule
from .spec import Operation, Spec, param_path


@rule("envelope_shape")
def _envelope_shape(spec: Spec | None, ex: Exchange) -> Iterator[tuple[str, str]]:
    """success bodies are objects carrying `data` and an object `meta` (request_id has its own rule)"""
    if "json" not in (ex.header("content-type") or "") or not 200 <= ex.status < 300:
        return
    body = ex.json()
    if not isinstance(body, dict):
        yield f"body is {type(body).__name__}", "a JSON object envelope"
        return
    missing = [k for k in ("data", "meta") if k not in body]
    if missing:
        yield (f"success envelope lacks {', '.join(missing)} (keys: {sorted(body)})",
               "success responses carry data, request_id and meta")
    if "meta" in body and not isinstance(body.get("meta"), dict):
        yield f"meta is {json.dumps(body.get('meta'))}", "meta is an object"


@rule("envelope_request_id")
def _envelope_request_id(spec: Spec | None, ex: Exchange) -> Iterator[tuple[str, str]]:
    """every response carries X-Request-Id; the body's request_id (and error.request_id) equals it"""
    if "json" not in (ex.header("content-type") or ""):
        return
    body = ex.json()
    header_id = ex.header("x-request-id")
    if not header_id:
        yield (f"{ex.status} response has no X-Request-Id header",
               "every response carries an X-Request-Id header equal to the body's request_id")
    if 200 <= ex.status < 300 and isinstance(body, dict):
        rid = body.get("request_id")
        if "request_id" not in body:
            yield (f"success envelope has no request_id (keys: {sorted(body)}; X-Request-Id header {header_id!r})",
                   "success responses carry request_id equal to the X-Request-Id header")
        elif not isinstance(rid, str) or not rid:
            yield f"request_id is {json.dumps(rid)}", "a non-empty string"
        elif header_id and rid != header_id:
            yield f"body request_id {rid!r} != X-Request-Id header {header_id!r}", "request_id equals the X-Request-Id header"
    err = _error_object(ex)
    if header_id and err is not None and isinstance(err.get("request_id"), str) and err["request_id"] != header_id:
        yield (f"error.request_id {err['request_id']!r} != X-Request-Id header {header_id!r}",
               "error.request_id equals the X-Request-Id header")


# --------------------------------------------------------------------------------------- errors
ERROR_REQUIRED = ("type", "code", "message", "doc_url", "error_source")
def error_type_for(spec: Spec | None, status: int) -> str | None:
    """The error `type` the contract fixes for an HTTP status (its x-error-envelope table: "<status>", then
    "<digit>xx", then "default"); None when the contract fixes none."""
    table = ((spec.document.get("x-error-envelope") or {}).get("types_by_status") or {}) if spec else {}
    found = table.get(str(status)) or table.get(f"{status // 100}xx") or table.get("default")
    return str(found) if found else None


def _error_object(ex: Exchange) -> dict[str, Any] | None:
    """The `error` object of an error response with an operation contract (not 405: routing), else None."""
    if ex.status < 400 or ex.status == 405:
        return None
    body = ex.json()
    err = body.get("error") if isinstance(body, dict) else None
    return err if isinstance(err, dict) else None


@rule("error_envelope")
def _error_envelope(spec: Spec | None, ex: Exchange) -> Iterator[tuple[str, str]]:
    """errors carry type (fixed by the status), code, message, doc_url, error_source; param, request_id, details well formed"""
    if ex.status < 400 or ex.status == 405:
        return  # 405 comes from routing (method not in the spec at all), so there is no operation contract.
    err = _error_object(ex)
    if err is None:
        yield (f"{ex.status} body is {ex.text[:200]!r}",
               'errors are {"error": {"type", "code", "message", "doc_url", "error_source", "param"?, '
               '"request_id"?, "details"?}}')
        return
    missing = [k for k in ERROR_REQUIRED if k not in err]
    bad = [k for k in ERROR_REQUIRED if k in err and not (isinstance(err[k], str) and err[k])]
    # param is omitted when no field applies (never null); request_id is optional but a string.
    for key in ("param", "request_id"):
        if key in err and not (isinstance(err[key], str) and err[key]):
            bad.append(key)
    details = err.get("details")
    if "details" in err and not (
        isinstance(details, list)
        and all(isinstance(d, dict) and isinstance(d.get("code"), str) and d.get("code") for d in details)
    ):
        bad.append("details")
    if missing or bad:
        yield (f"error lacks {missing or '-'}; invalid {bad or '-'}: {json.dumps(err)[:300]}",
               "error has type, code, message, doc_url, error_source (non-empty strings); param and request_id "
               "are non-empty strings when present (param omitted, not null, when no field applies); details a "
               "list of objects with a code")
    want_type = error_type_for(spec, ex.status)
    if want_type is not None and isinstance(err.get("type"), str) and err["type"] != want_type:
        yield f"{ex.status} error type is {err['type']!r}", f"the error type is fixed by the status: {ex.status} -> {want_type}"


@rule("error_code_documented")
def _error_code_documented(spec: Spec | None, ex: Exchange) -> Iterator[tuple[str, str]]:
    """the code is in the response's x-error-codes-returned for that operation and status"""
    err, op = _error_object(ex), ex.operation
    code = err.get("code") if err is not None else None
    if op is None or not isinstance(code, str):
        return
    documented = op.codes_for(ex.status)
    # (an undocumented status is schemathesis' status_code_conformance finding)
    if documented and code not in documented:
        yield (f"{op.operation_id} answered {ex.status} {code}",
               f"a code the spec documents for {op.operation_id} {ex.status}: {', '.join(sorted(documented))}")


@rule("error_param_names_field")
def _error_param_names_field(spec: Spec | None, ex: Exchange) -> Iterator[tuple[str, str]]:
    """param names a field present in the request body or a parameter (a missing required field: the absent one)"""
    err, op = _error_object(ex), ex.operation
    param = err.get("param") if err is not None else None
    if op is None or err is None or not isinstance(param, str) or not param:
        return
    code = err.get("code")
    problem = _param_problem(op, ex, param, code if isinstance(code, str) else "")
    if problem:
        yield (f"{ex.status} {code} param {param!r}: {problem}",
               "param names the offending request field (a[0].b.c form) or parameter, or is absent")


# Codes that name a field the request left out: their param is a path that is absent from the body.
REQUIRED_FIELD_CODES = frozenset(
    {"FIELD_REQUIRED", "PAYMENT_ATTEMPT_ID_REQUIRED", "PAYMENT_SOURCE_REQUIRED", "DEFAULT_PAYOUT_DESTINATION_REQUIRED"}
)


def _param_problem(op: Operation, ex: Exchange, param: str, code: str) -> str | None:
    lowered = {name.lower() for name in op.parameter_names()}
    if param.lower() in lowered:
        return None
    body = ex.request_body
    if body is None:
        if code in REQUIRED_FIELD_CODES and "." not in param and "[" not in param:
            return None  # a required field of a body that was not sent
        return "the request has no JSON body and no parameter of that name"
    # Compare against every field path the body has, rendered in the seeds' form: object keys may
    # themselves contain '.', '[' or control characters, which no parser of `param` can undo.
    present = set(_field_paths(body, ""))
    if param in present:
        return None
    if code in REQUIRED_FIELD_CODES:
        parent, dot, _ = param.rpartition(".")
        if not dot or parent in present:
            return None  # a missing required field names the field that is absent
    path = param_path(param)
    if not path:
        return "not a field path"
    node = body
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(part, int):
            if not isinstance(node, list) or part >= len(node):
                return f"{fmt_path(path[: i + 1])} is not in the request body"
            node = node[part]
        else:
            if not isinstance(node, dict):
                return f"{fmt_path(path[:i])} is not an object in the request body"
            if part not in node:
                if last and code in REQUIRED_FIELD_CODES:
                    return None  # a missing required field names the field that is absent
                return f"{fmt_path(path[: i + 1])} is not in the request body"
            node = node[part]
    return None


def _field_paths(node: Any, prefix: str) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            here = f"{prefix}.{key}" if prefix else str(key)
            yield here
            yield from _field_paths(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            here = f"{prefix}[{i}]"
            yield here
            yield from _field_paths(value, here)
