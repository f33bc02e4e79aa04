"""The package's `_codec.py`: methods compiled from `_codecs.json` at first use (paths, counts, enums, laziness)."""

from __future__ import annotations

import copy
import datetime as dt
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.generator.conftest import CODECS, Package, build, mini_spec
from tests.generator.test_models import WIDGET, err

WIDGET_DT = dt.datetime(2024, 5, 1, 12, 30, tzinfo=dt.timezone.utc)
# what only exec mode does at run time (test_codec_source.py reruns this file with --codecs=source packages)
exec_only = pytest.mark.skipif(CODECS != "exec", reason="exec mode compiles at run time; source mode never does")


def test_nested_error_paths_are_built_on_the_way_out(rich: Package) -> None:
    data = copy.deepcopy(WIDGET)
    data["tree"]["children"][0]["other"]["trees"][0]["value"] = "3"
    e = err(rich, rich.models.Widget.from_dict, data, "body")
    assert e.path == "body.tree.children[0].other.trees[0].value"
    assert str(e).startswith("body.tree.children[0].other.trees[0].value: expected integer")
    data = copy.deepcopy(WIDGET)
    data["history"][0]["at"] = "soon"
    assert err(rich, rich.models.Widget.from_dict, data).path == "history[0].at"
    e = err(rich, rich.models.Widget.from_dict, {**copy.deepcopy(WIDGET), "parts": [{"sku": "ABC-1"}]}, "x")
    assert (e.path, e.kind) == ("x.parts[0].quantity", "required")


def test_enum_values_that_are_not_strings(rich: Package) -> None:
    for bad in (["USD"], {"c": 1}, 1, None):
        e = err(rich, rich.models.Money.from_dict, {"amount": 1, "currency": bad})
        assert (e.path, e.kind) == ("currency", "type")
    e = err(rich, rich.models.Money.from_dict, {"amount": 1, "currency": "XXX"})
    assert (e.path, e.keyword) == ("currency", "enum")


@pytest.mark.parametrize("drop", [[], ["note", "color", "dims"], ["note"]])
def test_undeclared_fields_are_counted_exactly(rich: Package, drop: list[str]) -> None:
    base = {k: v for k, v in copy.deepcopy(WIDGET).items() if k not in drop}
    assert rich.rt.undeclared_fields(rich.models.Widget.from_dict(base)) == {}
    w = rich.models.Widget.from_dict({**base, "zz": 1, "aa": None})
    assert rich.rt.undeclared_fields(w) == {"zz": 1, "aa": None}
    assert w.to_dict() == {**base, "zz": 1, "aa": None}


def test_constructor_is_keyword_only_and_checks_required(rich: Package) -> None:
    m = rich.models
    with pytest.raises(TypeError, match="amount"):
        m.Money(currency=m.CurrencyCode.USD)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        m.Money(amount=1, currency=m.CurrencyCode.USD, nope=1)  # type: ignore[call-arg]
    w = m.Widget(id="w", name="n", status=m.Status.ACTIVE, created_at=WIDGET_DT, parts=[],
                 total_money=m.Money(amount=0, currency=m.CurrencyCode.USD))
    assert w.color is rich.rt.UNSET and w.to_dict()["created_at"] == "2024-05-01T12:30:00Z"


def test_compiled_source_is_visible_to_tracebacks(rich: Package) -> None:
    rich.models.Part.from_dict({"sku": "ABC-1", "quantity": 1})
    source = inspect.getsource(rich.models.Part.from_dict)
    if CODECS == "source":  # the function in _codecs_compiled.py, under its module-level name
        assert source.startswith("def m_Part(data: _t.Any, path: str = '') -> _t.Any:")
    else:
        assert source.startswith("def from_dict(data, path=''):")
    assert "'sku'" in source  # JSON names are repr() literals


