"""Reading the generated request models in the business rules: a field left out (UNSET) as None, enums as values."""

from __future__ import annotations

import enum
from typing import Any, Protocol, TypeVar

from flint_api import Unset

T = TypeVar("T")


class RequestModel(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


class MoneyModel(Protocol):
    """MoneyInput, UnitPriceMoneyInput, TipMoneyInput: the request's money objects."""

    @property
    def amount(self) -> int: ...
    @property
    def currency(self) -> str: ...


def opt(value: T | Unset) -> T | None:
    """A field's value, None when the request left it out."""
    return None if isinstance(value, Unset) else value


def wire(value: str) -> str:
    """An enum field's value as stored and sent (the models' enums are `str` enums)."""
    return str(value.value) if isinstance(value, enum.Enum) else value
