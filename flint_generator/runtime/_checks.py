"""The errors a parser raises and the schema checks it makes: ValidationError builders that say where and what
(`type_error`, `missing`, `bad_value`, ...), and the keyword checks (uniqueItems, pattern, propertyNames, presence
groups, multipleOf) that compiled codecs call. Standard library only; reached through `_runtime`.
"""

from __future__ import annotations

import re as _re
from decimal import Decimal as _Decimal
from typing import Any, Callable, Iterable, Mapping, TypeVar

from ._values import _U, ValidationError

T = TypeVar("T")


_JSON_NAMES = {
    str: "string",
    int: "integer",
    float: "number",
    _Decimal: "number",
    bool: "boolean",
    list: "array",
    dict: "object",
    type(None): "null",
}


def json_type(value: Any) -> str:
    return "absent" if value is _U else _JSON_NAMES.get(type(value), type(value).__name__)


def join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def type_error(value: Any, path: str, expected: str, code: str | None) -> ValidationError:
    return ValidationError(path, "type", "type", code, f"expected {expected}, got {json_type(value)}")


def missing(path: str, code: str | None) -> ValidationError:
    return ValidationError(path, "required", "required", code, "is required")


def bad_value(path: str, keyword: str, code: str | None, message: str, kw: bool = False) -> ValidationError:
    return ValidationError(path, "value", keyword, code, message, kw)


def not_member(value: Any, path: str, allowed: Iterable[Any], code: str | None, kw: bool = False) -> ValidationError:
    shown = sorted(repr(v) for v in allowed)
    more = "" if len(shown) <= 8 else f" (+{len(shown) - 8} more)"
    return bad_value(path, "enum", code, f"{value!r} is not one of {', '.join(shown[:8])}{more}", kw)


def bad_variant(
    data: Mapping[str, Any], path: str, prop: str, known: Iterable[str], code: str | None
) -> ValidationError:
    """A request's discriminator names no known variant (responses keep such objects as UnknownVariant)."""
    where = join(path, prop)
    tag = data.get(prop, _U)
    if tag is _U:
        return missing(where, None)
    if type(tag) is not str:
        return type_error(tag, where, "string", None)
    return not_member(tag, where, known, code)


def unknown_fields(data: Mapping[str, Any], known: frozenset[str], path: str, code: str | None) -> ValidationError:
    extra = sorted(k for k in data if k not in known)
    return ValidationError(join(path, extra[0]), "unknown_field", "additionalProperties", code, "unknown field")


def has_duplicates(items: list[Any]) -> bool:
    try:
        return len(set(items)) != len(items)
    except TypeError:  # unhashable items (objects, lists): compare pairwise
        return any(items[i] == items[j] for i in range(len(items)) for j in range(i))


def ecma_pattern(source: str) -> _re.Pattern[str]:
    """A JSON-Schema (ECMA-262) pattern as a Python regex. ECMA's `$` (no multiline flag) matches only at the end
    of the input; Python's also before a final newline, so `^[A-Z]{3}$` would accept "USD\\n". Every `$` outside
    a character class and not escaped becomes `\\Z`."""
    out: list[str] = []
    i, n, in_class = 0, len(source), False
    while i < n:
        ch = source[i]
        if ch == "\\" and i + 1 < n:
            out.append(source[i : i + 2])
            i += 2
            continue
        if in_class:
            if ch == "]":
                in_class = False
        elif ch == "[":
            in_class = True
            if source.startswith("^]", i + 1) or source.startswith("]", i + 1):  # a leading "]" is a literal
                lead = 3 if source.startswith("^]", i + 1) else 2
                out.append(source[i : i + lead])
                i += lead
                continue
        elif ch == "$":
            out.append("\\Z")
            i += 1
            continue
        out.append(ch)
        i += 1
    return _re.compile("".join(out))


def bad_key(
    mapping: Mapping[str, Any], pattern: _re.Pattern[str] | None, min_length: int | None, max_length: int | None
) -> str | None:
    """The first key of `mapping` that fails `propertyNames`, or None."""
    for k in mapping:
        if (
            (pattern is not None and pattern.search(k) is None)
            or (min_length is not None and len(k) < min_length)
            or (max_length is not None and len(k) > max_length)
        ):
            return k
    return None


def count_present(data: Mapping[str, Any], groups: list[list[str]]) -> int:
    """How many `{required: [...]}` alternatives of a oneOf/anyOf the object satisfies."""
    return sum(1 for g in groups if all(k in data for k in g))


def presence_error(
    data: Mapping[str, Any], path: str, keyword: str, groups: list[list[str]], code: str | None
) -> ValidationError:
    names = " / ".join("+".join(g) for g in groups)
    n = count_present(data, groups)
    if keyword == "oneOf" and n > 1:
        return ValidationError(path, "value", keyword, code, f"only one of {names} may be given")
    return ValidationError(
        path,
        "value",
        keyword,
        code,
        f"{'exactly' if keyword == 'oneOf' else 'at least'} one of " f"{names} is required",
    )


def recode(fn: Callable[[Any, str], T], value: Any, path: str, codes: Mapping[str, str], code: str | None) -> T:
    """Parse with `fn`; a failure the inner schema left without a keyword code takes the outer codes."""
    try:
        return fn(value, path)
    except ValidationError as e:
        if not e.code_is_keyword and e.keyword in codes:
            e.code, e.code_is_keyword = codes[e.keyword], True
        elif e.code is None and code is not None:
            e.code = code
        raise


def multiple_of(value: int | float | _Decimal, step: str) -> bool:
    """Exact decimal check: 0.07 is a multiple of 0.01 even though 0.07 % 0.01 != 0 in floats."""
    try:
        return (_Decimal(str(value)) % _Decimal(step)) == 0
    except ArithmeticError:
        return False
