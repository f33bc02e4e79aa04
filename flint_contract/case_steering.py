"""How generated cases are prepared before they are sent (`prepare_case`, the map_case and before_add_examples
hooks): no framing or unsendable headers, fresh idempotency keys, the ids seeded during preflight, and in the
stateful phase bodies steered onto the paths the spec's links need. Importing this module registers the hooks
with schemathesis.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import schemathesis
from schemathesis import Case, Response

from .invariants import supported_currencies
from .st_context import _context, _is_positive, _phase, _spec, _state, operation_id


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
