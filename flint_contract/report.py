"""What a person reads after a run: the verdict on stdout with findings grouped by (check, operation),
ordered by severity, a few examples each and the rest counted; JUnit with one testcase per (check,
operation); every finding as JSON; a self-contained HTML page."""

from __future__ import annotations

import html
import json
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TextIO

from .runner import EXIT_CANNOT_RUN, RunResult
from .violations import Violation

DEFAULT_EXAMPLES = 1  # examples printed per (check, operation) group; the rest are counted
OPERATIONS_SHOWN = 3  # (check, operation) groups of one check printed in detail; the rest on one line

# Severity of a check's findings (lower sorts first). Unlisted checks are "medium".
_HIGH = {
    "not_a_server_error", "money_amount_is_integer", "money_currency_usd", "money_non_negative", "order_arithmetic",
    "balance_transaction_net", "refund_updates_order", "refund_limits", "ledger_reconciles", "payout_within_available",
    "tenant_isolation", "namespace_isolation", "idempotency_replay", "idempotency_key_conflict",
    "idempotency_tenant_scope", "use_after_delete", "use_after_free", "ignored_auth", "resource_hierarchy",
    "leaked_create", "response_schema_conformance", "status_code_conformance", "probe_error", "seed_data",
    "diff_accepts", "diff_rejects", "diff_money", "diff_state",
}
_LOW = {"every_operation_reaches_2xx", "link_coverage", "schemathesis", "negative_data_rejection", "unsupported_method"}
SEVERITIES = ("high", "medium", "low")


def severity(check: str) -> str:
    return "high" if check in _HIGH else "low" if check in _LOW else "medium"


@dataclass
class Group:
    check: str
    operation: str
    findings: list[Violation]

    @property
    def severity(self) -> str:
        return severity(self.check)

    @property
    def distinct(self) -> list[Violation]:
        """Findings with distinct messages (the same message on many cases is one finding, counted)."""
        seen: dict[str, Violation] = {}
        for v in self.findings:
            seen.setdefault(v.message, v)
        return list(seen.values())


def group_findings(violations: list[Violation]) -> list[Group]:
    groups: dict[tuple[str, str], Group] = {}
    for v in violations:
        key = (v.check, v.operation or "")
        groups.setdefault(key, Group(key[0], key[1], [])).findings.append(v)
    return sorted(groups.values(), key=lambda g: (SEVERITIES.index(g.severity), g.check, g.operation))


def _summary_lines(result: RunResult) -> list[str]:
    lines = []
    eng = result.engine
    if eng is not None:
        lines.append(
            f"schemathesis: exit {eng.exit_code}, {len(eng.operations_tested)} operations tested, "
            f"{len(eng.operations_2xx)} reached 2xx, {len(eng.links_covered)} of {eng.links_total} links followed"
        )
        if eng.relaxations_used:
            used = ", ".join(f"{k} x{n}" for k, n in sorted(eng.relaxations_used.items()))
            lines.append(f"relaxations used: {used}")
    for check, per_op in sorted(result.exercised.items()):
        ops = ", ".join(f"{op} x{n}" for op, n in sorted(per_op.items()))
        lines.append(f"exercised {check}: {sum(per_op.values())} requests over {len(per_op)} operations ({ops})")
    for note in result.notes:
        if "Traceback" not in note:
            lines.append(f"note: {note}")
    return lines


def _workdir_line(result: RunResult) -> str | None:
    if result.workdir is None:
        return None
    if not result.workdir_kept:
        return f"workdir {result.workdir} removed (--keep-workdir keeps it)"
    why = ("--workdir" if result.options is not None and result.options.workdir is not None
           else "--keep-workdir" if result.options is not None and result.options.keep_workdir else "the run did not conform")
    return f"workdir kept ({why}): {result.workdir}"


