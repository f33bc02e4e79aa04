"""Import section: how long a fresh interpreter takes to import each generated Stripe package.

Each measurement is a new subprocess (nothing cached in the interpreter; .pyc files are written by a warm-up
import first, as they would be after installation). Time is measured inside the child around the import
statements, so interpreter start-up (about 20 ms) is not included; median of 5.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import peers
from common import OUR_PYTHON, WORK, fmt_num, median, table, verdict
from bench_models import ensure_ours, ensure_peer

CHILD = r"""
import importlib, json, sys, time
sys.path.insert(0, sys.argv[1])
steps = json.loads(sys.argv[2])
out = {}
t0 = time.perf_counter()
for label, module, attr in steps:
    mod = importlib.import_module(module)
    if attr:
        getattr(mod, attr)
    out[label] = time.perf_counter() - t0
out["modules_loaded"] = len(sys.modules)
print(json.dumps(out))
"""


def _measure(python: Path, pkg: Path, steps: list[tuple[str, str, str]], repeats: int) -> dict[str, Any]:
    args = [str(python), "-c", CHILD, str(pkg.parent), json.dumps(steps)]
    # Users import from .pyc files; an inherited PYTHONDONTWRITEBYTECODE would time the compiler instead (for every tool).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    warm = subprocess.run(args, capture_output=True, text=True, env=env)
    if warm.returncode != 0:
        return {"error": warm.stderr.strip()[-800:]}
    runs: list[dict[str, float]] = []
    for _ in range(repeats):
        proc = subprocess.run(args, capture_output=True, text=True, check=True, env=env)
        runs.append(json.loads(proc.stdout))
    result: dict[str, Any] = {label: [r[label] for r in runs] for label, _, _ in steps}
    result["medians"] = {label: median(result[label]) for label, _, _ in steps}
    result["modules_loaded"] = runs[-1]["modules_loaded"]
    return result


def run(repeats: int = 5) -> dict[str, Any]:
    results: dict[str, Any] = {}
    ours = ensure_ours()
    if ours is not None:
        p = ours.name
        results["ours"] = _measure(
            OUR_PYTHON,
            ours,
            [("package", p, ""), ("+ Invoice model", f"{p}.models", "Invoice"), ("+ client", f"{p}.client", ""),
             ("+ server stubs", f"{p}.server", "")],
            repeats,
        )
    opc = ensure_peer("opc")
    if opc is not None:
        p = opc.name
        results["opc"] = _measure(
            peers.venv_python(), opc,
            [("package", p, ""), ("+ Invoice model", f"{p}.models", "Invoice")], repeats,
        )
    dmcg = ensure_peer("dmcg")
    if dmcg is not None:
        p = dmcg.name
        results["dmcg"] = _measure(
            peers.venv_python(), dmcg, [("package", p, ""), ("+ Invoice model", p, "Invoice")], repeats,
        )
    total = results.get("ours", {}).get("medians", {})
    worst = max(total.values()) if total else None
    results["targets"] = {"stripe_package_imports_under_0_5s": None if worst is None else worst < 0.5}
    print_results(results)
    return results


def print_results(results: dict[str, Any]) -> None:
    cols = ["package", "+ Invoice model", "+ client", "+ server stubs"]
    rows = []
    for tool, label in (("ours", "ours"), ("opc", "openapi-python-client"), ("dmcg", "dmcg pydantic v2")):
        r = results.get(tool)
        if r is None:
            continue
        if "error" in r:
            rows.append([label, "FAILED", "", "", "", ""])
            continue
        med = r["medians"]
        rows.append([label] + [fmt_num(med.get(c), " s") if c in med else "" for c in cols]
                    + [str(r["modules_loaded"])])
    print()
    print("Import of the generated Stripe package: median seconds in a fresh interpreter, cumulative per column")
    print(table(["package", *cols, "modules"], rows))
    for tool in ("ours", "opc", "dmcg"):
        if "error" in results.get(tool, {}):
            print(f"  {tool} import failed: {results[tool]['error']}")
    for name, ok in results.get("targets", {}).items():
        print(f"  target {name} (ours, everything imported): {verdict(ok)}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    run(ap.parse_args().repeats)
