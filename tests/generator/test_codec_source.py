"""`--codecs=source`: the models' compiled functions written by the generator into `_codecs_compiled.py`.

Checked here: nothing in such a package calls exec, eval or compile (by an AST scan and by running it with those
builtins replaced), it behaves as exec mode does on the same inputs (the model tests rerun on it, and outcomes are
compared side by side for the rich fixture and the Flint spec's official payloads), its text is a golden record
whose function bodies are exec mode's, it is byte-identical across runs, and it passes mypy --strict.
Refresh the golden after a deliberate change with `UPDATE_GOLDEN=1 pytest tests/generator/test_codec_source.py`.
"""

from __future__ import annotations

import ast
import copy
import difflib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flint_generator import write
from flint_generator.codec_source import compiled_module
from flint_generator.pipeline import generate
from tests.generator.conftest import REPO, SPECS, Package, build
from tests.generator.test_models import WIDGET

GOLDEN = Path(__file__).resolve().parent / "golden" / "rich_codecs_compiled.py"
EXEC_GOLDEN = Path(__file__).resolve().parent / "golden" / "rich_codecs.py"
FLINT = REPO / "spec" / "flint.yaml"
PAYLOADS = REPO / "tests" / "fidelity" / "payloads"
FORBIDDEN = {"exec", "eval", "compile", "__import__", "breakpoint"}


@pytest.fixture(scope="module")
def rich_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Package, Package]:
    ex = build(tmp_path_factory.mktemp("rich_exec"), SPECS / "rich.yaml", name="rich_cs_exec", codecs="exec")
    src = build(tmp_path_factory.mktemp("rich_src"), SPECS / "rich.yaml", name="rich_cs_src", codecs="source")
    return ex, src


@pytest.fixture(scope="module")
def flint_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Package, Package]:
    ex = build(tmp_path_factory.mktemp("fl_exec"), FLINT, lenient=False, name="flint_cs_exec", codecs="exec")
    src = build(tmp_path_factory.mktemp("fl_src"), FLINT, lenient=False, name="flint_cs_src", codecs="source")
    return ex, src


# ------------------------------------------------------------------ no exec, eval or compile


