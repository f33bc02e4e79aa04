"""Flint's per-response rules as pure functions over one HTTP exchange.

The same functions run inside schemathesis (flint_contract.checks) and over every response the
scenario probes receive, so a rule is written once. Each returns a list of Finding(check, message,
expected); an empty list means the response honours the rule.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeVar

from .spec import Operation, Spec, param_path

_T = TypeVar("_T")


@dataclass(frozen=True)
class CurrencyRule:
    """What the contract says about a money object's currency: the pattern its schema gives, and the
    currencies a server answers with (the schema's enum; the contract has none today, so the
    currencies its own examples use: USD)."""

    pattern: re.Pattern[str]
    supported: frozenset[str]

    def allows(self, value: object) -> bool:
        return isinstance(value, str) and bool(self.pattern.fullmatch(value)) and value in self.supported

    def describe(self) -> str:
        return f"currency matches {self.pattern.pattern} and is {' or '.join(sorted(self.supported))}"


def currency_rule(spec: Spec | None) -> CurrencyRule:
    if spec is None:
        return _NO_SPEC_CURRENCIES
    return spec.derived("currency_rule", _currency_rule)


_NO_SPEC_CURRENCIES = CurrencyRule(re.compile(r"[A-Z]{3}"), frozenset({"USD"}))


def supported_currencies(spec: Spec | None) -> frozenset[str]:
    return currency_rule(spec).supported


def _currency_rule(spec: Spec) -> CurrencyRule:
    patterns: list[str] = []
    enums: set[str] = set()
    for schema in ((spec.document.get("components") or {}).get("schemas") or {}).values():
        for node, base, _ in spec.schema_branches(schema, None):
            props = node.get("properties") or {}
            if "amount" not in props or "currency" not in props:
                continue
            for cur, _, _ in spec.schema_branches(props["currency"], base):
                if isinstance(cur.get("pattern"), str):
                    patterns.append(cur["pattern"])
                enums.update(v for v in cur.get("enum") or [] if isinstance(v, str))
    supported = frozenset(enums) or frozenset(_example_currencies(spec))
    if not supported:
        raise ValueError("the spec names no currency: no enum on a money currency and no money in its examples")
    pattern = patterns[0] if patterns else "^[A-Z]{3}$"
    return CurrencyRule(re.compile(pattern.lstrip("^").rstrip("$")), supported)


def _example_currencies(spec: Spec) -> set[str]:
    """Currencies of the money objects in the spec's response examples."""
    found: set[str] = set()

    def walk(node: Any, in_example: bool) -> None:
        if isinstance(node, dict):
            if in_example and _is_money(node) and isinstance(node.get("currency"), str):
                found.add(node["currency"])
            for key, value in node.items():
                walk(value, in_example or key in ("example", "examples"))
        elif isinstance(node, list):
            for value in node:
                walk(value, in_example)

    for op in spec.operations.values():
        for response in (op.raw.get("responses") or {}).values():
            resp, _, _ = spec.deref(response, op.base)
            walk(resp, False)
    walk((spec.document.get("components") or {}).get("examples"), True)
    return found


@dataclass(frozen=True)
class Finding:
    check: str
    message: str
    expected: str

    def as_record(self, **extra: Any) -> dict[str, Any]:
        """The finding as JSON-ready data (the schemathesis hooks write these for the engine to read)."""
        return {"check": self.check, "message": self.message, "expected": self.expected, **extra}


# A rule's body yields (what was found, what the contract expects); the registration gives it its one name.
RuleBody = Callable[["Spec | None", "Exchange"], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class Rule:
    """One per-response rule, registered once with @rule(name). The probes run it over every response they
    get (check_response); flint_contract.checks registers each as the schemathesis check of the same name."""

    name: str
    body: RuleBody
    doc: str

    def __call__(self, spec: Spec | None, ex: "Exchange") -> list[Finding]:
        return [Finding(self.name, message, expected) for message, expected in self.body(spec, ex)]


RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[RuleBody], Rule]:
    """Register a per-response rule under `name` (the check name in every report)."""

    def register(body: RuleBody) -> Rule:
        if name in RULES:
            raise ValueError(f"rule {name!r} registered twice")
        RULES[name] = Rule(name, body, (body.__doc__ or "").strip())
        return RULES[name]

    return register


