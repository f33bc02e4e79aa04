"""One kit run: preflight, seeding, scenario probes, the schemathesis engine, strict coverage rules,
and the verdict. Used by the CLI and by the pytest suite."""

from __future__ import annotations

import shutil
import tempfile
import time
import traceback
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from . import engine
from . import __version__
from .preflight import CannotRun, Seed, check_access, seed
from .probe_client import Collector, ProbeClient, Unreachable
from .progress import Progress, Sink
from .scenarios import PROBE_CHECKS, PROBES, ProbeContext
from .skips import PEER_PROBES, Skip, Skips
from .spec import Spec, SpecError, load_spec
from .violations import Violation

EXIT_OK, EXIT_VIOLATIONS, EXIT_CANNOT_RUN = 0, 1, 2
DEFAULT_MAX_EXAMPLES = 10
QUICK_MAX_EXAMPLES = 3
QUICK_LINK_COVERAGE = 0.85


@dataclass
class RunOptions:
    base_url: str
    api_key: str
    peer_api_key: str | None = None
    max_examples: int = DEFAULT_MAX_EXAMPLES  # the CLI's default, so the library and the CLI run the same
    seed: int = 1
    workers: int = 2
    quick: bool = False
    probes: tuple[str, ...] | None = None  # None = all; () = none
    operations: tuple[str, ...] = ()
    checks: tuple[str, ...] = ()
    exclude_checks: tuple[str, ...] = ()  # findings of these checks (schemathesis and Flint) are dropped
    phases: tuple[str, ...] = engine.PHASES
    fuzz: bool = True
    workdir: Path | None = None  # kept (the user chose it); None = a temp dir, removed unless keep_workdir or failure
    keep_workdir: bool = False
    stream: bool = False
    spec_path: str | None = None
    # Also fuzz operations that destroy what the kit cannot re-create (deletePayoutDestination): only for a
    # throwaway server. Off by default, so any number of runs against one server and key all pass.
    destructive: bool = False
    progress: Sink = None  # one line per phase/probe/pass (the CLI passes stderr); None = silent
    run_tag: str = ""  # tags the orders the kit creates; default: generated per run
    # schemathesis' own recordings of every request it sent, all passes merged (flint_contract.cassettes)
    har: Path | None = None
    vcr: Path | None = None


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
    workdir: Path | None = None
    workdir_kept: bool = False
    run_tag: str = ""
    options: RunOptions | None = None
    skipped: list[Skip] = field(default_factory=list)  # checks not run, or not on every response, and why
    cassettes: dict[str, tuple[Path, int]] = field(default_factory=dict)  # "har"/"vcr" -> (file, interactions)


def link_threshold(opts: RunOptions) -> float:
    """Share of the spec's links the stateful phase must follow: all of them in a default run; a quick
    run has half the stateful scenarios, so three-link-deep chains are sometimes not reached."""
    return QUICK_LINK_COVERAGE if opts.quick else 1.0


def plan(opts: RunOptions) -> str:
    probes = "all" if opts.probes is None else (",".join(opts.probes) or "none")
    parts = [f"probes={probes}"]
    if opts.fuzz:
        parts.append("schemathesis phases=" + ",".join(opts.phases))
        parts.append(f"max-examples={opts.max_examples}")
        parts.append(f"workers={opts.workers}")
        parts.append("operations=" + (",".join(opts.operations) if opts.operations else "all"))
        if opts.checks:
            parts.append("checks=" + ",".join(opts.checks))
        parts.append(f"link coverage >= {link_threshold(opts):.0%}")
    else:
        parts.append("no fuzzing")
    parts.append("destructive" if opts.destructive else "non-destructive")
    return ("quick: " if opts.quick else "default: ") + ", ".join(parts)


