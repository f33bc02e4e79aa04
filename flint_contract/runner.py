"""One kit run: preflight, seeding, scenario probes, the schemathesis engine, strict coverage rules,
and the verdict. Used by the CLI and by the pytest suite."""

from __future__ import annotations

import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from . import engine
from .preflight import CannotRun, Seed, check_access, seed
from .probe_client import Collector, ProbeClient, Unreachable
from .scenarios import PROBES, ProbeContext
from .spec import Spec, SpecError, load_spec
from .violations import Violation

EXIT_OK, EXIT_VIOLATIONS, EXIT_CANNOT_RUN = 0, 1, 2


@dataclass
class RunOptions:
    base_url: str
    api_key: str
    peer_api_key: str | None = None
    max_examples: int = 25
    seed: int = 1
    workers: int = 2
    quick: bool = False
    probes: tuple[str, ...] | None = None  # None = all; () = none
    operations: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    exclude_checks: tuple[str, ...] = ()  # findings of these checks (schemathesis and Flint) are dropped
    phases: tuple[str, ...] = engine.PHASES
    fuzz: bool = True
    workdir: Path | None = None
    stream: bool = False
    spec_path: str | None = None


@dataclass
class RunResult:
    exit_code: int
    violations: list[Violation] = field(default_factory=list)
    problem: str | None = None  # why the kit could not run (exit 2)
    engine: engine.EngineResult | None = None
    checks_ran: set[str] = field(default_factory=set)
    exercised: dict[str, dict[str, int]] = field(default_factory=dict)  # probe check -> operationId -> times
    seed: Seed | None = None
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def execute(opts: RunOptions) -> RunResult:
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    try:
        spec = load_spec(opts.spec_path)
    except SpecError as exc:
        return RunResult(EXIT_CANNOT_RUN, problem=f"invalid spec: {exc}")
    collector = Collector(excluded=frozenset(opts.exclude_checks))
    client = ProbeClient(opts.base_url, opts.api_key, spec, collector)
    peer = ProbeClient(opts.base_url, opts.peer_api_key, spec, collector, key_var="FLINT_PEER_API_KEY") if opts.peer_api_key else None
    result = RunResult(EXIT_OK)
    try:
        try:
            check_access(client, "--api-key")
            if peer is not None:
                check_access(peer, "--peer-api-key")
        except CannotRun as exc:
            return RunResult(EXIT_CANNOT_RUN, problem=str(exc))
        timings["preflight"] = time.monotonic() - t0

        t = time.monotonic()
        seeded = Seed()
        if opts.fuzz:
            try:
                seeded = seed(client)
            except Unreachable as exc:
                return RunResult(EXIT_CANNOT_RUN, problem=f"server went away while seeding: {exc}")
        result.seed = seeded
        result.notes.extend(seeded.notes)
        timings["seed"] = time.monotonic() - t

        t = time.monotonic()
        selected = PROBES if opts.probes is None else {k: PROBES[k] for k in opts.probes}
        ctx = ProbeContext(client=client, peer=peer, spec=spec, collector=collector)
        if peer is None:
            result.notes.append("no --peer-api-key: tenancy probes skipped")
        for name, probe in selected.items():
            try:
                probe(ctx)
            except Unreachable as exc:
                return RunResult(EXIT_CANNOT_RUN, problem=f"server went away during probe {name}: {exc}")
            except Exception as exc:  # a response shape the probe could not follow is itself a finding
                collector.add(
                    Violation(
                        "probe_error",
                        f"probe {name} could not complete: {exc!r}",
                        "responses shaped as the spec says, so the probe can follow the flow",
                        operation=None,
                    )
                )
                result.notes.append(traceback.format_exc(limit=3))
        timings["probes"] = time.monotonic() - t
    finally:
        client.close()
        if peer is not None:
            peer.close()

    violations = list(collector.violations)
    result.checks_ran = set(collector.ran)
    result.exercised = {check: dict(per_op) for check, per_op in collector.exercised.items()}

    if opts.fuzz:
        t = time.monotonic()
        settings = engine.EngineSettings(
            base_url=opts.base_url,
            api_key=opts.api_key,
            peer_api_key=opts.peer_api_key,
            max_examples=opts.max_examples,
            stateful_max_examples=20 if opts.quick else 40,
            stateful_max_steps=8,
            seed=opts.seed,
            workers=opts.workers,
            phases=opts.phases,
            operations=opts.operations,
            checks=opts.checks,
            exclude_checks=opts.exclude_checks,
        )
        workdir = opts.workdir or Path(tempfile.mkdtemp(prefix="flint-contract-"))
        eng = engine.run(spec, settings, {"pins": seeded.pins, "stateful_pins": seeded.stateful_pins,
                                         "stateful_refund_order": seeded.stateful_refund_order}, workdir, stream=opts.stream)
        result.engine = eng
        timings["schemathesis"] = time.monotonic() - t
        if eng.exit_code not in (0, 1):
            return RunResult(
                EXIT_CANNOT_RUN,
                problem=f"schemathesis exited {eng.exit_code}:\n{eng.output[-3000:]}",
                engine=eng,
                timings=timings,
            )
        violations.extend(eng.violations)
        violations.extend(coverage_violations(spec, opts, eng))
        if eng.exit_code == 1 and not eng.violations and not violations:
            violations.append(
                Violation(
                    "schemathesis",
                    "schemathesis failed the run without a check failure: "
                    + "; ".join(f"pass {name} exited {code}" for name, code in eng.pass_exits.items() if code)
                    + f" (its output: {workdir}/<pass>.log): "
                    + ("; ".join(f"error: {e.splitlines()[0] if e else e}" for e in eng.errors[:5]) + "; " if eng.errors else "")
                    + ("; ".join(f"warning: {w}" for w in eng.warnings[:5]) + "; " if eng.warnings else "")
                    + _tail(eng.output),
                    "no warnings listed in fail-on (missing_auth, missing_test_data, unresolvable_reference), no errors",
                )
            )
        result.checks_ran.update(engine_checks(opts))
    timings["total"] = time.monotonic() - t0
    result.violations = violations
    result.timings = timings
    result.exit_code = EXIT_VIOLATIONS if violations else EXIT_OK
    return result


