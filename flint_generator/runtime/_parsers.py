"""Parsers of JSON values, each taking the full JSON path of the value so an error can say where it happened
(`line_items[0].unit_price_money.currency`): dates, numbers, lists and maps of scalars, files, and the `p_*` forms
(value, path) that compiled codecs and the server's route table name. Standard library only; reached through
`_runtime`.
"""

from __future__ import annotations

import datetime as _dt
import math
from decimal import Decimal as _Decimal
from typing import Any, Callable, TypeVar, cast

from ._checks import bad_value, join, type_error
from ._values import FileContent, ValidationError

T = TypeVar("T")


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
