"""One spec of the corpus sweep, step by step, each in its own subprocess with a timeout (`run_measured`: wall, CPU
and peak RSS): generate, classify the outcome, inspect the package (ast, import) and, later, mypy --strict on it.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PYTHON = Path(sys.executable)
ERROR_LINE = re.compile(r"^error: (.*)$", re.M)
WARNING_LINE = re.compile(r"^warning: ", re.M)


def run_measured(cmd: list[str], *, log: Path, timeout: float, cwd: Path, env: dict[str, str] | None = None
                 ) -> dict[str, Any]:
    """Run `cmd` in its own session; wall, CPU (user+sys including reaped descendants) and peak RSS of the tree's
    largest process, from `wait4`. On timeout the whole process group is killed."""
    log.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=cwd,
                                env=env, start_new_session=True)
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() - t0 > timeout:
            timed_out = True
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here; Popen must not wait again
    try:  # leftovers of the group (a pool worker whose parent died) must not outlive the step
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    return {"rc": proc.returncode, "wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_mb": round(usage.ru_maxrss / 1024.0, 1), "timed_out": timed_out}


def _text(log: Path) -> str:
    try:
        return log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _classify(gen: dict[str, Any], text: str) -> tuple[str, str]:
    errors = ERROR_LINE.findall(text)
    if gen["timed_out"]:
        return "timeout", "generation timed out"
    if gen["rc"] == 0:
        return "generated", ""
    if gen["rc"] < 0:
        return "crashed", f"killed by signal {-gen['rc']}"
    if "Traceback (most recent call last)" in text:
        return "crashed", text.strip().splitlines()[-1][:300]
    internal = [e for e in errors if e.startswith(("generator failed:", ": template rendering failed",
                                                   ": black could not format"))
                or "template rendering failed" in e or "black could not format" in e]
    if internal:
        return "crashed", internal[0][:300]
    spec_errors = [e for e in errors if not re.match(r"\d+ problem\(s\);", e)]
    if spec_errors:
        return "refused", spec_errors[0][:300]
    return "crashed", f"exit {gen['rc']} without a message"


def _package_of(out: Path) -> str | None:
    try:
        manifest = json.loads((out / "MANIFEST.json").read_text())
        if isinstance(manifest.get("package"), str):
            return str(manifest["package"])
    except (OSError, ValueError):
        pass
    pkgs = sorted(p.parent.name for p in out.glob("*/__init__.py"))
    return pkgs[0] if pkgs else None


def _inspect(kind: str, args: list[str], log: Path, timeout: float) -> tuple[dict[str, Any], dict[str, Any]]:
    run = run_measured([str(PYTHON), str(BENCH / "corpus.py"), f"--inspect-{kind}", *args], log=log,
                       timeout=timeout, cwd=ROOT)
    text = _text(log)
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            try:
                return run, json.loads(line)
            except ValueError:
                break
    why = "timed out" if run["timed_out"] else f"exit {run['rc']}: {text.strip()[-300:]}"
    return run, {"inspect_failed": why}


def process_spec(entry: dict[str, Any], work: Path, args: argparse.Namespace) -> dict[str, Any]:
    name, spec = entry["name"], Path(entry["path"])
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
    d = work / slug
    if d.exists():
        shutil.rmtree(d)
    d.mkdir(parents=True)
    out, report = d / "out", d / "report.json"
    rec: dict[str, Any] = {k: entry[k] for k in ("name", "source", "size", "large", "mypy_planned")}
    rec["work"] = str(d)
    env = dict(os.environ)
    env["FLINT_GENERATOR_CACHE"] = ""  # cold: every run formats from scratch, and no cache grows in ~/.cache
    env.pop("PYTHONHASHSEED", None)
    if args.verify_layout:  # black also formats every chunk layout.relayout took; a difference fails the spec
        env["FLINT_GENERATOR_VERIFY_LAYOUT"] = "1"
    gen = run_measured([str(PYTHON), "-m", "flint_generator", "generate", str(spec), "--out", str(out),
                        "--report", str(report), *(["--lenient"] if args.lenient else [])], log=d / "generate.log", timeout=args.timeout, cwd=ROOT, env=env)
    rec["generate"] = gen
    text = _text(d / "generate.log")
    status, reason = _classify(gen, text)
    rec["status"], rec["reason"] = status, reason
    rec["error_lines"] = ERROR_LINE.findall(text)[:20]
    rec["n_error_lines"] = len(ERROR_LINE.findall(text))
    rec["n_warning_lines"] = len(WARNING_LINE.findall(text))
    try:
        rep = json.loads(report.read_text())
        rec["counts"] = rep.get("counts", {})
        rec["report_errors"] = rep.get("errors", [])[:50]
        rec["report_warnings"] = rep.get("warnings", [])[:50]
        rec["report_degraded"] = rep.get("degraded", [])[:50]
        naming = rep.get("naming", [])
        rules = collections.Counter(re.sub(r"\(collided with .*\)", "(collided with ...)", n.get("rule", ""))
                                    for n in naming)
        rec["naming_rules"] = dict(rules)
    except (OSError, ValueError):
        rec["counts"] = {}
    if status != "generated":
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
        return rec
    package = _package_of(out)
    rec["package"] = package
    pkg_dir = out / (package or "")
    rec["output_mb"] = round(sum(f.stat().st_size for f in pkg_dir.glob("*") if f.is_file()) / 1e6, 2)
    run, info = _inspect("ast", [str(pkg_dir)], d / "ast.log", args.inspect_timeout)
    rec["ast"] = info
    run, info = _inspect("import", [str(out), package or ""], d / "import.log", args.inspect_timeout)
    rec["import"] = {**info, "run": run}
    if info.get("import_error") or info.get("inspect_failed"):
        rec["status"] = "import failed"
        rec["reason"] = info.get("import_error") or info.get("inspect_failed")
    else:
        rec["status"] = "ok"
    if not entry["mypy_planned"] and not args.keep:
        shutil.rmtree(d / "out", ignore_errors=True)
    return rec


MYPY_ERRORS = re.compile(r"^(.+?):(\d+):(?:\d+:)? error: (.*?)(?:  \[([a-z0-9-]+)\])?$", re.M)


def run_mypy(rec: dict[str, Any], args: argparse.Namespace) -> None:
    d = Path(rec["work"])
    out = d / "out"
    package = rec.get("package")
    if not package or not (out / package).is_dir():
        rec["mypy"] = {"skipped": "output not kept"}
        return
    cache = d / "mypy-cache"
    cmd = [str(PYTHON), "-m", "mypy", "--strict", "--no-incremental", "--cache-dir", str(cache),
           "--python-version", "3.10", "--no-error-summary", "--show-error-codes", "--hide-error-context", package]
    run = run_measured(cmd, log=d / "mypy.log", timeout=args.mypy_timeout, cwd=out)
    text = _text(d / "mypy.log")
    errors = MYPY_ERRORS.findall(text)
    codes = collections.Counter(code or "misc" for _, _, _, code in errors)
    rec["mypy"] = {"run": run, "errors": len(errors), "codes": dict(codes.most_common()),
                   "examples": [f"{f}:{ln}: {msg} [{code}]" for f, ln, msg, code in errors[:15]],
                   "timed_out": run["timed_out"], "crashed": run["rc"] not in (0, 1) and not run["timed_out"]}
    if run["rc"] not in (0, 1) and not run["timed_out"]:
        rec["mypy"]["tail"] = text.strip()[-800:]
    shutil.rmtree(cache, ignore_errors=True)
    if not args.keep:
        shutil.rmtree(out, ignore_errors=True)
