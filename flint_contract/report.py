"""Printing the verdict and writing JUnit XML."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path
from typing import TextIO

from .runner import EXIT_CANNOT_RUN, RunResult
from .violations import Violation


def print_result(result: RunResult, out: TextIO) -> None:
    if result.exit_code == EXIT_CANNOT_RUN:
        out.write(f"flint-contract: cannot run: {result.problem}\n")
        return
    eng = result.engine
    if eng is not None:
        out.write(
            f"schemathesis: exit {eng.exit_code}, {len(eng.operations_tested)} operations tested, "
            f"{len(eng.operations_2xx)} reached 2xx, links {len(eng.links_covered)} covered / "
            f"{eng.links_selected} selected / {eng.links_total} total\n"
        )
        if eng.relaxations_used:
            used = ", ".join(f"{k} x{n}" for k, n in sorted(eng.relaxations_used.items()))
            out.write(f"relaxations used: {used}\n")
    for check, per_op in sorted(result.exercised.items()):
        ops = ", ".join(f"{op} x{n}" for op, n in sorted(per_op.items()))
        out.write(f"exercised {check}: {sum(per_op.values())} requests over {len(per_op)} operations ({ops})\n")
    for note in result.notes:
        if "Traceback" not in note:
            out.write(f"note: {note}\n")
    if result.violations:
        # Grouped: check -> operation -> the first example in full (with its curl), then how many more.
        groups: dict[tuple[str, str], list[Violation]] = {}
        for v in result.violations:
            groups.setdefault((v.check, v.operation or ""), []).append(v)
        out.write(f"\n{len(result.violations)} violation(s) in {len(groups)} group(s) (check, operation):\n\n")
        for members in groups.values():
            out.write(members[0].render() + "\n")
            if len(members) > 1:
                out.write(f"  (+{len(members) - 1} more of [{members[0].check}] on this operation; first: "
                          + " | ".join(m.message[:120] for m in members[1:3]) + ")\n")
            out.write("\n")
        by_check: dict[str, int] = defaultdict(int)
        for v in result.violations:
            by_check[v.check] += 1
        out.write("by check: " + ", ".join(f"{k} x{n}" for k, n in sorted(by_check.items())) + "\n")
    timing = " ".join(f"{k}={v:.1f}s" for k, v in result.timings.items())
    verdict = "CONFORMS" if result.exit_code == 0 else "VIOLATIONS"
    out.write(f"flint-contract: {verdict} (exit {result.exit_code}); elapsed {timing}\n")


def write_junit(result: RunResult, path: Path) -> None:
    suite = ET.Element("testsuite", name="flint-contract")
    failures_by_check: dict[str, list[str]] = defaultdict(list)
    for v in result.violations:
        failures_by_check[v.check].append(v.render())
    names = sorted(set(result.checks_ran) | set(failures_by_check))
    if result.exit_code == EXIT_CANNOT_RUN:
        case = ET.SubElement(suite, "testcase", classname="flint_contract", name="preflight")
        ET.SubElement(case, "error", message="cannot run").text = result.problem or ""
        names = []
    for name in names:
        case = ET.SubElement(suite, "testcase", classname="flint_contract", name=name)
        if name in failures_by_check:
            failure = ET.SubElement(case, "failure", message=f"{len(failures_by_check[name])} violation(s)")
            failure.text = "\n\n".join(failures_by_check[name])
    suite.set("tests", str(max(len(names), 1 if result.exit_code == EXIT_CANNOT_RUN else 0)))
    suite.set("failures", str(sum(1 for n in names if n in failures_by_check)))
    suite.set("time", f"{result.timings.get('total', 0.0):.2f}")
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)
