"""Flint's rules as schemathesis checks, the relaxed positive-data check, and the case hook.

Importing this module registers everything globally with schemathesis (`@schemathesis.check`,
`@schemathesis.hook`); it is imported by the CLI hooks module (flint_contract.st_hooks) and by the
pytest suite. Rules themselves live in flint_contract.invariants so the scenario probes share them.
"""

from __future__ import annotations

import json
import os
import re
import threading
import uuid
import weakref
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import schemathesis
from schemathesis import Case, CheckContext, GenerationMode, Response

from . import relaxations
from .invariants import RULES, Exchange, Finding, Rule, supported_currencies
from .skips import RESPONSE_SKIPPERS, response_skips
from .spec import Spec, load_spec
from .violations import curl_command, response_text

CONTEXT_ENV = "FLINT_CONTRACT_CONTEXT"

# Statuses a schema-valid request may always get (schemathesis' own positive_data_acceptance
# default). Everything else needs an entry in flint_contract.relaxations.
_POSITIVE_OK = frozenset({401, 403, 404, 409, 429})

_state: dict[str, Any] = {"spec": None, "context": None}


def configure(spec: Spec | None = None, context: dict[str, Any] | None = None) -> None:
    """Give the checks their spec index and the run context (pinned ids). Without a call, both are
    read lazily: the context from the JSON file named by $FLINT_CONTRACT_CONTEXT."""
    if spec is not None:
        _state["spec"] = spec
    if context is not None:
        _state["context"] = context


def _context() -> dict[str, Any]:
    if _state["context"] is None:
        path = os.environ.get(CONTEXT_ENV)
        _state["context"] = json.loads(open(path, encoding="utf-8").read()) if path else {}
    ctx: dict[str, Any] = _state["context"]
    return ctx


def _spec() -> Spec:
    if _state["spec"] is None:
        _state["spec"] = load_spec(_context().get("spec_path"))
    spec: Spec = _state["spec"]
    return spec


def operation_id(case: Case[Any]) -> str:
    raw = case.operation.definition.raw
    if isinstance(raw, dict) and raw.get("operationId"):
        return str(raw["operationId"])
    return str(case.operation.label)


def _is_positive(case: Case[Any]) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode == GenerationMode.POSITIVE


def _phase(case: Case[Any]) -> str:
    meta = case.meta
    return str(meta.phase.name.value if hasattr(meta.phase.name, "value") else meta.phase.name) if meta else ""


def _request_shape_probe(case: Case[Any]) -> bool:
    try:
        from schemathesis.specs.openapi.checks import is_unexpected_http_status_case
    except ImportError:  # pragma: no cover - internal helper moved
        return False
    return bool(is_unexpected_http_status_case(case))


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


def _pins(op_id: str) -> dict[str, Any]:
    pins: dict[str, Any] = _context().get("pins", {}).get(op_id, {})
    return pins


# Headers the HTTP client owns (message framing). A negative case's random extra headers can name one
# ("content-length: $6" on a GET): the request is then not parseable HTTP, the server's HTTP parser answers a bare
# 400 before any API code runs, and the finding is about uvicorn, not the contract.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "host", "connection"})


# RFC 9110 field names are tokens and values exclude control characters (tab aside): a request breaking that never
# reaches the API (uvicorn's HTTP parser answers a bare text/plain 400), so it says nothing about the server under test
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_HEADER_VALUE = re.compile(r"[\t\x20-\x7e\x80-\xff]*")


def _sendable(name: object, value: object) -> bool:
    return (isinstance(name, str) and isinstance(value, str) and _HEADER_NAME.fullmatch(name) is not None
            and _HEADER_VALUE.fullmatch(value) is not None)


def prepare_case(case: Case[Any]) -> Case[Any]:
    """No generated framing headers (any case); a fresh Idempotency-Key per positive case (cookbook P6: generated
    keys repeat and collide), and the ids seeded during preflight for positive cases outside the stateful phase
    (P7: random ids only ever reach 404)."""
    if case.headers:
        for name in [n for n, v in case.headers.items() if n.lower() in _FRAMING_HEADERS or not _sendable(n, v)]:
            del case.headers[name]
    if not _is_positive(case):
        return case
    if case.headers:
        for name in list(case.headers):
            if name.lower() == "idempotency-key":
                case.headers[name] = f"flint-contract-{uuid.uuid4()}"
    pins = _pins(operation_id(case))
    if _phase(case).lower().startswith("stateful"):
        _steer_stateful(case)
        # Links supply path ids here; a body id no link supplies (createPayout's payout_destination_id)
        # would otherwise be the spec's example id and only ever reach 404.
        # A root step (its path ids generated, not taken from a link) only ever reaches 404 and gives
        # the links after it nothing: point it at the seeded object instead, so it feeds them.
        own = (_context().get("stateful_pins") or {}).get(operation_id(case)) or {}
        path_pins = own.get("path") or pins.get("path") or {}
        params = case.path_parameters
        if path_pins and params is not None and any(params.get(n) not in _ISSUED_IDS for n in path_pins if n in params):
            for name, value in path_pins.items():
                if name in params:
                    params[name] = value
        linked = _link_body_fields().get(operation_id(case), set())
        if isinstance(case.body, dict):
            for name, value in (pins.get("body") or {}).items():
                if name not in linked and name in case.body:
                    case.body[name] = value
        return case
    for name, value in (pins.get("path") or {}).items():
        if case.path_parameters is not None and name in case.path_parameters:
            case.path_parameters[name] = value
    body_pins = pins.get("body") or {}
    if body_pins and isinstance(case.body, dict):
        for name, value in body_pins.items():
            case.body[name] = value
    return case


