"""A diff run in the kit's normal report: each finding is a Violation (check = the kind of difference,
operation = the step that differs) carrying both responses side by side, the step table, the seed and the
curl sequence; the run's numbers and every allowance applied are notes. print_result, --json, --html and
--junit then work as for `flint-contract run`."""

from __future__ import annotations

import json
from typing import TextIO

from ..report import print_result
from ..runner import RunOptions, RunResult
from ..violations import Violation
from .compare import Outcome, category
from .driver import DiffResult, Finding
from .execute import brief, pretty
from .sequence import curl_script

DIFF_CHECKS = ("diff_accepts", "diff_rejects", "diff_status_code", "diff_error", "diff_money", "diff_state",
               "diff_list", "diff_field")
_WIDTH = 58


def side_by_side(o: Outcome, t: Outcome, context: int = 4) -> list[str]:
    """Both canonical responses in two columns, differing rows marked `*`; long bodies are cut to the rows
    around the differences."""
    left, right = pretty(o), pretty(t)
    rows = [(left[i] if i < len(left) else "", right[i] if i < len(right) else "")
            for i in range(max(len(left), len(right)))]
    marked = [i for i, (a, b) in enumerate(rows) if a != b]
    show = set(range(len(rows))) if len(rows) <= 30 else {
        j for i in marked for j in range(i - context, i + context + 1)} | set(range(3))
    out = [f"{'oracle':<{_WIDTH}}  | target", f"{'-' * _WIDTH}--+-{'-' * _WIDTH}"]
    skipped = 0
    for i, (a, b) in enumerate(rows):
        if i not in show:
            skipped += 1
            continue
        if skipped:
            out.append(f"{'... (' + str(skipped) + ' equal lines)':<{_WIDTH}}  |")
            skipped = 0
        out.append(f"{a[:_WIDTH]:<{_WIDTH}} {'*' if a != b else ' '}| {b[:_WIDTH]}")
    if skipped:
        out.append(f"{'... (' + str(skipped) + ' equal lines)':<{_WIDTH}}  |")
    return out


def _value(v: object) -> str:
    text = json.dumps(v, ensure_ascii=False, default=lambda x: "(absent)")
    return text if len(text) <= 90 else text[:87] + "..."


def finding_violation(spec_result: DiffResult, f: Finding) -> Violation:
    assert spec_result.spec is not None
    run = f.shrunk.run
    i = run.first_difference if run.first_difference is not None else len(run.steps) - 1
    step, o, t = run.steps[i], run.oracle[i], run.target[i]
    d = run.comparison.differences[0] if run.comparison and run.comparison.differences else None
    kind = category(o, t, d) if d is not None else "diff_field"
    lines = [f"step {i} {step.op}: target {brief(t)}, oracle {brief(o)}"
             + (f"; {d.where}: {d.what}: oracle {_value(d.oracle)}, target {_value(d.target)}" if d else "")]
    if run.comparison is not None:
        for other in run.comparison.differences[1:4]:
            lines.append(f"  also {other.where}: oracle {_value(other.oracle)}, target {_value(other.target)}")
    shrunk = "reproduced and shrunk" if f.shrunk.reproduced else "NOT reproduced on replay (shown as found)"
    lines.append(f"seed {f.seed}, sequence {f.sequence}: {shrunk} from {f.shrunk.original_length} to {len(run.steps)} "
                 f"step(s) in {f.shrunk.tries} replay(s); {f.occurrences} sequence(s) showed it")
    lines.append("steps (oracle | target):")
    for j, s in enumerate(run.steps):
        lines.append(f"  {j}: {s.op:<28} via {s.via:<34} {brief(run.oracle[j]):<28} | {brief(run.target[j])}")
    lines.append(f"step {i} responses (ids as <id n> by first appearance on each server):")
    lines += ["  " + row for row in side_by_side(o, t)]
    expected = (f"the oracle's behaviour: {brief(o)}" + (f" with {d.where} = {_value(d.oracle)}" if d else "")
                + "; replay with FLINT_BASE_URL/FLINT_API_KEY set to either server and a fresh merchant's key (needs jq)")
    return Violation(kind, "\n".join(lines), expected, curl_script(spec_result.spec, run.steps), step.op)


def to_run_result(result: DiffResult) -> RunResult:
    opts = result.options
    out = RunResult(exit_code=result.exit_code, problem=result.problem, timings=dict(result.timings),
                    options=RunOptions(base_url=opts.base_url, api_key="", seed=opts.seed, quick=opts.quick),
                    run_tag=f"diff-seed-{opts.seed}")
    out.violations = [finding_violation(result, f) for f in result.findings]
    out.checks_ran = set(DIFF_CHECKS)
    if result.operations:
        out.exercised = {"diff": dict(result.operations)}
    total = len(result.spec.operations) if result.spec is not None else 0
    out.notes.append(f"diff: oracle {result.oracle_url}, target {opts.base_url}, seed {opts.seed}: "
                     f"{result.sequences_run} sequence(s), {result.steps_run} step(s) on each server, "
                     f"{len(result.operations)} of {total} operations exercised, {len(result.findings)} distinct "
                     f"difference(s) ({sum(f.occurrences for f in result.findings)} sequence(s) differed)")
    if result.spec is not None:
        ok = {op for op in result.operations if any(k.startswith(op + " 2") for k in result.statuses)}
        never = sorted(set(result.spec.operations) - ok)
        out.notes.append(f"operations that reached 2xx on the oracle: {len(ok)} of {total}"
                         + (f" (not: {', '.join(never)})" if never else ""))
    for a in result.allowances:
        n = result.allowances_used.get(a.name, 0)
        if n:
            out.notes.append(f"allowance applied x{n}: {a.name} ({a.where}, {a.kind} /{'/'.join(a.pattern)}): {a.reason}")
    unused = [a.name for a in result.allowances if not result.allowances_used.get(a.name)]
    if unused:
        out.notes.append("allowances in the spec not needed this run: " + ", ".join(unused))
    out.notes += result.notes
    return out


def print_diff(result: DiffResult, out: TextIO, *, examples: int, reports: list[str]) -> RunResult:
    run = to_run_result(result)
    print_result(run, out, examples=examples, reports=reports)
    return run