def print_result(result: RunResult, out: TextIO, *, examples: int = DEFAULT_EXAMPLES, reports: list[str] | None = None) -> None:
    opts = result.options
    if result.exit_code == EXIT_CANNOT_RUN:
        out.write(f"flint-contract: cannot run: {result.problem}\n")
        line = _workdir_line(result)
        if line:
            out.write(line + "\n")
        return
    for line in _summary_lines(result):
        out.write(line + "\n")
    for skip in result.skipped:
        out.write(f"not checked: {skip.line()}\n")
    groups = group_findings(result.violations)
    if groups:
        out.write(f"\n{len(result.violations)} finding(s) in {len(groups)} group(s) (check, operation), most severe first:\n\n")
        shown: dict[str, int] = defaultdict(int)
        for g in groups:
            shown[g.check] += 1
            if shown[g.check] > OPERATIONS_SHOWN:
                # one check failing on many operations (a missing route, a global header) is one problem:
                # its first operations in detail, the rest named on one line
                if shown[g.check] == OPERATIONS_SHOWN + 1:
                    rest = [h for h in groups if h.check == g.check][OPERATIONS_SHOWN:]
                    names = ", ".join(f"{h.operation or '(run)'} x{len(h.findings)}" for h in rest[:12])
                    out.write(f"== {g.severity.upper()} [{g.check}] and {len(rest)} more operation(s): {names}"
                              + (", ..." if len(rest) > 12 else "") + " (--json lists them all)\n\n")
                continue
            distinct = g.distinct
            out.write(f"== {g.severity.upper()} [{g.check}] {g.operation or '(run)'}: {len(g.findings)} finding(s), "
                      f"{len(distinct)} distinct\n")
            for v in distinct[:examples]:
                out.write(v.render() + "\n")
            if len(distinct) > examples:
                out.write(f"  ... and {len(distinct) - examples} more distinct: "
                          + " | ".join(m.message[:100] for m in distinct[examples:examples + 2])
                          + (" | ..." if len(distinct) > examples + 2 else "") + "\n")
            out.write("\n")
        out.write(summary_table(groups))
        table = ", ".join(f"{check} x{n}" for check, n in sorted(_by_check(result.violations).items()))
        out.write(f"by check: {table}\n")
    for report in reports or []:
        out.write(f"report: {report}\n")
    line = _workdir_line(result)
    if line:
        out.write(line + "\n")
    timing = " ".join(f"{k}={v:.1f}s" for k, v in result.timings.items())
    verdict = "CONFORMS" if result.exit_code == 0 else "VIOLATIONS"
    seed = f"seed {opts.seed}, " if opts is not None else ""
    out.write(f"flint-contract: {verdict} (exit {result.exit_code}); {seed}elapsed {timing}\n")


def summary_table(groups: list[Group]) -> str:
    """One line per check, most severe first, at the end where a person looks first: how many findings on
    how many operations, and the operations with the most."""
    by_check: dict[str, list[Group]] = {}
    for g in groups:
        by_check.setdefault(g.check, []).append(g)
    lines = [f"summary: {len(by_check)} check(s) failed"]
    for check, gs in by_check.items():
        top = sorted(gs, key=lambda g: -len(g.findings))[:3]
        where = ", ".join(f"{g.operation or '(run)'} x{len(g.findings)}" for g in top) + (", ..." if len(gs) > 3 else "")
        lines.append(f"  {gs[0].severity.upper():6} {check}: {sum(len(g.findings) for g in gs)} finding(s) on "
                     f"{len(gs)} operation(s) ({where})")
    return "\n".join(lines) + "\n"


def _by_check(violations: list[Violation]) -> dict[str, int]:
    by_check: dict[str, int] = defaultdict(int)
    for v in violations:
        by_check[v.check] += 1
    return by_check


def write_reports(
    result: RunResult, *, junit: Path | None, html: Path | None, json_path: Path | None, examples: int
) -> list[str]:
    """Write the JUnit, HTML and JSON reports a command line asked for; returns how the verdict names them."""
    reports = []
    if junit:
        write_junit(result, junit, examples=examples)
        reports.append(f"JUnit {junit}")
    if html:
        write_html(result, html, examples=examples)
        reports.append(f"HTML {html}")
    if json_path:
        write_findings(result, json_path)
        reports.append(f"JSON {json_path}")
    return reports


