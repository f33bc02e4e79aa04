"""The schemathesis engine: `st run` in a subprocess with a generated config, our hooks module and an
NDJSON report we read back.

A subprocess gives us schemathesis' own, verified exit codes and isolates its global registries
(checks, hooks) from the caller; the NDJSON event stream is the one report that carries every
response status and every stateful transition, which is what the strict defaults need.

This module plans the passes (the stateful groups, the last pass) and runs them; engine_config.py writes what a
pass is told and engine_report.py reads what it reported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

from .engine_config import PHASES, EngineSettings, command, write_config
from .engine_report import EngineResult, iter_events, read_findings, read_ndjson
from .progress import Progress
from .spec import Spec

__all__ = [
    "GROUP_FACTORS",
    "LAST_PASS",
    "PARALLEL_STATEFUL",
    "PHASES",
    "STATEFUL_GROUPS",
    "EngineResult",
    "EngineSettings",
    "iter_events",
    "read_findings",
    "read_ndjson",
    "run",
    "run_once",
    "spec_links",
    "stateful_groups",
    "write_config",
]


# Operations that destroy something the rest of the run needs. The sandbox (like Flint) has no
# operation that creates a payout destination, so deleting the merchant's only one turns every later
# createPayout into 409 DESTINATION_NOT_ACTIVE. They run in a last pass (all phases) together with
# the operations their links start from.
LAST_PASS: dict[str, tuple[str, ...]] = {"deletePayoutDestination": ("listPayoutDestinations",)}

# The stateful phase runs once per group of related operations rather than once over all 48: on the
# whole graph the state machine spends its steps on the many root operations (lists, creates) and
# rarely gets three links deep (createOrder -> payOrder -> createRefund -> getRefund), so 100% link
# coverage took several minutes. Within a group every link is a step or two from a root. A link of
# the spec that no group contains gets a group of its own (see stateful_groups), so a spec change
# cannot silently drop a link.
STATEFUL_GROUPS: tuple[tuple[str, ...], ...] = (
    # building an order: createOrder's links, then line-item follow-ups ...
    ("createOrder", "getOrder", "updateOrder", "closeOrder", "repriceOrderDiscounts", "listOrderActivities",
     "addOrderLineItems", "updateOrderLineItem", "deleteOrderLineItem"),
    # ... and charge/discount follow-ups (one group of 15 ended after a dozen scenarios on hypothesis' side)
    ("createOrder", "addOrderCharge", "updateOrderCharge", "deleteOrderCharge", "applyOrderDiscount",
     "removeOrderDiscounts", "previewOrderDiscounts"),
    # every list -> GetFirst* (seeding leaves at least one object of each kind)
    ("listOrders", "getOrder", "listPaymentIntents", "getPaymentIntent", "listRefunds", "getRefund",
     "listBalanceTransactions", "getBalanceTransaction", "listPayouts", "getPayout", "listPayoutDestinations",
     "getPayoutDestination", "updatePayoutDestination"),
    ("createPayout", "getPayout", "cancelPayout", "listPayoutEntries"),
    # createOrder -> createOrderPaymentIntent -> payOrder (authorizes) -> capture/cancel
    # (no getOrder: its links from createOrder and payOrder are followed in the other groups, and every
    # rule less makes the three-step chain likelier within max-steps)
    ("createOrder", "createOrderPaymentIntent", "payOrder", "getPaymentIntent", "captureOrderPayment",
     "cancelOrderPayment"),
    # createOrder -> payOrder -> createRefund -> getRefund/updateRefund/getOrder/listBalanceTransactions
    ("createOrder", "payOrder", "createRefund", "getRefund", "updateRefund", "getOrder", "listBalanceTransactions"),
    # createOrder -> payOrder -> the attempt and the order's activity log
    ("createOrder", "payOrder", "getOrderPaymentAttempt", "listOrderPaymentAttempts", "listOrderActivities"),
    # standalone payment intents
    ("createPaymentIntent", "getPaymentIntent", "confirmPaymentIntent"),
)
# Scenarios per group as a multiple of EngineSettings.stateful_max_examples: the chains three links
# deep (payments, refunds) need more than the one-step list links.
GROUP_FACTORS: tuple[float, ...] = (1.0, 1.0, 1.0, 0.5, 2.0, 2.0, 0.6, 0.4)
# Groups run one at a time: two at a time measured no faster on 2 cores (schemathesis and the sandbox
# are both CPU-bound) and made shared state (the balance payouts draw on) depend on timing.
PARALLEL_STATEFUL = 1


def _link_ends(spec: Spec) -> list[tuple[str, str]]:
    out = []
    for op in spec.operations.values():
        for response in (op.raw.get("responses") or {}).values():
            resp, _, _ = spec.deref(response, op.base)
            for link in ((resp or {}).get("links") or {}).values():
                link, _, _ = spec.deref(link, op.base)
                target = str((link or {}).get("operationId"))
                if target in spec.operations:
                    out.append((op.operation_id, target))
    return out


def stateful_groups(spec: Spec, exclude: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    groups = [tuple(op for op in g if op in spec.operations and op not in exclude) for g in STATEFUL_GROUPS]
    groups = [g for g in groups if g]
    for source, target in _link_ends(spec):
        if source in exclude or target in exclude:
            continue
        if not any(source in g and target in g for g in groups):
            groups.append((source, target))
    return groups


def run(
    spec: Spec, settings: EngineSettings, context: dict[str, Any], workdir: Path, *, stream: bool = False,
    progress: Progress | None = None,
) -> EngineResult:
    """All of schemathesis for this run. A targeted run (--operations) is one pass. A full run is the
    unit phases over every operation but the last-pass ones, the stateful phase per group (two groups
    at a time), then the last pass."""
    progress = progress or Progress(None)
    if settings.operations:
        progress.expect(1)
        return _pass(progress, "schemathesis (targeted)", spec, settings, context, workdir, "schemathesis", stream)
    last = {op: src for op, src in LAST_PASS.items() if op in spec.operations and op not in settings.exclude_operations}
    unit_phases = tuple(p for p in settings.phases if p != "stateful")
    excluded = tuple(settings.exclude_operations) + tuple(last)
    result = EngineResult(exit_code=0, violations=[])
    stateful_on = "stateful" in settings.phases
    progress.expect(bool(unit_phases) + (len(stateful_groups(spec, excluded)) if stateful_on else 0)
                    + (stateful_on + bool(unit_phases) if last else 0))
    if unit_phases:
        main = replace(settings, exclude_operations=excluded, phases=unit_phases)
        result.merge(_pass(progress, "schemathesis " + ",".join(unit_phases), spec, main, context, workdir, "schemathesis", stream))
    if "stateful" in settings.phases:
        jobs = []
        for i, group in enumerate(stateful_groups(spec, excluded)):
            factor = GROUP_FACTORS[i] if i < len(GROUP_FACTORS) else 1.0
            n = max(5, round(settings.stateful_max_examples * factor))
            one = replace(settings, operations=group, phases=("stateful",), stateful_max_examples=n)
            jobs.append((one, f"schemathesis-stateful-{i + 1}"))
        with ThreadPoolExecutor(max_workers=PARALLEL_STATEFUL) as pool:
            done = list(pool.map(
                lambda ij: _pass(progress, f"schemathesis stateful group {ij[0] + 1}/{len(jobs)} ({len(ij[1][0].operations)} operations)",
                                 spec, ij[1][0], context, workdir, ij[1][1], False),
                enumerate(jobs)))
        for one_result in done:
            if stream:
                sys.stdout.write(one_result.output)
            result.merge(one_result)
    if last:
        ops = tuple(dict.fromkeys(op for dst, srcs in last.items() for op in (*srcs, dst)))
        # No pins, and unit phases without the operations that list what it destroys: schemathesis learns
        # ids from responses (extra data sources) and would delete the destination before the stateful
        # phase could follow the link to it.
        final_ctx = dict(context, pins={k: v for k, v in (context.get("pins") or {}).items() if k not in last})
        if "stateful" in settings.phases:
            final = replace(settings, operations=ops, phases=("stateful",))
            result.merge(_pass(progress, "schemathesis last pass (stateful)", spec, final, final_ctx, workdir, "schemathesis-last", stream))
        if unit_phases:
            # After the stateful pass, with the seeded (by now deleted) ids pinned: without them every case is
            # a 404 and schemathesis fails the pass for missing test data (fail-on), rightly.
            final_unit = replace(settings, operations=tuple(last), phases=unit_phases)
            result.merge(_pass(progress, "schemathesis last pass (unit phases)", spec, final_unit, context, workdir,
                               "schemathesis-last-unit", stream))
    return result


def _pass(
    progress: Progress, label: str, spec: Spec, settings: EngineSettings, context: dict[str, Any], workdir: Path,
    name: str, stream: bool,
) -> EngineResult:
    with progress.step(label) as step:
        one = run_once(spec, settings, context, workdir, name, stream=stream)
        step.detail = (f"exit {one.exit_code}, {len(one.operations_tested)} operations, "
                       f"{len(one.violations)} finding(s), {len(one.links_covered)} links covered")
    return one


def run_once(
    spec: Spec, settings: EngineSettings, context: dict[str, Any], workdir: Path, name: str, *, stream: bool = False
) -> EngineResult:
    workdir.mkdir(parents=True, exist_ok=True)
    config = write_config(spec, settings, workdir, f"{name}.toml")
    ndjson = workdir / f"{name}.ndjson"
    junit = workdir / f"{name}-junit.xml"
    ctx_file = workdir / f"{name}-context.json"
    ctx_file.write_text(json.dumps(dict(context, spec_path=str(spec.path))), encoding="utf-8")
    env = dict(os.environ)
    # The hooks module must import in the subprocess even when the kit runs from a source checkout.
    package_root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH", "")) if p)
    findings = workdir / f"{name}-findings.ndjson"
    env.update(
        SCHEMATHESIS_HOOKS="flint_contract.st_hooks",
        FLINT_CONTRACT_CONTEXT=str(ctx_file),
        FLINT_CONTRACT_RELAXATIONS_LOG=str(workdir / f"{name}-relaxations-used.txt"),
        FLINT_CONTRACT_FINDINGS=str(findings),
        FLINT_API_KEY=settings.api_key,
        PYTHONIOENCODING="utf-8",
        NO_COLOR="1",
        COLUMNS="120",
    )
    findings.unlink(missing_ok=True)
    cmd = command(spec, settings, config, ndjson, junit)
    started = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", errors="replace"
    )
    chunks: list[str] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        chunks.append(line)
        if stream:
            sys.stdout.write(line)
            sys.stdout.flush()
    code = proc.wait()
    (workdir / f"{name}.log").write_text("".join(chunks), encoding="utf-8")
    result = EngineResult(exit_code=code, violations=[], output="".join(chunks), elapsed=time.monotonic() - started)
    result.pass_exits[name] = code
    if settings.cassettes:
        from .cassettes import pass_path

        result.cassettes = {fmt: [pass_path(workdir, name, fmt)] for fmt in settings.cassettes}
    flint_checks = read_findings(findings, result)
    if ndjson.is_file():
        result.ndjson_path = ndjson
        result.ndjson_paths.append(ndjson)
        read_ndjson(ndjson, result, spec, key_var="FLINT_API_KEY", reported=flint_checks)
    used = workdir / f"{name}-relaxations-used.txt"
    if used.is_file():
        for line in used.read_text(encoding="utf-8").splitlines():
            if line.strip():
                result.relaxations_used[line.strip()] = result.relaxations_used.get(line.strip(), 0) + 1
        used.unlink()
    return result


def spec_links(spec: Spec) -> set[str]:
    """Every link the spec declares, named as schemathesis names transitions in its reports."""
    out: set[str] = set()
    for op in spec.operations.values():
        for status, response in (op.raw.get("responses") or {}).items():
            resp, _, _ = spec.deref(response, op.base)
            for link_name, link in ((resp or {}).get("links") or {}).items():
                link, _, _ = spec.deref(link, op.base)
                target = spec.operations.get(str((link or {}).get("operationId")))
                if target is not None:
                    out.add(f"{op.label} -> [{status}] {link_name} -> {target.label}")
    return out
