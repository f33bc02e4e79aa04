"""Money amounts for the generated clients' `money()` helper: exact minor units from a major-unit amount."""

from __future__ import annotations

import re
from decimal import Decimal

_MAJOR = re.compile(r"(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?")


def minor_units(amount: str | Decimal | int, exponent: int, signed: bool) -> int:
    """Exact minor units of a major-unit amount ("12.34" with exponent 2 -> 1234). Refuses floats, whitespace,
    a sign where the amount may not be negative (and "+" always), exponents, and more decimals than the currency
    has (never rounds)."""
    if isinstance(amount, bool) or isinstance(amount, float) or not isinstance(amount, (str, Decimal, int)):
        raise TypeError(f"money amounts are exact: pass a string like '12.34', not {type(amount).__name__}")
    if isinstance(amount, Decimal):
        if not amount.is_finite():
            raise ValueError(f"{amount!r} is not a finite amount")
        text = format(amount, "f")
    else:
        text = str(amount)
    m = _MAJOR.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not a plain decimal amount (digits, an optional '.', no spaces or exponent)")
    sign, whole, frac = m.group(1), m.group(2), m.group(3) or ""
    if sign and not signed:
        raise ValueError(f"{text!r}: this money may not be negative")
    if len(frac) > exponent:
        raise ValueError(f"{text!r} has more than {exponent} decimal(s)")
    units: int = int(whole) * int(10**exponent) + (int(frac.ljust(exponent, "0")) if exponent else 0)
    return -units if sign else units
