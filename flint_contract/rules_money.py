"""Per-response rules about money: every amount an integer in minor units, non-negative unless the spec marks the
field `x-signed`, and currencies that match the money schema and are ones the contract serves (read from the spec:
its enum, else the currencies of its examples).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from .rules import Exchange, fmt_path, rule
from .spec import Spec


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


def _is_money(node: Any) -> bool:
    return isinstance(node, dict) and "amount" in node and "currency" in node


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
            yield (f"{fmt_path(path)}.amount is {json.dumps(amount)} ({type(amount).__name__})",
                   "every amount is a JSON integer literal in minor units (2500, never 2500.0 or \"2500\")")


@rule("money_non_negative")
def _non_negative(spec: Spec | None, ex: Exchange) -> Iterator[tuple[str, str]]:
    """amounts are >= 0 except where the response schema marks the field `x-signed: true`"""
    for path, money, signed in _money(spec, ex):
        amount = money.get("amount")
        if type(amount) is int and amount < 0 and not signed:
            yield f"{fmt_path(path)}.amount is {amount}", "amounts are non-negative except in fields the spec marks x-signed: true"


@rule("money_currency_usd")
def _currency(spec: Spec | None, ex: Exchange) -> Iterator[tuple[str, str]]:
    """currencies match the money schema and are ones the contract serves (USD)"""
    currencies = currency_rule(spec)
    for path, money, _ in _money(spec, ex):
        if not currencies.allows(money.get("currency")):
            yield (f"{fmt_path(path)}.currency is {json.dumps(money.get('currency'))}",
                   currencies.describe() + " (the contract's money schema and the currencies it serves)")
    body = ex.json()
    if not (isinstance(body, dict) and "data" in body and 200 <= ex.status < 300):
        return
    for path, value in _iter_key(body.get("data"), "currency", ["data"]):
        if not _is_money_parent(body, path) and value is not None and not currencies.allows(value):
            yield f"{fmt_path(path)} is {json.dumps(value)}", currencies.describe()


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
