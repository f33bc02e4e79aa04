"""Reading a schemathesis pass back: the Flint hooks' findings file and schemathesis' NDJSON event stream (its own
checks' failures, per-operation statuses, links covered) into an EngineResult, and folding passes together.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .skips import Skips
from .spec import Spec
from .violations import Violation, curl_command


@dataclass
class EngineResult:
    exit_code: int
    violations: list[Violation]
    operations_tested: set[str] = field(default_factory=set)
    operations_2xx: set[str] = field(default_factory=set)
    statuses: dict[str, set[int]] = field(default_factory=dict)
    links_total: int = 0
    links_selected: int = 0
    links_covered: set[str] = field(default_factory=set)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    output: str = ""
    elapsed: float = 0.0
    ndjson_path: Path | None = None
    ndjson_paths: list[Path] = field(default_factory=list)
    relaxations_used: dict[str, int] = field(default_factory=dict)  # "opId status CODE" -> responses excused
    pass_exits: dict[str, int] = field(default_factory=dict)  # schemathesis pass name -> its exit code
    skips: Skips = field(default_factory=Skips)  # responses a Flint rule could not judge, and why
    cassettes: dict[str, list[Path]] = field(default_factory=dict)  # "har"/"vcr" -> one file per pass, in order

    def merge(self, other: "EngineResult") -> None:
        """Fold a later pass into this result (exit code: the worst of both)."""
        self.exit_code = max(self.exit_code, other.exit_code)
        self.violations.extend(other.violations)
        self.operations_tested |= other.operations_tested
        self.operations_2xx |= other.operations_2xx
        for op, statuses in other.statuses.items():
            self.statuses.setdefault(op, set()).update(statuses)
        self.links_total = max(self.links_total, other.links_total)
        self.links_selected += other.links_selected
        self.links_covered |= other.links_covered
        self.warnings.extend(other.warnings)
        self.errors.extend(other.errors)
        self.output += other.output
        self.elapsed += other.elapsed
        self.ndjson_paths.extend(other.ndjson_paths)
        self.pass_exits.update(other.pass_exits)
        self.skips.merge(other.skips)
        for fmt, paths in other.cassettes.items():
            self.cassettes.setdefault(fmt, []).extend(paths)
        for key, n in other.relaxations_used.items():
            self.relaxations_used[key] = self.relaxations_used.get(key, 0) + n


def iter_events(path: Path) -> Iterator[tuple[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and len(event) == 1:
                ((event_name, payload),) = event.items()
                yield str(event_name), payload


def _label_to_op(spec: Spec) -> dict[str, str]:
    return {op.label: op.operation_id for op in spec.operations.values()}


def _case_label(case: Any) -> str | None:
    value = case.get("value") if isinstance(case, dict) else None
    if isinstance(value, dict):
        op = value.get("operation")
        if isinstance(op, dict) and op.get("label"):
            return str(op["label"])
        method, path = value.get("method"), value.get("path")
        if method and path:
            return f"{str(method).upper()} {path}"
    return None


def _curl_from_interaction(interaction: Any, key_var: str) -> str | None:
    """A curl command for the request schemathesis sent, from its recorded interaction."""
    request = interaction.get("request") if isinstance(interaction, dict) else None
    if not isinstance(request, dict) or not request.get("uri"):
        return None
    headers: dict[str, str] = {}
    for name, values in (request.get("headers") or {}).items():
        value = values[0] if isinstance(values, list) and values else values
        if isinstance(value, str):
            headers[str(name)] = value
    body = request.get("body")
    raw: bytes | None = None
    if isinstance(body, dict) and "$base64" in body:
        raw = base64.b64decode(body["$base64"])
    elif isinstance(body, str):
        raw = body.encode("utf-8")
    return curl_command(str(request.get("method") or "GET"), str(request["uri"]), headers, raw, key_var=key_var)


def read_findings(path: Path, result: EngineResult) -> set[str]:
    """The Flint checks' findings as the hooks recorded them (JSON lines: check, message, expected, operation,
    curl), one violation per distinct (check, operation, message). Returns the checks that reported any: their
    schemathesis failures are the same findings, so read_ndjson skips them."""
    if not path.is_file():
        return set()
    seen: set[tuple[str, str, str]] = set()
    checks: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue  # a line cut short by a killed pass
        if not isinstance(record, dict) or not record.get("check"):
            continue
        if "skip" in record:
            result.skips.add(str(record["check"]), str(record["skip"]), str(record.get("operation") or "?"))
            continue
        check, operation, message = str(record["check"]), record.get("operation"), str(record.get("message", ""))
        checks.add(check)
        key = (check, str(operation), message)
        if key in seen:
            continue
        seen.add(key)
        result.violations.append(
            Violation(check, message, str(record.get("expected", "")), curl=record.get("curl") or None,
                      operation=str(operation) if operation else None, response=record.get("response") or None)
        )
    return checks


def read_ndjson(
    path: Path, result: EngineResult, spec: Spec, key_var: str = "FLINT_API_KEY", reported: set[str] | None = None
) -> None:
    """Fill `result` from schemathesis' NDJSON events: failures of schemathesis' own checks (Flint checks in
    `reported` came as data through read_findings), per-operation statuses, links."""
    reported = reported or set()
    labels = _label_to_op(spec)
    seen_failures: set[tuple[str, str, str]] = set()
    for name, payload in iter_events(path):  # noqa: B007
        if name == "PhaseStarted":
            data = (payload or {}).get("payload") or {}
            if "transitions_total" in data:
                result.links_total = max(result.links_total, int(data.get("transitions_total") or 0))
                result.links_selected = max(result.links_selected, int(data.get("transitions_selected") or 0))
        elif name == "ScenarioFinished":
            recorder = (payload or {}).get("recorder") or {}
            cases = recorder.get("cases") or {}
            interactions = recorder.get("interactions") or {}
            for case_id, node in cases.items():
                label = _case_label(node)
                if label not in labels:
                    continue  # coverage-phase probes with methods the spec does not declare
                op_id = labels[label]
                inter = interactions.get(case_id) or {}
                response = inter.get("response") if isinstance(inter, dict) else None
                status = response.get("status_code") if isinstance(response, dict) else None
                if isinstance(status, int):
                    result.operations_tested.add(op_id)
                    result.statuses.setdefault(op_id, set()).add(status)
                    if 200 <= status < 300:
                        result.operations_2xx.add(op_id)
                transition = node.get("transition") if isinstance(node, dict) else None
                if isinstance(transition, dict) and node.get("is_transition_applied") and transition.get("id"):
                    result.links_covered.add(str(transition["id"]))
            for case_id, checks in (recorder.get("checks") or {}).items():
                label = _case_label(cases.get(case_id) or {})
                op_id = labels.get(label or "", label or "?")
                for check in checks or []:
                    info = check.get("failure_info") if isinstance(check, dict) else None
                    if not info:
                        continue
                    failure = info.get("failure") or {}
                    title = str(failure.get("title") or "")
                    message = str(failure.get("message") or "")
                    check_name = str(check.get("name") or failure.get("code") or "schemathesis")
                    key = (check_name, str(op_id), title + message[:200])
                    if key in seen_failures or check_name in reported:
                        continue
                    seen_failures.add(key)
                    found, expected = _builtin_failure(check_name, title, message)
                    curl = _curl_from_interaction(interactions.get(case_id), key_var)
                    result.violations.append(
                        Violation(
                            check=check_name,
                            message=found,
                            expected=expected,
                            curl=curl or str(info.get("code_sample") or "") or None,
                            operation=op_id,
                        )
                    )
        elif name == "NonFatalError":
            result.errors.append(str((payload or {}).get("info", {}).get("message") or payload)[:500])
        elif name == "FatalError":
            result.errors.append(str(payload)[:500])
        elif name == "EngineFinished":
            warnings = (payload or {}).get("payload") or {}
            if isinstance(warnings, dict):
                if warnings.get("warnings"):
                    result.warnings.append(str(warnings["warnings"])[:500])
            # Run-level (after_run) check failures are only here, not in any scenario's recorder.
            for failure in (payload or {}).get("failures") or []:
                if not isinstance(failure, dict):
                    continue
                title = str(failure.get("title") or "")
                check_name = title.split("`")[1] if title.count("`") >= 2 else str(failure.get("code") or "schemathesis")
                if check_name in reported:
                    continue
                found, expected = _builtin_failure(check_name, title, str(failure.get("message") or ""))
                result.violations.append(
                    Violation(check_name, found, expected, operation=str(failure["operation"]) if failure.get("operation") else None)
                )


def _builtin_failure(check: str, title: str, message: str) -> tuple[str, str]:
    """A schemathesis check's own failure: its title and message are what was found; what is expected is that
    check's rule (schemathesis states it in the title, e.g. "Undocumented HTTP status code")."""
    found = " ".join(line.strip() for line in message.splitlines() if line.strip())
    text = f"{title}: {found}" if title and found else (title or found)
    return text, f"the response conforms to the spec (schemathesis check {check})"
