"""One `flint-contract diff` run: start or reach the oracle, generate seeded sequences, run each on both
servers, shrink every new kind of difference, and gather the numbers the report prints."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

from ..localserver import Sandbox, SandboxError
from ..spec import Spec, SpecError, load_spec
from .compare import Allowance, AllowanceError, load_allowances
from .execute import CannotDiff, Endpoint, SequenceRun, run_sequence
from .generate import Generator, sequence_rng
from .sequence import Step
from .shrink import Shrunk, shrink, signature

DEFAULT_SEQUENCES, QUICK_SEQUENCES = 300, 60
DEFAULT_LENGTH, QUICK_LENGTH = 14, 10
DEFAULT_BUDGET, QUICK_BUDGET = 100.0, 22.0  # seconds for generating; shrinking and setup come on top
ORACLE_KEY = "flint_test_diff_oracle_admin"


@dataclass
class DiffOptions:
    base_url: str
    api_key: str
    oracle: str = "embedded"  # "embedded" or the oracle's base URL
    oracle_api_key: str | None = None
    seed: int = 1
    sequences: int = DEFAULT_SEQUENCES
    length: int = DEFAULT_LENGTH
    budget: float = DEFAULT_BUDGET
    workers: int = 2
    quick: bool = False
    spec_path: str | None = None
    max_shrink_tries: int = 80
    progress: Callable[[str], None] | None = None


@dataclass
class Finding:
    signature: tuple[str, str, str]
    seed: int
    sequence: int  # which generated sequence first showed it
    shrunk: Shrunk
    occurrences: int = 1


@dataclass
class DiffResult:
    exit_code: int
    options: DiffOptions
    problem: str | None = None
    oracle_url: str = ""
    sequences_run: int = 0
    steps_run: int = 0
    findings: list[Finding] = field(default_factory=list)
    allowances: list[Allowance] = field(default_factory=list)
    allowances_used: Counter[str] = field(default_factory=Counter)
    operations: Counter[str] = field(default_factory=Counter)  # steps per operation
    statuses: Counter[str] = field(default_factory=Counter)  # "op status" on the oracle
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    spec: Spec | None = None


def _say(opts: DiffOptions, line: str) -> None:
    if opts.progress is not None:
        opts.progress(line)


def execute_diff(opts: DiffOptions) -> DiffResult:
    started = time.monotonic()
    result = DiffResult(exit_code=2, options=opts)
    try:
        spec = load_spec(opts.spec_path)
        allowances = load_allowances(spec)
    except (SpecError, AllowanceError) as exc:
        result.problem = f"spec: {exc}"
        return result
    result.spec = spec
    seen: dict[str, Allowance] = {}
    for per_op in allowances.values():
        for a in per_op:
            seen.setdefault(a.name, a)
    result.allowances = list(seen.values())
    sandbox: Sandbox | None = None
    try:
        if opts.oracle == "embedded":
            sandbox = Sandbox(keys=(("mer_diff_oracle", ORACLE_KEY),)).start()
            oracle = Endpoint("oracle", sandbox.base_url, ORACLE_KEY)
        else:
            oracle = Endpoint("oracle", opts.oracle, opts.oracle_api_key or opts.api_key)
        target = Endpoint("target", opts.base_url, opts.api_key)
        result.oracle_url = oracle.base_url
        oracle.probe()
        target.probe()
        if not (oracle.fresh and target.fresh):
            result.notes.append("fresh merchants per sequence need POST /_sandbox/merchants on both servers; "
                                f"oracle {'has' if oracle.fresh else 'lacks'} it, target {'has' if target.fresh else 'lacks'} it: "
                                "sequences share the given keys, so merchant-wide reads (lists, balances) may differ "
                                "through earlier sequences")
        result.timings["setup"] = time.monotonic() - started
        _say(opts, f"flint-contract diff: oracle {oracle.base_url}, target {target.base_url}, seed {opts.seed}, "
                   f"up to {opts.sequences} sequences x {opts.length} steps, {opts.workers} worker(s)")
        _generate(spec, opts, oracle, target, allowances, result)
        result.exit_code = 1 if result.findings else 0
    except (CannotDiff, SandboxError) as exc:
        result.problem = str(exc)
        result.exit_code = 2
    finally:
        if sandbox is not None:
            sandbox.stop()
        result.timings["total"] = time.monotonic() - started
    return result


def _generate(spec: Spec, opts: DiffOptions, oracle: Endpoint, target: Endpoint,
              allowances: dict[str, list[Allowance]], result: DiffResult) -> None:
    t0 = time.monotonic()
    deadline = t0 + opts.budget
    destructive = oracle.fresh and target.fresh

    def one(index: int) -> SequenceRun | None:
        if time.monotonic() > deadline:
            return None
        gen = Generator(spec, sequence_rng(opts.seed, index), destructive=destructive)
        return run_sequence(spec, oracle, target, allowances, next_step=gen.next, length=opts.length)

    # Sequences are independent (each on fresh merchants, each with its own seeded generator), so running
    # them in parallel changes nothing but the wall time; results are taken in sequence order.
    with ThreadPoolExecutor(max_workers=max(1, opts.workers)) as pool:
        runs = list(pool.map(one, range(opts.sequences)))
    result.timings["sequences"] = time.monotonic() - t0
    differing: list[tuple[int, SequenceRun]] = []
    for index, run in enumerate(runs):
        if run is None:
            continue
        result.sequences_run += 1
        result.steps_run += len(run.steps)
        result.allowances_used.update(run.used)
        for step, out in zip(run.steps, run.oracle):
            result.operations[step.op] += 1
            result.statuses[f"{step.op} {out.status}"] += 1
        if run.differs:
            differing.append((index, run))
    if result.sequences_run < opts.sequences:
        result.notes.append(f"time budget {opts.budget:.0f}s reached: {result.sequences_run} of {opts.sequences} "
                            "sequences ran")
    t1 = time.monotonic()
    by_signature: dict[tuple[str, str, str], Finding] = {}
    for index, run in differing:
        sig = signature(run)
        assert sig is not None
        if sig in by_signature:
            by_signature[sig].occurrences += 1
            continue
        _say(opts, f"sequence {index}: {sig[1]} at step {run.first_difference} ({sig[0]} {sig[2]}); shrinking")

        def replay(steps: list[Step]) -> SequenceRun:
            return run_sequence(spec, oracle, target, allowances, steps)

        shrunk = shrink(run.steps, replay, opts.max_shrink_tries)
        _say(opts, f"  shrunk {shrunk.original_length} -> {len(shrunk.run.steps)} steps in {shrunk.tries} replays")
        by_signature[sig] = Finding(sig, opts.seed, index, shrunk)
    result.findings = list(by_signature.values())
    result.timings["shrink"] = time.monotonic() - t1
