"""Hostile specs (tests/realworld/hostile/): the generator either emits code that compiles, imports and runs
nothing from the spec, or stops with a clear message (exit 1, a JSON pointer, no traceback) and leaves the output
folder exactly as it was. Nothing is ever written outside --out.

Payloads in the corpus create a file named PWNED_* in the working directory if they ever run (at generation time
through the templates, or at import time through the generated code).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from realworld_support import (
    HOSTILE,
    POINTER_RE,
    ROOT,
    describe,
    find_packages,
    markers,
    run_generator,
    snapshot,
    traceback_in,
)

# generate: a valid spec that must go through; fail: must be refused; either: both outcomes are acceptable if
# they meet the rules above.
CASES: dict[str, str] = {
    "injection_strings.yaml": "generate",
    "keywords_builtins.yaml": "generate",
    "colliding_names.yaml": "either",
    "duplicate_operation_ids.yaml": "fail",
    "recursion.yaml": "generate",
    "ref_cycle.yaml": "either",
    "unicode_names.yaml": "generate",
    "unicode_schema_names.yaml": "fail",
    "control_chars.json": "either",
    "deep_nesting.json": "generate",
    "very_deep_nesting.json": "either",
    "huge_enum.json": "generate",
    "invalid_spec.yaml": "fail",
    "not_yaml.yaml": "fail",
    "not_openapi.json": "fail",
    "package_name_traversal.yaml": "either",
    "dangling_ref.yaml": "fail",
}
# the same files in --lenient mode: defects become warnings and the rest is generated
LENIENT_CASES: dict[str, str] = {
    "dangling_ref.yaml": "generate",
    "unicode_schema_names.yaml": "either",
    "duplicate_operation_ids.yaml": "either",
    "colliding_names.yaml": "either",
}

# Runs inside a fresh interpreter with the generated package on sys.path: exercises the models of each spec.
# `cls(pointer, fallback)` finds a class by its component pointer in the naming report, else by the fallback name.
PRELUDE = r'''
import importlib, json, sys
pkg_name, report_path = sys.argv[1], sys.argv[2]
pkg = importlib.import_module(pkg_name)
models = importlib.import_module(pkg_name + ".models")
runtime = importlib.import_module(pkg_name + "._runtime")
try:
    report = json.load(open(report_path))
except Exception:
    report = None

def _names(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(k, str) and k.startswith(("/", "#/")):
                if isinstance(v, str):
                    out.setdefault(k.lstrip("#"), v)
                elif isinstance(v, dict) and isinstance(v.get("name"), str):
                    out.setdefault(k.lstrip("#"), v["name"])
            _names(v, out)
    elif isinstance(node, list):
        for v in node:
            if isinstance(v, dict) and isinstance(v.get("pointer"), str) and isinstance(v.get("name"), str):
                out.setdefault(v["pointer"].lstrip("#"), v["name"])
            _names(v, out)
    return out

NAMES = _names(report, {})

def cls(pointer, fallback):
    name = NAMES.get(pointer, fallback)
    assert name is not None, f"the naming report has no class for {pointer}"
    assert hasattr(models, name), f"no class {name!r} for {pointer} in models (report says {NAMES.get(pointer)!r})"
    return getattr(models, name)

def roundtrip(c, data):
    obj = c.from_dict(data)
    out = obj.to_dict()
    assert out == data, f"{c.__name__}: round trip changed the data:\n in: {data!r}\nout: {out!r}"
    return obj

def rejects(c, data, field):
    try:
        c.from_dict(data)
    except runtime.ValidationError as exc:
        assert field in exc.path, f"{c.__name__}: error path {exc.path!r} does not name {field!r}"
        return exc
    raise AssertionError(f"{c.__name__}.from_dict accepted {data!r}")
'''

CHECKS: dict[str, str] = {
    "injection_strings.yaml": r'''
Thing = cls("/components/schemas/Thing", "Thing")
values = ["plain", 'dq"uote', "sq'uote", 'tri"""ple', "back\\slash", "new\nline", "{{ 7*7 }}", "{% raw %}",
          "__import__('os').system('touch PWNED_enum')", "\"); __import__('os').system('touch PWNED_enum2'); (\"",
          "", " "]
base = {"quo\"te": "q", "it's": 1}
for v in values:
    roundtrip(Thing, {**base, "kind": v})
roundtrip(Thing, {**base, "kind": "plain", "back\\slash": "b", "line\nbreak": "l", "{{ 7*7 }}": "t", "": "e",
                  "__import__('os').system('touch PWNED_prop')": "p", "code": '"12\\'})
rejects(Thing, {**base, "kind": "plain", "code": "x12"}, "code")
rejects(Thing, {**base, "kind": "not-a-member"}, "kind")
rejects(Thing, {"kind": "plain", "it's": 1}, 'quo"te')
''',
    "keywords_builtins.yaml": r'''
