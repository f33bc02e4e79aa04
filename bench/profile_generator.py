"""Where the generator's time goes, stage by stage, on one spec (issue 12, "profile first").

    .venv/bin/python bench/profile_generator.py SPEC [--lenient] [--cprofile OUT.prof] [--top 25]

Runs the pipeline's stages one after another in this process, in the order `generator.pipeline.generate` runs
them, and prints wall and CPU seconds for each: load (read + parse + bundle), repair (our own checks),
validate (openapi-spec-validator; in a real run it overlaps the rest in a forked child), IR, spec JSON,
render (templates + tables), black (serial here, in-process, so its whole cost shows; a real run spreads it over
the cores), write. With --cprofile the same run is profiled and the top functions plus a per-package split
(black / jinja2 / generator / validator / json+yaml) are printed.

For the profile of the real CLI (format pool and all), use:
    .venv/bin/python -m cProfile -o out.prof -m flint_generator generate SPEC --out DIR --force
"""

from __future__ import annotations

import argparse
import cProfile
import collections
import os
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ["FLINT_GENERATOR_CACHE"] = ""  # cold: black formats everything


def _stage(name: str, fn: Callable[[], Any], rows: list[tuple[str, float, float]]) -> Any:
    t0, c0 = time.perf_counter(), time.process_time()
    value = fn()
    rows.append((name, time.perf_counter() - t0, time.process_time() - c0))
    print(f"  {name:<34} {rows[-1][1]:8.2f} s wall {rows[-1][2]:8.2f} s CPU", flush=True)
    return value


def run_stages(spec: Path, lenient: bool) -> list[tuple[str, float, float]]:
    from flint_generator import write
    from flint_generator.format import format_sources
    from flint_generator.ir import build_api
    from flint_generator.plan import make_plan
    from flint_generator.load import load_spec
    from flint_generator.render import Renderer, spec_json_text
    from flint_generator.validate import repair, schema_problems

    rows: list[tuple[str, float, float]] = []
    loaded = _stage("load (read, parse, bundle)", lambda: load_spec(spec, lenient=lenient), rows)
    doc = loaded.document
    fatal, _ = _stage("repair (own checks)", lambda: repair(doc, lenient=lenient), rows)
    if fatal:
        print(f"  refused by repair(): {fatal[0]} (+{len(fatal) - 1} more); rerun with --lenient")
    found = _stage("validate (openapi-spec-validator)", lambda: schema_problems(doc), rows)
    print(f"    validator findings: {len(found)}")
    api, errors = _stage("IR (build_api)", lambda: build_api(doc, lenient=lenient), rows)
    if api is None:
        print(f"  IR refused: {errors[0]} (+{len(errors) - 1} more)")
        return rows
    print(f"    {len(api.models)} models, {len(api.enums)} enums, {len(api.unions)} unions, "
          f"{len(api.operations)} operations")
    spec_json = _stage("spec JSON (bundled openapi.json)", lambda: spec_json_text(doc), rows)
    renderer = Renderer(make_plan(api), spec_name=spec.name, spec_sha=loaded.sha256, package="api_client",
                        spec_json=spec_json)
    sources = _stage("render (templates + tables)", renderer.files, rows)
    py_chars = sum(len(t) for p, t in sources.items() if p.endswith(".py"))
    print(f"    {py_chars / 1e6:.2f} M characters of Python to format, "
          f"{sum(len(t) for p, t in sources.items() if not p.endswith('.py')) / 1e6:.2f} M of data files")
    # serial black: pin to one CPU so format_sources() does not start its pool
    if hasattr(os, "sched_setaffinity"):
        cpus = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {min(cpus)})
    try:
        formatted = _stage("black (serial, in-process)", lambda: format_sources(sources, use_cache=False), rows)
    finally:
        if hasattr(os, "sched_setaffinity"):
            os.sched_setaffinity(0, cpus)
    files = {p: t.encode() for p, t in sorted(formatted.items())}
    with tempfile.TemporaryDirectory(prefix="flint-profile-") as tmp:
        manifest = write.manifest_text({"package": "api_client"}, files)
        _stage("write (plan + apply)", lambda: write.apply(Path(tmp), write.plan(Path(tmp), files, manifest)), rows)
    return rows


PACKAGES = (("black", ("/black/", "/blib2to3/")), ("jinja2 + markupsafe", ("/jinja2/", "/markupsafe/")),
            ("validator (openapi-spec-validator, jsonschema, referencing)",
             ("/openapi_spec_validator/", "/jsonschema", "/referencing/", "/jsonschema_path/", "/pathable/",
              "/rpds")),
            ("yaml / json", ("/yaml/", "/json/")),
            ("flint_generator/ir.py", ("flint_generator/ir",)), ("flint_generator/render.py + tables.py",
                                                     ("flint_generator/render", "flint_generator/tables")),
            ("flint_generator/format.py", ("flint_generator/format",)), ("flint_generator/load.py", ("flint_generator/load",)),
            ("flint_generator/validate.py", ("flint_generator/validate",)), ("generator (other)", ("flint_generator/",)),
            ("<template code>", ("<template>", ".jinja")))


def split(stats: pstats.Stats) -> dict[str, float]:
    """Own (tottime) seconds by package."""
    out: dict[str, float] = collections.defaultdict(float)
    for (filename, _, _), (_, _, tottime, _, _) in stats.stats.items():  # type: ignore[attr-defined]
        for label, needles in PACKAGES:
            if any(n in filename for n in needles):
                out[label] += tottime
                break
        else:
            out["builtins / stdlib / other"] += tottime
    return dict(out)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("spec", type=Path)
    ap.add_argument("--lenient", action="store_true")
    ap.add_argument("--cprofile", type=Path, help="also write a cProfile of the whole run here")
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args()
    print(f"{a.spec} ({a.spec.stat().st_size / 1e6:.1f} MB){' lenient' if a.lenient else ''}", flush=True)
    prof = cProfile.Profile() if a.cprofile else None
    if prof:
        prof.enable()
    rows = run_stages(a.spec, a.lenient)
    if prof:
        prof.disable()
        prof.dump_stats(str(a.cprofile))
    total_w = sum(r[1] for r in rows)
    total_c = sum(r[2] for r in rows)
    print(f"\n{'stage':<34} {'wall s':>8} {'CPU s':>8} {'share':>6}")
    for name, w, c in rows:
        print(f"{name:<34} {w:8.2f} {c:8.2f} {100 * w / total_w:5.1f}%")
    print(f"{'total':<34} {total_w:8.2f} {total_c:8.2f}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
          f"{' (under cProfile: slower, and bigger)' if prof else ''}")
    if prof and a.cprofile:
        stats = pstats.Stats(str(a.cprofile))
        parts = split(stats)
        whole = sum(parts.values())
        print(f"\nown time by package (cProfile tottime, {whole:.1f} s in all):")
        for label, sec in sorted(parts.items(), key=lambda kv: -kv[1]):
            print(f"  {label:<60} {sec:8.2f} s {100 * sec / whole:5.1f}%")
        print()
        stats.sort_stats("cumulative").print_stats(a.top)
        stats.sort_stats("tottime").print_stats(a.top)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
