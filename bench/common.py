"""Shared helpers for the bench scripts: subprocess measurement, medians, tables, paths."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
WORK = OUT / "work"  # generated packages kept between sections (gitignored)
SPECS = (ROOT / ".." / "shared" / "specs").resolve()
STRIPE = SPECS / "stripe-2023-08-16.json"
SQUARE = SPECS / "square-2025-08-19.json"
STRIPE_FIXTURES = SPECS / "stripe-fixtures-2023-08-16.json"
OUR_PYTHON = Path(sys.executable)

# Runs the command as its child and reports wall time, that child tree's largest process (ru_maxrss), and the
# sampled peak of the sum of PSS over the whole tree (tools that fork formatter workers use several processes).
# A fresh wrapper per run keeps RUSAGE_CHILDREN from carrying an earlier, bigger run's maximum into this one.
_WRAPPER = r"""
import json, os, resource, subprocess, sys, time

def tree_rss_kb(root):
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        # proportional set size: pages shared between forked workers are counted once
        for name, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
            try:
                with open(name) as fh:
                    value = next((int(l.split()[1]) for l in fh if l.startswith(key)), None)
            except OSError:
                continue
            if value is not None:
                total += value
                break
    return total

log = open(sys.argv[1], "wb")
t0 = time.perf_counter()
proc = subprocess.Popen(sys.argv[2:], stdout=log, stderr=subprocess.STDOUT)
tree_peak = 0
parent = os.getppid()
limit = float(os.environ.get("FLINT_BENCH_TIMEOUT") or "inf")
while proc.poll() is None:
    if time.perf_counter() - t0 > limit:  # a tool that runs past the bench's limit counts as failed
        proc.kill()
        log.write(f"\n[bench] killed after {limit:.0f} s\n".encode())
        proc.wait()
        break
    if os.getppid() != parent:  # the bench was interrupted: do not leave the tool running as an orphan
        proc.kill()
        proc.wait()
        sys.exit(1)
    if os.path.isdir("/proc"):
        tree_peak = max(tree_peak, tree_rss_kb(proc.pid))
    try:  # sample every 0.2 s, but see the exit at once: a sleep here rounded every wall time up to 0.2 s
        proc.wait(timeout=0.2)
    except subprocess.TimeoutExpired:
        pass
wall = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
peak_kb = usage.ru_maxrss
print(json.dumps({"rc": proc.returncode, "wall": wall, "peak_mb": peak_kb / 1024.0,
                  "cpu": usage.ru_utime + usage.ru_stime,
                  "tree_peak_mb": max(tree_peak, peak_kb) / 1024.0}))
"""


@dataclass
class Run:
    rc: int
    wall: float
    peak_mb: float
    tree_peak_mb: float
    cpu: float
    log: str


def measure(cmd: Sequence[str | Path], log: Path, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float | None = None) -> Run:
    """One run of `cmd` in a fresh child: wall seconds and peak RSS (MB) of the process tree's largest member.
    Past `timeout` seconds the tool is killed and the run fails."""
    log.parent.mkdir(parents=True, exist_ok=True)
    if timeout is not None:
        env = {**(env if env is not None else os.environ), "FLINT_BENCH_TIMEOUT": str(timeout)}
    proc = subprocess.run(
        [sys.executable, "-c", _WRAPPER, str(log), *map(str, cmd)],
        cwd=cwd or ROOT,  # `python -m flint_generator` resolves from the repo root
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    return Run(rc=data["rc"], wall=data["wall"], peak_mb=data["peak_mb"], tree_peak_mb=data["tree_peak_mb"],
               cpu=data.get("cpu", float("nan")), log=str(log))


def tail(path: str | Path, lines: int = 12) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


@dataclass
class Row:
    name: str
    values: list[float] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def med(self) -> float:
        return median(self.values)


def fmt_num(x: float | None, unit: str = "") -> str:
    if x is None or x != x:  # NaN
        return "n/a"
    if abs(x) >= 1000:
        s = f"{x:,.0f}"
    elif abs(x) >= 10:
        s = f"{x:.1f}"
    else:
        s = f"{x:.3f}" if abs(x) < 1 else f"{x:.2f}"
    return s + unit


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))
    def line(cells: Sequence[str]) -> str:
        return "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(cells))
    out = [line(headers), "  ".join("-" * w for w in widths)]
    out.extend(line(r) for r in rows)
    return "\n".join(out)


def fresh_dir(path: Path) -> Path:
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def byte_compile_ours() -> None:
    """Write our packages' .pyc files, as `pip install` does for every tool (the peers' venv has them): run from a
    checkout under PYTHONDONTWRITEBYTECODE (this machine sets it), each timed run of ours would otherwise pay Python's
    compiler for our own modules, about 50 ms of CPU a run."""
    import compileall

    for pkg in ("flint_generator", "flint_contract", "flint_sandbox"):
        if (ROOT / pkg).is_dir():
            compileall.compile_dir(str(ROOT / pkg), quiet=1)


def env_with_path(extra_bin: Path | None = None, pythonpath: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    if extra_bin is not None:
        env["PATH"] = f"{extra_bin}{os.pathsep}{env.get('PATH', '')}"
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    env.pop("PYTHONHASHSEED", None)
    return env


def verdict(ok: bool | None) -> str:
    if ok is None:
        return "not measured"
    return "MET" if ok else "NOT MET"


def save_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def load_json(path: Path) -> Any:
    return json.loads(path.read_text())


def our_generate_cmd(spec: Path, out: Path, lenient: bool, report: Path | None) -> list[str]:
    cmd = [str(OUR_PYTHON), "-m", "flint_generator", "generate", str(spec), "--out", str(out)]
    if lenient:
        cmd.append("--lenient")
    if report is not None:
        cmd += ["--report", str(report)]
    return cmd


def report_counts(report: Any) -> dict[str, int]:
    """Counts from our generator's --report JSON, tolerant of its exact layout.

    Counts every list under a key that names a kind of problem (degraded, skipped, warnings, errors, ...), at any
    depth, so the bench keeps working while the report format settles.
    """
    if isinstance(report, dict) and isinstance(report.get("counts"), dict):
        return {str(k): int(v) for k, v in report["counts"].items() if isinstance(v, int)}
    counts: dict[str, int] = {}
    kinds = ("degraded", "skipped", "warnings", "errors", "problems", "dropped", "renamed", "collisions")

    def walk(node: Any, prefix: str) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                name = f"{prefix}.{key}" if prefix else str(key)
                if isinstance(value, list) and any(k in str(key).lower() for k in kinds):
                    counts[name] = len(value)
                elif isinstance(value, int) and not isinstance(value, bool) and any(
                    k in str(key).lower() for k in kinds
                ):
                    counts[name] = value
                else:
                    walk(value, name)

    walk(report, "")
    return counts