def execute(opts: RunOptions) -> RunResult:
    """One run. The temp workdir (when no --workdir is given) is removed at the end unless
    keep_workdir is set or the run did not conform; the result says which."""
    progress = Progress(opts.progress)
    run_tag = opts.run_tag or f"{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:6]}"
    if opts.workdir is not None:
        workdir, chosen = opts.workdir.expanduser().resolve(), True
    else:
        workdir, chosen = Path(tempfile.mkdtemp(prefix="flint-contract-")), False
    progress.say(f"flint-contract {__version__}: {opts.base_url} seed={opts.seed} run-tag={run_tag}")
    progress.say(f"workdir {workdir}" + ("" if chosen else " (temporary)"))
    progress.say(f"plan: {plan(opts)}")
    result = _execute(opts, workdir, progress, run_tag)
    result.workdir, result.run_tag, result.options = workdir, run_tag, opts
    if chosen or opts.keep_workdir or result.exit_code != EXIT_OK:
        result.workdir_kept = True
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return result


def _execute(opts: RunOptions, workdir: Path, progress: Progress, run_tag: str) -> RunResult:
    timings: dict[str, float] = {}
    t0 = time.monotonic()
    try:
        spec = load_spec(opts.spec_path)
    except SpecError as exc:
        return RunResult(EXIT_CANNOT_RUN, problem=f"invalid spec: {exc}")
    selected = PROBES if opts.probes is None else {k: PROBES[k] for k in opts.probes}
    progress.expect(1 + (1 if opts.fuzz else 0) + len(selected))  # preflight, seeding, probes; engine.run adds its passes
    collector = Collector(excluded=frozenset(opts.exclude_checks))
    client = ProbeClient(opts.base_url, opts.api_key, spec, collector)
    client.run_tag = run_tag
    peer = ProbeClient(opts.base_url, opts.peer_api_key, spec, collector, key_var="FLINT_PEER_API_KEY") if opts.peer_api_key else None
    if peer is not None:
        peer.run_tag = run_tag
    result = RunResult(EXIT_OK)
    try:
        try:
            with progress.step("preflight"):
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
                with progress.step("seeding test data") as step:
                    seeded = seed(client, destructive=opts.destructive)
                    step.detail = f"{sum(1 for p in seeded.pins.values() if p)} operations pinned to seeded ids"
            except Unreachable as exc:
                return RunResult(EXIT_CANNOT_RUN, problem=f"server went away while seeding: {exc}")
        result.seed = seeded
        result.notes.extend(seeded.notes)
        timings["seeding"] = time.monotonic() - t

        t = time.monotonic()
        ctx = ProbeContext(client=client, peer=peer, spec=spec, collector=collector)
        for i, (name, probe) in enumerate(selected.items(), 1):
            before = len(collector.violations)
            try:
                with progress.step(f"probe {i}/{len(selected)} {name}") as step:
                    try:
                        probe(ctx)
                    finally:
                        found = len(collector.violations) - before
                        step.detail = f"{found} finding(s)" if found else "ok"
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

    fuzz_ops = tuple(op for op in opts.operations if op not in seeded.protected)
    if opts.fuzz and opts.operations and not fuzz_ops:
        result.notes.append("no operation left to fuzz: " + ",".join(opts.operations) + " needs --destructive")
    if opts.fuzz and (fuzz_ops or not opts.operations):
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
            operations=fuzz_ops,
            exclude_operations=tuple(seeded.protected),
            checks=opts.checks,
            exclude_checks=opts.exclude_checks,
            cassettes=tuple(fmt for fmt, path in (("har", opts.har), ("vcr", opts.vcr)) if path is not None),
        )
        eng = engine.run(spec, settings, {"pins": seeded.pins, "stateful_pins": seeded.stateful_pins,
                                         "stateful_refund_order": seeded.stateful_refund_order}, workdir,
                         stream=opts.stream, progress=progress)
        result.engine = eng
        timings["schemathesis"] = time.monotonic() - t
        result.cassettes = write_cassettes(opts, eng)
        if eng.exit_code not in (0, 1):
            return RunResult(
                EXIT_CANNOT_RUN,
                problem=f"schemathesis exited {eng.exit_code}:\n{eng.output[-3000:]}",
                engine=eng,
                timings=timings,
            )
        violations.extend(eng.violations)
        violations.extend(coverage_violations(spec, opts, eng, protected=tuple(seeded.protected), notes=result.notes))
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
    result.skipped = run_skips(opts, peer is not None, collector.skips, result.engine).items()
    result.violations = violations
    result.timings = timings
    result.exit_code = EXIT_VIOLATIONS if violations else EXIT_OK
    return result


