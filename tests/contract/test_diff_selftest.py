"""Self-test of `flint-contract diff`: every planted behavioural fault (flint_sandbox.faults_behaviour, ASGI
wrappers outside the business code) is caught against the embedded oracle and shrunk to a short sequence, and the
clean sandbox against itself reports nothing over several seeds. Quick-sized runs, two servers at a time.

Set FLINT_DIFF_SELFTEST_TABLE=PATH to write the observed numbers (markdown) there."""

from __future__ import annotations

import json
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from flint_contract import cli
from flint_contract.diff.driver import QUICK_SEQUENCES, DiffOptions, DiffResult, execute_diff
from flint_contract.diff.report import to_run_result
from flint_contract.localserver import Sandbox, SandboxError

SEED = 1
CLEAN_SEEDS = (1, 2, 3)
MAX_SHRUNK = 3
# fault -> (the kind of difference it must show, the operations where it may show)
EXPECT: dict[str, tuple[str, frozenset[str]]] = {
    "close_keeps_open": ("diff_state", frozenset({"closeOrder"})),
    "intent_amount_plus_one": ("diff_money", frozenset({"createPaymentIntent"})),
    "accepts_zero_quantity": ("diff_accepts", frozenset({"createOrder", "addOrderLineItems"})),
    "rejects_large_quantity": ("diff_rejects", frozenset({"createOrder", "addOrderLineItems"})),
    "list_drops_last": ("diff_list", frozenset({"listOrders"})),
}


def _sandbox_available() -> str | None:
    try:
        with Sandbox():
            return None
    except SandboxError as exc:
        return f"local sandbox unavailable: {str(exc)[:300]}"


_REASON = _sandbox_available()
_runs: dict[str, DiffResult] = {}


def _diff(faults: tuple[str, ...], seed: int) -> DiffResult:
    with Sandbox(faults=faults) as target:
        return execute_diff(DiffOptions(base_url=target.base_url, api_key=target.api_key, oracle="embedded", seed=seed,
                                        sequences=QUICK_SEQUENCES, length=10, budget=60.0, quick=True))


@pytest.fixture(scope="module")
def runs() -> dict[str, DiffResult]:
    if _REASON:
        pytest.skip(_REASON)
    if not _runs:
        jobs = [(f, (f,), SEED) for f in EXPECT] + [(f"clean-{s}", (), s) for s in CLEAN_SEEDS]
        with ThreadPoolExecutor(max_workers=2) as pool:
            for name, result in zip([j[0] for j in jobs], pool.map(lambda j: _diff(j[1], j[2]), jobs)):
                _runs[name] = result
        table = os.environ.get("FLINT_DIFF_SELFTEST_TABLE")
        if table:
            Path(table).write_text(_table(_runs), encoding="utf-8")
    return _runs


def _table(results: dict[str, DiffResult]) -> str:
    rows = ["| run | sequences | steps | findings (kind operation: found -> shrunk steps) | seconds |", "|---|---|---|---|---|"]
    for name, r in results.items():
        found = "; ".join(f"{f.signature[1]} {f.signature[0]}: {f.shrunk.original_length} -> {len(f.shrunk.run.steps)}"
                          for f in r.findings) or "none"
        rows.append(f"| {name} | {r.sequences_run} | {r.steps_run} | {found} | {r.timings.get('total', 0):.1f} |")
    return "\n".join(rows) + "\n"


def test_every_behavioural_fault_has_a_target() -> None:
    from flint_sandbox import faults

    assert set(EXPECT) == set(faults.BEHAVIOURAL)
    assert not faults.BEHAVIOURAL & faults.KNOWN


@pytest.mark.parametrize("fault", sorted(EXPECT))
def test_fault_is_caught_and_shrunk(fault: str, runs: dict[str, DiffResult]) -> None:
    result = runs[fault]
    kind, ops = EXPECT[fault]
    assert result.exit_code == 1, (result.problem, result.notes)
    hits = [f for f in result.findings if f.signature[1] == kind and f.signature[0] in ops]
    assert hits, [f.signature for f in result.findings]
    for f in hits:
        assert f.shrunk.reproduced
        assert 1 <= len(f.shrunk.run.steps) <= MAX_SHRUNK, (f.signature, [s.op for s in f.shrunk.run.steps])
        assert f.shrunk.run.steps[-1].op in ops
    report = to_run_result(result)
    assert len(report.violations) == len(result.findings)
    for f, v in zip(result.findings, report.violations):
        if f in hits:
            assert (v.check, v.operation) == (kind, f.signature[0])
            assert v.curl is not None and len(v.curl.splitlines()) == len(f.shrunk.run.steps)
            assert "oracle" in v.message and "| target" in v.message and f"seed {SEED}" in v.message


@pytest.mark.parametrize("seed", CLEAN_SEEDS)
def test_clean_sandbox_against_itself_reports_nothing(seed: int, runs: dict[str, DiffResult]) -> None:
    result = runs[f"clean-{seed}"]
    assert result.exit_code == 0, [(f.signature, f.shrunk.run.comparison) for f in result.findings]
    assert result.sequences_run == QUICK_SEQUENCES and result.steps_run >= 5 * QUICK_SEQUENCES
    assert len(result.operations) >= 40, sorted(result.operations)  # of the spec's 48
    assert result.allowances_used["error-message-text"] > 0  # the allowances were needed, and counted


def test_cli_diff_against_an_oracle_url_writes_the_kit_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    if _REASON:
        pytest.skip(_REASON)
    with Sandbox() as oracle, Sandbox(faults=("close_keeps_open",)) as target:
        code = cli.main(["diff", "--oracle", oracle.base_url, "--oracle-api-key", oracle.api_key,
                         "--base-url", target.base_url, "--api-key", target.api_key, "--quick", "--seed", "3",
                         "--json", str(tmp_path / "d.json"), "--html", str(tmp_path / "d.html"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 1, out
    assert "[diff_state] closeOrder" in out and "seed 3" in out and "reproduce:" in out and "jq -r" in out
    assert "note: allowance applied" in out and "error-message-text" in out
    data = json.loads((tmp_path / "d.json").read_text())
    assert data["seed"] == 3 and {"check": "diff_state", "operation": "closeOrder"}.items() <= data["groups"][0].items()
    assert any("allowance applied" in n for n in data["notes"])
    page = (tmp_path / "d.html").read_text()
    assert "diff_state" in page and "<pre>" in page and "| target" in page
