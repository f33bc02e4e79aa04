"""`python -m flint_generator generate|check SPEC --out DIR [--strict] [--report PATH] [--package NAME] [--codecs MODE]`.

Exit codes: 0 success (check: up to date), 1 spec problems / stale output / failure. Messages name JSON pointers;
never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from flint_generator import __version__, write
from flint_generator.pipeline import CODECS, Result, fingerprint, generate, input_hashes, package_name_problem


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m flint_generator", description=__doc__.splitlines()[0])
    p.add_argument("--version", action="version", version=f"flint-generator {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    for name, helptext in (("generate", "write the generated package (incrementally)"),
                           ("check", "exit 1 with a unified diff when the output is stale")):
        s = sub.add_parser(name, help=helptext)
        s.add_argument("spec", type=Path)
        s.add_argument("--out", type=Path, required=True, help="output folder (holds <package>/ and MANIFEST.json)")
        s.add_argument("--package", help="package name (default: x-package-name, else api_client)")
        s.add_argument("--strict", dest="lenient", action="store_false",
                       help="refuse any spec defect (default: repair what can be repaired, with a warning each), "
                            "and run openapi-spec-validator")
        s.add_argument("--lenient", dest="lenient", action="store_true", help="the default (kept for old scripts)")
        s.add_argument("--report", type=Path, help="write a JSON report (problems, degradations, naming)")
        s.add_argument("--force", action="store_true", help="regenerate even when the manifest says nothing changed")
        s.add_argument("--codecs", choices=CODECS, default="exec",
                       help="exec (default): the models' from_dict/to_dict/__init__ are compiled at first use; "
                            "source: written by the generator into <package>/_codecs_compiled.py, so the package "
                            "never calls exec/eval/compile (for policies that forbid it; reviewable as a diff)")
    return p


def _is_current(spec: Path, out: Path, package: str | None, lenient: bool, codecs: str) -> bool:
    """No-op fast path: same generator+templates, same spec inputs, and the tree still matches the manifest."""
    manifest = write.read_manifest(out)
    if manifest is None or manifest.get("fingerprint") != fingerprint(package, lenient, codecs):
        return False
    inputs = manifest.get("inputs")
    if not isinstance(inputs, dict) or not inputs:
        return False
    base = spec.resolve().parent
    try:
        current = input_hashes(spec, [(base / rel).resolve() for rel in inputs])
    except OSError:
        return False
    if current != inputs:
        return False
    if package is not None and manifest.get("package") != package:
        return False
    return write.tree_is_current(out, manifest)


def _print_problems(res: Result) -> None:
    for w in res.warnings:
        print(f"warning: {w}", file=sys.stderr)
    for e in res.errors:
        print(f"error: {e}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out: Path = args.out
    if args.package is not None and (problem := package_name_problem(args.package)) is not None:
        print(f"error: --package: {problem}; {out} left unchanged", file=sys.stderr)  # checked before reading anything
        return 1
    current = not args.force and args.report is None
    if current and _is_current(args.spec, out, args.package, args.lenient, args.codecs):
        print(f"{out}: up to date")
        return 0
    try:
        res = generate(args.spec, package=args.package, lenient=args.lenient, codecs=args.codecs)
    except Exception as exc:  # last line of defence: a message, not a traceback
        print(f"error: generator failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    if args.report is not None:
        args.report.parent.mkdir(parents=True, exist_ok=True)
        args.report.write_text(json.dumps(res.report(), indent=2, sort_keys=True) + "\n", encoding="utf-8")
    _print_problems(res)
    if res.errors:
        print(f"error: {len(res.errors)} problem(s); {out} left unchanged", file=sys.stderr)
        return 1
    manifest = write.manifest_text(res.meta, res.files)
    if args.command == "check":
        text = write.diff(out, res.files, manifest)
        if text:
            sys.stdout.write(text)
            print(f"{out} is stale: run `make generate`", file=sys.stderr)
            return 1
        print(f"{out}: up to date")
        return 0
    plan = write.plan(out, res.files, manifest)
    write.apply(out, plan)
    print(f"{out}: {len(plan.write)} written, {len(plan.unchanged)} unchanged, {len(plan.remove)} removed"
          + (f", {len(res.degraded)} degraded" if res.degraded else ""))
    return 0
