"""Problems found in a spec, always tied to a JSON pointer."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class SpecError:
    pointer: str
    message: str

    def __str__(self) -> str:
        return f"{self.pointer or '#'}: {self.message}"


class SpecErrors(Exception):
    """Raised with every problem collected so far (never one at a time)."""

    def __init__(self, errors: list[SpecError]) -> None:
        super().__init__("\n".join(str(e) for e in errors))
        self.errors = errors


def escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape_pointer(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


def join_pointer(base: str, *tokens: object) -> str:
    # called for every property of every schema: most tokens need no escaping, and a loop beats a generator here
    for t in tokens:
        text = t if type(t) is str else str(t)
        base += "/" + (escape_pointer(text) if "~" in text or "/" in text else text)
    return base
