"""Models section: parse/serialize throughput on a large Stripe invoice, us vs pydantic v2 vs opc.

Our package is timed with the main .venv interpreter; pydantic (datamodel-code-generator output) and
openapi-python-client's models with the peers venv, each through the same small timing script written to a tmp
dir. Same payload bytes for everyone (bench/payloads.py).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import peers
from common import (
    OUR_PYTHON,
    ROOT,
    STRIPE,
    STRIPE_FIXTURES,
    WORK,
    fmt_num,
    fresh_dir,
    median,
    our_generate_cmd,
    table,
    verdict,
)
from payloads import big_invoice, load_fixtures

TIMING_SCRIPT = r'''
import gc, importlib, json, sys, time

args = json.loads(sys.argv[1])
if args.get("path"):
    sys.path.insert(0, args["path"])
payload = open(args["payload"], "rb").read()
data = json.loads(payload)
calls, budget, repeats = args["calls"], args["budget"], args["repeats"]
out = {"ops": {}, "notes": []}


def bench(name, fn):
    for _ in range(20):
        fn()
    runs = []
    for _ in range(repeats):
        gc.collect()
        n = 0
        t0 = time.perf_counter()
        deadline = t0 + budget
        while n < calls:
            fn()
            n += 1
            if not n & 31 and time.perf_counter() > deadline:
                break
        runs.append(n / (time.perf_counter() - t0))
    out["ops"][name] = runs


def strip_nulls(o):
    if isinstance(o, dict):
        return {k: strip_nulls(v) for k, v in o.items() if v is not None}
    if isinstance(o, list):
        return [strip_nulls(v) for v in o]
    return o


kind = args["kind"]
if kind == "json":
    bench("json.loads", lambda: json.loads(payload))
else:
    mod = importlib.import_module(args["module"])
    cls = getattr(mod, args["cls"])
    if kind == "ours":
        # the package reads JSON numbers exactly (parse_float=Decimal, as its client and server do): `type: number`
        # fields are Decimals; from_dict of plain json.loads data (floats) is timed too
        from decimal import Decimal

        exact = json.loads(payload, parse_float=Decimal)
        before = json.dumps(exact, sort_keys=True, default=str)
        obj = cls.from_dict(exact)
        out["roundtrip_equal"] = obj.to_dict() == exact
        out["input_unchanged"] = json.dumps(exact, sort_keys=True, default=str) == before
        bench("from_dict", lambda: cls.from_dict(exact))
        bench("from_dict_floats", lambda: cls.from_dict(data))
        bench("to_dict", obj.to_dict)
    elif kind == "pydantic":
        m = cls.model_validate(data)
        out["roundtrip_equal"] = m.model_dump(mode="json", exclude_unset=True) == data
        bench("model_validate", lambda: cls.model_validate(data))
        bench("model_dump", lambda: m.model_dump(mode="json"))
    elif kind == "stripe":
        # stripe-python's own objects (dict subclasses, not validated): construct_from + to_dict
        import stripe

        out["version"] = stripe.VERSION
        obj = stripe.Invoice.construct_from(data, "sk_test_bench")
        out["roundtrip_equal"] = obj.to_dict() == data
        bench("construct_from", lambda: stripe.Invoice.construct_from(data, "sk_test_bench"))
        bench("to_dict", obj.to_dict)
    elif kind == "opc":
        try:
            cls.from_dict(data)
        except Exception as exc:
            out["notes"].append(f"opc from_dict raises on the real invoice: {type(exc).__name__}: {exc}")
            data = strip_nulls(data)
            out["notes"].append("opc timed on a copy with every null-valued key removed")
        obj = cls.from_dict(data)
        out["roundtrip_equal"] = obj.to_dict() == data
        bench("from_dict", lambda: cls.from_dict(data))
        bench("to_dict", obj.to_dict)
print(json.dumps(out))
'''


def _find_package(root: Path) -> Path | None:
    if not root.is_dir():
        return None
    for child in sorted(root.iterdir()):
        if child.is_dir() and (child / "__init__.py").exists() and (child / "models.py").exists():
            return child
    return None


def ensure_ours() -> Path | None:
    pkg = _find_package(WORK / "ours-stripe")
    if pkg is not None:
        return pkg
    out = fresh_dir(WORK / "ours-stripe")
    print("  generating our Stripe package (untimed)", flush=True)
    proc = subprocess.run(our_generate_cmd(STRIPE, out, False, WORK / "ours-stripe.report.json"), cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0:
        print(f"  our generator failed on Stripe (exit {proc.returncode}): {proc.stderr.strip()[-800:]}")
        return None
    return _find_package(out)


def ensure_peer(kind: str) -> Path | None:
    """The peer's Stripe package, generated once (untimed) if the generator section did not leave one."""
    peers.ensure_peers(quiet=True)
    if kind == "dmcg":
        root, pkg = WORK / "dmcg_formatted-stripe", WORK / "dmcg_formatted-stripe" / "dmcg_stripe"
        cmd = [str(peers.venv_bin("datamodel-codegen")), "--input", str(STRIPE), "--input-file-type", "openapi",
               "--output", str(pkg), "--output-model-type", "pydantic_v2.BaseModel", "--formatters", "black",
               "isort"]
    else:
        root, pkg = WORK / "opc-stripe", WORK / "opc-stripe" / "opc_stripe"
        cfg = peers.opc_config(WORK)
        cmd = [str(peers.venv_bin("openapi-python-client")), "generate", "--path", str(STRIPE), "--config",
               str(cfg), "--output-path", str(pkg), "--meta", "none", "--overwrite"]
    if (pkg / "__init__.py").exists():
        return pkg
    fresh_dir(root)
    print(f"  generating {kind}'s Stripe package (untimed)", flush=True)
    env = dict(__import__("os").environ)
    env["PATH"] = f"{peers.VENV / 'bin'}:{env.get('PATH', '')}"
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if not (pkg / "__init__.py").exists():
        print(f"  {kind} failed on Stripe (exit {proc.returncode}): {proc.stderr.strip()[-800:]}")
        return None
    return pkg


