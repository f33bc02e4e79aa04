"""Money in validated request bodies (the server rules the schema cannot say) and money written into documents."""

from __future__ import annotations

from typing import Any, Mapping

from .errors import invalid
from .request_models import MoneyModel, RequestModel

SUPPORTED_CURRENCIES = ("USD",)
# Every ISO 4217 code (the spec's former CurrencyCode enum): a code outside it is INVALID_CURRENCY, a code in it
# that is not supported is UNSUPPORTED_CURRENCY.
ISO_4217 = frozenset((
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN", "BHD", "BIF",
    "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHE", "CHF", "CHW", "CLF",
    "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB",
    "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF", "IDR",
    "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD",
    "KZT", "LAK", "LBP", "LKR", "LRD", "LSL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR",
    "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK",
    "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD", "SHP",
    "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD",
    "TWD", "TZS", "UAH", "UGX", "USD", "USN", "UYI", "UYU", "UYW", "UZS", "VED", "VES", "VND", "VUV", "WST", "XAF",
    "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD", "XPF", "XPT", "XSU", "XTS", "XUA",
    "XXX", "YER", "ZAR", "ZMW", "ZWG", "ZWL",
))


def money(amount: int, currency: str = "USD") -> dict[str, Any]:
    return {"amount": amount, "currency": currency}


def amount_of(m: Mapping[str, Any] | None) -> int:
    return 0 if m is None else int(m["amount"])


def check_currency(currency: object, param: str) -> str:
    # the schema checks the shape (three capitals); being an ISO 4217 code and supported are server rules
    if currency not in ISO_4217:
        raise invalid("INVALID_CURRENCY", f"Currency {currency!r} is not an ISO 4217 code", param)
    if currency not in SUPPORTED_CURRENCIES:
        raise invalid(
            "UNSUPPORTED_CURRENCY",
            f'Currency "{currency}" is not supported in closed beta; supported currencies: USD',
            param,
        )
    return currency


def check_request_currencies(body: Mapping[str, Any] | RequestModel) -> None:
    """Check every currency a request body carries, before any business rule (so before CURRENCY_MISMATCH):
    each `currency` string (Money objects and plain currency fields) and each key of a `*_by_currency` map.
    Not ISO 4217 (XYZ) -> 400 INVALID_CURRENCY; ISO but not supported (EUR) -> 400 UNSUPPORTED_CURRENCY; `param`
    is the field path (`line_items[0].unit_price_money.currency`), so a request model is walked in wire form."""
    _walk_currencies(body if isinstance(body, Mapping) else body.to_dict(), "")


def _walk_currencies(value: object, path: str) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if key == "currency" and isinstance(item, str):
                check_currency(item, sub)
            elif isinstance(key, str) and key.endswith("_by_currency") and isinstance(item, Mapping):
                for code, inner in item.items():
                    check_currency(code, f"{sub}.{code}")
                    _walk_currencies(inner, f"{sub}.{code}")
            else:
                _walk_currencies(item, sub)
    elif isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _walk_currencies(item, f"{path}[{i}]")


def read_money(
    obj: Mapping[str, Any] | MoneyModel, param: str, *, positive: bool = False, currency: str | None = None
) -> int:
    """The amount of a request's Money object, already decoded against the schema (a JSON integer, 0..int64 max,
    three capitals: the stub answered anything else with the schema's code). Here only the server rules: money that
    moves is > 0, the currency is ISO 4217 and supported, and it matches the resource's currency."""
    # a typed money model (the paths that read request models) or its wire form (the rest)
    amount, sent = (int(obj["amount"]), obj.get("currency")) if isinstance(obj, Mapping) else (obj.amount, obj.currency)
    if positive and amount == 0:
        raise invalid("INVALID_AMOUNT", "amount must be greater than zero", f"{param}.amount")
    got = check_currency(sent, f"{param}.currency")
    if currency is not None and got != currency:
        raise invalid("CURRENCY_MISMATCH", f"Currency {got} does not match the order's {currency}", f"{param}.currency")
    return amount
