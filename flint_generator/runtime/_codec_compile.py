"""The compiler of exec mode (the generator's default `--codecs=exec`): each model's from_dict, to_dict and
__init__, each union's and parse helper's function, compiled from `_codecs.json` at first use and installed.

Only our own text reaches `exec` (see `_codec_values.py`); everything else is passed in the function's namespace
as a named constant. A traceback through compiled code shows its source (it is registered with linecache), and
`python -m <package>._codec` prints all of it for review (`dump`). The generator runs this same compiler for
`--codecs=source` and writes what it produces into `_codecs_compiled.py` instead of running it; a package generated
so does not contain this module.
"""

from __future__ import annotations

import linecache
import re
import threading
import typing as _t
from decimal import Decimal as _Decimal
from enum import Enum as _enum_type

from . import _runtime as _rt
from ._codec import Codecs, Desc, _Factory, ident, type_key
from ._codec_values import _EXPECTED, _JSON_TEST, Src, ValueCompiler, _lit

_REQUIRED = object()  # no default in the class body
# to_dict's result, annotated for mypy --strict on --codecs=source (a local's annotation is never evaluated, so it
# costs nothing here): inferred from the first fields, it would refuse the others' values
_D = "dict[str, object]"


class Parsers:
    """Compiled functions by name (`m_<Model>`, `u_<Union>`, `h_<helper>`), compiled when first looked up."""

    def __init__(self, codecs: Compiler) -> None:
        self._codecs = codecs

    def __getattr__(self, name: str) -> _t.Any:
        if name.startswith("__"):
            raise AttributeError(name)
        fn = self._codecs.compile_named(name)
        setattr(self, name, fn)
        return fn


class Compiler(ValueCompiler, Codecs):
    """The compiler for one generated models module."""

    def __init__(self, namespace: dict[str, _t.Any], data: Desc | None = None) -> None:
        super().__init__(namespace, data)
        self._p = Parsers(self)
        self.ns: dict[str, _t.Any] = {
            "_rt": _rt,
            "_U": _rt.UNSET,
            "_new": object.__new__,
            "P": self._p,
            "_VE": _rt.ValidationError,
            "_Dec": _Decimal,
        }
        self._consts: dict[tuple[str, str], str] = {}
        self._enum_maps: dict[str, str] = {}
        self._compiled = 0
        self._lock = threading.Lock()
        self._parsers: dict[str, _t.Callable[[_t.Any, str], _t.Any]] = {}  # see parser_of
        self.sources: dict[str, str] = {}  # linecache name of each compiled function -> its source, for dump()

    @property
    def p(self) -> _t.Any:
        return self._p

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

    def _exec(self, s: Src, what: str) -> _t.Any:
        self._compiled += 1
        module = self.module.get("__name__", "models")
        text = s.text()
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
        out = local[s.fn]
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

    def parser_of(self, t: Desc) -> _t.Callable[[_t.Any, str], _t.Any]:
        # cached: each lenient parse of a field's value asks again, and compiling anew each time was most of it
        key = type_key(t)
        fn = self._parsers.get(key)
        if fn is None:
            fn = self._parsers[key] = self._parser_of(t)
        return fn

    def _parser_of(self, t: Desc) -> _t.Callable[[_t.Any, str], _t.Any]:
        expr = self.item_fn(t)  # our own expression: P.m_X, P.u_X, _rt.p_X or _kN
        head, _, name = expr.partition(".")
        fn: _t.Callable[[_t.Any, str], _t.Any]
        if head == "P":
            fn = getattr(self._p, name)
        elif head == "_rt":
            fn = getattr(_rt, name)
        else:
            fn = self.ns[expr]
        return fn

    def compile_from_dict(self, name: str, target: type | None = None) -> _t.Any:
        m = self._entry("models", name)
        fields = self._fields(m)
        codes = m.get("codes", {})
        known = self.const(frozenset(f[0] for f in fields))
        s = Src(self, "from_dict", ["data", "path=''"])
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
        return self._exec(s, f"{name}.from_dict")

    def compile_to_dict(self, name: str) -> _t.Any:
        m = self._entry("models", name)
        fields = self._fields(m)
        s = Src(self, "to_dict", ["self"])
        req = ", ".join(f"{_lit(j)}: {self.dump(t, 'self.' + p)}" for j, p, r, t in fields if r)
        if "x" in m:
            s.add(1, f"d: {_D} = {{k: {self.dump(m['x'], 'v')} for k, v in self.additional_properties.items()}}")
            s.add(1, f"d.update({{{req}}})")
        else:
            s.add(1, f"d: {_D} = {{{req}}}")
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
        return self._exec(s, f"{name}.to_dict")

    def compile_init(self, name: str, slots: tuple[str, ...], defaults: dict[str, _t.Any]) -> _t.Any:
        """A keyword-only __init__ for a model class (from its annotations; `defaults` from its class body)."""
        params = []
        body = []
        for n in slots:
            if n == "_unknown_":
                body.append("self._unknown_ = None")
                continue
            ident(n)
            default = defaults.get(n, _REQUIRED)
            if isinstance(default, _Factory):  # a fresh value per instance, as dataclasses' default_factory
                params.append(f"{n}=None")
                body.append(f"self.{n} = {self.const(default.factory)}() if {n} is None else {n}")
            else:
                params.append(n if default is _REQUIRED else f"{n}={self.const(default)}")
                body.append(f"self.{n} = {n}")
        s = Src(self, "__init__", ["self", *(["*", *params] if params else [])])
        for line in body:
            s.add(1, line)
        s.add(1, "pass")
        return self._exec(s, f"{name}.__init__")

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
        s = Src(self, "parse", ["x", "path=''"])
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
        return self._exec(s, f"union {name}")

    def _helper(self, name: str) -> _t.Any:
        return self._type_fn(self._entry("helpers", name))


def review_order(table: Desc, names: _t.Sequence[str] = ()) -> list[tuple[str, str]]:
    """(kind, name) in the order `dump` compiles them: each model's from_dict, to_dict and __init__, then the unions.
    The generator's `--codecs=source` writer follows it too, so its constants get the same numbers."""
    wanted = list(names) or sorted(table["models"]) + sorted(table["unions"])
    out = []
    for name in wanted:
        if name in table["models"]:
            out += [("from_dict", name), ("to_dict", name), ("__init__", name)]
        elif name in table["unions"]:
            out.append(("union", name))
        else:
            raise KeyError(f"{name} is neither a model nor a union")
    return out


def dump(models: _t.Any, names: _t.Sequence[str] = ()) -> str:
    """The compiled source of each named class of `models` (every model and union when none are named): what
    `from_dict`, `to_dict` and `__init__` run, for review. `python -m <package>._codec [Class ...]` prints it.
    """
    codecs: Compiler = models._C
    for kind, name in review_order(codecs.data, names):
        if kind == "from_dict":
            codecs.compile_from_dict(name)
        elif kind == "to_dict":
            codecs.compile_to_dict(name)
        elif kind == "__init__":
            cls = getattr(models, name)
            codecs.compile_init(name, cls.__slots__, cls._defaults_)
        else:
            getattr(codecs.p, "u_" + name)
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
