"""Flint's per-response rules as pure functions over one HTTP exchange.

The same functions run inside schemathesis (flint_contract.checks) and over every response the
scenario probes receive, so a rule is written once. Each returns a list of Finding(check, message,
expected); an empty list means the response honours the rule.

The registry (Exchange, Finding, Rule, @rule) is flint_contract.rules; the rules are grouped by subject in
rules_money.py, rules_envelope.py and rules_orders.py. Importing this module registers all of them, in the order
every report lists them.
"""

from __future__ import annotations

# imported in this order, the rules register in the order every report lists them
from . import rules_money  # isort: skip
from . import rules_envelope  # isort: skip
from . import rules_orders  # isort: skip
from .rules import RULES, Exchange, Finding, Rule, RuleBody, fmt_path, rule
from .rules_envelope import ERROR_REQUIRED, REQUIRED_FIELD_CODES, error_type_for
from .rules_money import CurrencyRule, currency_rule, iter_money, supported_currencies
from .rules_orders import iter_orders, order_arithmetic
from .spec import Spec

__all__ = [
    "ERROR_REQUIRED",
    "REQUIRED_FIELD_CODES",
    "RULES",
    "CurrencyRule",
    "Exchange",
    "Finding",
    "Rule",
    "RuleBody",
    "check_response",
    "currency_rule",
    "error_type_for",
    "fmt_path",
    "iter_money",
    "iter_orders",
    "order_arithmetic",
    "rule",
    "rules_envelope",
    "rules_money",
    "rules_orders",
    "supported_currencies",
]


def check_response(spec: Spec | None, ex: Exchange) -> list[Finding]:
    """Every registered rule over one response."""
    out: list[Finding] = []
    for one in RULES.values():
        out.extend(one(spec, ex))
    return out
