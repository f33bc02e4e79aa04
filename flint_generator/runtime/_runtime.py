"""Runtime shared by the generated models: the UNSET sentinel, ValidationError and small parse helpers.

Standard library only. Helpers take the full JSON path of the value so an error can say where it happened
(`line_items[0].unit_price_money.currency`).
"""

from __future__ import annotations

import datetime as _dt
import enum as _enum
import json as _json
import math
import re as _re
from decimal import Decimal as _Decimal
from typing import IO, Any, Callable, Iterable, Mapping, TypeVar, Union, cast

T = TypeVar("T")
# what a `format: binary` field or body takes: bytes, a binary file object, or (filename, content[, content type]);
# str only where a JSON document carried it (JSON has no bytes)
FileContent = Union[bytes, IO[bytes], "tuple[str, bytes | IO[bytes]]", "tuple[str, bytes | IO[bytes], str]", str]


class Unset(_enum.Enum):
    """Type of UNSET: a field that was absent (as opposed to null, which is None)."""

    UNSET = "UNSET"

    def __bool__(self) -> bool:
        return False

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset.UNSET
_U = UNSET
NESTED = "$"  # the path a model gives the parser of one of its values (see ValidationError.under)


class ValidationError(ValueError):
    """A value failed its schema.

    path: JSON path in the seeds' form (`a.b[0].c`); kind: type | required | unknown_field | value;
    keyword: the JSON-Schema keyword that failed; code: the spec's `x-error-codes`/`x-error-code` for it, or None.
    """

    def __init__(
        self, path: str, kind: str, keyword: str, code: str | None, message: str, code_is_keyword: bool = False
    ) -> None:
        super().__init__(f"{path or '<root>'}: {message}")
        self.path = path
        self.kind = kind
        self.keyword = keyword
        self.code = code
        self.message = message
        self.code_is_keyword = code_is_keyword

    def under(self, prefix: str) -> ValidationError:
        """This error moved below `prefix`: a model re-raising what the parser of one of its values found. Nested
        values are parsed with the path `NESTED` ("$"), so their paths are only built when something fails and
        always start with "$" followed by "." (a key, maybe empty or starting with "[") or "[" (an index).
        """
        path = self.path
        if path[:1] == NESTED:
            rest = path[1:]
            self.path = prefix + rest if prefix else rest[1:] if rest[:1] == "." else rest
            self.args = (f"{self.path or '<root>'}: {self.message}",)
        return self

    def __reduce__(self) -> Any:
        return (type(self), (self.path, self.kind, self.keyword, self.code, self.message, self.code_is_keyword))


class UnknownEnumValue(str):
    """A value of an open enum that this version of the package does not know; round-trips unchanged."""

    __slots__ = ()

    @property
    def value(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"UnknownEnumValue({str.__repr__(self)})"


class UnknownVariant:
    """A union member whose discriminator value is unknown: the raw object, returned unchanged by to_dict()."""

    __slots__ = ("raw",)

    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw

    def to_dict(self) -> dict[str, Any]:
        return dict(self.raw)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UnknownVariant) and other.raw == self.raw

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        return f"UnknownVariant({self.raw!r})"


def _fields(obj: Any) -> tuple[str, ...]:
    """The slots of a model: its generated class's (a user's subclass declares none of its own)."""
    fields: tuple[str, ...] = getattr(type(obj), "_fields_", None) or obj.__slots__
    return fields


def model_eq(self: Any, other: Any) -> bool:
    if type(other) is not type(self):
        return NotImplemented  # type: ignore[no-any-return]
    return all(getattr(self, s) == getattr(other, s) for s in _fields(self))


def model_repr(self: Any) -> str:
    inner = ", ".join(
        f"{s}={getattr(self, s)!r}" for s in _fields(self) if getattr(self, s) is not _U and s != "_unknown_"
    )
    return f"{type(self).__name__}({inner})"


def replace(obj: T, **changes: Any) -> T:
    """A copy of a model with some fields changed (like dataclasses.replace); undeclared fields are kept."""
    slots = _fields(obj)
    values = {s: getattr(obj, s) for s in slots if s != "_unknown_"}
    values.update(changes)
    copy = type(obj)(**values)
    if "_unknown_" in slots:
        setattr(copy, "_unknown_", getattr(obj, "_unknown_"))
    return copy


def unknown_of(data: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in known}


def undeclared_fields(obj: Any) -> dict[str, Any]:
    """The fields a response carried that its schema does not declare (kept so `to_dict` round-trips them)."""
    return dict(getattr(obj, "_unknown_", None) or {})


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