def _time(python: Path, spec: dict[str, Any], tmp: Path) -> dict[str, Any]:
    script = tmp / "timing.py"
    script.write_text(TIMING_SCRIPT)
    proc = subprocess.run([str(python), str(script), json.dumps(spec)], capture_output=True, text=True)
    if proc.returncode != 0:
        return {"error": proc.stderr.strip()[-1500:]}
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def run(calls: int = 10_000, budget: float = 3.0, repeats: int = 3) -> dict[str, Any]:
    if not STRIPE.exists() or not STRIPE_FIXTURES.exists():
        print(f"  SKIP models: {STRIPE} or {STRIPE_FIXTURES} is absent")
        return {"skipped": "specs absent"}
    tmp = Path(tempfile.mkdtemp(prefix="flint-bench-models-"))
    try:
        payload = tmp / "invoice.json"
        payload.write_bytes(json.dumps(big_invoice(load_fixtures())).encode())
        size = payload.stat().st_size
        print(f"  payload: Stripe invoice, 20 line items, expanded customer/charge/payment intent, {size:,} bytes")
        common = {"payload": str(payload), "calls": calls, "budget": budget, "repeats": repeats}
        results: dict[str, Any] = {"payload_bytes": size, "calls": calls, "budget_s": budget, "repeats": repeats}
        print("  timing json.loads", flush=True)
        results["json"] = _time(OUR_PYTHON, {**common, "kind": "json"}, tmp)
        ours = ensure_ours()
        if ours is not None:
            print("  timing ours", flush=True)
            results["ours"] = _time(
                OUR_PYTHON,
                {**common, "kind": "ours", "path": str(ours.parent), "module": f"{ours.name}.models",
                 "cls": "Invoice"},
                tmp,
            )
        else:
            results["ours"] = {"error": "our Stripe package could not be generated"}
        dmcg = ensure_peer("dmcg")
        if dmcg is not None:
            print("  timing pydantic v2 (datamodel-code-generator output)", flush=True)
            results["pydantic"] = _time(
                peers.venv_python(),
                {**common, "kind": "pydantic", "path": str(dmcg.parent), "module": dmcg.name, "cls": "Invoice"},
                tmp,
            )
        print("  timing stripe-python objects", flush=True)
        results["stripe"] = _time(peers.venv_python(), {**common, "kind": "stripe", "module": "stripe", "cls": "Invoice"},
                                  tmp)
        opc = ensure_peer("opc")
        if opc is not None:
            print("  timing openapi-python-client models", flush=True)
            results["opc"] = _time(
                peers.venv_python(),
                {**common, "kind": "opc", "path": str(opc.parent), "module": f"{opc.name}.models",
                 "cls": "Invoice"},
                tmp,
            )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["targets"] = targets(results)
    print_results(results)
    return results


