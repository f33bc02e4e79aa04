"""The kit as a library for a user's own test suite: `assert_conforms(base_url, api_key, **options)`
runs the kit with the CLI's defaults and raises `ContractViolation` (an AssertionError) carrying the
grouped findings; `local_sandbox()` is a fresh reference sandbox on a free loopback port with its own
temporary SQLite file. The pytest fixtures (flint_contract.pytest_plugin) are built on these."""

from __future__ import annotations

import io
from typing import Any

from .localserver import Sandbox
from .report import print_result
from .runner import EXIT_OK, RunOptions, RunResult, execute


class ContractViolation(AssertionError):
    def __init__(self, report: str, result: RunResult) -> None:
        super().__init__(report)
        self.result = result


def run_contract(base_url: str, api_key: str, **options: Any) -> RunResult:
    """One kit run; `options` are RunOptions fields (quick=True, probes=(...), operations=(...),
    checks=(...), peer_api_key=..., seed=..., ...), with tuples also accepted as lists."""
    for name in ("probes", "operations", "checks", "exclude_checks", "phases"):
        if isinstance(options.get(name), list):
            options[name] = tuple(options[name])
    if options.get("quick") and "max_examples" not in options:
        from .runner import QUICK_MAX_EXAMPLES

        options["max_examples"] = QUICK_MAX_EXAMPLES
    return execute(RunOptions(base_url=base_url, api_key=api_key, **options))


def render(result: RunResult, *, examples: int = 1) -> str:
    out = io.StringIO()
    print_result(result, out, examples=examples)
    return out.getvalue()


def assert_conforms(base_url: str, api_key: str, **options: Any) -> RunResult:
    """Run the kit and raise ContractViolation with the grouped report unless the server conforms."""
    result = run_contract(base_url, api_key, **options)
    if result.exit_code != EXIT_OK:
        raise ContractViolation(render(result), result)
    return result


def local_sandbox(**kwargs: Any) -> Sandbox:
    """A started sandbox (use as a context manager, or call .stop()): .base_url, .api_key, .peer_api_key."""
    return Sandbox(**kwargs).start()