Class = cls("/components/schemas/class", "Class")
data = {"class": "c", "from": 1, "None": True, "True": False, "self": "s", "cls": "k", "def": "d", "import": "i",
        "lambda": "l", "async": "a", "await": "w", "match": "m", "case": "c", "_": "u", "__init__": "n",
        "__class__": "k", "__dict__": "d", "to_dict": "t", "from_dict": "f", "UNSET": "U", "Unset": "u",
        "dataclasses": "d", "field": "f", "typing": "t", "int": 3, "str": "s", "dict": {"k": "v"},
        "list": ["a"], "type": "t", "1st": "first", "object": {"type": "class"}}
obj = roundtrip(Class, data)
rejects(Class, {k: v for k, v in data.items() if k != "from"}, "from")
rejects(Class, {**data, "from": "1"}, "from")
Obj = cls("/components/schemas/object", "Object")
roundtrip(Obj, {"type": "_missing_"})
roundtrip(Obj, {"type": "mro"})
''',
    "recursion.yaml": r'''
Node = cls("/components/schemas/Node", "Node")
tree = {"name": "root", "parent": None, "children": [
    {"name": "a", "children": [{"name": "a1", "children": []}], "by_name": {"x": {"name": "x"}}},
    {"name": "b", "parent": {"name": "root"}}]}
obj = roundtrip(Node, tree)
assert type(obj.children[0]) is Node, type(obj.children[0])
deep = {"name": "0"}
for i in range(1, 60):
    deep = {"name": str(i), "children": [deep]}
roundtrip(Node, deep)
A = cls("/components/schemas/A", "A")
roundtrip(A, {"name": "x", "b": {"a": {"name": "y"}, "c": {"a": [{"name": "z"}]}}})
Expr = cls("/components/schemas/Expr", "Expr")
expr = {"kind": "binop", "left": {"kind": "literal", "value": 1},
        "right": {"kind": "binop", "left": {"kind": "literal", "value": 2}, "right": {"kind": "literal", "value": 3}}}
parsed = Expr.from_dict(expr) if hasattr(Expr, "from_dict") else None
if parsed is not None:
    assert parsed.to_dict() == expr
    assert type(parsed).__name__ != "dict"
''',
    "unicode_names.yaml": r'''
Namae = cls("/components/schemas/Namae", "Namae")
data = {"名前": "n", "café": "c", "🎉": 1, "ﬁeld": "ligature", "field": 2, "währung": "€"}
roundtrip(Namae, data)
for v in ["€", "£", "🎉", "名前", "ﬁ", "fi"]:
    roundtrip(Namae, {"名前": "n", "währung": v})
rejects(Namae, {"名前": "n", "field": "not an int"}, "field")
rejects(Namae, {"名前": "n", "ﬁeld": 5}, "ﬁeld")
Cafe = cls("/components/schemas/Cafe", "Cafe")
roundtrip(Cafe, {"naïve": True, "日本語の説明": {"ключ": "значение"}})
''',
    "control_chars.json": r'''
Ctrl = cls("/components/schemas/Ctrl", "Ctrl")
for v in ["ok", "nul\u0000", "cr\r", "ls\u2028", "surrogate\udfff", "esc\u001b"]:
    roundtrip(Ctrl, {"plain": v})
roundtrip(Ctrl, {"a\u0000b": "x", "c\u2028d": "y"})
''',
    "deep_nesting.json": r'''
Deep = cls("/components/schemas/Deep", "Deep")
inner = {"leaf": 7}
for i in reversed(range(50)):
    inner = {f"l{i}": inner}
grid = 5
for _ in range(50):
    grid = [grid]
roundtrip(Deep, {"nest": inner, "grid": grid})
''',
    "huge_enum.json": r'''
Holder = cls("/components/schemas/Holder", "Holder")
for v in ["value_0000", "value_4989", "value-0001", "VALUE_0001", "Value 0001", "0", "-1", "", "None", "class",
          "__init__", "名前"]:
    roundtrip(Holder, {"huge": v})
rejects(Holder, {"huge": "value_4990"}, "huge")
''',
    "colliding_names.yaml": r'''
names = set()
for key in ["foo-bar", "foo_bar", "FooBar", "foo.bar"]:
    c = cls("/components/schemas/" + key, None)
    names.add(c.__name__)
assert len(names) == 4, f"colliding schemas share classes: {names}"
Order = cls("/components/schemas/Order", "Order")
roundtrip(Order, {"a-b": "s", "a_b": 1, "aB": True, "status": "A_B", "line_items": [{"sku": "x"}]})
for v in ["a-b", "a_b", "A_B", "1", "_1", "a b"]:
    roundtrip(Order, {"status": v})
roundtrip(cls("/components/schemas/OrderLineItemsItem", "OrderLineItemsItem"), {"other": "o"})
''',
    "dangling_ref.yaml": r'''
