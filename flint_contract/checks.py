"""Flint's rules as schemathesis checks, the Flint checks that need the case, and the relaxed positive-data check.

Importing this module registers everything globally with schemathesis (`@schemathesis.check`,
`@schemathesis.hook`); it is imported by the CLI hooks module (flint_contract.st_hooks) and by the
pytest suite. Rules themselves live in flint_contract.invariants so the scenario probes share them.

The run's spec and context are in flint_contract.st_context; the case hooks (prepare_case) in
flint_contract.case_steering, registered when this module imports it.
"""

from __future__ import annotations

import json
import os
import threading
import weakref
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import schemathesis
from schemathesis import Case, CheckContext, Response

from . import relaxations
from .case_steering import prepare_case as prepare_case
from .invariants import RULES, Exchange, Finding, Rule
from .skips import RESPONSE_SKIPPERS, response_skips
from .st_context import _is_positive, _request_shape_probe, _spec
from .st_context import operation_id as operation_id
from .st_context import configure as configure
from .violations import curl_command, response_text

# Statuses a schema-valid request may always get (schemathesis' own positive_data_acceptance
# default). Everything else needs an entry in flint_contract.relaxations.
_POSITIVE_OK = frozenset({401, 403, 404, 409, 429})


def exchange_from(case: Case[Any], response: Response) -> Exchange:
    spec = _spec()
    op = spec.operations.get(operation_id(case)) or spec.by_label(case.method, case.operation.path)
    body_bytes = getattr(response.request, "body", None)
    request_body: Any = None
    if body_bytes:
        try:
            request_body = json.loads(body_bytes)
        except (ValueError, TypeError):
            request_body = None
    return Exchange(
        method=case.method,
        url=str(response.request.url),
        status=response.status_code,
        headers={k: v[0] for k, v in response.headers.items() if v},
        text=response.content.decode("utf-8", "replace") if response.content else "",
        operation=op,
        request_body=request_body,
        request_query=dict(case.query or {}),
        request_path_params=dict(case.path_parameters or {}),
    )


# The Exchange of each response, built once for all the rule checks that see it. Keyed weakly by the request
# object the response carries (it lives exactly as long as the response), so no id() can be reused.
_exchanges: "weakref.WeakKeyDictionary[Any, Exchange]" = weakref.WeakKeyDictionary()
FINDINGS_ENV = "FLINT_CONTRACT_FINDINGS"
_findings_lock = threading.Lock()
CASE_CHECKS: dict[str, Callable[..., None]] = {}  # Flint checks that need schemathesis' case, by name


def _exchange(case: Case[Any], response: Response) -> Exchange:
    key = response.request
    try:
        found = _exchanges.get(key)
    except TypeError:  # a request object that cannot be weakly referenced: no sharing
        return exchange_from(case, response)
    if found is None:
        found = _exchanges[key] = exchange_from(case, response)
    return found


def record(findings: list[Finding], operation: str | None, curl: str | None, response: str | None = None) -> None:
    """Write findings as JSON lines to $FLINT_CONTRACT_FINDINGS (set by the engine per pass): the report reads
    these, never the text of the AssertionError schemathesis needs to count the failure."""
    path = os.environ.get(FINDINGS_ENV)
    if not path or not findings:
        return
    lines = "".join(json.dumps(f.as_record(operation=operation, curl=curl, response=response)) + "\n" for f in findings)
    with _findings_lock, open(path, "a", encoding="utf-8") as fh:
        fh.write(lines)


def fail(findings: list[Finding], case: Case[Any] | None = None, response: Response | None = None) -> None:
    """Report findings: recorded as data, then raised so schemathesis marks the check failed."""
    if not findings:
        return
    curl = _curl(response) if response is not None else None
    record(findings, operation_id(case) if case is not None else None, curl,
           _response(response) if response is not None else None)
    first = findings[0]
    more = f" (+{len(findings) - 1} more)" if len(findings) > 1 else ""
    raise AssertionError(f"{first.message}{more}\nexpected: {first.expected}")


def _response(response: Response) -> str | None:
    try:
        headers = {str(k): v if isinstance(v, str) else ", ".join(v) for k, v in response.headers.items()}
        return response_text(int(response.status_code), headers, response.content.decode("utf-8", "replace"))
    except Exception:  # a response we cannot render: the finding stands without it
        return None


def _curl(response: Response) -> str | None:
    request = response.request
    try:
        body = request.body
        raw = body.encode("utf-8") if isinstance(body, str) else body if isinstance(body, bytes) else None
        headers = {str(k): v if isinstance(v, str) else v.decode() for k, v in request.headers.items()}
        return curl_command(str(request.method or "GET"), str(request.url), headers, raw)
    except Exception:  # a request shape we cannot render: the finding stands without a reproducer
        return None


def record_skips(check: str, ex: Exchange, case: Case[Any]) -> None:
    """A response the rule could not judge goes to the findings file as a skip record (the report says so)."""
    path = os.environ.get(FINDINGS_ENV)
    reasons = response_skips(check, ex) if path and check in RESPONSE_SKIPPERS else []
    if not reasons or not path:
        return
    lines = "".join(json.dumps({"skip": r, "check": check, "operation": operation_id(case)}) + "\n" for r in reasons)
    with _findings_lock, open(path, "a", encoding="utf-8") as fh:
        fh.write(lines)


