"""CLI-only hooks module, loaded by `st run` through SCHEMATHESIS_HOOKS=flint_contract.st_hooks.

It registers the Flint checks (flint_contract.checks) plus a run-level check. Run-level checks stay
out of flint_contract.checks because under pytest `after_run` fires per test function, where
stateless id-scoped operations never reach 2xx (cookbook P12).
"""

from __future__ import annotations

from typing import Any

import schemathesis
from schemathesis import Case, CheckContext, Response

from . import checks  # noqa: F401  (registers the Flint checks and the map_case hook)
from .ast_lock import serialise_ast_parse
from .invariants import Finding


serialise_ast_parse()


@schemathesis.check
class every_operation_reaches_2xx:
    """Fails the run when an operation that was tested never answered 2xx: the fuzzer then only ever
    exercised validation, auth or not-found paths there, and the success body went unchecked."""

    def __init__(self) -> None:
        self.tested: set[str] = set()
        self.reached: set[str] = set()

    def after_response(self, ctx: CheckContext, response: Response, case: Case[Any]) -> None:
        label = checks.operation_id(case)
        self.tested.add(label)
        if 200 <= response.status_code < 300:
            self.reached.add(label)

    def after_run(self, ctx: CheckContext) -> None:
        missing = self.tested - self.reached
        if missing:
            checks.fail([Finding("every_operation_reaches_2xx", "never answered 2xx: " + ", ".join(sorted(missing)),
                                 "every operation reaches a 2xx")])
