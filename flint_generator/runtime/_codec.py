"""Parsers, serializers and constructors of the generated models, compiled from `_codecs.json` at first use.

models.py declares each class with typed fields and nothing else. What a field accepts (its JSON name, type,
constraints and error codes) is data in `_codecs.json`; the first `X.from_dict`, `x.to_dict()` or `X(...)`
compiles straight-line Python for that class from it (the way cattrs and attrs build their methods) and installs
it on the class. Written out in models.py the same code was most of the generator's time (black formats it at
about 60 KB/s: 6 MB for Stripe) for no gain in speed.

Only our own text reaches `exec`: local names, slot names (checked to be identifiers) and Python literals made
by `repr()` of JSON strings and numbers. Everything else (patterns, enum sets, codes tables) is passed in the
function's namespace. A traceback through compiled code shows its source (it is registered with linecache).
"""

from __future__ import annotations

import importlib.resources as _resources
import json
import keyword
import linecache
import math
import re
import sys
import threading
import typing as _t
from decimal import Decimal as _Decimal
from enum import Enum as _enum_type

from . import _runtime as _rt

_SIMPLE = ("str", "int", "float", "decimal", "bool", "any", "datetime", "date", "none", "file")
_EXPECTED = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "decimal": "number",
    "bool": "boolean",
    "none": "null",
}
_JSON_TEST = {
    "str": "t is str",
    "enum": "t is str",
    "datetime": "t is str",
    "date": "t is str",
    "int": "t is int",
    "float": "t is float or t is int or t is _Dec",
    "decimal": "t is _Dec or t is int or t is float",
    "bool": "t is bool",
    "list": "t is list",
    "model": "t is dict",
    "map": "t is dict",
    "none": "x is None",
}
_MESSAGES = {
    "minimum": ("<", "must be >= {}"),
    "maximum": (">", "must be <= {}"),
    "exclusiveMinimum": ("<=", "must be > {}"),
    "exclusiveMaximum": (">=", "must be < {}"),
}
_SIZES = {
    "minLength": ("<", "must have at least {} characters"),
    "maxLength": (">", "must have at most {} characters"),
    "minItems": ("<", "must have at least {} items"),
    "maxItems": (">", "must have at most {} items"),
    "minProperties": ("<", "must have at least {} entries"),
    "maxProperties": (">", "must have at most {} entries"),
}

Desc = dict[str, _t.Any]
_REQUIRED = object()  # no default in the class body


def _lit(value: _t.Any) -> str:
    """A Python literal for a JSON scalar; repr() escapes quotes, backslashes and newlines."""
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    raise TypeError(f"not a literal: {value!r}")


def _ident(name: str) -> str:
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"_codecs.json: {name!r} is not a Python identifier")
    return name