def _served_currency() -> str:
    """A currency the contract serves (read from the spec: USD)."""
    return sorted(supported_currencies(_spec()))[0]


def _supported_currencies(value: Any) -> Any:
    """Every currency (a `currency` string, the keys of a `*_by_currency` / `default_payout_destinations` map)
    becomes one the contract serves (USD): the schema allows any three letters, the USD-only rule is the server's (and has its own
    relaxations), and a rejected create makes every link after it dead."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            if k == "currency" and isinstance(v, str):
                out[k] = _served_currency()
            elif (k.endswith("_by_currency") or k == "default_payout_destinations") and isinstance(v, dict) and v:
                out[k] = {_served_currency(): _supported_currencies(next(iter(v.values())))}
            else:
                out[k] = _supported_currencies(v)
        return out
    if isinstance(value, list):
        return [_supported_currencies(v) for v in value]
    return value


def _plain_discounts(value: Any) -> Any:
    """Discounts as plain order-wide manual ones: promotions (none in a sandbox), line scopes (ids a
    generated body cannot know) and charge discounts are cross-field rules with their own relaxations,
    and a rejected createOrder or applyOrderDiscount makes every link after it dead."""
    if isinstance(value, dict):
        out = {k: _plain_discounts(v) for k, v in value.items()}
        if "promotion" in out and "manual" not in out and set(out) <= {"promotion"}:
            return {"manual": {"name": "Promotion", "amount_money": {"amount": 100, "currency": _served_currency()}}}
        manual = out.get("manual")
        if isinstance(manual, dict):
            out["manual"] = {k: v for k, v in manual.items()
                             if k not in ("scope", "order_line_item_ids", "order_charge_ids", "discount_class")}
        return out
    if isinstance(value, list):
        return [_plain_discounts(v) for v in value]
    return value


def _whole_floats_to_ints(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if isinstance(value, dict):
        return {k: _whole_floats_to_ints(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_whole_floats_to_ints(v) for v in value]
    return value


def _link_body_fields() -> dict[str, set[str]]:
    """operationId -> top-level body fields some spec link fills in (its requestBody)."""
    if "link_body_fields" not in _state:
        spec = _spec()
        out: dict[str, set[str]] = {}
        for op in spec.operations.values():
            for response in (op.raw.get("responses") or {}).values():
                resp, _, _ = spec.deref(response, op.base)
                for link in ((resp or {}).get("links") or {}).values():
                    link, _, _ = spec.deref(link, op.base)
                    body = (link or {}).get("requestBody")
                    if isinstance(body, dict):
                        out.setdefault(str(link.get("operationId")), set()).update(body)
        _state["link_body_fields"] = out
    fields: dict[str, set[str]] = _state["link_body_fields"]
    return fields


# Operations whose body prices an order (what payOrder then charges).
_ORDER_BUILDING = frozenset(
    {
        "createOrder",
        "updateOrder",
        "addOrderLineItems",
        "updateOrderLineItem",
        "addOrderCharge",
        "updateOrderCharge",
        "applyOrderDiscount",
    }
)
STATEFUL_MAX_AMOUNT = 10**8
STATEFUL_PAY_TOKEN = "tok_visa"
# Fits any order paid at least one cent and leaves the seeded refund order refundable all run.
STATEFUL_REFUND_AMOUNT = 1
# Ids the server issued in this process (from response bodies); a generated id is never one of them.
_ISSUED_IDS: set[str] = set()
# Ids have no pattern in the contract any more; the sandbox issues prefix_ULID ids (opat_..., pset_...).
_ID_RE = re.compile(r'"([a-z]{2,5}_[0-9A-HJKMNP-TV-Z]{26})"')


@schemathesis.hook
def after_call(ctx: Any, case: Case[Any], response: Response) -> None:
    """Remember server-issued ids, so stateful steering can tell a linked id from a generated one."""
    if _phase(case).lower().startswith("stateful") and 200 <= response.status_code < 300:
        try:
            _ISSUED_IDS.update(_ID_RE.findall(response.text))
        except Exception:  # a body that is not text is no source of ids
            pass


def _modest_amounts(value: Any) -> Any:
    """Money amounts above STATEFUL_MAX_AMOUNT folded below it (deterministically, keeping small values)."""
    if isinstance(value, dict):
        out = {k: _modest_amounts(v) for k, v in value.items()}
        amount = out.get("amount")
        if isinstance(amount, int) and not isinstance(amount, bool) and amount > STATEFUL_MAX_AMOUNT:
            out["amount"] = 100 + amount % STATEFUL_MAX_AMOUNT
        return out
    if isinstance(value, list):
        return [_modest_amounts(v) for v in value]
    return value


def _steer_stateful(case: Case[Any]) -> None:
    """Keep the stateful phase on the paths its links need, so link coverage measures the links and
    not luck. Positive cases only; the other phases still send all of this.
    - schemathesis spells JSON integers as whole floats (2500.0) in a share of positive bodies; Flint
      rightly answers 400 INVALID_JSON (covered by the relaxation and the reject_float_amount probe),
      and a failed step makes every link that follows it dead (it runs on a random id).
    - list filters and a random page_token mostly give an empty page or INVALID_PAGE_TOKEN, and the
      spec's GetFirst* links read data/0 of the page (the default page size keeps pages small).
    - a merchant's captured payments stay within int64 (DESIGN.md): one schema-valid 9e18 order paid
      early would make every later pay 400 AMOUNT_TOO_LARGE, so order-pricing amounts stay modest.
    - Flint-Version is the contract's own version (a generated date names none a server serves), and
      currencies are USD (the schema allows any three letters; the rest is a server rule).
    - an order payment intent is a manual-capture one (its links lead to capture and cancel).
    - pay uses the succeeding test token (declined pays capture nothing, so the refund links after
      them are dead); a refund is of one cent (any paid order can take it, a fixed 100 may exceed
      a small order), and a root createRefund (order_id generated, not from a link) refunds the order
      seeded for it, so the refund's own links are followed whether or not a pay chain got there."""
    if isinstance(case.body, (dict, list)):
        case.body = _supported_currencies(_whole_floats_to_ints(case.body))
    if case.headers:
        # a generated date is schema-valid but names no version the server serves (INVALID_API_VERSION)
        for name in [k for k in case.headers if k.lower() == "flint-version"]:
            case.headers[name] = str(_spec().document["info"]["version"])  # the version the contract describes
    op_id = operation_id(case)
    if op_id in _ORDER_BUILDING and isinstance(case.body, (dict, list)):
        case.body = _plain_discounts(_modest_amounts(case.body))
    elif op_id == "payOrder" and isinstance(case.body, dict):
        # Of the four actions only pay moves money (confirm/setup/resume need state a link cannot give).
        case.body = {"action": "pay", "payment_source": {"token": STATEFUL_PAY_TOKEN}}
    elif op_id == "createOrderPaymentIntent" and isinstance(case.body, dict):
        # An authorization to capture or cancel: the capture/cancel links after pay need one.
        case.body = {"capture_method": "manual"}
    elif op_id == "confirmPaymentIntent" and isinstance(case.body, dict):
        case.body = {"payment_source_token": STATEFUL_PAY_TOKEN}
    elif op_id in ("createPaymentIntent", "updatePaymentIntent", "capturePaymentIntent") and isinstance(
        case.body, dict
    ):
        body = _modest_amounts(case.body)
        if op_id == "capturePaymentIntent":
            body.pop("amount_money", None)  # capture everything authorized
        case.body = body
    elif op_id == "createRefund" and isinstance(case.body, dict):
        # A root step (no link) names an order nobody created: refund the one seeded for this.
        if case.body.get("order_id") not in _ISSUED_IDS:
            pinned = _context().get("stateful_refund_order")
            if isinstance(pinned, str):
                case.body["order_id"] = pinned
        if "amount_money" in case.body or case.body.get("order_id") == _context().get("stateful_refund_order"):
            case.body["amount_money"] = {"amount": STATEFUL_REFUND_AMOUNT, "currency": _served_currency()}
    if case.method.upper() == "GET" and case.query:
        pagination = _spec().document.get("x-pagination") or {}
        cursor = pagination.get("cursor_param", "page_token")
        op = _spec().operations.get(operation_id(case))
        if op is not None and op.has_parameter(cursor, "query"):
            case.query = {k: v for k, v in case.query.items() if k == "expand"}


@schemathesis.hook
def map_case(ctx: Any, case: Case[Any]) -> Case[Any]:
    """Coverage, fuzzing and stateful cases (see prepare_case)."""
    return prepare_case(case)


@schemathesis.hook
def before_add_examples(ctx: Any, examples: list[Case[Any]]) -> None:
    """The examples phase does not run map_case (schemathesis 4.32 drivers.ExamplesGenerator): without
    this, every example replays the spec's one Idempotency-Key and gets 409 IDEMPOTENCY_KEY_REUSED."""
    for case in examples:
        prepare_case(case)


# Every Flint check, each named once where it is registered: the per-response rules and the case checks.
FLINT_CHECKS = (*RULE_CHECKS, *CASE_CHECKS)
