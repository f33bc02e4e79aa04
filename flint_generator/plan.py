"""The plan: what the templates and the tables need beyond the IR, decided once and frozen.

Parse helpers for parameters, bodies and responses (their names come from naming.py), which callable parses each
type, the route order, the public union parsers, and the Python annotations of types. render.py and tables.py
both read one Plan; neither decides anything of its own, and nothing here writes into the IR.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from flint_generator import reserved
from flint_generator.ir import Api, EnumDef, Field, ModelDef, Operation, Param, TypeRef, UnionDef
from flint_generator.ir.operations import media_shape
from flint_generator.naming import env_prefix, helper_names, snake
from flint_generator.literals import py

# scalar kinds the runtime parses with a plain `_rt.p_<kind>` when they carry no checks or codes
SIMPLE_KINDS = ("str", "int", "float", "decimal", "bool", "any", "datetime", "date", "file")


@dataclass(frozen=True)
class Helper:
    name: str
    type: TypeRef


@dataclass(frozen=True)
class Plan:
    api: Api
    helpers: tuple[Helper, ...]
    helper_of: Mapping[int, str]  # id() of a TypeRef of the IR -> its helper (the IR outlives the plan)
    enums: Mapping[str, EnumDef]
    routes: tuple[Operation, ...]  # routing order: literal path segments before parameters
    union_parsers: tuple[tuple[str, UnionDef], ...]
    # models a request body can carry: each gets a TypedDict `<Model>Params` in params.py
    input_models: tuple[ModelDef, ...] = ()
    input_names: frozenset[str] = frozenset()
    models_by_name: Mapping[str, ModelDef] = dataclasses.field(default_factory=dict)
    unions_by_name: Mapping[str, UnionDef] = dataclasses.field(default_factory=dict)

    # ------------------------------------------------------------ parsing
    def direct_fn(self, t: TypeRef) -> str | None:
        """The callable that parses `t` without a helper of its own, if there is one."""
        if t.nullable or t.recode is not None:
            return None
        if t.kind == "model":
            return f"{t.name}.from_dict"
        if t.kind == "union":
            return f"_parse_{t.name}"
        if t.kind in SIMPLE_KINDS and not t.checks and t.type_code is None:
            return f"_rt.p_{t.kind}"
        return None

    def parse_fn(self, t: TypeRef | None) -> str | None:
        """How `_operations.json` names the parser (data, path) -> value of a parameter, body or response type: a
        model's `_m.<Model>.from_dict`, a union's `_m._parse_<Union>`, `h:<helper>` (a `_codecs.json` helper, which
        models.py does not declare), a runtime `_rt.p_<kind>`; None when any JSON value will do."""
        if t is None:
            return None
        if t.kind == "model" and not t.nullable:
            return f"_m.{t.name}.from_dict"
        if t.kind == "union" and not t.nullable:
            return f"_m._parse_{t.name}"
        helper = self.helper_of.get(id(t))
        if helper:
            return f"h:{helper}"
        return self.direct_fn(t)

    def param_conv(self, t: TypeRef) -> tuple[str, bool]:
        """How the server turns a query/path/header string into JSON before validating it: (kind, repeated)."""
        multi = t.kind == "list"
        it = t.item if multi and t.item is not None else t
        conv = {"int": "int", "float": "float", "decimal": "decimal", "bool": "bool"}.get(it.kind, "str")
        if it.kind == "union":
            conv = "auto"
        return conv, multi

    def body_shape(self, op: Operation) -> str:
        """How the request body travels: "json", "form" (multipart or urlencoded fields), "text" or "raw"."""
        return media_shape(op.body_media)

    def response_shape(self, op: Operation) -> str:
        """"none" (no success body), "json", "text" (str) or "raw" (bytes)."""
        if op.success is None:
            return "none"
        return media_shape(op.success_media)

    def form_fields(self, op: Operation) -> list[tuple[str, str, bool]]:
        """For a form body: each field's (name, conversion, repeated), so the server can turn the text of a form
        field into the JSON value the model validates (`"3"` -> 3 for an integer field)."""
        if op.body is None or self.body_shape(op) != "form" or op.body.kind != "model":
            return []
        model = self.models_by_name.get(op.body.name or "")
        if model is None:
            return []
        out = []
        for f in model.fields:
            conv, multi = self.param_conv(f.type)
            it = f.type.item if multi and f.type.item is not None else f.type
            if it.kind == "file":
                conv = "file"
            elif it.kind in ("model", "union", "map", "any", "list"):
                conv = "json"  # the client sends such a part as JSON text
            out.append((f.json_name, conv, multi))
        return out

    def anonymous(self, op: Operation) -> bool:
        """The operation can be called without credentials (no security, or an empty alternative)."""
        return op.security is None or not op.security or any(not r for r in op.security)

    def enum_open(self, t: TypeRef) -> bool:
        return self.api.enum_open.get(t.enum_ptr or "", False)

    # ------------------------------------------------------------ annotations
    def type_expr(self, t: TypeRef, prefix: str = "", abstract: bool = False) -> str:
        """Annotation for a type; `prefix` qualifies generated names (`_m.`) outside models.py; `abstract` uses
        Sequence/Mapping (client parameters accept any sequence)."""
        k = t.kind
        if k in ("str", "int", "float", "bool"):
            return k
        if k == "decimal":
            return "_dec.Decimal"
        if k == "any":
            return "_t.Any"
        if k == "none":
            return "None"
        if k == "file":
            return "_rt.FileContent"
        if k == "datetime":
            return "_dt.datetime"
        if k == "date":
            return "_dt.date"
        if k == "enum":
            return f"{prefix}{t.name} | _rt.UnknownEnumValue" if self.enum_open(t) else f"{prefix}{t.name}"
        if k in ("model", "union"):
            return f"{prefix}{t.name}"
        assert t.item is not None
        inner = self.type_expr(t.item, prefix, abstract) + (
            " | None" if t.item.nullable and t.item.kind not in ("none", "any") else "")
        if abstract:
            return f"_t.Sequence[{inner}]" if k == "list" else f"_t.Mapping[str, {inner}]"
        return f"list[{inner}]" if k == "list" else f"dict[str, {inner}]"

    def param_type(self, t: TypeRef, required: bool, abstract: bool = False) -> str:
        out = self.type_expr(t, "_m.", abstract)
        if t.nullable and t.kind not in ("none", "any"):
            out += " | None"
        if not required:
            out += " | _rt.Unset"
        return out

    def result_type(self, op: Operation) -> str:
        """What an operation method returns: the parsed JSON body, or bytes / str for other media."""
        shape = self.response_shape(op)
        if shape == "raw":
            return "bytes"
        if shape == "text":
            return "str"
        return self.return_type(op.success)

    def return_type(self, t: TypeRef | None) -> str:
        if t is None:
            return "None"
        if self.parse_fn(t) is None:
            return "_t.Any"
        return self.param_type(t, True)

    def single_value(self, f: Field) -> tuple[bool, Any]:
        """(True, the JSON value) when `f` is required, not nullable and its schema allows exactly one value (`const`
        or a one-value `enum`: a discriminator's tag in a variant): it then defaults to that value, in the model's
        constructor, its TypedDict and the client's body keywords, so callers need not pass it."""
        t = f.type
        if not f.required or t.nullable:
            return False, None
        if t.kind == "enum":
            e = self.enums.get(t.name or "")
            if e is not None and len(e.members) == 1:
                return True, e.members[0][1]
            return False, None
        if t.kind in ("str", "int", "bool"):
            for c in t.checks:
                if c.keyword == "enum" and isinstance(c.value, list) and len(c.value) == 1:
                    v = c.value[0]
                    if type(v) is {"str": str, "int": int, "bool": bool}[t.kind]:
                        return True, v
        return False, None

    def field_default(self, f: Field) -> str:
        """` = <value>` in the class body for a single-value field (see single_value), else ""."""
        single, value = self.single_value(f)
        if not single:
            return ""
        if f.type.kind == "enum":
            e = self.enums[f.type.name or ""]
            return f" = {e.name}.{e.members[0][0]}"
        return f" = {value!r}"

    def field_type(self, f: Field) -> str:
        t = f.type
        out = self.type_expr(t)
        if t.nullable and t.kind not in ("none", "any"):
            out += " | None"
        if not f.required:
            out += " | _rt.Unset"
        return out

    def union_type(self, u: UnionDef) -> str:
        parts = [self.type_expr(v.type) for v in u.variants]
        if u.discriminator:
            parts.append("_rt.UnknownVariant")
        return " | ".join(dict.fromkeys(parts))

    def union_desc(self, u: UnionDef) -> str:
        return "one of: " + ", ".join(dict.fromkeys(self.type_expr(v.type).split(" | ")[0] for v in u.variants))

    # ------------------------------------------------------------ the client
    @property
    def env_prefix(self) -> str:
        return env_prefix(self.api.ext.client_name)

    def typed_dict_name(self, model: str) -> str:
        return model + "Params"

    def input_type(self, t: TypeRef, models: str = "_m.", params: str = "_p.") -> str:
        """What a client argument of type `t` accepts: the model or its TypedDict, an enum member or its `Literal`
        value, any sequence/mapping; `| None` when nullable."""
        k = t.kind
        out: str
        if k == "decimal":
            out = "_dec.Decimal | int"  # exact values only: a float would bring its binary rounding along
        elif k == "enum":
            e = self.enums.get(t.name or "")
            lits = ", ".join(py(v) for _, v in e.members) if e is not None else ""
            out = self.type_expr(t, models) + (f" | _t.Literal[{lits}]" if lits else "")
        elif k == "model":
            out = f"{models}{t.name}"
            if t.name in self.input_names:
                out += f" | {params}{self.typed_dict_name(t.name or '')}"
        elif k == "union":
            u = self.unions_by_name.get(t.name or "")
            out = f"{models}{t.name}"
            if u is not None:
                extra = [f"{params}{self.typed_dict_name(v.type.name or '')}" for v in u.variants
                         if v.type.kind == "model" and v.type.name in self.input_names]
                extra += [self.input_type(v.type, models, params) for v in u.variants
                          if v.type.kind in ("enum", "list", "map")]
                out = " | ".join(dict.fromkeys([out] + extra))
        elif k in ("list", "map"):
            assert t.item is not None
            inner = self.input_type(t.item, models, params)
            out = f"_t.Sequence[{inner}]" if k == "list" else f"_t.Mapping[str, {inner}]"
        else:
            out = self.type_expr(t, models)
        if t.nullable and k not in ("none", "any"):
            out += " | None"
        return out

    def td_field_type(self, f: Field) -> str:
        """A TypedDict value (in params.py): Required[...] for a required field (the TypedDict is total=False)."""
        inner = self.input_type(f.type, "_m.", "")
        return f"Required[{inner}]" if f.required and not self.single_value(f)[0] else inner

    def client_params(self, op: Operation) -> list[Param]:
        """The parameters a client method takes: all of them (a declared API-version header given per call replaces the
        client's pinned value for that call)."""
        return list(op.params)

    def split_params(self, params: Sequence[Param]) -> tuple[list[Param], list[Param]]:
        """(path parameters, the others), each in order (Jinja's selectattr costs 10x this on thousands of methods)."""
        return [p for p in params if p.location == "path"], [p for p in params if p.location != "path"]

    def conditional(self, op: Operation) -> bool:
        """The operation declares If-None-Match / If-Modified-Since: a 304 answer returns None."""
        return any(p.location == "header" and p.name.lower() in ("if-none-match", "if-modified-since")
                   for p in op.params)

    def body_fields(self, op: Operation) -> list[Field]:
        """Top-level fields of an object body that the method also takes as keywords (a field whose name another
        argument or option of the method uses, or that starts with "_", is only settable through `body`)."""
        b = op.body
        if b is None or b.kind != "model" or b.nullable or b.recode is not None:
            return []
        m = self.models_by_name.get(b.name or "")
        if m is None or m.extra is not None:
            return []
        taken = {p.py_name for p in op.params} | reserved.CLIENT_METHOD_LOCALS | reserved.CLIENT_METHOD_GLOBALS \
            | reserved.PAGE_OPTIONS
        return [f for f in m.fields if f.py_name not in taken and not f.py_name.startswith("_")]

    def client_return(self, op: Operation) -> str:
        ret = self.result_type(op)
        if self.conditional(op) and ret not in ("None", "_t.Any"):
            ret += " | None"
        return ret

    def path_expr(self, op: Operation) -> str:
        """The request path as concatenated literals and quoted parameters (never an f-string of spec text)."""
        by_name = {p.name: p for p in op.params if p.location == "path"}
        parts: list[str] = []
        for i, chunk in enumerate(re.split(r"{([^}]+)}", op.path)):
            if i % 2 == 0:
                if chunk:
                    parts.append(py(chunk))
            elif chunk in by_name:
                parts.append(f"_path({by_name[chunk].py_name})")
            else:
                parts.append(py("{" + chunk + "}"))
        return " + ".join(parts) or '""'


def make_plan(api: Api) -> Plan:
    # parameters, bodies and responses whose type has no parser of its own (a list, a nullable model...) get a
    # named one in models.py for client.py and server.py; models parse their fields with compiled code
    probe = Plan(api, (), {}, {}, (), ())
    wanted: list[tuple[str, TypeRef]] = []
    seen: set[int] = set()
    for op in api.operations:
        base = "Op_" + op.service_name
        slots = [(p.type, base + "_" + p.py_name) for p in op.params]
        slots += [(t, base + suffix) for t, suffix in ((op.body, "_body"), (op.success, "_response"),
                                                      (op.idempotency_type, "_idempotency_key")) if t is not None]
        for t, name in slots:
            if t.kind in ("model", "union") and not t.nullable and t.recode is None:
                continue
            if probe.direct_fn(t) is None and id(t) not in seen:
                seen.add(id(t))
                wanted.append(("_h_" + name, t))
    names = helper_names([n for n, _ in wanted])
    inputs = _input_models(api)
    helpers = tuple(Helper(n, t) for n, (_, t) in zip(names, wanted))
    return Plan(
        api=api, helpers=helpers, helper_of={id(h.type): h.name for h in helpers},
        enums={e.name: e for e in api.enums}, routes=tuple(sorted(api.operations, key=_route_key)),
        union_parsers=_union_parsers(api), input_models=inputs, input_names=frozenset(m.name for m in inputs),
        models_by_name={m.name: m for m in api.models}, unions_by_name={u.name: u for u in api.unions},
    )


def _input_models(api: Api) -> tuple[ModelDef, ...]:
    """The models reachable from a request body (through fields, union variants, list and map items), in the
    order of api.models."""
    by_name = {m.name: m for m in api.models}
    unions = {u.name: u for u in api.unions}
    seen: set[str] = set()
    todo = [op.body for op in api.operations if op.body is not None]
    while todo:
        t = todo.pop()
        if t.kind == "model" and t.name in by_name and t.name not in seen:
            seen.add(t.name)
            m = by_name[t.name]
            todo.extend(f.type for f in m.fields)
            if m.extra is not None:
                todo.append(m.extra)
        elif t.kind == "union" and t.name in unions and "u:" + t.name not in seen:
            seen.add("u:" + t.name)
            todo.extend(v.type for v in unions[t.name].variants)
        elif t.item is not None:
            todo.append(t.item)
    return tuple(m for m in api.models if m.name in seen)


def _route_key(op: Operation) -> tuple[object, ...]:
    """Literal path segments before parameters, so /orders/search wins over /orders/{order_id}."""
    segs = op.path.strip("/").split("/")
    return tuple((1 if re.fullmatch(r"{[^}]+}", s) else 0, s) for s in segs) + ((2, op.method),)


def _union_parsers(api: Api) -> tuple[tuple[str, UnionDef], ...]:
    """Public `parse_<snake>` for each union component (a union is a type alias, so it has no from_dict).
    Two components whose snake names meet get none rather than a numbered name; their models still parse them."""
    by_name: dict[str, list[UnionDef]] = {}
    for u in api.unions:
        if u.pointer.startswith("/components/schemas/") and u.pointer.count("/") == 3:
            by_name.setdefault("parse_" + snake(u.name), []).append(u)
    return tuple(sorted(((fn, us[0]) for fn, us in by_name.items() if len(us) == 1 and fn.isidentifier()),
                        key=lambda x: x[0]))