def _forbidden_calls(pkg: Path) -> list[str]:
    found = []
    for path in sorted(pkg.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                f = node.func
                name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
                # re.compile is a regex, not code; any other attribute named so (builtins.exec) counts
                if name in FORBIDDEN and not (name == "compile" and isinstance(f, ast.Attribute)
                                              and isinstance(f.value, ast.Name) and f.value.id in ("re", "_re")):
                    found.append(f"{path.name}:{node.lineno} {name}")
    return found


def test_the_scan_finds_exec_in_an_exec_mode_package(rich_pair: tuple[Package, Package]) -> None:
    ex, _ = rich_pair
    found = _forbidden_calls(ex.root / ex.name)
    assert any(f.startswith("_codec_compile.py:") and f.endswith(" exec") for f in found), found


@pytest.mark.parametrize("which", ["rich_pair", "flint_pair"])
def test_no_exec_eval_or_compile_in_a_source_mode_package(which: str, request: pytest.FixtureRequest) -> None:
    _, src = request.getfixturevalue(which)
    pkg = src.root / src.name
    assert (pkg / "_codecs_compiled.py").is_file()
    assert not (pkg / "_codec_compile.py").exists() and not (pkg / "_codec_values.py").exists()
    assert _forbidden_calls(pkg) == []


RUN_WITHOUT_EXEC = r"""
import builtins, copy, importlib, json, os, sys
name, widget = sys.argv[1], json.loads(sys.argv[2])
for sub in ("models", "client", "server", "params", "errors", "_codec", "_runtime"):
    importlib.import_module(f"{name}.{sub}")
m = sys.modules[name + ".models"]
codec, rt = sys.modules[name + "._codec"], sys.modules[name + "._runtime"]
calls = []
def guard(real):
    # code that is not a file on disk is refused; Python's own imports (which run a module's code through exec
    # and compile) name the module's file
    def refuse(source, *args, **kwargs):
        filename = getattr(source, "co_filename", None) or (args[0] if args and real.__name__ == "compile" else "")
        if not (isinstance(filename, str) and os.path.isfile(filename)):
            calls.append((real.__name__, filename))
            raise RuntimeError(f"{real.__name__} of code that is no file at run time")
        return real(source, *args, **kwargs)
    return refuse
builtins.exec, builtins.eval, builtins.compile = guard(exec), guard(eval), guard(compile)
used = 0
for cls_name in sorted(json.loads(codec._resources.files(name).joinpath("_codecs.json").read_text())["models"]):
    cls = getattr(m, cls_name)
    for data in ({}, None, widget):
        try:
            obj = cls.from_dict(copy.deepcopy(data))
        except rt.ValidationError:
            pass
        else:
            obj.to_dict()
            repr(obj)
        codec.construct(cls, copy.deepcopy(data))
        codec.fill_defaults(cls.from_dict, copy.deepcopy(data))
    try:
        cls()
    except TypeError:
        pass
    used += 1
for attr in dir(m):
    parser = getattr(m, attr)
    if isinstance(parser, codec.Lazy) or attr.startswith("parse_"):
        for data in ({}, None, "x", 1, [1]):
            try:
                parser(data, "")
            except rt.ValidationError:
                pass
        used += 1
codec.dump(m)
assert not calls, calls
print(used)
"""
# Each model, union and helper used once, with exec, eval and compile refused for code that is not a file. Checked on
# an exec-mode package too, where it must fail: the guard does see exec mode's compiling.


@pytest.mark.parametrize("which", ["rich_pair", "flint_pair"])
def test_a_source_mode_package_runs_with_exec_eval_and_compile_refused(which: str,
                                                                       request: pytest.FixtureRequest) -> None:
    ex, src = request.getfixturevalue(which)
    proc = subprocess.run([sys.executable, "-c", RUN_WITHOUT_EXEC, src.name, json.dumps(WIDGET)], cwd=src.root,
                          env={**os.environ, "PYTHONPATH": str(src.root)}, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert int(proc.stdout) > 10
    proc = subprocess.run([sys.executable, "-c", RUN_WITHOUT_EXEC, ex.name, json.dumps(WIDGET)], cwd=ex.root,
                          env={**os.environ, "PYTHONPATH": str(ex.root)}, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode != 0 and "compile of code that is no file at run time" in proc.stderr, proc.stderr[-3000:]


# ------------------------------------------------------------------ the same behaviour as exec mode


def test_model_and_codec_tests_pass_on_source_mode_packages() -> None:
    files = ["test_models.py", "test_codec.py", "test_client_defaults.py"]
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *(f"tests/generator/{f}" for f in files)],
        cwd=REPO, env={**os.environ, "FLINT_TEST_CODECS": "source"}, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert " passed" in proc.stdout


def _outcome(fn: Any, data: Any) -> tuple[Any, ...]:
    try:
        obj = fn(copy.deepcopy(data))
    except Exception as e:  # both packages' ValidationError (distinct classes) and TypeError
        return ("error", type(e).__name__, str(e), *(getattr(e, a, None) for a in ("path", "kind", "keyword", "code")))
    # compared by repr(): each package has its own enums and UNSET
    shown = obj.to_dict() if hasattr(obj, "to_dict") else obj  # a union's value may be a scalar
    return ("ok", repr(shown), repr(obj), sorted(getattr(obj, "_unknown_", None) or {}))


def _construct(pkg: Package, cls: type, data: Any) -> tuple[Any, ...]:
    obj, problems = pkg.module("_codec").construct(cls, copy.deepcopy(data))
    try:
        shown = repr(obj.to_dict())
    except Exception as e:  # what was kept as received need not serialize (an UNSET required field)
        shown = (type(e).__name__, str(e))
    return (repr(obj), shown, [(p.path, p.kind, p.keyword, p.code, str(p)) for p in problems])


def _mutations(payload: dict[str, Any]) -> list[Any]:
    """The payload, then with each key removed, set to null, to a wrong type, with an unknown key added."""
    out: list[Any] = [payload, {**payload, "zz_unknown": 1}, {}, None, [payload]]
    for key in payload:
        out.append({k: v for k, v in payload.items() if k != key})
        for bad in (None, "x", 12.5, [], {}, True):
            out.append({**payload, key: bad})
    return out


def _compare(ex: Package, src: Package, name: str, inputs: list[Any]) -> int:
    a, b = getattr(ex.models, name), getattr(src.models, name)
    for data in inputs:
        assert _outcome(a.from_dict, data) == _outcome(b.from_dict, data), (name, data)
        if type(data) is dict:
            assert _construct(ex, a, data) == _construct(src, b, data), (name, data)
            fill_a = ex.module("_codec").fill_defaults(a.from_dict, copy.deepcopy(data))
            fill_b = src.module("_codec").fill_defaults(b.from_dict, copy.deepcopy(data))
            assert repr(fill_a) == repr(fill_b), (name, data)
    return len(inputs)


def test_rich_models_behave_as_in_exec_mode(rich_pair: tuple[Package, Package]) -> None:
    ex, src = rich_pair
    checked = _compare(ex, src, "Widget", _mutations(copy.deepcopy(WIDGET)))
    nested = [WIDGET["parts"][0], WIDGET["total_money"], WIDGET["shape"], WIDGET["tree"], WIDGET["history"][0]]
    for name, payload in zip(["Part", "Money", "Circle", "TreeNode", "WidgetHistoryItem"], nested):
        checked += _compare(ex, src, name, _mutations(copy.deepcopy(payload)))
    table = json.loads((ex.root / ex.name / "_codecs.json").read_text())
    for name in table["models"]:
        checked += _compare(ex, src, name, [{}, None, "x", {"zz": 1}])
        # the constructor: its defaults and its errors (missing and unexpected keywords)
        assert _outcome(lambda kw: getattr(ex.models, name)(**kw), {}) == _outcome(
            lambda kw: getattr(src.models, name)(**kw), {})
        assert _outcome(lambda kw: getattr(ex.models, name)(**kw), {"zz": 1}) == _outcome(
            lambda kw: getattr(src.models, name)(**kw), {"zz": 1})
    for name in table["unions"]:
        pa, pb = getattr(ex.models, f"_parse_{name}"), getattr(src.models, f"_parse_{name}")
        for data in [{}, None, "x", 1, 2.5, WIDGET["shape"], {"pet_type": "cat", "lives": 9}, {"kind": "?"}]:
            assert _outcome(lambda d: pa(d, ""), data)[:3] == _outcome(lambda d: pb(d, ""), data)[:3], (name, data)
    assert checked > 300


def _flint_payloads() -> list[tuple[str, Any]]:
    rename = {"ErrorEnvelope": "Error", "OrderAuthorizationAmounts": "AuthorizationAmounts"}
    out = []
    for path in sorted(PAYLOADS.glob("*.json")):
        for example in json.loads(path.read_text())["examples"]:
            out.append((rename.get(path.stem, path.stem), example))
    return out


def test_flint_models_behave_as_in_exec_mode(flint_pair: tuple[Package, Package]) -> None:
    ex, src = flint_pair
    payloads = _flint_payloads()
    assert len(payloads) > 30
    checked = 0
    for name, payload in payloads:
        assert _outcome(getattr(src.models, name).from_dict, payload)[0] == "ok", name  # they all parse
        checked += _compare(ex, src, name, _mutations(payload))
    table = json.loads((ex.root / ex.name / "_codecs.json").read_text())
    for name in table["models"]:
        checked += _compare(ex, src, name, [{}, None, {"zz": 1}])
    assert checked > 1000


def test_a_users_subclass_is_built_as_in_exec_mode(rich_pair: tuple[Package, Package]) -> None:
    outcomes = []
    for pkg in rich_pair:
        class MyMoney(pkg.models.Money):  # type: ignore[name-defined,misc]
            def doubled(self) -> int:
                return int(self.amount) * 2

        obj = MyMoney.from_dict({"amount": 5, "currency": "USD"})
        assert type(obj) is MyMoney and obj.doubled() == 10
        outcomes.append((repr(obj), obj.to_dict(), MyMoney.from_dict.__qualname__,
                         _outcome(MyMoney.from_dict, {"amount": "5", "currency": "USD"})))
    assert outcomes[0] == outcomes[1]


def test_installed_methods_carry_exec_modes_names(rich_pair: tuple[Package, Package]) -> None:
    for pkg in rich_pair:
        m = pkg.models
        m.Part.from_dict({"sku": "ABC-1", "quantity": 1}).to_dict()
        m.Part(sku="ABC-1", quantity=1)
        for fn, what in ((m.Part.from_dict, "Part.from_dict"), (m.Part.to_dict, "Part.to_dict"),
                         (m.Part.__init__, "Part.__init__")):
            assert (fn.__qualname__, fn.__module__) == (what, m.__name__)
        assert pkg.module("_codec").model_of(m.Part.from_dict) is m.Part


# ------------------------------------------------------------------ the module's text


def _source(package: str, spec: Path = SPECS / "rich.yaml", lenient: bool = True) -> str:
    res = generate(spec, package=package, lenient=lenient, codecs="source")
    assert not res.errors, res.errors
    return res.files[f"{package}/_codecs_compiled.py"].decode()


def test_compiled_module_matches_the_golden_record() -> None:
    text = _source("rich_golden")
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    want = GOLDEN.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True), "golden", "generated", n=2))
    assert text == want, f"compiled model code changed (UPDATE_GOLDEN=1 to accept):\n{diff[:6000]}"


