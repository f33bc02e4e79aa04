"""Generator section: wall time and peak memory of us and the peers on Stripe and Square.

Every tool runs as a subprocess in a fresh wrapper (see common.measure). Outputs are kept under bench/out/work/
for the models and import sections.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import Any

import peers
from common import (
    SQUARE,
    STRIPE,
    WORK,
    byte_compile_ours,
    env_with_path,
    fmt_num,
    fresh_dir,
    load_json,
    measure,
    median,
    report_counts,
    table,
    tail,
    our_generate_cmd,
    verdict,
)

SPECS = {"stripe": STRIPE, "square": SQUARE}


# Time box per row: on a loaded 2-core machine one cold Stripe generation can take minutes; stop repeating a row
# once its runs have used this many seconds (the row then shows how many runs it has).
TIME_BOX_S = 300.0


def _runs(name: str, repeats: int, make_cmd: Any, env: dict[str, str] | None = None) -> dict[str, Any]:
    walls: list[float] = []
    peaks: list[float] = []
    tree_peaks: list[float] = []
    cpus: list[float] = []
    failures: list[str] = []
    for i in range(repeats):
        cmd, log = make_cmd(i)
        run = measure(cmd, log, env=env)
        status = "ok" if run.rc == 0 else f"exit {run.rc}"
        print(f"    {name} run {i + 1}/{repeats}: {run.wall:.2f} s wall, {run.cpu:.1f} s CPU, "
              f"largest process {run.peak_mb:.0f} MB, "
              f"process tree {run.tree_peak_mb:.0f} MB ({status})", flush=True)
        if run.rc != 0:
            failures.append(f"exit {run.rc}; log {run.log}:\n{tail(run.log)}")
            print("      " + tail(run.log, 8).replace("\n", "\n      "), flush=True)
            continue
        walls.append(run.wall)
        peaks.append(run.peak_mb)
        tree_peaks.append(run.tree_peak_mb)
        cpus.append(run.cpu)
        if sum(walls) > TIME_BOX_S and i + 1 < repeats:
            print(f"    {name}: time box of {TIME_BOX_S:.0f} s reached after {len(walls)} run(s)", flush=True)
            break
    return {
        "wall_s": walls,
        "peak_mb": peaks,
        "wall_median_s": median(walls) if walls else None,
        "peak_median_mb": median(peaks) if peaks else None,
        "tree_peak_mb": tree_peaks,
        "tree_peak_median_mb": median(tree_peaks) if tree_peaks else None,
        "failures": failures,
        "runs": len(walls),
        "cpu_s": cpus,
        "cpu_median_s": median(cpus) if cpus else None,
    }


def bench_spec(key: str, spec: Path, repeats: int, tmp: Path) -> dict[str, Any]:
    result: dict[str, Any] = {"spec": str(spec), "tools": {}}
    tools = result["tools"]
    lenient = key == "square"
    logs = WORK / "logs"

    # ours end to end, each run into an empty folder. The generator keeps a cache of black-formatted chunks
    # (FLINT_GENERATOR_CACHE): "cold" disables it (what a first run costs, comparable to the peers), "warm" uses
    # a private cache primed by one untimed run (what a developer's regeneration after a spec edit costs).
    ours_dir = WORK / f"ours-{key}"
    report = WORK / f"ours-{key}.report.json"
    cold_env = env_with_path()
    cold_env["FLINT_GENERATOR_CACHE"] = ""
    warm_env = env_with_path()
    warm_env["FLINT_GENERATOR_CACHE"] = str(fresh_dir(WORK / f"format-cache-{key}"))

    def ours_cmd(i: int, tag: str = "cold") -> tuple[list[str], Path]:
        fresh_dir(ours_dir)
        return our_generate_cmd(spec, ours_dir, lenient, report), logs / f"ours-{tag}-{key}-{i}.log"

    label = "ours (lenient)" if lenient else "ours"
    print(f"  {key}: {label} end to end, format cache disabled (cold)", flush=True)
    tools["ours"] = _runs(f"{label} cold", repeats, ours_cmd, env=cold_env)

    if tools["ours"]["wall_s"]:
        print(f"  {key}: {label} end to end, format cache primed (warm)", flush=True)
        _runs(f"{label} priming the cache", 1, lambda i: ours_cmd(i, "prime"), env=warm_env)
        tools["ours_warm"] = _runs(f"{label} warm", repeats, lambda i: ours_cmd(i, "warm"), env=warm_env)
        print(f"  {key}: ours no-op regeneration", flush=True)
        tools["ours_noop"] = _runs(
            "ours no-op",
            repeats,
            lambda i: (our_generate_cmd(spec, ours_dir, lenient, None), logs / f"ours-noop-{key}-{i}.log"),
            env=warm_env,
        )
        if report.exists():
            try:
                result["report_counts"] = report_counts(load_json(report))
            except ValueError as exc:
                result["report_counts"] = {"unreadable report": 1}
                print(f"    report {report} is not JSON: {exc}")
    else:
        print(f"  {key}: our generator failed every run; warm and no-op regeneration not measured", flush=True)

    # openapi-python-client with its default post-hooks (ruff), literal enums, no packaging metadata
    opc_spec = peers.square_for_opc(spec, tmp) if key == "square" else spec
    cfg = peers.opc_config(tmp)
    opc_root = WORK / f"opc-{key}"
    opc_pkg = opc_root / f"opc_{key}"

    def opc_cmd(i: int) -> tuple[list[str], Path]:
        fresh_dir(opc_root)
        return (
            [str(peers.venv_bin("openapi-python-client")), "generate", "--path", str(opc_spec), "--config", str(cfg),
             "--output-path", str(opc_pkg), "--meta", "none", "--overwrite"],
            logs / f"opc-{key}-{i}.log",
        )

    print(f"  {key}: openapi-python-client 0.29.1 (default hooks, literal_enums: true)", flush=True)
    # its hooks call `ruff`, which lives in the peers venv
    tools["opc"] = _runs("opc", repeats, opc_cmd, env=env_with_path(peers.VENV / "bin"))
    tools["opc"]["skipped_endpoints"] = _opc_skipped(tools["opc"], logs / f"opc-{key}-{repeats - 1}.log")

    for fmt_key, fmt_args, fmt_label in (
        ("dmcg_formatted", ["--formatters", "black", "isort"], "black+isort"),
        ("dmcg_unformatted", ["--no-formatters"], "unformatted"),
    ):
        out = WORK / f"{fmt_key}-{key}"
        pkg = out / f"dmcg_{key}"

        def dmcg_cmd(i: int, out: Path = out, pkg: Path = pkg, fmt_args: list[str] = fmt_args,
                     fmt_key: str = fmt_key) -> tuple[list[str], Path]:
            fresh_dir(out)
            return (
                [str(peers.venv_bin("datamodel-codegen")), "--input", str(spec), "--input-file-type", "openapi",
                 "--output", str(pkg), "--output-model-type", "pydantic_v2.BaseModel", *fmt_args],
                logs / f"{fmt_key}-{key}-{i}.log",
            )

        print(f"  {key}: datamodel-code-generator 0.89.0 pydantic v2, {fmt_label}", flush=True)
        tools[fmt_key] = _runs(f"dmcg {fmt_label}", repeats, dmcg_cmd)
    return result


def _opc_skipped(res: dict[str, Any], log: Path) -> int | None:
    if not res["wall_s"] or not log.exists():
        return None
    text = log.read_text(errors="replace")
    return text.count("Endpoint will not be generated")


def targets(stripe: dict[str, Any]) -> dict[str, Any]:
    t = stripe["tools"]

    def med(name: str, what: str = "wall_median_s") -> float | None:
        value = t.get(name, {}).get(what)
        return float(value) if value is not None else None

    ours, opc, dmcg = med("ours"), med("opc"), med("dmcg_formatted")
    noop = med("ours_noop")
    # the sum over the process tree: our formatter workers count, as do opc's ruff hooks
    ours_mem, opc_mem = med("ours", "tree_peak_median_mb"), med("opc", "tree_peak_median_mb")
    res: dict[str, Any] = {
        "stripe_e2e_3x_faster_than_opc": None if ours is None or opc is None else opc / ours >= 3,
        "stripe_e2e_faster_than_dmcg_formatted": None if ours is None or dmcg is None else ours < dmcg,
        "noop_regeneration_under_1s": None if noop is None else noop < 1.0,
        "peak_memory_under_half_of_opc": None if ours_mem is None or opc_mem is None else ours_mem < opc_mem / 2,
    }
    return res


def print_results(results: dict[str, Any], repeats: int = 3) -> None:
    names = [
        ("ours", "ours e2e cold (models+client+stubs, black)"),
        ("ours_warm", "ours e2e warm (format cache primed)"),
        ("ours_noop", "ours no-op regeneration"),
        ("opc", "openapi-python-client (ruff hooks)"),
        ("dmcg_formatted", "dmcg pydantic v2 black+isort"),
        ("dmcg_unformatted", "dmcg pydantic v2 unformatted"),
    ]
    specs = [k for k in ("stripe", "square") if k in results]
    headers = ["tool"]
    for k in specs:
        headers += [f"{k} s", f"{k} CPU s", f"{k} MB max", f"{k} MB tree", f"{k} vs ours"]
    rows = []
    for key, label in names:
        row = [label]
        for k in specs:
            tools = results[k]["tools"]
            r = tools.get(key, {})
            wall, mem = r.get("wall_median_s"), r.get("peak_median_mb")
            if r.get("failures") and wall is None:
                row += ["FAILED", "", "", "", ""]
                continue
            ours = tools.get("ours", {}).get("wall_median_s")
            ratio = "" if key.startswith("ours") or not wall or not ours else f"{wall / ours:.1f}x"
            runs = f" ({r['runs']} run{'s' if r['runs'] != 1 else ''})" if r.get("runs", repeats) < 3 else ""
            row += [fmt_num(wall) + runs, fmt_num(r.get("cpu_median_s")), fmt_num(mem), fmt_num(r.get("tree_peak_median_mb")), ratio]
        rows.append(row)
    print()
    print("Generator: median wall seconds; peak RSS of the largest process ('max') and of the whole process tree "
          "('tree', sampled every 200 ms); CPU = user+sys of the whole tree (less sensitive to a loaded machine); "
          "'vs ours' = peer wall time / our cold wall time (>1: we are faster)")
    print(table(headers, rows))
    for k in specs:
        counts = results[k].get("report_counts")
        if counts is not None:
            shown = ", ".join(f"{n}={c}" for n, c in sorted(counts.items())) or "nothing degraded or skipped"
            print(f"  our --report on {k}: {shown}")
            if counts.get("degraded"):
                print(f"    degraded items are listed by JSON pointer in {WORK / f'ours-{k}.report.json'}")
        skipped = results[k]["tools"].get("opc", {}).get("skipped_endpoints")
        if skipped is not None:
            print(f"  openapi-python-client skipped {skipped} endpoints on {k} ('Endpoint will not be generated')")
    if "stripe" in results:
        print("Targets (issue 6, Stripe):")
        for name, ok in results["stripe"]["targets"].items():
            print(f"  {name}: {verdict(ok)}")


def run(repeats: int = 3, only_spec: str | None = None) -> dict[str, Any]:
    peers.ensure_peers(quiet=True)
    byte_compile_ours()
    results: dict[str, Any] = {}
    WORK.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="flint-bench-"))
    try:
        for key, spec in SPECS.items():
            if only_spec and key != only_spec:
                continue
            if not spec.exists():
                print(f"  SKIP {key}: {spec} is absent (the real-world specs live in ../shared/specs/)")
                continue
            results[key] = bench_spec(key, spec, repeats, tmp)
            if key == "stripe":
                results[key]["targets"] = targets(results[key])
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print_results(results, repeats)
    return results


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--spec", choices=sorted(SPECS))
    a = ap.parse_args()
    run(a.repeats, a.spec)
