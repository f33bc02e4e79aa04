"""Our generator vs openapi-python-client and datamodel-code-generator on large directory specs (issue 12, item 5).

    .venv/bin/python bench/bench_large.py                      # the default five + ../shared/specs/stripe*.json
    .venv/bin/python bench/bench_large.py --repeats 3 --spec kubernetes.io.json --spec microsoft.com/graph.json
    .venv/bin/python bench/bench_large.py --all-large --repeats 1     # every directory spec over 1 MB (long)

Runs are interleaved (spec by spec, repeat by repeat: ours, opc, dmcg) so a change in machine load hits every
tool alike. Each run is a fresh subprocess under common.measure: wall, CPU of the tree, largest process RSS and the
sampled PSS sum of the tree. Ours runs in the default mode and, when the default mode refuses the spec, also with
--lenient (both shown). Prints medians and peer/ours ratios (>1: we are faster / smaller); writes
bench/out/large.json. Never asserts. Needs `bench/corpus.py` to have fetched the corpus once.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus_fetch  # noqa: E402
import peers  # noqa: E402
from common import OUT, SPECS, byte_compile_ours, env_with_path, fmt_num, fresh_dir, measure, median, save_json, table, tail  # noqa: E402

DEFAULT_SPECS = ["digitalocean.com.json", "atlassian.com/jira.json", "stripe.com.json", "kubernetes.io.json",
                 "github.com/api.github.com.json"]
WORK = OUT / "large-work"


# datamodel-codegen refuses a spec in two ways a user fixes with a flag: a spec with dotted schema names needs a
# directory (a package of modules) as output, and one whose models are all inline under paths needs the paths scope.
# The first timed run that meets one of these messages is discarded and the flag kept for the runs that follow.
DMCG_RETRY = {
    "Modular references require an output directory": "package",
    "Models not found in the input data": "paths",
}


def tools_for(spec: Path, key: str, tmp: Path, dmcg_flags: set[str]) -> list[tuple[str, Any, dict[str, str] | None]]:
    cfg = peers.opc_config(tmp)
    cold = env_with_path()
    cold["FLINT_GENERATOR_CACHE"] = ""

    def ours(lenient: bool) -> Any:
        def cmd() -> list[str]:
            out = fresh_dir(WORK / f"ours-{key}")
            c = [sys.executable, "-m", "flint_generator", "generate", str(spec), "--out", str(out), "--force"]
            return c + (["--lenient"] if lenient else [])
        return cmd

    def opc() -> list[str]:
        root = fresh_dir(WORK / f"opc-{key}")
        return [str(peers.venv_bin("openapi-python-client")), "generate", "--path", str(spec), "--config", str(cfg),
                "--output-path", str(root / "pkg"), "--meta", "none", "--overwrite"]

    def dmcg() -> list[str]:
        root = fresh_dir(WORK / f"dmcg-{key}")
        out = root / "models" if "package" in dmcg_flags else root / "models.py"
        scopes = ["--openapi-scopes", "schemas", "paths", "parameters"] if "paths" in dmcg_flags else []
        return [str(peers.venv_bin("datamodel-codegen")), "--input", str(spec), "--input-file-type", "openapi",
                "--output", str(out), "--output-model-type", "pydantic_v2.BaseModel",
                "--formatters", "black", "isort", *scopes]

    return [("ours", ours(False), cold), ("ours --lenient", ours(True), cold),
            ("openapi-python-client", opc, env_with_path(peers.VENV / "bin")), ("dmcg (black+isort)", dmcg, None)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--spec", action="append", help="directory name or ../shared/specs file name (repeatable)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--all-large", action="store_true", help="every directory spec larger than 1 MB (54 in 1.3.17)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds before a tool's run is killed (a failure)")
    ap.add_argument("--report", type=Path, help="print the table of a saved run (bench/out/large*.json) and stop")
    a = ap.parse_args()
    if a.report:
        print(report(json.loads(a.report.read_text(encoding="utf-8"))))
        return 0
    peers.ensure_peers(quiet=True)
    byte_compile_ours()
    api = corpus_fetch.fetch_corpus()
    names = a.spec or DEFAULT_SPECS + sorted(p.name for p in SPECS.glob("stripe*.json") if "fixtures" not in p.name)
    if a.all_large:
        names = [n for n, _, size in corpus_fetch.directory_specs(api) if size > corpus_fetch.LARGE]
    specs: list[tuple[str, Path]] = []
    for n in names:
        p = api / n if (api / n).exists() else SPECS / n
        if not p.exists():
            print(f"  SKIP {n}: not in the corpus nor in {SPECS}")
            continue
        specs.append((n, p))
    results: dict[str, Any] = {}
    logs = WORK / "logs"
    with tempfile.TemporaryDirectory(prefix="flint-large-") as tmp:
        for name, spec in specs:
            key = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
            res: dict[str, dict[str, Any]] = {}
            refused = False
            dmcg_flags: set[str] = set()
            for i in range(a.repeats):
                for label, cmd, env in tools_for(spec, key, Path(tmp), dmcg_flags):
                    if label == "ours --lenient" and not refused:
                        continue
                    log = logs / f"{key}-{label.split()[0]}{'-lenient' if 'lenient' in label else ''}-{i}.log"
                    run = measure(cmd(), log, env=env, timeout=a.timeout)
                    while run.rc != 0 and label.startswith("dmcg"):
                        wanted = {flag for message, flag in DMCG_RETRY.items() if message in tail(run.log, 40)}
                        if wanted <= dmcg_flags:
                            break
                        dmcg_flags |= wanted
                        print(f"  {name} run {i + 1}: {label} asked for {sorted(wanted)}: run again with it", flush=True)
                        run = measure(cmd(), log, env=env, timeout=a.timeout)
                    r = res.setdefault(label, {"wall": [], "cpu": [], "peak": [], "tree": [], "fail": []})
                    if run.rc != 0:
                        r["fail"].append(run.log)
                        if label == "ours":
                            refused = True
                    else:
                        r["wall"].append(run.wall)
                        r["cpu"].append(run.cpu)
                        r["peak"].append(run.peak_mb)
                        r["tree"].append(run.tree_peak_mb)
                    print(f"  {name} run {i + 1}: {label}: {run.wall:.1f} s wall, {run.cpu:.1f} s CPU, "
                          f"{run.peak_mb:.0f} MB max, {run.tree_peak_mb:.0f} MB tree"
                          f"{'' if run.rc == 0 else f' (exit {run.rc}; log {run.log})'}", flush=True)
            outputs = {"ours": "ours", "ours --lenient": "ours", "openapi-python-client": "opc",
                       "dmcg (black+isort)": "dmcg"}
            for label, v in res.items():  # what the last run left: how much code, and what opc left out
                v["out_mb"] = tree_mb(WORK / f"{outputs[label]}-{key}")
                if label == "openapi-python-client":
                    v["skipped_ops"] = opc_skipped(logs / f"{key}-openapi-python-client-{a.repeats - 1}.log")
            results[name] = {"size": spec.stat().st_size, "operations": operation_count(spec),
                             "dmcg_flags": sorted(dmcg_flags), "tools": {
                k: {**v, "wall_median": median(v["wall"]) if v["wall"] else None,
                    "cpu_median": median(v["cpu"]) if v["cpu"] else None,
                    "peak_median": median(v["peak"]) if v["peak"] else None,
                    "tree_median": median(v["tree"]) if v["tree"] else None} for k, v in res.items()}}
            save_json(OUT / ("large-all.json" if a.all_large else "large.json"), results)
    print()
    print(report(results))
    return 0


def tree_mb(folder: Path) -> float | None:
    files = [f for f in folder.rglob("*") if f.is_file()] if folder.is_dir() else []
    return round(sum(f.stat().st_size for f in files) / 1e6, 2) if files else None


def opc_skipped(log: Path) -> int | None:
    """Endpoints openapi-python-client said it left out (it still exits 0)."""
    try:
        return log.read_text(encoding="utf-8", errors="replace").count("Endpoint will not be generated")
    except OSError:
        return None


def operation_count(spec: Path) -> int | None:
    try:
        doc = json.loads(spec.read_bytes())
    except (OSError, ValueError):
        return None
    methods = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
    return sum(len(methods & set(item)) for item in (doc.get("paths") or {}).values() if isinstance(item, dict))


def report(results: dict[str, Any]) -> str:
    """The table (medians, peer/ours ratios, output size, operations opc left out) and a tally per peer of the specs
    where we are faster in CPU and wall time and smaller in peak memory."""
    rows = []
    tally: dict[str, dict[str, list[str]]] = {}
    for name, r in results.items():
        t = r["tools"]
        ours = t.get("ours", {}) if t.get("ours", {}).get("wall_median") else t.get("ours --lenient", {})
        which = "ours" if t.get("ours", {}).get("wall_median") else "ours --lenient"
        ops = r.get("operations")
        for label, v in t.items():
            flags = r.get("dmcg_flags") if label.startswith("dmcg") else None
            shown = label + (f" +{'+'.join(flags)}" if flags else "")
            skipped = v.get("skipped_ops")
            left = f"{ops - skipped}/{ops} ops" if skipped is not None and ops else ""
            head = f"{name} [{r['size'] / 1e6:.1f} MB]"
            if v.get("wall_median") is None:
                rows.append([head, shown, "FAILED", "", "", "", "", "", "", ""])
                if not label.startswith("ours"):
                    tally.setdefault(label, {}).setdefault("failed", []).append(name)
                continue
            def ratio(k: str, label: str = label, v: dict[str, Any] = v) -> str:
                return "" if label.startswith("ours") or not ours.get(k) else f"{v[k] / ours[k]:.2f}x"

            rows.append([head, shown, fmt_num(v["wall_median"]), fmt_num(v["cpu_median"]), fmt_num(v["peak_median"]),
                         fmt_num(v["tree_median"]), ratio("wall_median"), ratio("cpu_median"),
                         fmt_num(v.get("out_mb")) if v.get("out_mb") is not None else "", left])
            if not label.startswith("ours") and ours.get("cpu_median"):
                mine = tally.setdefault(label, {})
                for key, won, lost in (("cpu_median", "CPU faster", "CPU slower"),
                                       ("wall_median", "wall faster", "wall slower"),
                                       ("tree_median", "memory smaller", "memory larger")):
                    mine.setdefault(won if v[key] > ours[key] else lost, []).append(name)
        rows.append(["", f"(ratios vs {which})", "", "", "", "", "", "", "", ""])
    lines = [table(["spec", "tool", "wall s", "CPU s", "MB max", "MB tree", "wall peer/ours", "CPU peer/ours",
                    "out MB", "opc made"], rows), ""]
    for peer, counts in tally.items():
        parts = [f"{k}: {len(v)}" for k, v in sorted(counts.items())]
        lines.append(f"ours against {peer}: " + ", ".join(parts))
        for k in ("CPU slower", "wall slower", "memory larger"):
            if counts.get(k):
                lines.append(f"  {k}: {', '.join(counts[k])}")
    return "\n".join(lines)

if __name__ == "__main__":
    raise SystemExit(main())
