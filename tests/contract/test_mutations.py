"""Self-test by mutation: the kit fails on every planted sandbox fault through the check meant to
catch it, and the same targeted runs pass on a clean sandbox. Servers start in parallel (two at a
time on two cores); each run is a quick targeted one (flint_contract.selftest.TARGETS).

Set FLINT_CONTRACT_FAULT_TABLE=PATH to write the observed fault -> checks table (markdown) there."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from flint_contract.localserver import Sandbox, SandboxError
from flint_contract.selftest import TARGETS, Target, markdown_table, run_target


def _sandbox_available() -> str | None:
    try:
        with Sandbox():
            return None
    except SandboxError as exc:
        return f"local sandbox unavailable: {str(exc)[:300]}"


_REASON = _sandbox_available()
_results: dict[str, tuple[int, str, list[str]]] = {}
_operations: dict[str, set[tuple[str, str]]] = {}  # fault -> (check, operation) of every violation


def _run(t: Target) -> tuple[str, tuple[int, str, list[str]]]:
    result, output = run_target(t, (t.fault,))
    _operations[t.fault] = {(v.check, v.operation or "") for v in result.violations}
    return t.fault, (result.exit_code, output, [v.check for v in result.violations])


@pytest.fixture(scope="module")
def fault_runs() -> dict[str, tuple[int, str, list[str]]]:
    if _REASON:
        pytest.skip(_REASON)
    if not _results:
        with ThreadPoolExecutor(max_workers=2) as pool:
            _results.update(dict(pool.map(_run, TARGETS)))
        table = os.environ.get("FLINT_CONTRACT_FAULT_TABLE")
        if table:
            caught = {fault: sorted(set(checks)) for fault, (_, _, checks) in _results.items()}
            Path(table).write_text(markdown_table(caught) + "\n", encoding="utf-8")
    return _results


@pytest.mark.parametrize("t", TARGETS, ids=[t.fault for t in TARGETS])
def test_fault_is_caught_by_its_check(t: Target, fault_runs: dict[str, tuple[int, str, list[str]]]) -> None:
    code, output, checks = fault_runs[t.fault]
    assert code == 1, output
    assert t.check in checks, output
    assert f"[{t.check}]" in output


def test_every_planted_fault_has_a_target() -> None:
    from flint_sandbox import faults

    assert {t.fault for t in TARGETS} == set(faults.KNOWN)


def test_clean_sandbox_passes_every_targeted_run() -> None:
    if _REASON:
        pytest.skip(_REASON)
    # One clean sandbox per distinct targeted run shape; all of them must conform.
    shapes = {(t.probes, t.operations, t.exclude_checks): t for t in TARGETS}
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda t: run_target(t, ()), shapes.values()))
    failures = [out for result, out in outcomes if result.exit_code != 0]
    assert not failures, "\n\n".join(failures)


RESOURCE_CHECKS = ("use_after_delete", "resource_hierarchy", "leaked_create", "invalid_dynamic_id", "namespace_isolation")


@pytest.mark.parametrize("t", [t for t in TARGETS if t.check in RESOURCE_CHECKS], ids=lambda t: t.fault)
def test_resource_fault_is_caught_on_two_routes(t: Target, fault_runs: dict[str, tuple[int, str, list[str]]]) -> None:
    """Each planted resource fault lives on at least two routes, and its checker reports both."""
    routes = {op for check, op in _operations[t.fault] if check == t.check}
    assert len(routes) >= 2, (routes, fault_runs[t.fault][1])


def test_resource_checkers_exercise_every_route_the_spec_gives_them() -> None:
    """On a clean sandbox the four resource checkers conform, and each exercised the operations the contract
    gives it (counts > 0): every nested path, every create, every operation that takes an id, the deletes."""
    if _REASON:
        pytest.skip(_REASON)
    from flint_contract import resources
    from flint_contract.runner import RunOptions, execute
    from flint_contract.spec import load_spec

    spec = load_spec()
    with Sandbox() as sandbox:
        result = execute(RunOptions(base_url=sandbox.base_url, api_key=sandbox.api_key, peer_api_key=sandbox.peer_api_key,
                                    probes=RESOURCE_CHECKS, fuzz=False))
    assert result.exit_code == 0, [v.render() for v in result.violations]
    done = {check: {op for op, n in per_op.items() if n > 0} for check, per_op in result.exercised.items()}
    ops = spec.operations.values()
    assert {o.operation_id for o in ops if len(resources.path_params(o)) >= 2} <= done["resource_hierarchy"]
    assert {o.operation_id for o in ops if resources.is_create(spec, o)} <= done["leaked_create"]
    assert {o.operation_id for o in ops if resources.path_params(o)} <= done["invalid_dynamic_id"]
    # (the peer never writes to objects the kit did not create: the merchant's only payout destination)
    assert {o.operation_id for o in ops if resources.path_params(o)} - {
        "updatePayoutDestination", "deletePayoutDestination"} <= done["namespace_isolation"]
    deletes = {o.operation_id for o in ops if resources.is_delete(o)}
    # Deletes of objects the kit creates; not deletePayoutDestination (the merchant's only destination, found by a
    # list: the kit never destroys what it did not create) nor cancelOrderPaymentAttempt (a tok_visa attempt has
    # already succeeded, so the cancel is rightly 409 and there is nothing canceled to use).
    assert deletes - {"deletePayoutDestination", "cancelOrderPaymentAttempt"} <= done["use_after_delete"]
    assert result.exercised["use_after_delete"].get("deletePayoutDestination") == 0


def test_namespace_isolation_catches_a_cross_tenant_read() -> None:
    """The generic namespace checker finds the planted cross-tenant read on its own (tenant_isolation is the
    fault's hand-written target)."""
    if _REASON:
        pytest.skip(_REASON)
    t = Target("cross_tenant_read", "namespace_isolation", ("namespace_isolation",))
    result, output = run_target(t, (t.fault,))
    assert result.exit_code == 1, output
    assert ("namespace_isolation", "getOrder") in {(v.check, v.operation) for v in result.violations}, output