def engine_checks(opts: RunOptions) -> set[str]:
    from .checks import FLINT_CHECKS

    return set(opts.checks) if opts.checks else set(FLINT_CHECKS) | {"schemathesis built-in checks"}


def coverage_violations(spec: Spec, opts: RunOptions, eng: engine.EngineResult) -> list[Violation]:
    """The strict defaults read from the report: every selected operation reached 2xx, every link
    was covered."""
    out: list[Violation] = []
    selected = set(opts.operations) if opts.operations else set(spec.operations)
    never = sorted(op for op in selected if op not in eng.operations_2xx)
    for op in never:
        statuses = sorted(eng.statuses.get(op, set()))
        out.append(
            Violation(
                "every_operation_reaches_2xx",
                f"{op} never answered 2xx (statuses seen: {statuses or 'none'})",
                "every operation reaches a 2xx at least once during the run",
                operation=op,
            )
        )
    if "stateful" in opts.phases and not opts.operations:
        declared = engine.spec_links(spec)
        missing = sorted(declared - eng.links_covered)
        if not declared:
            out.append(Violation("link_coverage", "the spec declares no links", "the spec's links drive a stateful phase"))
        elif missing:
            out.append(
                Violation(
                    "link_coverage",
                    f"{len(declared) - len(missing)} of {len(declared)} links covered; never followed: " + "; ".join(missing),
                    "every link is exercised by the stateful phase (100%)",
                )
            )
    return out


def _tail(text: str, lines: int = 12) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:] if line.strip())
