"""`flint-contract diff --oracle URL|embedded --base-url URL --api-key KEY [--seed N] [--quick] ...`

Exit codes as for `run`: 0 no difference, 1 differences (each shrunk, with both responses and a curl sequence),
2 the diff could not run.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..progress import stderr_line
from ..report import DEFAULT_EXAMPLES, write_reports
from .driver import (DEFAULT_BUDGET, DEFAULT_LENGTH, DEFAULT_SEQUENCES, QUICK_BUDGET, QUICK_LENGTH, QUICK_SEQUENCES,
                     DiffOptions, execute_diff)
from .report import print_diff


def add_parser(sub: "argparse._SubParsersAction[argparse.ArgumentParser]") -> None:
    p = sub.add_parser("diff", help="compare a server's behaviour with the sandbox's on the same stateful sequences")
    p.add_argument("--oracle", default="embedded",
                   help="the reference: 'embedded' (a fresh sandbox on a loopback port with its own SQLite database, "
                        "the default) or a sandbox's base URL")
    p.add_argument("--oracle-api-key", default=os.environ.get("FLINT_ORACLE_API_KEY"),
                   help="key for an --oracle URL ($FLINT_ORACLE_API_KEY; default: --api-key)")
    p.add_argument("--base-url", default=os.environ.get("FLINT_BASE_URL"), help="server under test ($FLINT_BASE_URL)")
    p.add_argument("--api-key", default=os.environ.get("FLINT_API_KEY"), help="its key ($FLINT_API_KEY)")
    p.add_argument("--seed", type=int, default=1, help="random seed; the same seed generates the same sequences (default 1)")
    p.add_argument("--sequences", type=int, help=f"sequences to generate (default {DEFAULT_SEQUENCES}, quick {QUICK_SEQUENCES})")
    p.add_argument("--length", type=int, help=f"steps per sequence (default {DEFAULT_LENGTH}, quick {QUICK_LENGTH})")
    p.add_argument("--budget", type=float,
                   help=f"seconds for generating sequences (default {DEFAULT_BUDGET:.0f}, quick {QUICK_BUDGET:.0f}); "
                        "shrinking comes on top")
    p.add_argument("--workers", type=int, default=2, help="sequences run in parallel (default 2; results do not depend on it)")
    p.add_argument("--quick", action="store_true", help="fewer, shorter sequences: for local loops")
    p.add_argument("--junit", type=Path, help="write a JUnit XML report here")
    p.add_argument("--html", type=Path, help="write a self-contained HTML report here")
    p.add_argument("--json", type=Path, help="write every finding as JSON here")
    p.add_argument("--examples", type=int, default=DEFAULT_EXAMPLES, help="findings shown per (check, operation) group")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    p.add_argument("--spec", help="compare against this spec file instead of the packaged one")


def main(args: argparse.Namespace) -> int:
    if not args.base_url or not args.api_key:
        sys.stderr.write("flint-contract diff: --base-url and --api-key are required (or FLINT_BASE_URL / FLINT_API_KEY)\n")
        return 2
    opts = DiffOptions(
        base_url=args.base_url,
        api_key=args.api_key,
        oracle=args.oracle,
        oracle_api_key=args.oracle_api_key,
        seed=args.seed,
        sequences=args.sequences or (QUICK_SEQUENCES if args.quick else DEFAULT_SEQUENCES),
        length=args.length or (QUICK_LENGTH if args.quick else DEFAULT_LENGTH),
        budget=args.budget or (QUICK_BUDGET if args.quick else DEFAULT_BUDGET),
        workers=args.workers,
        quick=args.quick,
        spec_path=args.spec,
        progress=None if args.quiet else stderr_line,
    )
    result = execute_diff(opts)
    from .report import to_run_result

    run = to_run_result(result)
    reports = write_reports(run, junit=args.junit, html=args.html, json_path=args.json, examples=args.examples)
    print_diff(result, sys.stdout, examples=args.examples, reports=reports)
    return result.exit_code