def _bodies(text: str, marker: str) -> dict[str, set[str]]:
    """what -> the bodies (the lines after `def`) of the functions a text shows under `marker<what>` comments."""
    out: dict[str, set[str]] = {}
    for chunk in re.split(rf"^{re.escape(marker)}", text, flags=re.M)[1:]:
        what, _, rest = chunk.partition("\n")
        what = re.sub(r"^<rich_golden\.models (.*?)(-\d+)?>$", r"\1", what)
        lines = rest.splitlines()
        if not lines or not lines[0].startswith("def "):  # another comment
            continue
        body = []
        for line in lines[1:]:
            if line and not line.startswith("    "):
                break
            body.append(line)
        out.setdefault(what, set()).add("\n".join(body).rstrip())
    return out


def test_its_functions_are_the_ones_exec_mode_compiles() -> None:
    """The two goldens cannot drift: every function exec mode's dump shows has the same body in the module."""
    exec_bodies = _bodies(EXEC_GOLDEN.read_text(encoding="utf-8"), "# --- ")
    src_bodies = _bodies(GOLDEN.read_text(encoding="utf-8"), "# ")
    assert len(exec_bodies) > 50 and sum(map(len, exec_bodies.values())) == EXEC_GOLDEN.read_text().count("\n# --- ")
    for what, bodies in exec_bodies.items():
        assert bodies <= src_bodies.get(what, set()), what
    # and the constants exec mode numbers are the module's, in the same order
    shown = re.findall(r"^# (_k\d+) = ", EXEC_GOLDEN.read_text(encoding="utf-8"), flags=re.M)
    defined = re.findall(r"^(?:def )?(_k\d+)\b", GOLDEN.read_text(encoding="utf-8"), flags=re.M)
    assert set(shown) <= set(defined) and len(shown) > 50