Holder = cls("/components/schemas/Holder", "Holder")
roundtrip(Holder, {"fine": "f", "broken": {"anything": [1, 2]}})
''',
}


@pytest.fixture(scope="session")
def baseline_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A previous, good generation: the folder a failing run must leave byte-identical."""
    out = tmp_path_factory.mktemp("baseline") / "out"
    proc = run_generator(HOSTILE / "recursion.yaml", out)
    if proc.returncode != 0:
        pytest.fail("the baseline spec (hostile/recursion.yaml) does not generate:\n" + describe(proc))
    (out / "unrelated.txt").write_text("not the generator's file\n")
    return out


def _check_case(name: str, expect: str, lenient: bool, tmp_path: Path, baseline: Path) -> None:
    spec = HOSTILE / name
    work = tmp_path / "work"  # the cwd of every process: relative payload markers land here
    work.mkdir()
    out = tmp_path / "a" / "b" / "out"
    shutil.copytree(baseline, out)
    report = tmp_path / "report.json"
    before_out = snapshot(out)
    before_outside = {k: v for k, v in snapshot(tmp_path).items() if not k.startswith("a/b/out")}

    proc = run_generator(spec, out, lenient=lenient, report=report, cwd=work, timeout=300)
    text = proc.stdout + proc.stderr
    after_outside = {
        k: v for k, v in snapshot(tmp_path).items() if not k.startswith("a/b/out") and k != "report.json"
    }
    assert not traceback_in(text), f"{name}: the generator crashed with a traceback\n{describe(proc)}"
    assert not markers(tmp_path), f"{name}: a payload from the spec ran during generation"
    assert after_outside == {k: v for k, v in before_outside.items()}, (
        f"{name}: files appeared or changed outside --out: "
        f"{sorted(set(after_outside.items()) ^ set(before_outside.items()))}"
    )

    if proc.returncode != 0:
        assert expect != "generate", f"{name}: expected to generate, but the generator refused\n{describe(proc)}"
        assert proc.returncode == 1, f"{name}: a refused spec must exit 1\n{describe(proc)}"
        assert proc.stderr.strip(), f"{name}: refused without a message"
        if name == "not_yaml.yaml":
            assert "line" in text.lower() or POINTER_RE.search(text), f"{name}: no position in\n{text}"
        else:
            assert POINTER_RE.search(text), f"{name}: the message names no JSON pointer\n{describe(proc)}"
        assert snapshot(out) == before_out, f"{name}: a failed run changed the output folder"
        return

    assert expect != "fail", f"{name}: expected the generator to refuse this spec, but it generated\n{describe(proc)}"
    assert (out / "unrelated.txt").read_text() == "not the generator's file\n"
    packages = find_packages(out)
    assert packages, f"{name}: exit 0 but no package in {out}: {sorted(snapshot(out))}"
    for pkg in packages:
        assert pkg.resolve().parent == out.resolve(), f"{name}: package written outside --out: {pkg}"
        for py in sorted(pkg.rglob("*.py")):
            source = py.read_bytes()
            compile(source, str(py), "exec")  # raises SyntaxError / ValueError (NUL bytes) on broken output
    pkg = packages[0]
    importer = (
        "import importlib, sys\n"
        "for m in sys.argv[2:]:\n"
        "    importlib.import_module(sys.argv[1] + m)\n"
    )
    proc2 = subprocess.run(
        [sys.executable, "-c", importer, pkg.name, "", ".models", ".client", ".server"],
        cwd=work, env={"PYTHONPATH": str(out), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
        timeout=120,
    )
    assert proc2.returncode == 0, f"{name}: generated package does not import:\n{proc2.stderr[-4000:]}"
    assert not markers(tmp_path), f"{name}: a payload from the spec ran at import time"
    check = CHECKS.get(name)
    if check:
        proc3 = subprocess.run(
            [sys.executable, "-c", PRELUDE + textwrap.dedent(check), pkg.name, str(report)],
            cwd=work, env={"PYTHONPATH": str(out), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
            timeout=120,
        )
        assert proc3.returncode == 0, f"{name}: generated models misbehave:\n{proc3.stderr[-4000:]}"
        assert not markers(tmp_path), f"{name}: a payload from the spec ran while using the models"


def test_every_corpus_file_has_an_expectation() -> None:
    files = {p.name for p in HOSTILE.iterdir() if p.suffix in (".yaml", ".json")}
    assert files == set(CASES), f"files without an expectation or missing files: {files ^ set(CASES)}"


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_spec(name: str, tmp_path: Path, baseline_output: Path) -> None:
    _check_case(name, CASES[name], False, tmp_path, baseline_output)


@pytest.mark.parametrize("name", sorted(LENIENT_CASES))
def test_hostile_spec_lenient(name: str, tmp_path: Path, baseline_output: Path) -> None:
    _check_case(name, LENIENT_CASES[name], True, tmp_path, baseline_output)


def test_huge_enum_file_is_what_it_claims() -> None:
    doc = json.loads((HOSTILE / "huge_enum.json").read_text())
    values = doc["components"]["schemas"]["Huge"]["enum"]
    assert len(values) == 5000 == len(set(values))