def parse_datetime(value: Any, path: str, tcode: str | None, vcode: str | None) -> _dt.datetime:
    if type(value) is not str:
        raise type_error(value, path, "date-time string", tcode)
    s = value
    if s[-1:] in ("Z", "z"):  # fromisoformat() accepts "Z" only from 3.11 on
        s = s[:-1] + "+00:00"
    try:
        if len(s) < 19 or s[10] not in "Tt ":
            raise ValueError(s)
        out = _dt.datetime.fromisoformat(s)
    except (ValueError, IndexError):
        raise bad_value(path, "format", vcode, f"{value!r} is not an RFC 3339 date-time") from None
    if out.tzinfo is None:
        raise bad_value(path, "format", vcode, f"{value!r} has no UTC offset")
    return out


def dump_datetime(value: _dt.datetime) -> str:
    us = value.microsecond
    spec = "seconds" if not us else ("milliseconds" if us % 1000 == 0 else "microseconds")
    out = value.isoformat(timespec=spec)
    return out[:-6] + "Z" if out.endswith("+00:00") else out


def parse_date(value: Any, path: str, tcode: str | None, vcode: str | None) -> _dt.date:
    if type(value) is not str:
        raise type_error(value, path, "date string", tcode)
    try:
        if len(value) != 10:
            raise ValueError(value)
        return _dt.date.fromisoformat(value)
    except ValueError:
        raise bad_value(path, "format", vcode, f"{value!r} is not a date (YYYY-MM-DD)") from None


def parse_list(value: Any, path: str, item: Callable[[Any, str], T], tcode: str | None) -> list[T]:
    if type(value) is not list:
        raise type_error(value, path, "array", tcode)
    try:
        # Item paths are only built when an item fails: the second pass re-raises with the exact path.
        return [item(v, path) for v in value]
    except ValidationError:
        return [item(v, f"{path}[{i}]") for i, v in enumerate(value)]


def parse_map(value: Any, path: str, item: Callable[[Any, str], T], tcode: str | None) -> dict[str, T]:
    if type(value) is not dict:
        raise type_error(value, path, "object", tcode)
    try:
        return {k: item(v, path) for k, v in value.items()}
    except ValidationError:
        return {k: item(v, join(path, k)) for k, v in value.items()}


def to_decimal(value: Any, path: str, tcode: str | None) -> _Decimal:
    """A JSON number as an exact Decimal: a Decimal as it is (what the package's JSON reading gives), an int
    exactly, a float (data from a plain `json.loads`) through its shortest repr, never its binary expansion.
    """
    t = type(value)
    if t is _Decimal and value.is_finite():
        return value  # type: ignore[no-any-return]
    if t is int:
        return _Decimal(value)
    if t is float and math.isfinite(value):
        return _Decimal(repr(value))
    raise type_error(value, path, "number", tcode)


def to_float(value: Any, path: str, tcode: str | None) -> float:
    """A JSON number for a `format: float`/`double` field whose value came as a Decimal (the package reads
    numbers exactly)."""
    if type(value) is _Decimal and value.is_finite():
        return float(value)
    raise type_error(value, path, "number", tcode)


def _list_of(kind: type, expected: str) -> Callable[[Any, str, str | None], list[Any]]:
    def check(value: Any, path: str, tcode: str | None) -> list[Any]:
        if type(value) is not list:
            raise type_error(value, path, "array", tcode)
        for i, v in enumerate(value):
            if type(v) is not kind:
                if kind is float and type(v) is int:
                    continue
                raise type_error(v, f"{path}[{i}]", expected, tcode)
        return list(value)

    return check


list_str = _list_of(str, "string")
list_int = _list_of(int, "integer")


def list_float(value: Any, path: str, tcode: str | None) -> list[Any]:
    if type(value) is not list:
        raise type_error(value, path, "array", tcode)
    out = list(value)
    for i, v in enumerate(out):
        if type(v) is not float and type(v) is not int:
            out[i] = to_float(v, f"{path}[{i}]", tcode)
    return out


list_bool = _list_of(bool, "boolean")


def list_any(value: Any, path: str, tcode: str | None) -> list[Any]:
    if type(value) is not list:
        raise type_error(value, path, "array", tcode)
    return list(value)


def map_any(value: Any, path: str, tcode: str | None) -> dict[str, Any]:
    if type(value) is not dict:
        raise type_error(value, path, "object", tcode)
    return dict(value)


