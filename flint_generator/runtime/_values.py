"""The package's value types: the UNSET sentinel, ValidationError, unknown enum values and union variants, and the
helpers every model class shares (equality, repr, `replace`, undeclared fields).

Standard library only; reached through `_runtime` like the rest of the runtime.
"""

from __future__ import annotations

import enum as _enum
from typing import IO, Any, TypeVar, Union

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
