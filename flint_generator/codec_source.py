"""`--codecs=source`: the models' compiled functions written out as `<package>/_codecs_compiled.py`.

The package's exec-mode compiler (runtime/_codec_compile.py) runs here, at generation time, over the same
`_codecs.json` text and in the same order as its `dump()` (so the constants get the same numbers); instead of
`exec`-ing each function it records the text. Models' classes and enum members are stand-ins that print as the
expression naming them in the package (`_m.Order`, `_m.Status.ACTIVE`), so every constant becomes a real import or
expression. Each function keeps the body exec mode would run; only its `def` line differs (a unique module-level
name and annotations, for mypy --strict). The package then never runs exec, eval or compile.

Module layout: plain constants first (parameter defaults are evaluated at `def` time), then the functions (a parse
function used as a constant is defined under that constant's name), then `P` (what the bodies call `P.m_X` etc.
through) and `TYPES` (the parser of each field type, for lenient parsing: `_codec.Codecs.construct`).
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any, Iterator

from flint_generator.plan import Plan
from flint_generator.runtime import _runtime as _rt
from flint_generator.runtime._codec import Desc, _Factory, type_key
from flint_generator.runtime._codec_compile import Compiler, review_order
from flint_generator.runtime._codec_values import Src

MODULE = "_codecs_compiled.py"


class _Class:
    """A generated model class, as the compiler sees it."""

    def __init__(self, module: str, name: str) -> None:
        self.expr = f"_m.{name}"
        self._repr = f"<class '{module}.{name}'>"  # as a real class prints: consts are shared by repr()

    def __repr__(self) -> str:
        return self._repr


class _Member:
    def __init__(self, enum: str, name: str, value: str) -> None:
        self.name = name
        self.value = value
        self.expr = f"_m.{enum}.{name}"

    def __repr__(self) -> str:
        return f"<{self.expr[3:]}: {self.value!r}>"


class _Enum:
    def __init__(self, name: str, members: list[tuple[str, str]]) -> None:
        seen: dict[str, _Member] = {}
        for py, value in members:  # a repeated value is an alias, which iterating an Enum skips
            seen.setdefault(value, _Member(name, py, value))
        self.members = list(seen.values())
        self.by_name = {m.name: m for m in self.members}

    def __iter__(self) -> Iterator[_Member]:
        return iter(self.members)


class _Fn:
    """A compiled function: its source and what exec mode names it."""

    def __init__(self, src: Src, what: str) -> None:
        self.src = src
        self.what = what


class _Writer(Compiler):
    def __init__(self, namespace: dict[str, Any], data: Desc) -> None:
        super().__init__(namespace, data)
        self.fns: list[_Fn] = []

    def _exec(self, s: Src, what: str) -> Any:
        fn = _Fn(s, what)
        self.fns.append(fn)
        return fn


def _namespace(plan: Plan, package: str) -> dict[str, Any]:
    """What the compiler reads from models.py's globals: the enums and the model classes by name."""
    module = f"{package}.models"
    ns: dict[str, Any] = {"__name__": module}
    for e in plan.api.enums:
        ns[e.name] = _Enum(e.name, e.members)
    for m in plan.api.models:
        ns[m.name] = _Class(module, m.name)
    return ns


def _init_args(plan: Plan, ns: dict[str, Any], name: str) -> tuple[tuple[str, ...], dict[str, Any]]:
    """`__slots__` and the class-body defaults models.py gives model `name` (see models.py.jinja and ModelMeta)."""
    m = plan.models_by_name[name]
    slots = [f.py_name for f in m.fields]
    defaults: dict[str, Any] = {}
    for f in m.fields:
        if not f.required:
            defaults[f.py_name] = _rt.UNSET
            continue
        single, value = plan.single_value(f)
        if single:
            if f.type.kind == "enum":
                e = plan.enums[f.type.name or ""]
                defaults[f.py_name] = ns[e.name].by_name[e.members[0][0]]
            else:
                defaults[f.py_name] = value
    if m.extra is not None:
        slots.append("additional_properties")
        defaults["additional_properties"] = _Factory(dict)
    return (*slots, "_unknown_"), defaults