def test_import_reads_no_table_and_compiles_nothing(tmp_path: Path) -> None:
    pkg = build(tmp_path, mini_spec({"Thing": {"type": "object", "properties": {"a": {"type": "string"}}}}))
    probe = (
        "import importlib, sys\n"
        f"m = importlib.import_module({pkg.name + '.models'!r})\n"
        "assert m._C._data is None and m._C._compiled == 0\n"
        "assert m.Thing.from_dict({'a': 'x'}).to_dict() == {'a': 'x'}\n"
        "print(m._C._compiled)\n"
    )
    if CODECS == "source":  # nothing compiled or read even on use: _codecs_compiled.py is imported at first use
        probe = (
            "import importlib, sys\n"
            f"m = importlib.import_module({pkg.name + '.models'!r})\n"
            f"assert m._C._mod is None and {pkg.name + '._codecs_compiled'!r} not in sys.modules\n"
            "assert m.Thing.from_dict({'a': 'x'}).to_dict() == {'a': 'x'}\n"
            "assert m._C._data is None and m._C._mod is not None\n"
            "print(2)\n"
        )
    out = subprocess.run([sys.executable, "-c", probe], cwd=pkg.root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "2"  # from_dict and to_dict of Thing, nothing else


def test_codecs_table_is_one_entry_per_line(rich: Package) -> None:
    text = (rich.root / rich.name / "_codecs.json").read_text()
    table: dict[str, Any] = json.loads(text)
    assert set(table) == {"models", "unions", "helpers"}
    assert sum(1 for line in text.splitlines() if line.startswith('"Widget": ')) == 1
    widget = table["models"]["Widget"]
    assert widget["keep"] == 1 and [f[0] for f in widget["f"]][:3] == ["id", "name", "status"]


@exec_only
def test_a_table_entry_that_is_not_an_identifier_is_refused(tmp_path: Path) -> None:
    pkg = build(tmp_path, mini_spec({"Thing": {"type": "object", "properties": {"a": {"type": "string"}}}}))
    path = pkg.root / pkg.name / "_codecs.json"
    table = json.loads(path.read_text())
    table["models"]["Thing"]["f"][0] = ["a", 0, {"k": "str"}, "a; import os"]
    path.write_text(json.dumps(table))
    probe = (
        "import importlib\n"
        f"m = importlib.import_module({pkg.name + '.models'!r})\n"
        "try:\n"
        "    m.Thing.from_dict({'a': 'x'})\n"
        "except ValueError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=pkg.root, capture_output=True, text=True, check=True)
    assert "is not a Python identifier" in out.stdout


@exec_only
def test_threads_compiling_at_once_keep_their_constants_apart(tmp_path: Path) -> None:
    # each class's pattern is a constant in the shared namespace of compiled code; a race on its name would let
    # one class check another's pattern
    n = 60
    schemas = {f"M{i}": {"type": "object", "properties": {
        "v": {"type": "string", "pattern": f"^a{i}$"}}} for i in range(n)}
    pkg = build(tmp_path, mini_spec(schemas))
    probe = (
        "import importlib, sys, threading, time\n"
        f"m = importlib.import_module({pkg.name + '.models'!r})\n"
        "class SlowDict(dict):  # widens the window between counting the constants and storing a new one\n"
        "    def __setitem__(self, key, value):\n"
        "        time.sleep(0.0005)\n"
        "        dict.__setitem__(self, key, value)\n"
        "m._C._consts = SlowDict(m._C._consts)\n"
        "rt = importlib.import_module(" + repr(pkg.name + "._runtime") + ")\n"
        "start = threading.Barrier(6)\n"
        "def work(k):\n"
        "    start.wait()\n"
        f"    for i in range(k, {n}, 6):\n"
        "        getattr(m, f'M{i}').from_dict({'v': f'a{i}'})\n"
        "threads = [threading.Thread(target=work, args=(k,)) for k in range(6)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        f"for i in range({n}):\n"
        "    getattr(m, f'M{i}').from_dict({'v': f'a{i}'})\n"
        "    try:\n"
        f"        getattr(m, f'M{{i}}').from_dict({{'v': f'a{{(i + 1) % {n}}}'}})\n"
        "    except rt.ValidationError:\n"
        "        continue\n"
        "    raise SystemExit(f'M{i} accepted another class value')\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=pkg.root, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-2000:]


def test_a_users_subclass_parses_into_itself(rich: Package) -> None:
    m = rich.models

    class MyMoney(m.Money):  # type: ignore[misc, name-defined]
        def cents(self) -> int:
            return int(self.amount)

    data = {"amount": 5, "currency": "USD"}
    mine = MyMoney.from_dict(data)
    assert type(mine) is MyMoney and mine.cents() == 5 and mine.to_dict() == data
    assert not hasattr(mine, "__dict__")  # still slotted
    assert type(m.Money.from_dict(data)) is m.Money
    assert MyMoney(amount=1, currency=m.CurrencyCode.USD).cents() == 1
    e = err(rich, MyMoney.from_dict, {"amount": "5", "currency": "USD"}, "price")
    assert e.path == "price.amount"


def test_review_findings_long_patterns_union_message_and_odd_keys(tmp_path: Path) -> None:
    long = "x" * 250
    schemas = {
        "Req": {"type": "object", "properties": {
            "p1": {"type": "string", "pattern": f"^{long}a$"},
            "p2": {"type": "string", "pattern": f"^{long}b$"}}},
        "Pet": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]},
        "Cat": {"type": "object", "required": ["meow"], "properties": {"meow": {"type": "boolean"}}},
        "Dog": {"type": "object", "required": ["bark"], "properties": {"bark": {"type": "boolean"}}},
        "Holder": {"type": "object", "properties": {
            "pet": {"$ref": "#/components/schemas/Pet"},
            "meta": {"type": "object", "additionalProperties": {"type": "integer"}},
            "inner": {"$ref": "#/components/schemas/Odd"}}},
        "Odd": {"type": "object", "properties": {"[b": {"type": "integer"}, "": {"type": "integer"}}},
        "Reserved": {"type": "object", "additionalProperties": {"type": "string"}, "properties": {
            "_defaults_": {"type": "string"}, "_unknown_": {"type": "string"}, "_codec": {"type": "string"},
            "_fields_": {"type": "string"}, "_model_": {"type": "string"}}},
    }
    pkg = build(tmp_path, mini_spec(schemas))
    m = pkg.models
    # two patterns alike in their first 200 characters are two constants
    assert m.Req.from_dict({"p1": long + "a", "p2": long + "b"}).p2 == long + "b"
    assert err(pkg, m.Req.from_dict, {"p2": long + "a"}).path == "p2"
    # the union message names what was expected
    e = err(pkg, m.Holder.from_dict, {"pet": 1})
    assert (e.path, e.message) == ("pet", "expected one of: Cat, Dog, got integer")
    # keys that are empty or start with "[" keep their dot, as when paths were built on the way down
    assert err(pkg, m.Holder.from_dict, {"meta": {"": "x"}}).path == "meta."
    assert err(pkg, m.Holder.from_dict, {"meta": {"[x": "x"}}).path == "meta.[x"
    assert err(pkg, m.Holder.from_dict, {"inner": {"[b": "x"}}).path == "inner.[b"
    assert err(pkg, m.Holder.from_dict, {"inner": {"": "x"}}, "body").path == "body.inner."
    assert err(pkg, m.Odd.from_dict, {"": "x"}).path == ""
    # names the class machinery uses are renamed, and the fields still round-trip
    data = {"_defaults_": "d", "_unknown_": "u", "_codec": "c", "_fields_": "f", "_model_": "m", "other": "o"}
    r = m.Reserved.from_dict(data)
    assert r.to_dict() == data and r.additional_properties == {"other": "o"}
    assert m.Reserved(_unknown__="u").to_dict() == {"_unknown_": "u"}  # type: ignore[call-arg]


def test_subclasses_compare_print_and_copy_by_their_fields(rich: Package) -> None:
    m, rt = rich.models, rich.rt

    class MyMoney(m.Money):  # type: ignore[misc, name-defined]
        pass

    a = MyMoney(amount=1, currency=m.CurrencyCode.USD)
    assert a != MyMoney(amount=2, currency=m.CurrencyCode.USD) and a == MyMoney.from_dict(a.to_dict())
    assert repr(a) == "MyMoney(amount=1, currency=<CurrencyCode.USD: 'USD'>)"
    b = rt.replace(a, amount=7)
    assert type(b) is MyMoney and b.amount == 7


def test_compiled_methods_carry_their_class_name(rich: Package) -> None:
    with pytest.raises(TypeError, match=r"Part\.__init__\(\)"):
        rich.models.Part()  # type: ignore[call-arg]


def test_a_package_vendored_inside_a_zip_file_reads_its_tables(rich: Package, tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "vendored.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((rich.root / rich.name).rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(rich.root).as_posix())
    probe = (
        "import importlib, sys\n"
        f"sys.path.insert(0, {str(archive)!r})\n"
        f"m = importlib.import_module({rich.name + '.models'!r})\n"
        f"s = importlib.import_module({rich.name + '.server'!r})\n"
        "assert m.__file__.startswith(sys.path[0])\n"
        "print(m.Money.from_dict({'amount': 5, 'currency': 'USD'}).to_dict()['amount'], len(s._server._OPS) > 0)\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.split() == ["5", "True"], out.stderr[-2000:]


@exec_only
def test_a_method_taken_before_its_first_call_compiles_once(tmp_path: Path) -> None:
    """`f = obj.to_dict` (or `Thing.__init__`) taken before the first call is the generic method; each call of it
    compiled the class's method anew (1 ms a call on a large model instead of 0.14 ms)."""
    pkg = build(tmp_path, mini_spec({"Thing": {"type": "object", "properties": {"a": {"type": "string"}}}}))
    m = pkg.models
    thing = m.Thing.from_dict({"a": "x"})
    to_dict, init = thing.to_dict, m.Thing.__init__
    before = m._C._compiled
    assert [to_dict() for _ in range(3)] == [{"a": "x"}] * 3
    for value in ("y", "z"):
        init(thing, a=value)
    assert thing.a == "z" and m._C._compiled == before + 2  # to_dict and __init__, once each
