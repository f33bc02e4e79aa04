"""`flint-contract run --base-url URL --api-key KEY [--peer-api-key KEY2] [--junit PATH]
[--max-examples N] [--seed N] [--quick]` and
`flint-contract diff --oracle URL|embedded --base-url URL --api-key KEY [--seed N] [--quick]` (flint_contract.diff)

Exit codes: 0 the server conforms; 1 violations (each printed with the check's name, what was
expected and a curl command); 2 the kit could not run (server unreachable, key rejected, invalid spec).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Sequence

from . import __version__, engine, progress_bar
from .diff import cli as diff_cli
from .progress import stderr_line
from .report import DEFAULT_EXAMPLES, print_result, write_reports
from .runner import DEFAULT_MAX_EXAMPLES, EXIT_CANNOT_RUN, QUICK_MAX_EXAMPLES, RunOptions, execute
from .scenarios import PROBES


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="flint-contract", description="Check a Flint server against the contract.")
    parser.add_argument("--version", action="version", version=f"flint-contract {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run the contract kit against a server")
    run.add_argument("--base-url", default=os.environ.get("FLINT_BASE_URL"), help="server base URL ($FLINT_BASE_URL)")
    run.add_argument("--api-key", default=os.environ.get("FLINT_API_KEY"), help="merchant API key ($FLINT_API_KEY)")
    run.add_argument("--peer-api-key", default=os.environ.get("FLINT_PEER_API_KEY"), help="a second merchant's key: enables tenancy checks")
    run.add_argument("--junit", type=Path, help="write a JUnit XML report here (one testcase per check and operation)")
    run.add_argument("--html", type=Path, help="write a self-contained HTML report here")
    run.add_argument("--json", type=Path, help="write every finding (not only the examples) as JSON here")
    run.add_argument("--har", type=Path,
                     help="write schemathesis' own HTTP Archive of every request it sent and its response here (all passes "
                          "merged; credentials masked; the kit's probe requests are not in it)")
    run.add_argument("--vcr", type=Path, help="the same as a VCR cassette (YAML) here")
    run.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES,
                     help=f"findings shown per (check, operation) group (default {DEFAULT_EXAMPLES}; the rest are counted)")
    run.add_argument("--max-examples", type=int, help=f"examples per operation and phase (default {DEFAULT_MAX_EXAMPLES}, quick {QUICK_MAX_EXAMPLES})")
    run.add_argument("--seed", type=int, default=1, help="random seed; the same seed gives the same run (default 1)")
    run.add_argument("--workers", type=int, default=2,
                     help="schemathesis workers (default 2); with 1 the same seed replays the same requests in the same order")
    run.add_argument("--quick", action="store_true", help="few examples per operation: for local loops")
    run.add_argument("--probes", help="comma-separated scenario probes to run ('none' for none); default all: " + ",".join(PROBES))
    run.add_argument("--operations", help="comma-separated operationIds to fuzz (default all)")
    run.add_argument("--checks", help="comma-separated schemathesis checks (built-in and Flint); default all")
    run.add_argument("--exclude-checks", help="comma-separated checks (schemathesis or Flint) whose findings are dropped")
    run.add_argument("--phases", help="comma-separated schemathesis phases; default " + ",".join(engine.PHASES))
    run.add_argument("--no-fuzz", action="store_true", help="only preflight and scenario probes, no schemathesis")
    run.add_argument("--workdir", type=Path,
                     help="schemathesis config, logs and reports go here, and are kept (default: a temp dir, removed at the end)")
    run.add_argument("--keep-workdir", action="store_true", help="keep the temp workdir even when the run conforms")
    run.add_argument("--destructive", action="store_true",
                     help="also fuzz operations that destroy what the kit cannot re-create (deletePayoutDestination "
                          "deletes the merchant's payout destination): only against a throwaway server")
    run.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    run.add_argument("--progress-bar", action=argparse.BooleanOptionalAction, default=None,
                     help="a live progress bar above the progress lines (default: when stderr is a terminal)")
    run.add_argument("--spec", help="check against this spec file instead of the packaged one")
    run.add_argument("--stream", action="store_true", help="stream schemathesis' own output")
    diff_cli.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "diff":
        return diff_cli.main(args)
    if not args.base_url or not args.api_key:
        sys.stderr.write("flint-contract: --base-url and --api-key are required (or FLINT_BASE_URL / FLINT_API_KEY)\n")
        return EXIT_CANNOT_RUN
    probes: tuple[str, ...] | None = None
    if args.probes:
        probes = () if args.probes == "none" else _csv(args.probes)
        unknown = [p for p in probes if p not in PROBES]
        if unknown:
            sys.stderr.write(f"flint-contract: unknown probes {unknown}; known: {', '.join(PROBES)}\n")
            return EXIT_CANNOT_RUN
    bar = None
    if not args.quiet and (args.progress_bar if args.progress_bar is not None else progress_bar.wanted(sys.stderr)):
        bar = progress_bar.Bar(sys.stderr)
    opts = RunOptions(
        base_url=args.base_url,
        api_key=args.api_key,
        peer_api_key=args.peer_api_key,
        max_examples=args.max_examples or (QUICK_MAX_EXAMPLES if args.quick else DEFAULT_MAX_EXAMPLES),
        seed=args.seed,
        workers=args.workers,
        quick=args.quick,
        probes=probes,
        operations=_csv(args.operations),
        checks=_csv(args.checks),
        exclude_checks=_csv(args.exclude_checks),
        phases=_csv(args.phases) or engine.PHASES,
        fuzz=not args.no_fuzz,
        workdir=args.workdir,
        keep_workdir=args.keep_workdir,
        stream=args.stream,
        spec_path=args.spec,
        destructive=args.destructive,
        progress=None if args.quiet else bar or stderr_line,
        har=args.har,
        vcr=args.vcr,
    )
    try:
        result = execute(opts)
    finally:
        if bar is not None:
            bar.close()
    reports = write_reports(result, junit=args.junit, html=args.html, json_path=args.json, examples=args.examples)
    for fmt, (path, count) in sorted(result.cassettes.items()):
        reports.append(f"{fmt.upper()} {path} ({count} schemathesis requests)")
    print_result(result, sys.stdout, examples=args.examples, reports=reports)
    return result.exit_code


if __name__ == "__main__":  # python -m flint_contract.cli
    raise SystemExit(main())