@dataclass
class Exchange:
    """One request/response pair, transport-neutral."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]  # response headers (looked up case-insensitively by header())
    text: str
    operation: Operation | None
    request_body: Any = None  # parsed JSON body sent, or None
    request_query: Mapping[str, Any] = field(default_factory=dict)
    request_path_params: Mapping[str, Any] = field(default_factory=dict)
    request_headers: Mapping[str, str] = field(default_factory=dict)
    _parsed: Any = None
    _parse_error: str | None = None
    _did_parse: bool = False
    # What several rules derive from this one response (its money fields, its error object), computed once.
    _memo: dict[str, Any] = field(default_factory=dict)

    def memo(self, name: str, compute: "Callable[[], _T]") -> "_T":
        if name not in self._memo:
            self._memo[name] = compute()
        value: _T = self._memo[name]
        return value

    def json(self) -> Any:
        if not self._did_parse:
            self._did_parse = True
            try:
                self._parsed = json.loads(self.text) if self.text else None
            except ValueError as exc:
                self._parse_error = str(exc)
        return self._parsed

    def header(self, name: str) -> str | None:
        """A response header by name, case-insensitively (X-Request-Id, x-request-id)."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    @property
    def is_json(self) -> bool:
        return "json" in (self.header("content-type") or "") and self.json() is not None


def _is_money(node: Any) -> bool:
    return isinstance(node, dict) and "amount" in node and "currency" in node