def test_two_generations_are_byte_identical(tmp_path: Path) -> None:
    outs = []
    for seed in ("1", "4242"):
        out = tmp_path / seed
        proc = subprocess.run([sys.executable, "-m", "flint_generator", "generate", str(FLINT), "--out", str(out),
                               "--strict", "--codecs", "source"], cwd=REPO, capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}, timeout=300)
        assert proc.returncode == 0, proc.stderr
        outs.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert outs[0] == outs[1]
    assert any(p.name == "_codecs_compiled.py" for p in outs[0])


def test_check_knows_the_mode(tmp_path: Path) -> None:
    spec = SPECS / "rich.yaml"
    run = [sys.executable, "-m", "flint_generator"]
    gen = subprocess.run([*run, "generate", str(spec), "--out", str(tmp_path), "--codecs", "source"], cwd=REPO,
                         capture_output=True, text=True)
    assert gen.returncode == 0, gen.stderr
    same = subprocess.run([*run, "check", str(spec), "--out", str(tmp_path), "--codecs", "source"], cwd=REPO,
                          capture_output=True, text=True)
    assert same.returncode == 0, same.stdout + same.stderr
    other = subprocess.run([*run, "check", str(spec), "--out", str(tmp_path)], cwd=REPO, capture_output=True,
                           text=True)
    assert other.returncode == 1 and "_codecs_compiled.py" in other.stdout


def test_a_table_entry_that_is_not_an_identifier_is_refused_at_generation() -> None:
    """Exec mode refuses it at first use (test_codec.py); source mode when it writes the module."""
    res = generate(SPECS / "rich.yaml", package="rich_bad", codecs="source")
    from flint_generator.ir import build_api
    from flint_generator.load import load_spec
    from flint_generator.plan import make_plan

    api, _ = build_api(load_spec(SPECS / "rich.yaml", lenient=True).document, lenient=True)
    assert api is not None
    table = json.loads(res.files["rich_bad/_codecs.json"])
    table["models"]["Money"]["f"][0] = ["amount", 1, {"k": "int"}, "a; import os"]
    with pytest.raises(ValueError, match="is not a Python identifier"):
        compiled_module(make_plan(api), json.dumps(table), "rich_bad", "# header")


@pytest.mark.parametrize("which", ["rich", "flint"])
def test_a_source_mode_package_passes_mypy_strict(which: str, tmp_path: Path) -> None:
    spec, lenient = (SPECS / "rich.yaml", True) if which == "rich" else (FLINT, False)
    res = generate(spec, package=f"{which}_typed", lenient=lenient, codecs="source")
    assert not res.errors, res.errors
    out = tmp_path / "out"
    write.apply(out, write.plan(out, res.files, write.manifest_text(res.meta, res.files)))
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10",
                           "--cache-dir", str(tmp_path / "cache"), "--config-file", os.devnull, f"{which}_typed"],
                          cwd=out, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-4000:]


def test_a_field_named_path_is_typed_as_any_in_init(tmp_path: Path) -> None:
    """Parsers annotate their `path` parameter `str`; a model's field called `path` is no such thing (mypy --strict
    refused `path: str = _rt.UNSET` on a public spec)."""
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"openapi": "3.1.0", "info": {"title": "P", "version": "1"}, "paths": {},
                                "components": {"schemas": {"Filter": {"type": "object", "properties": {
                                    "path": {"type": "string"}}}}}}))
    res = generate(spec, package="pathy", codecs="source")
    text = res.files["pathy/_codecs_compiled.py"].decode()
    assert "def init_Filter(self: _t.Any, *, path: _t.Any = _k" in text
    assert "def m_Filter(data: _t.Any, path: str = '') -> _t.Any:" in text
