"""Reading money out of request bodies (with the seeds' error codes and params) and writing it into documents."""

from __future__ import annotations

import re
from typing import Any, Mapping

from .errors import invalid
from .pricing import INT64_MAX

SUPPORTED_CURRENCIES = ("USD",)
# ISO 4217 codes the sandbox knows exist but does not support (valid code -> UNSUPPORTED_CURRENCY).
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


def money(amount: int, currency: str = "USD") -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def amount_of(m: Mapping[str, Any] | None) -> int:
    return 0 if m is None else int(m["amount"])


def check_currency(currency: object, param: str) -> str:
    if not isinstance(currency, str) or not _CURRENCY_RE.match(currency):
        raise invalid("INVALID_CURRENCY", f"Currency {currency!r} is not an ISO 4217 code", param)
    if currency not in SUPPORTED_CURRENCIES:
        raise invalid(
            "UNSUPPORTED_CURRENCY",
            f'Currency "{currency}" is not supported in closed beta; supported currencies: USD',
            param,
        )
    return currency


def read_money(
    obj: object,
    param: str,
    *,
    positive: bool = False,
    negative_code: str = "NEGATIVE_AMOUNT",
    currency: str | None = None,
) -> int:
    """Validate a Money object from a request; the schema has normally done this already, so this is the
    second line that keeps a bad value from ever reaching arithmetic."""
    if not isinstance(obj, Mapping):
        raise invalid("INVALID_JSON", "Money must be an object with amount and currency", param)
    amount = obj.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise invalid("INVALID_JSON", "amount must be a JSON integer in minor units", f"{param}.amount")
    if amount > INT64_MAX:
        raise invalid("AMOUNT_TOO_LARGE", "amount does not fit in a 64-bit integer", f"{param}.amount")
    if amount < 0:
        raise invalid(negative_code, "amount can't be negative", f"{param}.amount")
    if positive and amount == 0:
        raise invalid("INVALID_AMOUNT", "amount must be greater than zero", f"{param}.amount")
    got = check_currency(obj.get("currency"), f"{param}.currency")
    if currency is not None and got != currency:
        raise invalid("CURRENCY_MISMATCH", f"Currency {got} does not match the order's {currency}", f"{param}.currency")
    return amount
