"""`make bench`: the generator, the models and the imports against the peers, plus the sandbox bench.

    .venv/bin/python bench/run.py                    # everything (about 10 minutes on 2 cores)
    .venv/bin/python bench/run.py --only generator   # or models | import | sandbox (repeatable)
    .venv/bin/python bench/run.py --repeats 5

Prints tables of medians and ratios, and writes bench/out/results.json. Never asserts: targets are reported as
MET / NOT MET next to the numbers. The peers are installed on first use into bench/.peers/venv.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import BENCH, OUR_PYTHON, OUT, ROOT, SPECS, save_json  # noqa: E402

SECTIONS = ("generator", "models", "import", "sandbox")


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        load = os.getloadavg()
        info["loadavg_at_start"] = [round(x, 2) for x in load]
    except OSError:
        pass
    return info


def run_sandbox() -> dict[str, Any]:
    script = BENCH / "sandbox_bench.py"
    if not script.exists():
        print("  SKIP sandbox: bench/sandbox_bench.py does not exist yet")
        return {"skipped": "bench/sandbox_bench.py absent"}
    t0 = time.perf_counter()
    proc = subprocess.run([str(OUR_PYTHON), str(script)], cwd=ROOT, capture_output=True, text=True)
    print(proc.stdout, end="")
    if proc.returncode != 0:
        print(f"  sandbox bench failed (exit {proc.returncode}):\n{proc.stderr[-1500:]}")
    return {"rc": proc.returncode, "stdout": proc.stdout[-6000:], "seconds": time.perf_counter() - t0}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", choices=SECTIONS, help="run only this section (repeatable)")
    ap.add_argument("--repeats", type=int, default=3, help="runs per measurement (>= 3 recommended)")
    ap.add_argument("--calls", type=int, default=10_000, help="model calls per timed run")
    ap.add_argument("--budget", type=float, default=3.0, help="time box in seconds per timed model run")
    args = ap.parse_args(argv)
    sections = args.only or list(SECTIONS)
    os.chdir(ROOT)
    results: dict[str, Any] = {
        "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "specs": str(SPECS),
        "repeats": args.repeats,
        "sections": {},
    }
    if not SPECS.is_dir():
        print(f"NOTE: {SPECS} is absent: the generator, models and import sections skip the real-world specs")
    # imported lazily so `--only sandbox` works without the peers
    if "generator" in sections:
        print("== generator: Stripe and Square, ours vs openapi-python-client vs datamodel-code-generator ==")
        import bench_generator

        results["sections"]["generator"] = bench_generator.run(args.repeats)
    if "models" in sections:
        print("\n== models: large Stripe invoice, from_dict/to_dict vs pydantic v2 ==")
        import bench_models

        results["sections"]["models"] = bench_models.run(args.calls, args.budget, max(args.repeats, 3))
    if "import" in sections:
        print("\n== import: generated Stripe packages ==")
        import bench_import

        results["sections"]["import"] = bench_import.run(max(args.repeats, 5))
    if "sandbox" in sections:
        print("\n== sandbox ==")
        results["sections"]["sandbox"] = run_sandbox()
    results["finished"] = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
    save_json(OUT / "results.json", results)
    print(f"\nwrote {(OUT / 'results.json').relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