def _rule_check(one: Rule) -> Callable[[CheckContext, Response, Case[Any]], None]:
    def check(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
        if not _request_shape_probe(case):
            ex = _exchange(case, response)
            record_skips(one.name, ex, case)
            fail(one(_spec(), ex), case, response)

    check.__name__ = check.__qualname__ = one.name
    check.__doc__ = f"Flint rule `{one.name}`: {one.doc}"
    return check


# Each registered rule (flint_contract.invariants.RULES) is the schemathesis check of the same name.
RULE_CHECKS = {name: schemathesis.check(_rule_check(one)) for name, one in RULES.items()}


def flint_check(fn: Callable[[CheckContext, Response, Case[Any]], None]) -> Callable[[CheckContext, Response, Case[Any]], None]:
    """Register a Flint check that needs schemathesis' case (not a per-response rule)."""
    CASE_CHECKS[fn.__name__] = fn
    registered: Callable[[CheckContext, Response, Case[Any]], None] = schemathesis.check(fn)
    return registered


LIST_TOKEN = "list_next_page_token"


def _with_query(url: str, **changes: Any) -> str:
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in changes]
    query += [(k, str(v)) for k, v in changes.items()]
    return urlunsplit(parts._replace(query=urlencode(query)))


@flint_check
def list_next_page_token(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    """A list carries next_page_token exactly when more items exist: a token must lead to a non-empty
    page, and a full page without a token must not hide more items."""
    spec = _spec()
    op = spec.operations.get(operation_id(case))
    if op is None or case.method.upper() != "GET" or response.status_code != 200:
        return
    pagination = spec.document.get("x-pagination") or {}
    cursor = pagination.get("cursor_param", "page_token")
    size_param = pagination.get("size_param", "page_size")
    token_field = pagination.get("next_cursor", "next_page_token")
    if not op.has_parameter(cursor, "query"):
        return
    try:
        body = json.loads(response.content)
    except ValueError:
        return
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        return
    items = body["data"]
    token = body.get(token_field)
    headers = {
        str(k): v if isinstance(v, str) else v.decode()
        for k, v in response.request.headers.items()
        if str(k).lower() in ("authorization", "x-api-key")
    }
    url = str(response.request.url)
    if token:
        nxt = httpx.get(_with_query(url, **{cursor: token}), headers=headers, timeout=10)
        if nxt.status_code != 200:
            fail([Finding(LIST_TOKEN, f"next_page_token {token!r} -> {nxt.status_code} {nxt.text[:200]}",
                          "the token returned by the server fetches the next page (200)")], case, response)
        elif not nxt.json().get("data"):
            fail([Finding(LIST_TOKEN, "next_page_token present but the next page is empty",
                          "next_page_token exactly when more items exist")], case, response)
        return
    query = dict(parse_qsl(urlsplit(url).query))
    try:
        size = int(query.get(size_param, "20"))
    except ValueError:
        return
    if len(items) == size and size < 100:
        bigger = httpx.get(_with_query(url, **{size_param: size + 1}), headers=headers, timeout=10)
        if bigger.status_code == 200 and len(bigger.json().get("data") or []) > size:
            fail([Finding(LIST_TOKEN, f"full page of {size} without next_page_token, but page_size={size + 1} returns more",
                          "next_page_token exactly when more items exist")], case, response)


@flint_check
def flint_positive_data_acceptance(ctx: CheckContext, response: Response, case: Case[Any]) -> None:
    """schemathesis' positive_data_acceptance with Flint's narrow relaxations: a schema-valid request
    gets 2xx (or 401/403/404/409/429); any other status must match one (operationId, status, code)
    entry of flint_contract.relaxations."""
    if not _is_positive(case) or _request_shape_probe(case):
        return
    status = response.status_code
    if 200 <= status < 400 or status in _POSITIVE_OK or status >= 500:
        return
    code = param = None
    try:
        body = json.loads(response.content)
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict):
            code, param = error.get("code"), error.get("param")
    except ValueError:
        pass
    op_id = operation_id(case)
    if relaxations.allowed(op_id, status, code, param) is not None:
        _record_relaxation(op_id, status, code)
        return
    fail([Finding("flint_positive_data_acceptance", f"schema-valid request rejected: {status} {code}",
                  f"2xx, 401, 403, 404, 409 or 429 (no relaxation lists {op_id} {status} {code})")], case, response)


def _record_relaxation(op_id: str, status: int, code: str | None) -> None:
    """Log each response a relaxation excused, so a run reports which relaxations it needed."""
    path = os.environ.get("FLINT_CONTRACT_RELAXATIONS_LOG")
    if not path:
        return
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(f"{op_id} {status} {code}\n")


# Every Flint check, each named once where it is registered: the per-response rules and the case checks.
FLINT_CHECKS = (*RULE_CHECKS, *CASE_CHECKS)