def _fmt_path(path: list[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"


def iter_money(
    spec: Spec | None, value: Any, schema: Any, base: Path | None, path: list[str | int], signed: bool = False
) -> Iterator[tuple[list[str | int], dict[str, Any], bool]]:
    """Every money object in `value`, with whether the spec marks its field signed (x-signed)."""
    if spec is not None and schema is not None:
        signed = signed or spec.is_signed(schema, base)
    if _is_money(value):
        yield path, value, signed
        return
    if isinstance(value, dict):
        for key, sub in value.items():
            sub_schema, sub_base, sub_signed = (None, base, False)
            if spec is not None and schema is not None:
                sub_schema, sub_base, sub_signed = spec.property_schema(schema, base, key)
            yield from iter_money(spec, sub, sub_schema, sub_base, path + [key], sub_signed)
    elif isinstance(value, list):
        item_schema, item_base, item_signed = (None, base, False)
        if spec is not None and schema is not None:
            item_schema, item_base, item_signed = spec.items_schema(schema, base)
        for i, sub in enumerate(value):
            yield from iter_money(spec, sub, item_schema, item_base, path + [i], item_signed)


# --------------------------------------------------------------------------------------- money
def _money(spec: Spec | None, ex: Exchange) -> list[tuple[list[str | int], dict[str, Any], bool]]:
    """The money objects of a success body, each with whether the spec marks its field signed."""

    def compute() -> list[tuple[list[str | int], dict[str, Any], bool]]:
        body = ex.json()
        if not isinstance(body, dict) or "data" not in body or not (200 <= ex.status < 300):
            return []
        schema, base = (None, None)
        if spec is not None and ex.operation is not None:
            schema, base = spec.response_schema(ex.operation, ex.status)
        return list(iter_money(spec, body, schema, base, []))

    return ex.memo("money", compute)


@rule("money_amount_is_integer")
def _amount_is_integer(spec: Spec | None, ex: Exchange) -> Iterator[tuple[str, str]]:
    """every `amount` in a money object is a JSON integer literal"""
    for path, money, _ in _money(spec, ex):
        amount = money.get("amount")
        if type(amount) is not int:
            yield (f"{_fmt_path(path)}.amount is {json.dumps(amount)} ({type(amount).__name__})",
                   "every amount is a JSON integer literal in minor units (2500, never 2500.0 or \"2500\")")


@rule("money_non_negative")
def _non_negative(spec: Spec | None, ex: Exchange) -> Iterator[tuple[str, str]]:
    """amounts are >= 0 except where the response schema marks the field `x-signed: true`"""
    for path, money, signed in _money(spec, ex):
        amount = money.get("amount")
        if type(amount) is int and amount < 0 and not signed:
            yield f"{_fmt_path(path)}.amount is {amount}", "amounts are non-negative except in fields the spec marks x-signed: true"


@rule("money_currency_usd")
def _currency(spec: Spec | None, ex: Exchange) -> Iterator[tuple[str, str]]:
    """currencies match the money schema and are ones the contract serves (USD)"""
    currencies = currency_rule(spec)
    for path, money, _ in _money(spec, ex):
        if not currencies.allows(money.get("currency")):
            yield (f"{_fmt_path(path)}.currency is {json.dumps(money.get('currency'))}",
                   currencies.describe() + " (the contract's money schema and the currencies it serves)")
    body = ex.json()
    if not (isinstance(body, dict) and "data" in body and 200 <= ex.status < 300):
        return
    for path, value in _iter_key(body.get("data"), "currency", ["data"]):
        if not _is_money_parent(body, path) and value is not None and not currencies.allows(value):
            yield f"{_fmt_path(path)} is {json.dumps(value)}", currencies.describe()


def _iter_key(value: Any, key: str, path: list[str | int]) -> Iterator[tuple[list[str | int], Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            if k == key and not isinstance(v, (dict, list)):
                yield path + [k], v
            else:
                yield from _iter_key(v, key, path + [k])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _iter_key(v, key, path + [i])


def _is_money_parent(body: Any, path: list[str | int]) -> bool:
    node = body
    for part in path[:-1]:
        node = node[part]
    return _is_money(node)


# ------------------------------------------------------------------------------------ envelopes
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
                return f"{_fmt_path(path[: i + 1])} is not in the request body"
            node = node[part]
        else:
            if not isinstance(node, dict):
                return f"{_fmt_path(path[:i])} is not an object in the request body"
            if part not in node:
                if last and code in REQUIRED_FIELD_CODES:
                    return None  # a missing required field names the field that is absent
                return f"{_fmt_path(path[: i + 1])} is not in the request body"
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


# ----------------------------------------------------------------------------- order arithmetic
def _amt(node: Any, *keys: str) -> int | None:
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    if isinstance(node, dict):
        node = node.get("amount")
    return node if type(node) is int else None


def iter_orders(value: Any, path: list[str | int] | None = None) -> Iterator[tuple[list[str | int], dict[str, Any]]]:
    path = path or []
    if isinstance(value, dict):
        if "pricing_amounts" in value and "line_items" in value:
            yield path, value
            return
        for k, v in value.items():
            yield from iter_orders(v, path + [k])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from iter_orders(v, path + [i])


def order_arithmetic(order: dict[str, Any]) -> list[str]:
    """Violations of Flint's order arithmetic in one order object (empty when it adds up)."""
    problems: list[str] = []
    oid = order.get("order_id", "?")

    def eq(label: str, got: int | None, want: int | None) -> None:
        if got is not None and want is not None and got != want:
            problems.append(f"{oid}: {label}: got {got}, expected {want}")

    lines = order.get("line_items") or []
    sums = {"subtotal": 0, "discount": 0, "tax": 0, "total": 0}
    complete = True
    for i, line in enumerate(lines if isinstance(lines, list) else []):
        unit, qty = _amt(line, "unit_price_money"), line.get("quantity") if isinstance(line, dict) else None
        base = _amt(line, "base_subtotal_money")
        if unit is not None and type(qty) is int:
            eq(f"line_items[{i}].base_subtotal_money = unit_price_money x quantity ({unit} x {qty})", base, unit * qty)
        sub = _amt(line, "subtotal_money")
        mod = _amt(line, "modifier_total_money") or 0
        eq(f"line_items[{i}].subtotal_money = base_subtotal_money + modifier_total_money", sub, None if base is None else base + mod)
        disc, tax, total = _amt(line, "discount_money"), _amt(line, "tax_money"), _amt(line, "total_money")
        if sub is not None and total is not None:
            eq(f"line_items[{i}].total_money = subtotal - discount + tax", total, sub - (disc or 0) + (tax or 0))
        for key, val in (("subtotal", sub), ("discount", disc or 0), ("tax", tax or 0), ("total", total)):
            if val is None:
                complete = False
            else:
                sums[key] += val
    pa = order.get("pricing_amounts") or {}
    p_sub, p_disc, p_chg = _amt(pa, "subtotal_money"), _amt(pa, "discount_money"), _amt(pa, "charge_money")
    p_tax, p_tip, p_total = _amt(pa, "tax_money"), _amt(pa, "requested_tip_money"), _amt(pa, "total_money")
    if None not in (p_sub, p_total):
        assert p_sub is not None
        eq(
            "pricing_amounts.total_money = subtotal - discount + charge + tax + requested_tip",
            p_total,
            p_sub - (p_disc or 0) + (p_chg or 0) + (p_tax or 0) + (p_tip or 0),
        )
    if complete and isinstance(lines, list):
        eq("pricing_amounts.subtotal_money = sum of line subtotal_money", p_sub, sums["subtotal"])
        eq("pricing_amounts.discount_money = sum of line discount_money", p_disc, sums["discount"])
        eq("pricing_amounts.tax_money = sum of line tax_money", p_tax, sums["tax"])
        eq(
            "pricing_amounts.total_money = sum of line total_money + charge + requested_tip",
            p_total,
            sums["total"] + (p_chg or 0) + (p_tip or 0),
        )
    tips = order.get("tips")
    if isinstance(tips, list) and tips:
        effective = [_amt(t, "effective_amount_money") for t in tips]
        if None not in effective:
            eq("pricing_amounts.requested_tip_money = sum of tips[].effective_amount_money", p_tip, sum(effective))  # type: ignore[arg-type]
    sa = order.get("settlement_amounts") or {}
    if isinstance(tips, list) and tips:
        settled = [_amt(t, "settled_amount_money") for t in tips]
        if None not in settled:
            eq("settlement_amounts.settled_tip_money = sum of tips[].settled_amount_money", _amt(sa, "settled_tip_money"), sum(settled))  # type: ignore[arg-type]
    paid, refunded = _amt(sa, "paid_money"), _amt(sa, "refunded_money")
    net, balance, due = _amt(sa, "net_collected_money"), _amt(sa, "balance_money"), _amt(sa, "amount_due_money")
    credit = _amt(sa, "credit_money")
    outstanding = _amt(sa, "outstanding_money")
    if due is not None and outstanding is not None:
        eq("settlement_amounts.outstanding_money = amount_due_money", outstanding, due)
    elif outstanding is not None and due is None:
        due = outstanding
    if balance is not None:
        eq("settlement_amounts.amount_due_money = max(balance_money, 0)", due, max(balance, 0))
        eq("settlement_amounts.credit_money = max(-balance_money, 0)", credit, max(-balance, 0))
        if p_total is not None and paid is not None:
            eq("settlement_amounts.balance_money = total - paid", balance, p_total - paid)
    elif due is not None and p_total is not None and paid is not None:
        eq("settlement_amounts.amount_due_money = max(total - paid, 0)", due, max(p_total - paid, 0))
    if paid is not None and refunded is not None:
        eq("settlement_amounts.net_collected_money = paid - refunded", net, paid - refunded)
        if refunded > paid:
            problems.append(f"{oid}: settlement_amounts.refunded_money {refunded} > paid_money {paid}")
    return problems


@rule("order_arithmetic")
def _order_arithmetic(spec: Spec | None, ex: Exchange) -> Iterator[tuple[str, str]]:
    """order and line amounts follow Flint's arithmetic"""
    body = ex.json()
    if not (200 <= ex.status < 300) or not isinstance(body, dict):
        return
    for path, order in iter_orders(body.get("data"), ["data"]):
        for problem in order_arithmetic(order):
            yield (f"{_fmt_path(path)}: {problem}",
                   "order amounts follow Flint's arithmetic (DESIGN.md 'Flint rules'; the spec's descriptions)")


@rule("balance_transaction_net")
def _balance_transaction_net(spec: Spec | None, ex: Exchange) -> Iterator[tuple[str, str]]:
    """every balance transaction has net = amount - fee"""
    body = ex.json()
    if not (200 <= ex.status < 300) or not isinstance(body, dict):
        return
    for path, txn in _iter_dicts_with(body.get("data"), "balance_transaction_id", ["data"]):
        amount, fee, net = _amt(txn, "amount_money"), _amt(txn, "fee_money"), _amt(txn, "net_money")
        if amount is not None and fee is not None and net is not None and net != amount - fee:
            yield (f"{_fmt_path(path)} {txn.get('balance_transaction_id')}: net {net} != amount {amount} - fee {fee}",
                   "every balance transaction has net_money = amount_money - fee_money")


def _iter_dicts_with(value: Any, key: str, path: list[str | int]) -> Iterator[tuple[list[str | int], dict[str, Any]]]:
    if isinstance(value, dict):
        if key in value and "net_money" in value:
            yield path, value
        for k, v in value.items():
            if isinstance(v, (dict, list)):
                yield from _iter_dicts_with(v, key, path + [k])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _iter_dicts_with(v, key, path + [i])


def check_response(spec: Spec | None, ex: Exchange) -> list[Finding]:
    """Every registered rule over one response."""
    out: list[Finding] = []
    for one in RULES.values():
        out.extend(one(spec, ex))
    return out