def _med(results: dict[str, Any], tool: str, op: str) -> float | None:
    runs = results.get(tool, {}).get("ops", {}).get(op)
    return median(runs) if runs else None


def targets(results: dict[str, Any]) -> dict[str, bool | None]:
    fd, mv = _med(results, "ours", "from_dict"), _med(results, "pydantic", "model_validate")
    td, md = _med(results, "ours", "to_dict"), _med(results, "pydantic", "model_dump")
    return {
        "from_dict_at_least_pydantic_validate": None if fd is None or mv is None else fd >= mv,
        "to_dict_at_least_pydantic_model_dump": None if td is None or md is None else td >= md,
    }


def print_results(results: dict[str, Any]) -> None:
    ref = _med(results, "json", "json.loads")
    rows = []
    for tool, op, label, peer in (
        ("json", "json.loads", "json.loads(bytes) (reference)", None),
        ("ours", "from_dict", "ours Invoice.from_dict(dict)", ("pydantic", "model_validate")),
        ("ours", "from_dict_floats", "ours from_dict (float input)", ("pydantic", "model_validate")),
        ("pydantic", "model_validate", "pydantic v2 Invoice.model_validate(dict)", None),
        ("opc", "from_dict", "opc Invoice.from_dict(dict)", None),
        ("stripe", "construct_from", "stripe-python Invoice.construct_from", None),
        ("ours", "to_dict", "ours to_dict()", ("pydantic", "model_dump")),
        ("pydantic", "model_dump", 'pydantic model_dump(mode="json")', None),
        ("opc", "to_dict", "opc to_dict()", None),
        ("stripe", "to_dict", "stripe-python to_dict()", None),
    ):
        value = _med(results, tool, op)
        err = results.get(tool, {}).get("error")
        if value is None:
            rows.append([label, "FAILED" if err else "n/a", "", ""])
            continue
        vs_peer = ""
        if peer is not None:
            pv = _med(results, *peer)
            vs_peer = f"{value / pv:.2f}x" if pv else ""
        rows.append([label, fmt_num(value), f"{value / ref:.2f}" if ref else "", vs_peer])
    print()
    print("Models: median ops/s on the large invoice ('vs json' = ops/s relative to json.loads; "
          "'vs pydantic' >= 1 meets the target)")
    print(table(["operation", "ops/s", "vs json", "vs pydantic"], rows))
    for tool in ("ours", "pydantic", "opc"):
        r = results.get(tool, {})
        if "error" in r:
            print(f"  {tool} failed: {r['error'][-600:]}")
        if "roundtrip_equal" in r:
            print(f"  {tool}: round trip gives back the same JSON: {r['roundtrip_equal']}")
        for note in r.get("notes", []):
            print(f"  {tool}: {note}")
    for name, ok in results.get("targets", {}).items():
        print(f"  target {name}: {verdict(ok)}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=10_000)
    ap.add_argument("--budget", type=float, default=3.0, help="seconds per timed run (time box)")
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    run(a.calls, a.budget, a.repeats)