class _Src:
    """Lines of one function being compiled, with the constants it refers to."""

    def __init__(self, codecs: Codecs) -> None:
        self.codecs = codecs
        self.lines: list[str] = []

    def add(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def const(self, value: _t.Any) -> str:
        return self.codecs.const(value)


class Parsers:
    """Compiled functions by name (`m_<Model>`, `u_<Union>`, `h_<helper>`), compiled when first looked up."""

    def __init__(self, codecs: Codecs) -> None:
        self._codecs = codecs

    def __getattr__(self, name: str) -> _t.Any:
        if name.startswith("__"):
            raise AttributeError(name)
        fn = self._codecs.compile_named(name)
        setattr(self, name, fn)
        return fn


class Lazy:
    """A module-level parser (`_parse_X`, `_h_X`) that compiles itself on first call."""

    __slots__ = ("_codecs", "_name", "_fn")

    def __init__(self, codecs: Codecs, name: str) -> None:
        self._codecs = codecs
        self._name = name
        self._fn: _t.Callable[[_t.Any, str], _t.Any] | None = None

    def __call__(self, data: _t.Any, path: str = "") -> _t.Any:
        fn = self._fn
        if fn is None:
            fn = self._fn = getattr(self._codecs.p, self._name)
        return fn(data, path)


class Codecs:
    """The compiler for one generated models module."""

    def __init__(self, namespace: dict[str, _t.Any]) -> None:
        self.module = namespace  # models.py's globals: the classes and enums by name
        self.p = Parsers(self)
        self.ns: dict[str, _t.Any] = {
            "_rt": _rt,
            "_U": _rt.UNSET,
            "_new": object.__new__,
            "P": self.p,
            "_VE": _rt.ValidationError,
            "_Dec": _Decimal,
        }
        self._consts: dict[tuple[str, str], str] = {}
        self._data: Desc | None = None
        self._enum_maps: dict[str, str] = {}
        self._compiled = 0
        self._lock = threading.Lock()
        self.sources: dict[str, str] = {}  # linecache name of each compiled function -> its source, for dump()

    # ------------------------------------------------------------------ plumbing
    @property
    def data(self) -> Desc:
        if self._data is None:
            # through importlib.resources: a package vendored inside a zip file (zipapp, PyInstaller) reads it too
            table = _resources.files(__package__ or "").joinpath("_codecs.json").read_text(encoding="utf-8")
            self._data = json.loads(table)
        return self._data

    def const(self, value: _t.Any) -> str:
        # JSON scalars and containers are shared by value (repr() shows all of them); anything else (a compiled
        # pattern, whose repr() is cut at 200 characters; a class) by identity, kept alive in the namespace
        if value is None or isinstance(value, (str, int, float, bool, frozenset, dict, list, tuple)):
            key: tuple[str, _t.Any] = (type(value).__name__, repr(value))
        else:
            key = ("id", id(value))
        # threads may compile at the same time; compiling twice is harmless, two values under one name are not
        with self._lock:
            name = self._consts.get(key)
            if name is None:
                name = self._consts[key] = f"_k{len(self._consts)}"
                self.ns[name] = value
        return name

    def lazy(self, name: str) -> Lazy:
        return Lazy(self, name)

    def _exec(self, src: list[str], fn: str, what: str) -> _t.Any:
        self._compiled += 1
        module = self.module.get("__name__", "models")
        text = "\n".join(src) + "\n"
        # one linecache entry per distinct source: two compiled functions never share a file name, so tracebacks
        # and inspect.getsource show each its own text (a name already holding other text gets -1, -2, ...)
        base = f"<{module} {what}>"
        lines = text.splitlines(True)
        filename, n = base, 0
        while (held := linecache.cache.get(filename)) is not None and (len(held) < 3 or held[2] != lines):
            n += 1
            filename = f"{base[:-1]}-{n}>"
        linecache.cache[filename] = (len(text), None, lines, filename)
        local: dict[str, _t.Any] = {}
        exec(compile(text, filename, "exec"), self.ns, local)
        out = local[fn]
        out.__qualname__ = what  # "Order.__init__": what error messages and reprs name
        out.__module__ = module
        out.__doc__ = f"{what}, compiled from _codecs.json by {__name__}."
        self.sources[filename] = text
        return out

    def compile_named(self, name: str) -> _t.Any:
        kind, _, rest = name.partition("_")
        if kind == "m":
            return self.compile_from_dict(rest)
        if kind == "u":
            return self._union(rest)
        if kind == "h":
            return self._helper(rest)
        raise AttributeError(name)

    def enum_map(self, name: str) -> str:
        const = self._enum_maps.get(name)
        if const is None:
            enum = self.module[name]
            const = self._enum_maps[name] = self.const({m.value: m for m in enum})
        return const

    def model_class(self, name: str) -> str:
        return self.const(self.module[name])

    # ------------------------------------------------------------------ values
    def _type_test(self, t: Desc, x: str) -> str:
        k = t["k"]
        if k == "float":
            return f"type({x}) is not float and type({x}) is not int"
        if k == "none":
            return f"{x} is not None"
        return f"type({x}) is not {k}"

    def _checks(self, s: _Src, ind: int, t: Desc, x: str, loc: str) -> None:
        for kw, value, code, from_kw in t.get("c", ()):
            tail = ", True" if from_kw else ""
            c = _lit(code)
            if kw in _MESSAGES:
                op, msg = _MESSAGES[kw]
                s.add(ind, f"if {x} {op} {self._num(s, value, t['k'])}:")
                s.add(ind + 1, f"raise _rt.bad_value({loc}, {kw!r}, {c}, {_lit(msg.format(value))}{tail})")
            elif kw in _SIZES:
                op, msg = _SIZES[kw]
                s.add(ind, f"if len({x}) {op} {_lit(int(value))}:")
                s.add(ind + 1, f"raise _rt.bad_value({loc}, {kw!r}, {c}, {_lit(msg.format(value))}{tail})")
            elif kw == "multipleOf":
                msg = _lit(f"must be a multiple of {value}")
                if t["k"] == "int" and type(value) is int:
                    s.add(ind, f"if {x} % {_lit(value)}:")
                else:
                    s.add(ind, f"if not _rt.multiple_of({x}, {_lit(str(value))}):")
                s.add(ind + 1, f"raise _rt.bad_value({loc}, 'multipleOf', {c}, {msg}{tail})")
            elif kw == "uniqueItems":
                s.add(ind, f"if _rt.has_duplicates({x}):")
                s.add(ind + 1, f"raise _rt.bad_value({loc}, 'uniqueItems', {c}, 'items must be unique'{tail})")
            elif kw == "propertyNames":
                pat = self.const(_rt.ecma_pattern(value["pattern"])) if "pattern" in value else "None"
                lo, hi = _lit(value.get("minLength")), _lit(value.get("maxLength"))
                s.add(ind, f"k_ = _rt.bad_key({x}, {pat}, {lo}, {hi})")
                s.add(ind, "if k_ is not None:")
                s.add(ind + 1, f"raise _rt.bad_value(_rt.join({loc}, k_), 'propertyNames', {c}, 'invalid key'{tail})")
            elif kw == "pattern":
                s.add(ind, f"if {self.const(_rt.ecma_pattern(value))}.search({x}) is None:")
                s.add(ind + 1, f"raise _rt.bad_value({loc}, 'pattern', {c}, {_lit('must match ' + value)}{tail})")
            elif kw == "enum":
                allowed = self.const(frozenset(v for v in value if not isinstance(v, (list, dict))))
                v = f"{x}.value" if t["k"] == "enum" else x
                s.add(ind, f"if {v} not in {allowed}:")
                s.add(ind + 1, f"raise _rt.not_member({v}, {loc}, {allowed}, {c}{tail})")

    def _num(self, s: _Src, value: _t.Any, kind: str = "") -> str:
        if isinstance(value, float) and not math.isfinite(value):
            return s.const(value)
        if kind == "decimal" and isinstance(value, float):
            # compared as the decimal the spec wrote: Decimal("0.1") < 0.1 is True (the float is 0.1000...055)
            return s.const(_Decimal(repr(value)))
        return _lit(value)

    def _fast_container(self, t: Desc) -> str | None:
        it = t.get("it")
        if it is None or it.get("n") or it.get("c") or it.get("rc"):
            return None
        if t["k"] == "list" and it["k"] in ("str", "int", "float", "bool") and it.get("tc") == t.get("tc"):
            return f"list_{it['k']}"
        if it["k"] == "any":
            return "list_any" if t["k"] == "list" else "map_any"
        if t["k"] == "map" and it["k"] == "str" and it.get("tc") == t.get("tc"):
            return "map_str"
        return None

    def _direct(self, t: Desc) -> str | None:
        """An expression for a callable (value, path) parsing `t`, when one exists without a helper."""
        if t.get("n") or t.get("rc") is not None:
            return None
        if t["k"] == "model":
            return f"P.m_{_ident(t['name'])}"
        if t["k"] == "union":
            return f"P.u_{_ident(t['name'])}"
        if t["k"] in _SIMPLE and not t.get("c") and t.get("tc") is None:
            return f"_rt.p_{t['k']}"
        return None

    def item_fn(self, t: Desc) -> str:
        direct = self._direct(t)
        if direct is not None:
            return direct
        return self.const(self._type_fn(t))

    def _type_fn(self, t: Desc) -> _t.Any:
        s = _Src(self)
        s.add(0, "def parse(x, path=''):")
        if t.get("n"):
            s.add(1, "if x is None:")
            s.add(2, "return None")
        self.parse(s, 1, t, "x", "path")
        s.add(1, "return x")
        return self._exec(s.lines, "parse", f"type {t['k']}")

    def _nested(self, s: _Src, ind: int, x: str, call: str, loc: str, wrap: bool) -> None:
        """`x = call` for a parser that takes a path. Inside a model (`wrap`) it gets `_rt.NESTED` and a failure is
        moved below `loc` on the way out: building each nested value's path up front cost a concatenation per value.
        """
        if wrap:
            s.add(ind, "try:")
            s.add(ind + 1, f"{x} = {call.format(path='_rt.NESTED')}")
            s.add(ind, "except _VE as e:")
            s.add(ind + 1, f"raise e.under({loc})")
        else:
            s.add(ind, f"{x} = {call.format(path=loc)}")

    def parse(self, s: _Src, ind: int, t: Desc, x: str, loc: str, wrap: bool = False) -> None:
        """Statements that check and convert local `x` (not UNSET, not None) in place; `loc` is the path
        expression of `x`, evaluated only to report an error."""
        k = t["k"]
        tc = _lit(t.get("tc"))
        if k == "any":
            s.add(ind, "pass")
        elif k == "float":
            s.add(ind, f"if {self._type_test(t, x)}:")
            s.add(ind + 1, f"{x} = _rt.to_float({x}, {loc}, {tc})")
            self._checks(s, ind, t, x, loc)
        elif k == "decimal":
            # an integer token (`8`) is the common case: converted inline, a float or anything else by the helper
            s.add(ind, f"if type({x}) is not _Dec:")
            s.add(ind + 1, f"{x} = _Dec({x}) if type({x}) is int else _rt.to_decimal({x}, {loc}, {tc})")
            self._checks(s, ind, t, x, loc)
        elif k in ("str", "int", "bool", "none"):
            s.add(ind, f"if {self._type_test(t, x)}:")
            s.add(ind + 1, f"raise _rt.type_error({x}, {loc}, {_lit(_EXPECTED[k])}, {tc})")
            self._checks(s, ind, t, x, loc)
        elif k == "file":
            self._nested(s, ind, x, f"_rt.parse_file({x}, {{path}}, {tc})", loc, wrap)
        elif k in ("datetime", "date"):
            first = t.get("c", [[None, None, None, 0]])[0][2]
            self._nested(s, ind, x, f"_rt.parse_{k}({x}, {{path}}, {tc}, {_lit(first)})", loc, wrap)
        elif k == "enum":
            em = self.enum_map(t["name"])
            # one subscript for a known value; an unhashable value or an unknown string lands in the except
            s.add(ind, "try:")
            s.add(ind + 1, f"{x} = {em}[{x}]")
            s.add(ind, "except (KeyError, TypeError):")
            s.add(ind + 1, f"if type({x}) is not str:")
            s.add(ind + 2, f"raise _rt.type_error({x}, {loc}, 'string', {tc}) from None")
            if t.get("open"):
                s.add(ind + 1, f"{x} = _rt.UnknownEnumValue({x})")
            else:
                s.add(ind + 1, f"raise _rt.not_member({x}, {loc}, {em}, {_lit(t.get('vc'))}) from None")
            self._checks(s, ind, t, x, loc)
        elif k in ("model", "union"):
            fn = f"P.{'m' if k == 'model' else 'u'}_{_ident(t['name'])}"
            rc = t.get("rc")
            if rc is not None:
                call = f"_rt.recode({fn}, {x}, {{path}}, {s.const(rc[0])}, {_lit(rc[1])})"
            else:
                call = f"{fn}({x}, {{path}})"
            self._nested(s, ind, x, call, loc, wrap)
        elif k in ("list", "map"):
            fast = self._fast_container(t)
            empty = "[]" if k == "list" else "{}"
            s.add(
                ind, f"if type({x}) is {'list' if k == 'list' else 'dict'} and not {x}:"
            )  # empty ones (Stripe's metadata) skip the call
            s.add(ind + 1, f"{x} = {empty}")
            s.add(ind, "else:")
            if fast:
                call = f"_rt.{fast}({x}, {{path}}, {tc})"
            else:
                call = f"_rt.parse_{k}({x}, {{path}}, {self.item_fn(t['it'])}, {tc})"
            self._nested(s, ind + 1, x, call, loc, wrap)
            self._checks(s, ind, t, x, loc)
        else:
            raise ValueError(f"_codecs.json: unknown kind {k!r}")

    def dump(self, t: Desc, x: str, depth: int = 0) -> str:
        """An expression serializing `x` (not UNSET)."""
        inner = self._dump_plain(t, x, depth)
        if t.get("n") and inner != x:
            return f"None if {x} is None else {inner}"
        return inner

    def _dump_plain(self, t: Desc, x: str, depth: int) -> str:
        k = t["k"]
        if k == "datetime":
            return f"_rt.dump_datetime({x})"
        if k == "date":
            return f"{x}.isoformat()"
        if k == "enum":
            return f"{x}.value"
        if k == "model":
            return f"{x}.to_dict()"
        if k == "union":
            return f"_rt.dump({x})"
        if k == "list":
            i = f"i{depth}"
            d = self.dump(t["it"], i, depth + 1)
            return f"list({x})" if d == i else f"[{d} for {i} in {x}]"
        if k == "map":
            v = f"v{depth}"
            d = self.dump(t["it"], v, depth + 1)
            return f"dict({x})" if d == v else f"{{k{depth}: {d} for k{depth}, {v} in {x}.items()}}"
        return x

    # ------------------------------------------------------------------ models
    def _entry(self, table: str, name: str) -> Desc:
        """One entry of `_codecs.json` ("models", "unions" or "helpers"); AttributeError when absent, as
        `Parsers` lookups expect."""
        try:
            entry: Desc = self.data[table][name]
        except KeyError:
            raise AttributeError(f"_codecs.json has no {table[:-1]} {name!r}") from None
        return entry

    def _fields(self, m: Desc) -> list[tuple[str, str, bool, Desc]]:
        """(json name, Python name, required, type) per field."""
        return [(f[0], _ident(f[3] if len(f) > 3 else f[0]), bool(f[1]), f[2]) for f in m["f"]]

    def compile_from_dict(self, name: str, target: type | None = None) -> _t.Any:
        m = self._entry("models", name)
        fields = self._fields(m)
        codes = m.get("codes", {})
        known = self.const(frozenset(f[0] for f in fields))
        s = _Src(self)
        s.add(0, "def from_dict(data, path=''):")
        s.add(1, "if type(data) is not dict:")
        s.add(2, f"raise _rt.type_error(data, path, 'object', {_lit(codes.get('type'))})")
        if m.get("ru"):
            s.add(1, f"if not {known}.issuperset(data):")
            s.add(2, f"raise _rt.unknown_fields(data, {known}, path, {_lit(codes.get('additionalProperties'))})")
        keep = bool(m.get("keep"))
        optional = sum(1 for f in fields if not f[2])
        if optional:
            s.add(1, "g = data.get")
        if keep and optional:
            # keys not yet matched to a declared field: undeclared ones are what is left at the end (a running
            # count is cheaper than comparing key sets)
            s.add(1, f"n = len(data) - {len(fields) - optional}")
        rcode = _lit(codes.get("required"))
        for i, (jname, _, required, t) in enumerate(fields):
            x, j = f"f{i}", _lit(jname)
            loc = f"_rt.join(path, {j})"
            k, nullable = t["k"], bool(t.get("n"))
            if required:
                # a subscript is cheaper than a call to get(), and a try block costs nothing until it catches
                s.add(1, "try:")
                s.add(2, f"{x} = data[{j}]")
                s.add(1, "except KeyError:")
                s.add(2, f"raise _rt.missing({loc}, {rcode}) from None")
                if k != "any":
                    if nullable:
                        s.add(1, f"if {x} is not None:")
                        self.parse(s, 2, t, x, loc, True)
                    else:
                        self.parse(s, 1, t, x, loc, True)
                continue
            s.add(1, f"{x} = g({j}, _U)")
            if keep:
                s.add(1, f"if {x} is not _U:")
                s.add(2, "n -= 1")
                if k != "any":
                    if nullable:
                        s.add(2, f"if {x} is not None:")
                        self.parse(s, 3, t, x, loc, True)
                    else:
                        self.parse(s, 2, t, x, loc, True)
            elif k != "any":
                s.add(1, f"if {x} is not _U{f' and {x} is not None' if nullable else ''}:")
                self.parse(s, 2, t, x, loc, True)
        for kw, value, code in m.get("sz", ()):
            word = "at least" if kw == "minProperties" else "at most"
            s.add(1, f"if len(data) {'<' if kw == 'minProperties' else '>'} {_lit(int(value))}:")
            s.add(2, f"raise _rt.bad_value(path, {_lit(kw)}, {_lit(code)}, {_lit(f'must have {word} {value} fields')})")
        for kw, groups in m.get("pr", ()):
            g = s.const(groups)
            test = f"not _rt.count_present(data, {g})" if kw == "anyOf" else f"_rt.count_present(data, {g}) != 1"
            s.add(1, f"if {test}:")
            s.add(2, f"raise _rt.presence_error(data, path, {_lit(kw)}, {g}, {_lit(codes.get(kw))})")
        if "x" in m:
            s.add(
                1,
                f"extra = {{k: {self.item_fn(m['x'])}(v, _rt.join(path, k)) for k, v in data.items() if k not in {known}}}",
            )
        s.add(1, f"o = _new({self.const(target) if target is not None else self.model_class(name)})")
        for i, (_, pname, _, _) in enumerate(fields):
            s.add(1, f"o.{pname} = f{i}")
        if "x" in m:
            s.add(1, "o.additional_properties = extra")
        if keep:
            test = "not n" if optional else f"len(data) == {len(fields)}"
            s.add(1, f"o._unknown_ = None if {test} else _rt.unknown_of(data, {known})")
        else:
            s.add(1, "o._unknown_ = None")
        s.add(1, "return o")
        return self._exec(s.lines, "from_dict", f"{name}.from_dict")

    def fill(self, t: Desc, data: _t.Any) -> _t.Any:
        """Request JSON data with the one value each single-value required field allows (`dv`, a discriminator's
        tag) filled in where the caller left it out, at any depth a type reaches; inside a discriminated union the tag
        selects the variant (a union's tag itself is never guessed). Dicts that change are copied, never modified.
        """
        k = t["k"]
        if k == "model" and type(data) is dict:
            m = self._entry("models", t["name"])
            out = data
            dv = m.get("dv")
            if dv and not dv.keys() <= data.keys():
                out = {**dv, **data}
            for f in m["f"]:
                ft = f[2]
                if ft["k"] in ("model", "list", "map", "union") and f[0] in out:
                    v = out[f[0]]
                    nv = self.fill(ft, v)
                    if nv is not v:
                        out = dict(out) if out is data else out
                        out[f[0]] = nv
            return out
        if k == "union" and type(data) is dict:
            u = self._entry("unions", t["name"])
            tag = data.get(u["d"]) if "d" in u else None
            for vt, tags in u["v"] if isinstance(tag, str) else ():
                if tag in tags:
                    return self.fill(vt, data)
            return data
        if k in ("list", "map") and t.get("it") is not None and t["it"]["k"] in ("model", "list", "map", "union"):
            it = t["it"]
            if k == "list" and type(data) is list:
                new = [self.fill(it, v) for v in data]
                return new if any(a is not b for a, b in zip(new, data)) else data
            if k == "map" and type(data) is dict:
                newm = {kk: self.fill(it, v) for kk, v in data.items()}
                return newm if any(newm[kk] is not v for kk, v in data.items()) else data
        return data

    def construct(self, t: Desc, data: _t.Any, path: str, problems: list[_rt.ValidationError]) -> _t.Any:
        """Lenient parsing (the client's `strict_responses=False`): what validates is parsed as usual; a value that
        does not is kept as received, its error appended to `problems`, and parsing goes on around it (a model
        still becomes its class, missing required fields are UNSET, unknown keys are kept).
        """
        if t.get("n") and data is None:
            return None
        if t["k"] == "model" and type(data) is dict and not t.get("rc"):
            m = self._entry("models", t["name"])
            fields = self._fields(m)
            o = _t.cast(_t.Any, object.__new__(self.module[t["name"]]))
            for jname, pname, required, ft in fields:
                where = _rt.join(path, jname)
                if jname in data:
                    setattr(o, pname, self.construct(ft, data[jname], where, problems))
                else:
                    setattr(o, pname, _rt.UNSET)
                    if required:
                        problems.append(_rt.missing(where, None))
            known = frozenset(f[0] for f in fields)
            if "x" in m:
                o.additional_properties = {k: v for k, v in data.items() if k not in known}
                o._unknown_ = None
            else:
                o._unknown_ = _rt.unknown_of(data, known) or None
            return o
        if t["k"] == "list" and type(data) is list and t.get("it") is not None:
            try:
                return eval(self.item_fn(t), self.ns)(data, path)  # the whole list at once when it validates
            except _rt.ValidationError:
                return [self.construct(t["it"], v, f"{path}[{i}]", problems) for i, v in enumerate(data)]
        try:
            return eval(self.item_fn(t), self.ns)(data, path)  # our own expression: P.m_X, P.u_X, _rt.p_X or _kN
        except _rt.ValidationError as e:
            problems.append(e)
            if t["k"] == "enum" and type(data) is str:
                return _rt.UnknownEnumValue(data)  # as an open enum keeps it: to_dict still writes it back
            return data

    def compile_to_dict(self, name: str) -> _t.Any:
        m = self._entry("models", name)
        fields = self._fields(m)
        s = _Src(self)
        s.add(0, "def to_dict(self):")
        req = ", ".join(f"{_lit(j)}: {self.dump(t, 'self.' + p)}" for j, p, r, t in fields if r)
        if "x" in m:
            s.add(1, f"d = {{k: {self.dump(m['x'], 'v')} for k, v in self.additional_properties.items()}}")
            s.add(1, f"d.update({{{req}}})")
        else:
            s.add(1, f"d = {{{req}}}")
        for j, p, r, t in fields:
            if not r:
                s.add(1, f"v = self.{p}")
                s.add(1, "if v is not _U:")
                s.add(2, f"d[{_lit(j)}] = {self.dump(t, 'v')}")
        if m.get("keep"):
            s.add(1, "u = self._unknown_")
            s.add(1, "if u:")
            s.add(2, "d.update(u)")
        s.add(1, "return d")
        return self._exec(s.lines, "to_dict", f"{name}.to_dict")

    def compile_init(self, name: str, slots: tuple[str, ...], defaults: dict[str, _t.Any]) -> _t.Any:
        """A keyword-only __init__ for a model class (from its annotations; `defaults` from its class body)."""
        params = []
        body = []
        for n in slots:
            if n == "_unknown_":
                body.append("self._unknown_ = None")
                continue
            _ident(n)
            default = defaults.get(n, _REQUIRED)
            if isinstance(default, _Factory):  # a fresh value per instance, as dataclasses' default_factory
                params.append(f"{n}=None")
                body.append(f"self.{n} = {self.const(default.factory)}() if {n} is None else {n}")
            else:
                params.append(n if default is _REQUIRED else f"{n}={self.const(default)}")
                body.append(f"self.{n} = {n}")
        s = _Src(self)
        s.add(0, f"def __init__(self{', *, ' if params else ''}{', '.join(params)}):")
        for line in body:
            s.add(1, line)
        s.add(1, "pass")
        return self._exec(s.lines, "__init__", f"{name}.__init__")

    # ------------------------------------------------------------------ unions and helpers
    def _union(self, name: str) -> _t.Any:
        u = self._entry("unions", name)
        codes = u.get("codes", {})
        disc = u.get("d")
        tags: dict[str, _t.Any] = {}
        for t, vtags in u["v"]:
            if t["k"] == "model":
                for tag in vtags:
                    tags[tag] = self.module[t["name"]]  # as a dict display: a repeated tag's last variant wins
        groups: dict[str, list[Desc]] = {}
        for t, _ in u["v"]:
            groups.setdefault(_JSON_TEST.get(t["k"], "True"), []).append(t)
        order = sorted(groups, key=lambda test: test == "True")  # catch-all variants last
        s = _Src(self)
        s.add(0, "def parse(x, path=''):")
        s.add(1, "t = type(x)")
        for test in order:
            variants = groups[test]
            s.add(1, f"if {test}:")
            if test == "t is dict" and disc and tags:
                d, tmap = _lit(disc), s.const(tags)
                s.add(2, f"tag = x.get({d})")
                s.add(2, f"cls = {tmap}.get(tag) if type(tag) is str else None")
                s.add(2, "if cls is None:")
                if u.get("ru"):
                    code = _lit(codes.get("discriminator", u.get("code")))
                    s.add(3, f"raise _rt.bad_variant(x, path, {d}, {tmap}, {code})")
                else:
                    s.add(3, "return _rt.UnknownVariant(x)")
                s.add(2, "return cls.from_dict(x, path)")
                continue
            for t in variants:
                if len(variants) > 1:
                    s.add(2, "try:")
                    s.add(3, "y = x")
                    self.parse(s, 3, t, "y", "path")
                    s.add(3, "return y")
                    s.add(2, "except _VE:")
                    s.add(3, "pass")
                else:
                    s.add(2, "y = x")
                    self.parse(s, 2, t, "y", "path")
                    s.add(2, "return y")
        code = _lit(codes.get("oneOf", codes.get("anyOf", u.get("code"))))
        s.add(
            1,
            f"raise _rt.bad_value(path, 'oneOf', {code}, {_lit('expected ' + u['desc'])} + ', got ' + _rt.json_type(x))",
        )
        return self._exec(s.lines, "parse", f"union {name}")

    def _helper(self, name: str) -> _t.Any:
        return self._type_fn(self._entry("helpers", name))


T = _t.TypeVar("T")
M = _t.TypeVar("M", bound="Model")

if _t.TYPE_CHECKING:
    from typing_extensions import dataclass_transform
else:

    def dataclass_transform(**_kwargs):  # typing has it from 3.11 on; type checkers read the stub above
        return lambda cls: cls


class _Factory:
    __slots__ = ("factory",)

    def __init__(self, factory: _t.Callable[[], _t.Any]) -> None:
        self.factory = factory


def field(*, default_factory: _t.Callable[[], T]) -> T:
    """A default made fresh for each instance (`additional_properties`), as in dataclasses."""
    return _t.cast(T, _Factory(default_factory))


def _generated(cls: type) -> tuple[Codecs, type]:
    """The compiler and the generated class behind `cls` (itself, or the generated class a user subclassed)."""
    for klass in cls.__mro__:
        if "_model_" in vars(klass):
            codecs: Codecs = getattr(sys.modules[klass.__module__], "_C")
            return codecs, klass
    raise TypeError(f"{cls.__name__} is not a generated model")


def construct(cls: type[M], data: _t.Any) -> tuple[M, list[_rt.ValidationError]]:
    """`cls` built leniently from `data` (see Codecs.construct) and the problems found on the way."""
    codecs, gen = _generated(cls)
    problems: list[_rt.ValidationError] = []
    out: M = codecs.construct({"k": "model", "name": gen.__name__}, data, "", problems)
    return out, problems


def fill_defaults(parse: _t.Callable[..., _t.Any] | None, data: _t.Any) -> _t.Any:
    """Request data for the type `parse` validates, with single-value fields filled in (see Codecs.fill)."""
    if parse is None:
        return data
    cls = model_of(parse)
    if cls is not None:
        codecs, gen = _generated(cls)
        return codecs.fill({"k": "model", "name": gen.__name__}, data)
    if isinstance(parse, Lazy) and parse._name.startswith("h_"):
        return parse._codecs.fill(parse._codecs._entry("helpers", parse._name[2:]), data)
    if isinstance(parse, Lazy) and parse._name.startswith("u_"):
        return parse._codecs.fill({"k": "union", "name": parse._name[2:]}, data)
    return data


def model_of(parse: _t.Callable[..., _t.Any]) -> type | None:
    """The generated class whose `from_dict` `parse` is (a bound classmethod before its first call, the compiled
    function installed on the class after it), else None."""
    owner = getattr(parse, "__self__", None)
    if isinstance(owner, type):
        return owner
    qual = getattr(parse, "__qualname__", "")
    if qual.endswith(".from_dict") and qual.count(".") == 1:
        cls = getattr(sys.modules.get(getattr(parse, "__module__", ""), None), qual.split(".")[0], None)
        if isinstance(cls, type) and getattr(cls, "from_dict", None) is parse:
            return cls
    return None


class ModelMeta(type):
    """Turns the annotated body of a generated class into `__slots__`; the defaults move aside (a slot and a class
    attribute cannot share a name) and `__init__` is compiled from them on first use. A user's subclass of a
    generated class gets empty `__slots__` and inherits the rest."""

    def __new__(mcs, name: str, bases: tuple[type, ...], ns: dict[str, _t.Any]) -> ModelMeta:
        if "__slots__" not in ns:
            module = sys.modules.get(ns.get("__module__", ""))
            if isinstance(getattr(module, "_C", None), Codecs):
                fields = tuple(ns.get("__annotations__", {}))
                ns["_defaults_"] = {n: ns.pop(n) for n in fields if n in ns}
                ns["__slots__"] = ns["_fields_"] = fields + ("_unknown_",)
                ns["_model_"] = name
            else:
                ns["__slots__"] = ()
                # its own from_dict, compiled to build its instances (the parent's, once installed, would not)
                ns.setdefault("from_dict", vars(Model)["from_dict"])
        return super().__new__(mcs, name, bases, ns)


@dataclass_transform(kw_only_default=True, field_specifiers=(field,))
class Model(metaclass=ModelMeta):
    """Base of the generated classes: keyword-only `__init__`, `__eq__` and `__repr__` over the fields (like
    `@dataclass(slots=True, kw_only=True)`), `from_dict` that validates and `to_dict` that writes JSON data.
    Each is compiled for its class on first use and replaces the generic version below on that class.
    """

    __slots__ = ()
    _defaults_: _t.ClassVar[dict[str, _t.Any]] = {}

    if not _t.TYPE_CHECKING:

        def __init__(self, **kwargs):
            codecs, gen = _generated(type(self))
            init = codecs.compile_init(gen.__name__, gen.__slots__, gen._defaults_)
            gen.__init__ = init
            init(self, **kwargs)

    @classmethod
    def from_dict(cls: type[M], data: _t.Any, path: str = "") -> M:
        """Validate JSON data (a dict) strictly; raises ValidationError naming the path that failed."""
        codecs, gen = _generated(cls)
        if gen is cls:
            fn = getattr(codecs.p, "m_" + cls.__name__)
        else:  # a user's subclass: the same checks, building instances of the subclass
            fn = codecs.compile_from_dict(gen.__name__, cls)
        setattr(cls, "from_dict", staticmethod(fn))
        out: M = fn(data, path)
        return out

    def to_dict(self) -> dict[str, _t.Any]:
        """JSON-ready data: absent (UNSET) fields are omitted, undeclared fields a response carried are kept."""
        codecs, gen = _generated(type(self))
        fn = codecs.compile_to_dict(gen.__name__)
        setattr(gen, "to_dict", fn)
        out: dict[str, _t.Any] = fn(self)
        return out

    __eq__ = _rt.model_eq
    __repr__ = _rt.model_repr


def dump(models: _t.Any, names: _t.Sequence[str] = ()) -> str:
    """The compiled source of each named class of `models` (every model and union when none are named): what
    `from_dict`, `to_dict` and `__init__` run, for review. `python -m <package>._codec [Class ...]` prints it.
    """
    codecs: Codecs = models._C
    table = codecs.data
    wanted = list(names) or sorted(table["models"]) + sorted(table["unions"])
    for name in wanted:
        if name in table["models"]:
            cls = getattr(models, name)
            codecs.compile_from_dict(name)
            codecs.compile_to_dict(name)
            codecs.compile_init(name, cls.__slots__, cls._defaults_)
        elif name in table["unions"]:
            getattr(codecs.p, "u_" + name)
        else:
            raise KeyError(f"{name} is neither a model nor a union of {models.__name__}")
    # consts hold classes and compiled patterns: shown by name so the text is the same on every run
    consts = "".join(
        f"# {k} = {_show(v)}\n"
        for k, v in sorted(codecs.ns.items(), key=lambda kv: _const_order(kv[0]))
        if k.startswith("_k")
    )
    body = "\n".join(f"# --- {what}\n{text}" for what, text in sorted(codecs.sources.items()))
    return f"# constants\n{consts}\n{body}"


def _const_order(name: str) -> tuple[int, str]:
    return (int(name[2:]), name) if name[2:].isdigit() else (1 << 30, name)


def _show(value: _t.Any) -> str:
    if isinstance(value, type):
        return f"<class {value.__name__}>"
    if isinstance(value, frozenset):
        return "frozenset({" + ", ".join(sorted(repr(v) for v in value)) + "})"
    if isinstance(value, re.Pattern):
        return f"re.compile({value.pattern!r})"
    code = getattr(value, "__code__", None)
    if code is not None:
        return f"<compiled {code.co_filename}>"
    if isinstance(value, dict) and any(isinstance(v, _enum_type) for v in value.values()):
        return "{" + ", ".join(f"{k!r}: {type(v).__name__}.{v.name}" for k, v in value.items()) + "}"
    return repr(value)


if __name__ == "__main__":
    import importlib

    print(dump(importlib.import_module(f"{__package__}.models"), sys.argv[1:]), end="")