def write_cassettes(opts: RunOptions, eng: engine.EngineResult) -> dict[str, tuple[Path, int]]:
    from .cassettes import merge_har, merge_vcr

    out: dict[str, tuple[Path, int]] = {}
    for fmt, path, merge in (("har", opts.har, merge_har), ("vcr", opts.vcr, merge_vcr)):
        if path is not None:
            target = path.expanduser().resolve()
            out[fmt] = (target, merge(eng.cassettes.get(fmt, []), target))
    return out


def run_skips(opts: RunOptions, have_peer: bool, probe_skips: Skips, eng: engine.EngineResult | None) -> Skips:
    """Everything this run did not check, and why: responses a rule could not judge (from the probes and
    from schemathesis), and the checks the options or a missing peer key left out."""
    out = Skips()
    out.merge(probe_skips)
    if eng is not None:
        out.merge(eng.skips)
    selected = PROBES if opts.probes is None else {k: PROBES[k] for k in opts.probes}
    if not have_peer:
        for name in PEER_PROBES:
            if name in selected:
                out.add(",".join(PROBE_CHECKS.get(name, (name,))), "no --peer-api-key (a second merchant's key)")
    left_out = [name for name in PROBES if name not in selected]
    if left_out:
        out.add(", ".join(left_out), "probes not selected (--probes)")
    for check in opts.exclude_checks:
        out.add(check, "excluded (--exclude-checks)")
    if not opts.fuzz:
        out.add("schemathesis and the per-response rules on generated cases", "--no-fuzz")
    elif opts.checks:
        out.add("checks other than " + ", ".join(opts.checks) + " on generated cases", "not selected (--checks)")
    return out


def engine_checks(opts: RunOptions) -> set[str]:
    from .checks import FLINT_CHECKS

    return set(opts.checks) if opts.checks else set(FLINT_CHECKS) | {"schemathesis built-in checks"}


def coverage_violations(
    spec: Spec, opts: RunOptions, eng: engine.EngineResult, *, protected: tuple[str, ...] = (), notes: list[str] | None = None
) -> list[Violation]:
    """The strict defaults read from the report: every selected operation reached 2xx, every link
    was covered (all of them; a quick run QUICK_LINK_COVERAGE of them, the rest named in a note).
    Protected operations (not fuzzed, see Seed.protected) and their links are left out, and said so."""
    out: list[Violation] = []
    notes = notes if notes is not None else []
    selected = (set(opts.operations) if opts.operations else set(spec.operations)) - set(protected)
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
        skipped = {link for link in declared if any(link.endswith(f"-> {spec.operations[op].label}") or
                                                     link.startswith(f"{spec.operations[op].label} ->")
                                                     for op in protected if op in spec.operations)}
        if skipped:
            notes.append(f"link coverage leaves out {len(skipped)} link(s) of operations not fuzzed: " + "; ".join(sorted(skipped)))
        declared -= skipped
        missing = sorted(declared - eng.links_covered)
        threshold = link_threshold(opts)
        if not declared:
            out.append(Violation("link_coverage", "the spec declares no links", "the spec's links drive a stateful phase"))
        elif missing and (len(declared) - len(missing)) / len(declared) >= threshold:
            notes.append(
                f"link coverage {len(declared) - len(missing)}/{len(declared)} (>= {threshold:.0%} required in a quick run);"
                " not followed: " + "; ".join(missing)
            )
        elif missing:
            out.append(
                Violation(
                    "link_coverage",
                    f"{len(declared) - len(missing)} of {len(declared)} links covered; never followed: " + "; ".join(missing),
                    f"every link is exercised by the stateful phase (>= {threshold:.0%}"
                    + (", quick run)" if opts.quick else ")"),
                )
            )
    return out


def _tail(text: str, lines: int = 12) -> str:
    return " | ".join(line.strip() for line in text.strip().splitlines()[-lines:] if line.strip())
