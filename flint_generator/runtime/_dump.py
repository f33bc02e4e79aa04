"""Values back to JSON: `dump` (a union or Any value to JSON data), `dump_datetime` (RFC 3339 with `Z`), and
`exact_json` (JSON text in which a Decimal keeps its exact token). Standard library only; reached through `_runtime`.
"""

from __future__ import annotations

import datetime as _dt
import enum as _enum
import json as _json
import math
from decimal import Decimal as _Decimal
from typing import Any

from ._values import UnknownEnumValue


def dump_datetime(value: _dt.datetime) -> str:
    us = value.microsecond
    spec = "seconds" if not us else ("milliseconds" if us % 1000 == 0 else "microseconds")
    out = value.isoformat(timespec=spec)
    return out[:-6] + "Z" if out.endswith("+00:00") else out


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