def compiled_module(plan: Plan, codecs_json: str, package: str, header: str) -> str:
    """The text of `<package>/_codecs_compiled.py` (deterministic: the same inputs give the same bytes)."""
    data: Desc = json.loads(codecs_json)
    ns = _namespace(plan, package)
    w = _Writer(ns, data)
    names: dict[int, str] = {}  # id of a _Fn -> its name in the module
    for kind, name in review_order(data):
        if kind == "from_dict":
            names[id(w.compile_from_dict(name))] = f"m_{name}"
        elif kind == "to_dict":
            names[id(w.compile_to_dict(name))] = f"td_{name}"
        elif kind == "__init__":
            names[id(w.compile_init(name, *_init_args(plan, ns, name)))] = f"init_{name}"
        else:
            names[id(w.compile_named("u_" + name))] = f"u_{name}"
    for name in sorted(data["helpers"]):
        names[id(w.compile_named("h_" + name))] = f"h_{name}"
    types = _construct_types(w, data)
    consts = sorted(((k, v) for k, v in w.ns.items() if k.startswith("_k")), key=lambda kv: int(kv[0][2:]))
    for k, v in consts:
        if isinstance(v, _Fn):
            names[id(v)] = k
    plain = [(k, v) for k, v in consts if not isinstance(v, _Fn)]
    out = [header + "\n" + _DOC, _IMPORTS]
    out.append("_U = _rt.UNSET\n_VE = _rt.ValidationError\n_new: _t.Callable[[type], _t.Any] = object.__new__\n")
    if plain:
        out.append("".join(f"{k}{_annotation(v)} = {_expr(v)}\n" for k, v in plain))
    for fn in w.fns:
        out.append(f"\n# {fn.what}\n{fn.src.text(names[id(fn)], typed=True)}")
    public = sorted(n for n in names.values() if n[:2] in ("m_", "u_", "h_"))
    out.append("\n# what the functions call as P.m_<Model>, P.u_<Union>\nP = _types.SimpleNamespace(\n"
               + "".join(f"    {n}={n},\n" for n in public) + ")\n")
    rows = "".join(f"    {key!r}: {_fn_expr(expr)},\n" for key, expr in types.items())
    out.append("# the parser of each type a model's field has, for lenient parsing (_codec.Codecs.construct)\n"
               f"TYPES: dict[str, _t.Callable[[_t.Any, str], _t.Any]] = {{\n{rows}}}\n")
    return "\n\n".join(part.rstrip("\n") for part in out) + "\n"


_DOC = '''"""The models' from_dict / to_dict / __init__ and parse functions, compiled by flint-generator --codecs=source.

The same functions exec mode compiles at first use (`python -m <package>._codec` prints those), written out so
that nothing runs exec, eval or compile at run time. `_codec.Precompiled` imports this module at the first use of a
model and installs each function on its class. Review a change as the diff of this file.
"""

from __future__ import annotations'''

_IMPORTS = """import re as _re
import types as _types
import typing as _t
from decimal import Decimal as _Dec

from . import _runtime as _rt
from . import models as _m"""


def _construct_types(w: _Writer, data: Desc) -> dict[str, str]:
    """type_key -> the compiler's expression for its parser, for every type `Codecs.construct` may parse whole:
    each model (a value that is not an object), each field's type and, inside a list, its items' (one at a time
    when the whole list fails)."""
    table: dict[str, str] = {}

    def need(t: Desc) -> None:
        key = type_key(t)
        if key not in table:
            table[key] = w.item_fn(t)
        if t["k"] == "list" and t.get("it") is not None:
            need(t["it"])

    for name in sorted(data["models"]):
        need({"k": "model", "name": name})
        for f in data["models"][name]["f"]:
            need(f[2])
    return dict(sorted(table.items()))


def _fn_expr(expr: str) -> str:
    # the compiler's own expressions: P.m_X / P.u_X (module-level functions here), _rt.p_X, _kN
    return expr[2:] if expr.startswith("P.") else expr


def _annotation(value: Any) -> str:
    # classes (their instances get attributes mypy does not know: _unknown_; a tags table is typed by its first
    # entry) and empty containers are left untyped
    if _has_class(value) or (isinstance(value, (dict, list, tuple, frozenset)) and not value):
        return ": _t.Any"
    return ""


def _has_class(value: Any) -> bool:
    if isinstance(value, dict):
        return any(_has_class(v) for v in value.values())
    return isinstance(value, _Class)


def _expr(value: Any) -> str:
    """Python source for a constant of the compiler."""
    if isinstance(value, (_Class, _Member)):
        return value.expr
    if value is _rt.UNSET:
        return "_rt.UNSET"
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else f"float({str(value)!r})"
    if isinstance(value, Decimal):
        return f"_Dec({str(value)!r})"
    if isinstance(value, frozenset):
        return f"frozenset({{{', '.join(sorted(_expr(v) for v in value))}}})" if value else "frozenset()"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_expr(k)}: {_expr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_expr(v) for v in value) + "]"
    if isinstance(value, tuple):
        return "(" + ", ".join(_expr(v) for v in value) + (",)" if len(value) == 1 else ")")
    if isinstance(value, re.Pattern):
        flags = value.flags & ~re.UNICODE  # implied for a str pattern
        return f"_re.compile({value.pattern!r}{f', {flags}' if flags else ''})"
    if value in (dict, list):  # a default_factory
        return str(value.__name__)
    raise TypeError(f"no source for the constant {value!r}")