def write_junit(result: RunResult, path: Path, *, examples: int = 3) -> None:
    """One testcase per (check, operation) that failed, one per check that ran clean; each failure
    carries up to `examples` distinct findings and the counts."""
    suite = ET.Element("testsuite", name="flint-contract")
    cases = 0
    failures = 0
    if result.exit_code == EXIT_CANNOT_RUN:
        case = ET.SubElement(suite, "testcase", classname="flint_contract", name="preflight")
        ET.SubElement(case, "error", message="cannot run").text = result.problem or ""
        cases = 1
    else:
        groups = group_findings(result.violations)
        failed_checks = {g.check for g in groups}
        for g in groups:
            case = ET.SubElement(suite, "testcase", classname=f"flint_contract.{g.check}", name=g.operation or "(run)")
            distinct = g.distinct
            failure = ET.SubElement(case, "failure", message=f"{g.severity}: {len(g.findings)} finding(s), {len(distinct)} distinct",
                                    type=g.check)
            text = "\n\n".join(v.render() for v in distinct[:examples])
            if len(distinct) > examples:
                text += f"\n\n... and {len(distinct) - examples} more distinct finding(s) (--json PATH lists them all)"
            failure.text = text
            cases += 1
            failures += 1
        for name in sorted(set(result.checks_ran) - failed_checks):
            ET.SubElement(suite, "testcase", classname=f"flint_contract.{name}", name="all operations")
            cases += 1
    suite.set("tests", str(cases))
    suite.set("failures", str(failures))
    suite.set("time", f"{result.timings.get('total', 0.0):.2f}")
    path = path.expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def findings_json(result: RunResult) -> dict[str, object]:
    opts = result.options
    return {
        "exit_code": result.exit_code,
        "verdict": "CONFORMS" if result.exit_code == 0 else "CANNOT_RUN" if result.exit_code == EXIT_CANNOT_RUN else "VIOLATIONS",
        "problem": result.problem,
        "base_url": opts.base_url if opts else None,
        "seed": opts.seed if opts else None,
        "run_tag": result.run_tag,
        "timings": result.timings,
        "notes": [n for n in result.notes if "Traceback" not in n],
        "skipped": [skip.as_record() for skip in result.skipped],
        "groups": [
            {"check": g.check, "operation": g.operation or None, "severity": g.severity, "count": len(g.findings),
             "distinct": len(g.distinct)}
            for g in group_findings(result.violations)
        ],
        "findings": [dict(asdict(v), severity=severity(v.check)) for v in result.violations],
    }


def write_findings(result: RunResult, path: Path) -> None:
    path = path.expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(findings_json(result), indent=1), encoding="utf-8")


_CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#222}
h1{font-size:1.5em} .ok{color:#17622b} .bad{color:#a11}
table{border-collapse:collapse;margin:1em 0} td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left;vertical-align:top}
th{background:#f3f3f3} .high{background:#fde2e2} .medium{background:#fff4d6} .low{background:#eef}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
details{margin:.4em 0 1em} summary{cursor:pointer;font-weight:600}
p,td,li,summary,h3{overflow-wrap:anywhere}
"""


def render_html(result: RunResult, *, examples: int = 3) -> str:
    """One HTML file, no external resources: summary, the per-(check, operation) table linking to each
    group, and each group's example findings (found, expected, curl)."""
    e = html.escape
    opts = result.options
    verdict = "CONFORMS" if result.exit_code == 0 else "CANNOT RUN" if result.exit_code == EXIT_CANNOT_RUN else "VIOLATIONS"
    groups = group_findings(result.violations)
    parts = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>flint-contract: {e(verdict)}</title><style>{_CSS}</style></head><body>",
        f'<h1 id="verdict" class="{"ok" if result.exit_code == 0 else "bad"}">flint-contract: {e(verdict)} '
        f"(exit {result.exit_code})</h1>",
        "<table id=\"summary\">",
    ]
    rows = [("server", opts.base_url if opts else ""), ("seed", str(opts.seed) if opts else ""),
            ("run tag", result.run_tag), ("findings", f"{len(result.violations)} in {len(groups)} group(s)"),
            ("elapsed", " ".join(f"{k}={v:.1f}s" for k, v in result.timings.items()))]
    if result.problem:
        rows.append(("problem", result.problem))
    parts += [f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>" for k, v in rows]
    parts.append("</table>")
    links = [("findings", "Findings")] if groups else []
    links += [("operations", "Operations")] if result.engine is not None else []
    links += [("not-checked", f"Not checked ({len(result.skipped)})")] if result.skipped else []
    if links:
        parts.append('<nav id="contents">' + " | ".join(f'<a href="#{a}">{t}</a>' for a, t in links) + "</nav>")
    if groups:
        parts.append('<h2 id="findings">Findings by check and operation</h2><table id="groups"><tr><th>severity</th><th>check</th>'
                     "<th>operation</th><th>findings</th><th>distinct</th></tr>")
        for i, g in enumerate(groups):
            parts.append(f'<tr class="{g.severity}"><td>{g.severity}</td><td><a href="#g{i}">{e(g.check)}</a></td>'
                         f"<td>{e(g.operation or '(run)')}</td><td>{len(g.findings)}</td><td>{len(g.distinct)}</td></tr>")
        parts.append("</table>")
        for i, g in enumerate(groups):
            distinct = g.distinct
            parts.append(f'<h3 id="g{i}" class="{g.severity}">[{e(g.check)}] {e(g.operation or "(run)")}: '
                         f"{len(g.findings)} finding(s)</h3>")
            for v in distinct[:examples]:
                parts.append("<details open><summary>" + e(v.message[:160]) + "</summary>")
                found = f"<pre>{e(v.message)}</pre>" if "\n" in v.message else e(v.message)
                parts.append(f"<p><b>found:</b> {found}</p><p><b>expected:</b> {e(v.expected)}</p>")
                if v.curl:
                    parts.append(f"<p><b>request (reproduce):</b></p><pre>{e(v.curl)}</pre>")
                if v.response:
                    parts.append(f'<p><b>response:</b></p><pre class="response">{e(v.response)}</pre>')
                parts.append("</details>")
            if len(distinct) > examples:
                parts.append(f"<p>... and {len(distinct) - examples} more distinct finding(s).</p>")
            parts.append('<p><a href="#verdict">back to the top</a></p>')
    if result.engine is not None:
        eng = result.engine
        parts.append('<h2 id="operations">Operations</h2><table id="operation-table"><tr><th>operation</th><th>statuses seen</th>'
                     "<th>reached 2xx</th><th>findings</th></tr>")
        per_op: dict[str, int] = defaultdict(int)
        for v in result.violations:
            per_op[v.operation or ""] += 1
        for op in sorted(eng.operations_tested | set(eng.statuses)):
            statuses = ", ".join(str(s) for s in sorted(eng.statuses.get(op, set())))
            parts.append(f"<tr><td>{e(op)}</td><td>{e(statuses)}</td><td>{'yes' if op in eng.operations_2xx else 'no'}</td>"
                         f"<td>{per_op.get(op, 0)}</td></tr>")
        parts.append("</table>")
    if result.skipped:
        parts.append('<h2 id="not-checked">Not checked</h2><table id="skipped"><tr><th>check</th><th>why</th>'
                     "<th>responses passed over</th></tr>")
        for skip in result.skipped:
            where = ", ".join(f"{op} x{n}" for op, n in sorted(skip.operations.items()))
            parts.append(f"<tr><td>{e(skip.check)}</td><td>{e(skip.reason)}</td>"
                         f"<td>{skip.count} {e('(' + where + ')') if where else ''}</td></tr>")
        parts.append("</table>")
    notes = [n for n in result.notes if "Traceback" not in n]
    if notes:
        parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in notes) + "</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)


def write_html(result: RunResult, path: Path, *, examples: int = 3) -> None:
    path = path.expanduser().resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(result, examples=max(examples, 3)), encoding="utf-8")