def map_str(value: Any, path: str, tcode: str | None) -> dict[str, str]:
    if type(value) is not dict:
        raise type_error(value, path, "object", tcode)
    for k, v in value.items():
        if type(v) is not str:
            raise type_error(v, join(path, k), "string", tcode)
    return dict(value)


def p_str(value: Any, path: str) -> str:
    if type(value) is not str:
        raise type_error(value, path, "string", None)
    return value


def p_int(value: Any, path: str) -> int:
    if type(value) is not int:
        raise type_error(value, path, "integer", None)
    return value


def p_float(value: Any, path: str) -> float:
    if type(value) is not float and type(value) is not int:
        return to_float(value, path, None)
    return value


def p_decimal(value: Any, path: str) -> _Decimal:
    return to_decimal(value, path, None)


def p_bool(value: Any, path: str) -> bool:
    if type(value) is not bool:
        raise type_error(value, path, "boolean", None)
    return value


def is_file(value: Any) -> bool:
    """An upload: bytes, a binary file object, or (filename, bytes or file[, content type])."""
    if isinstance(value, (bytes, bytearray)) or callable(getattr(value, "read", None)):
        return True
    return (
        isinstance(value, tuple)
        and len(value) in (2, 3)
        and isinstance(value[0], str)
        and (isinstance(value[1], (bytes, bytearray)) or callable(getattr(value[1], "read", None)))
        and (len(value) == 2 or isinstance(value[2], str))
    )


def parse_file(value: Any, path: str, tcode: str | None) -> FileContent:
    # a JSON document cannot carry bytes: a string found there is kept as the text it is
    if type(value) is str or is_file(value):
        return cast(FileContent, value)
    raise type_error(value, path, "binary", tcode)


def p_file(value: Any, path: str) -> FileContent:
    return parse_file(value, path, None)


def p_any(value: Any, path: str) -> Any:
    return value


def p_datetime(value: Any, path: str) -> _dt.datetime:
    return parse_datetime(value, path, None, None)


def p_date(value: Any, path: str) -> _dt.date:
    return parse_date(value, path, None, None)


def p_none(value: Any, path: str) -> None:
    if value is not None:
        raise type_error(value, path, "null", None)
    return None


def exact_json(value: Any, sort_keys: bool = False) -> str:
    """Compact JSON text in which a Decimal is written as its exact token (`12.50`), never through a float; for
    data json.dumps refuses only because it holds Decimals (json.dumps is the fast path everywhere else).
    """
    out: list[str] = []
    _json_text(value, out, sort_keys)
    return "".join(out)


def _json_text(value: Any, out: list[str], sort_keys: bool) -> None:
    t = type(value)
    if t is str:
        out.append(_json.dumps(value, ensure_ascii=False))
    elif value is None:
        out.append("null")
    elif t is bool:
        out.append("true" if value else "false")
    elif t is int:
        out.append(int.__repr__(value))
    elif t is _Decimal:
        if not value.is_finite():  # not math.isfinite: 1E+400 is a finite decimal (and a JSON number)
            raise ValueError(f"{value!r} is not a JSON number")
        out.append(str(value))
    elif t is float:
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a JSON number")
        out.append(float.__repr__(value))
    elif t is dict:
        out.append("{")
        for i, (k, v) in enumerate(sorted(value.items()) if sort_keys else value.items()):
            if i:
                out.append(",")
            out.append(_json.dumps(str(k), ensure_ascii=False))
            out.append(":")
            _json_text(v, out, sort_keys)
        out.append("}")
    elif t is list:
        out.append("[")
        for i, v in enumerate(value):
            if i:
                out.append(",")
            _json_text(v, out, sort_keys)
        out.append("]")
    else:
        raise TypeError(f"{t.__name__} is not JSON data")


def dump(value: Any) -> Any:
    """Generic serializer for values whose static type is a union or Any."""
    t = type(value)
    if t is str or t is int or t is float or t is bool or value is None or t is _Decimal:
        return value
    if t is list:
        return [dump(v) for v in value]
    if t is dict:
        return {k: dump(v) for k, v in value.items()}
    if isinstance(value, UnknownEnumValue):
        return value.value
    if isinstance(value, _enum.Enum):
        return value.value
    if isinstance(value, _dt.datetime):
        return dump_datetime(value)
    if isinstance(value, _dt.date):
        return value.isoformat()
    to_dict = getattr(value, "to_dict", None)
    if to_dict is not None:
        return to_dict()
    return value
