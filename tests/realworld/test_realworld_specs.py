"""Stripe and Square through the generator: nothing silently dropped, readable names, importable, typed, and
Stripe's fixtures round-trip through the models.

The specs are read from ../shared/specs/ (skipped with a message when absent); each spec is generated once per
session (conftest.py).
"""

from __future__ import annotations

import dataclasses
import inspect
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterator

import pytest

from conftest import Generated
from realworld_support import (
    ROOT,
    describe,
    operations,
    pointer_escape,
    run_generator,
    snapshot,
    submodule,
)

# Square's one real defect: five properties $ref a schema that does not exist.
SQUARE_DANGLING = [
    "/components/schemas/CatalogItemModifierListInfo/properties/allow_quantities",
    "/components/schemas/CatalogItemModifierListInfo/properties/is_conversational",
    "/components/schemas/CatalogItemModifierListInfo/properties/hidden_from_customer_override",
    "/components/schemas/CatalogModifierOverride/properties/hidden_online_override",
    "/components/schemas/CatalogModifierOverride/properties/on_by_default_override",
]


# --- the --report JSON, read without depending on more of its layout than DESIGN.md promises -------------------


def naming(report: dict[str, Any]) -> dict[str, str]:
    """pointer -> class name, from the report's naming entries."""
    out: dict[str, str] = {}

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pointer"), str) and isinstance(node.get("name"), str):
                out.setdefault(node["pointer"].lstrip("#"), node["name"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(report.get("naming", report))
    return out


def entries(report: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = report.get(key, [])
    return [v if isinstance(v, dict) else {"pointer": str(v), "message": ""} for v in value]


@pytest.fixture(params=["stripe", "square"])
def generated(request: pytest.FixtureRequest) -> Generated:
    result: Generated = request.getfixturevalue(request.param)
    return result


# --- completeness ------------------------------------------------------------------------------------------------


def test_every_operation_is_generated(generated: Generated) -> None:
    ops = list(operations(generated.spec))
    server = submodule(generated.package(), "server")
    service = server.Service
    methods = [n for n, f in vars(service).items() if inspect.iscoroutinefunction(f)]
    skipped = [
        e for e in entries(generated.report, "degraded") + entries(generated.report, "warnings")
        if e["pointer"].lstrip("#").startswith("/paths/") and "skip" in str(e.get("message", "")).lower()
        and e["pointer"].lstrip("#").count("/") <= 3
    ]
    assert not skipped, f"operations skipped: {skipped}"
    assert len(methods) == len(ops), (
        f"{generated.spec_path.name}: {len(ops)} operations in the spec, {len(methods)} Service methods"
    )
    ids = {op.get("operationId") for _, _, op in ops}
    assert len(ids) == len(ops), "the spec itself has duplicate or missing operationIds"


def test_every_operation_has_a_client_method(generated: Generated) -> None:
    client = submodule(generated.package(), "client")
    # resource classes group the methods by tag; count public methods defined in the client module over all
    # non-async classes except the top-level client class
    sync_methods = 0
    for name, cls in vars(client).items():
        if not inspect.isclass(cls) or cls.__module__ != client.__name__ or name.startswith(("Async", "_")):
            continue
        for attr, fn in vars(cls).items():
            if inspect.isfunction(fn) and not attr.startswith("_") and not inspect.iscoroutinefunction(fn):
                sync_methods += 1
    ops = len(list(operations(generated.spec)))
    assert sync_methods >= ops, f"{ops} operations but only {sync_methods} public sync client methods"


def test_every_component_schema_has_a_class_or_is_reported(generated: Generated) -> None:
    models = submodule(generated.package(), "models")
    names = naming(generated.report)
    assert names, f"the --report JSON has no naming entries (keys: {sorted(generated.report)})"
    degraded = {e["pointer"].lstrip("#") for e in entries(generated.report, "degraded")}
    missing = []
    for key in generated.spec["components"]["schemas"]:
        ptr = "/components/schemas/" + pointer_escape(key)
        name = names.get(ptr)
        if name is not None and hasattr(models, name):
            continue
        if ptr in degraded:
            continue
        missing.append((ptr, name))
    assert not missing, f"{len(missing)} component schemas neither generated nor reported: {missing[:20]}"


def test_square_defects_are_reported_by_pointer(square: Generated) -> None:
    text = json.dumps(square.report)
    missing = [p for p in SQUARE_DANGLING if p not in text]
    assert not missing, f"dangling $refs not in the report: {missing}\nreport keys: {sorted(square.report)}"


def test_degraded_items_stay_near_zero(generated: Generated) -> None:
    degraded = entries(generated.report, "degraded")
    dangling = {p for p in SQUARE_DANGLING} if generated.spec_path.name.startswith("square") else set()
    own = [e for e in degraded if e["pointer"].lstrip("#") not in dangling]
    print(f"{generated.spec_path.name}: {len(degraded)} degraded, {len(entries(generated.report, 'warnings'))} "
          f"warnings; generated in {generated.seconds:.1f} s")
    assert len(own) <= 5, f"{len(own)} degraded items: {own[:30]}"


# --- names --------------------------------------------------------------------------------------------------------


def _digit_words(spec: dict[str, Any]) -> set[str]:
    """Spec words that legitimately end in a digit (schema keys, property names), in PascalCase."""
    found: set[str] = set()

    def pascal_tail(word: str) -> str:
        parts = re.findall(r"[A-Za-z]+|\d+", word)
        return "".join(p[:1].upper() + p[1:] for p in parts[-2:])

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(key, str) and key[-1:].isdigit():
                    found.add(pascal_tail(key))
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec.get("components", {}))
    walk(spec.get("paths", {}))
    return found


def _model_classes(generated: Generated) -> dict[str, type]:
    models = submodule(generated.package(), "models")
    return {n: c for n, c in vars(models).items() if inspect.isclass(c) and c.__module__ == models.__name__}


def test_names_are_readable_and_never_numbered(generated: Generated) -> None:
    classes = _model_classes(generated)
    assert classes
    digit_words = _digit_words(generated.spec)
    numbered = [n for n in classes if re.match(r".*\d+$", n) and not any(n.endswith(w) for w in digit_words)]
    hexed = [n for n in classes if re.search(r"_[0-9a-f]{12}$", n)]
    assert not numbered, f"numbered class names: {sorted(numbered)[:30]}"
    assert not hexed, f"hash-suffixed fallback names (collision rule gave up): {sorted(hexed)[:30]}"
    unreadable = [n for n in classes if len(n) > 120]
    assert not unreadable, f"names longer than 120 characters: {unreadable[:5]}"


def test_regeneration_is_a_no_op_and_deterministic(stripe: Generated, tmp_path: Path) -> None:
    before = snapshot(stripe.out)
    mtimes = {p: p.stat().st_mtime_ns for p in stripe.out.rglob("*") if p.is_file()}
    proc = run_generator(stripe.spec_path, stripe.out)
    assert proc.returncode == 0, describe(proc)
    assert snapshot(stripe.out) == before
    touched = [str(p) for p, m in mtimes.items() if p.stat().st_mtime_ns != m]
    assert not touched, f"unchanged files were rewritten: {touched[:10]}"
    # a fresh generation under another hash seed gives the same bytes
    env = dict(os.environ, PYTHONHASHSEED="12345")
    other = tmp_path / "out"
    proc = run_generator(stripe.spec_path, other, env=env)
    assert proc.returncode == 0, describe(proc)
    assert snapshot(other) == before


# --- import and type-check ------------------------------------------------------------------------------------------


def test_package_imports_in_a_fresh_interpreter(generated: Generated) -> None:
    name = generated.package_dir.name
    code = f"import {name}, {name}.models, {name}.client, {name}.server"
    proc = subprocess.run([sys.executable, "-c", code], cwd=generated.out, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.realworld_mypy
@pytest.mark.skipif(os.environ.get("FLINT_REALWORLD_MYPY") != "1",
                    reason="mypy --strict over Stripe/Square is slow; set FLINT_REALWORLD_MYPY=1 to run it")
def test_generated_package_passes_mypy_strict(generated: Generated) -> None:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--no-incremental",
         "--cache-dir", os.devnull, str(generated.package_dir)],
        cwd=generated.out, capture_output=True, text=True, timeout=1800,
    )
    print(f"mypy --strict on {generated.spec_path.name}: {time.perf_counter() - t0:.0f} s")
    assert proc.returncode == 0, proc.stdout[-6000:]


# --- Stripe fixtures ----------------------------------------------------------------------------------------------


def raw_dicts(value: Any, path: str, annotation: str = "") -> Iterator[str]:
    """Paths where the parsed tree holds a plain dict (or an unknown-variant fallback) although the declared
    type is not a mapping or Any."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from raw_dicts(getattr(value, f.name), f"{path}.{f.name}", str(f.type))
    elif type(value).__name__ == "UnknownVariant":
        yield f"{path} (UnknownVariant: no variant matched)"
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from raw_dicts(item, f"{path}[{i}]", annotation)
    elif isinstance(value, dict):
        if not any(t in annotation for t in ("dict", "Mapping", "Any")):
            yield f"{path} (declared {annotation})"
        for k, v in value.items():
            yield from raw_dicts(v, f"{path}[{k!r}]", "Any")


def test_stripe_fixtures_round_trip(stripe: Generated, stripe_fixtures: dict[str, Any]) -> None:
    models = submodule(stripe.package(), "models")
    names = naming(stripe.report)
    schemas = stripe.spec["components"]["schemas"]
    checked, failures = 0, []
    for key, fixture in sorted(stripe_fixtures.items()):
        if key not in schemas:
            continue
        ptr = "/components/schemas/" + pointer_escape(key)
        cls = getattr(models, names.get(ptr, ""), None)
        if cls is None or not hasattr(cls, "from_dict"):
            failures.append(f"{key}: no model class ({names.get(ptr)!r})")
            continue
        checked += 1
        try:
            obj = cls.from_dict(fixture)
        except Exception as exc:  # noqa: BLE001 - every failure is collected and reported together
            failures.append(f"{key}: from_dict raised {type(exc).__name__}: {exc}")
            continue
        out = obj.to_dict()
        if out != fixture:
            diff = sorted(set(json.dumps(out, sort_keys=True).split(",")) ^ set(
                json.dumps(fixture, sort_keys=True).split(",")))[:6]
            failures.append(f"{key}: to_dict differs: {diff}")
        raw = list(raw_dicts(obj, key))
        if raw:
            failures.append(f"{key}: raw dicts where models were expected: {raw[:5]}")
    assert checked >= 100, f"only {checked} fixtures had a schema"
    assert not failures, f"{len(failures)} of {checked} fixtures fail:\n" + "\n".join(failures)


def test_stripe_big_invoice_round_trips(stripe: Generated, stripe_fixtures: dict[str, Any]) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    try:
        from payloads import big_invoice
    finally:
        sys.path.pop(0)
    invoice = big_invoice(stripe_fixtures)
    models = submodule(stripe.package(), "models")
    cls = getattr(models, naming(stripe.report).get("/components/schemas/invoice", "Invoice"))
    obj = cls.from_dict(invoice)
    assert obj.to_dict() == invoice
    assert not list(raw_dicts(obj, "invoice"))
    assert type(obj.customer).__name__ == "Customer"
    assert type(obj.lines.data[0].tax_amounts[0].tax_rate).__name__ == "TaxRate"
