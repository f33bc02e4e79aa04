"""The compiler of values: the statements that check and convert one JSON value, and the expressions that write
one back. Part of the exec-mode runtime (`_codec_compile.py` builds on it) and of the generator, which runs the same
compiler for `--codecs=source`; never imported by a package generated with `--codecs=source`.

Only our own text is emitted: local names, slot names (checked to be identifiers) and Python literals made by
`repr()` of JSON strings and numbers. Everything else (patterns, enum sets, codes tables) becomes a named constant.
"""

from __future__ import annotations

import math
import typing as _t
from decimal import Decimal as _Decimal

from . import _runtime as _rt
from ._codec import Desc, ident as _ident

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


def _lit(value: _t.Any) -> str:
    """A Python literal for a JSON scalar; repr() escapes quotes, backslashes and newlines."""
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    raise TypeError(f"not a literal: {value!r}")


class Src:
    """One function being compiled: its name, parameters (as written in a plain `def`) and body lines."""

    def __init__(self, codecs: ValueCompiler, fn: str, params: list[str]) -> None:
        self.codecs = codecs
        self.fn = fn
        self.params = params
        self.lines: list[str] = []

    def add(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def const(self, value: _t.Any) -> str:
        return self.codecs.const(value)

    def text(self, name: str | None = None, typed: bool = False) -> str:
        """The source: `def <fn>(...)` as exec mode runs it, or (for `--codecs=source`) under another name with
        annotations, the body the same either way."""
        if typed:
            params = [p if p == "*" else _annotated(p, self.fn != "__init__") for p in self.params]
            ret = " -> None" if self.fn == "__init__" else " -> _t.Any"
        else:
            params, ret = self.params, ""
        head = f"def {name or self.fn}({', '.join(params)}){ret}:"
        return "\n".join([head, *self.lines]) + "\n"


def _annotated(param: str, parser: bool) -> str:
    name, eq, default = param.partition("=")
    kind = "str" if parser and name == "path" else "_t.Any"  # an __init__'s `path` is a field
    return f"{name}: {kind} = {default}" if eq else f"{name}: {kind}"


class ValueCompiler:
    """Statement and expression builders shared by every compiled function (see `_codec_compile.Compiler`)."""

    def const(self, value: _t.Any) -> str:
        raise NotImplementedError

    def enum_map(self, name: str) -> str:
        raise NotImplementedError

    def _exec(self, s: Src, what: str) -> _t.Any:
        raise NotImplementedError

    def _type_test(self, t: Desc, x: str) -> str:
        k = t["k"]
        if k == "float":
            return f"type({x}) is not float and type({x}) is not int"
        if k == "none":
            return f"{x} is not None"
        return f"type({x}) is not {k}"

    def _checks(self, s: Src, ind: int, t: Desc, x: str, loc: str) -> None:
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

    def _num(self, s: Src, value: _t.Any, kind: str = "") -> str:
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
        s = Src(self, "parse", ["x", "path=''"])
        if t.get("n"):
            s.add(1, "if x is None:")
            s.add(2, "return None")
        self.parse(s, 1, t, "x", "path")
        s.add(1, "return x")
        return self._exec(s, f"type {t['k']}")

    def _nested(self, s: Src, ind: int, x: str, call: str, loc: str, wrap: bool) -> None:
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

    def parse(self, s: Src, ind: int, t: Desc, x: str, loc: str, wrap: bool = False) -> None:
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
