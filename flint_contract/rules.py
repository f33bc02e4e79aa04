"""The registry of Flint's per-response rules and what a rule sees: Exchange (one request/response pair,
transport-neutral), Finding (what a rule found and what the contract expects), Rule and the @rule decorator that
registers one under its check name. The rules themselves are in rules_money.py, rules_envelope.py and
rules_orders.py; flint_contract.invariants gathers them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, TypeVar

from .spec import Operation, Spec

_T = TypeVar("_T")


@dataclass(frozen=True)
class Finding:
    check: str
    message: str
    expected: str

    def as_record(self, **extra: Any) -> dict[str, Any]:
        """The finding as JSON-ready data (the schemathesis hooks write these for the engine to read)."""
        return {"check": self.check, "message": self.message, "expected": self.expected, **extra}


# A rule's body yields (what was found, what the contract expects); the registration gives it its one name.
RuleBody = Callable[["Spec | None", "Exchange"], Iterable[tuple[str, str]]]


@dataclass(frozen=True)
class Rule:
    """One per-response rule, registered once with @rule(name). The probes run it over every response they
    get (check_response); flint_contract.checks registers each as the schemathesis check of the same name."""

    name: str
    body: RuleBody
    doc: str

    def __call__(self, spec: Spec | None, ex: "Exchange") -> list[Finding]:
        return [Finding(self.name, message, expected) for message, expected in self.body(spec, ex)]


RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[RuleBody], Rule]:
    """Register a per-response rule under `name` (the check name in every report)."""

    def register(body: RuleBody) -> Rule:
        if name in RULES:
            raise ValueError(f"rule {name!r} registered twice")
        RULES[name] = Rule(name, body, (body.__doc__ or "").strip())
        return RULES[name]

    return register


@dataclass
class Exchange:
    """One request/response pair, transport-neutral."""

    method: str
    url: str
    status: int
    headers: Mapping[str, str]  # response headers (looked up case-insensitively by header())
    text: str
    operation: Operation | None
    request_body: Any = None  # parsed JSON body sent, or None
    request_query: Mapping[str, Any] = field(default_factory=dict)
    request_path_params: Mapping[str, Any] = field(default_factory=dict)
    request_headers: Mapping[str, str] = field(default_factory=dict)
    _parsed: Any = None
    _parse_error: str | None = None
    _did_parse: bool = False
    # What several rules derive from this one response (its money fields, its error object), computed once.
    _memo: dict[str, Any] = field(default_factory=dict)

    def memo(self, name: str, compute: "Callable[[], _T]") -> "_T":
        if name not in self._memo:
            self._memo[name] = compute()
        value: _T = self._memo[name]
        return value

    def json(self) -> Any:
        if not self._did_parse:
            self._did_parse = True
            try:
                self._parsed = json.loads(self.text) if self.text else None
            except ValueError as exc:
                self._parse_error = str(exc)
        return self._parsed

    def header(self, name: str) -> str | None:
        """A response header by name, case-insensitively (X-Request-Id, x-request-id)."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    @property
    def is_json(self) -> bool:
        return "json" in (self.header("content-type") or "") and self.json() is not None


def fmt_path(path: list[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(root)"
