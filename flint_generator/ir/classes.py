"""The named classes of the IR: how the schema walker builds a model (object or allOf), an enum or a union, once per
schema (identical inline shapes share one class), with its fields, checks, presence groups and discriminator.

A mixin of SchemaWalker (schemas.py): each builder takes the walker as `self`, typed by what it uses of it.
"""

from __future__ import annotations

from collections import ChainMap
from dataclasses import replace
from typing import Any, Protocol

from flint_generator.errors import join_pointer
from flint_generator.ir.constraints import schema_checks, schema_codes
from flint_generator.ir.discriminators import const_tags, infer_discriminator
from flint_generator.ir.findings import Findings
from flint_generator.ir.types import (Check, Codes, EnumDef, Field, ModelDef, TypeRef, UnionDef, Variant, merge_chain,
                                resolve_code)
from flint_generator.load import resolve_pointer
from flint_generator.naming import (RESERVED_FIELDS, Namer, enum_member_names, pascal, safe_identifier, unique_fields,
                              variant_word)


class _Walker(Protocol):
    """What the builders use of the SchemaWalker they are mixed into."""

    doc: dict[str, Any]
    findings: Findings
    namer: Namer
    models: dict[str, ModelDef]
    enums: dict[str, EnumDef]
    unions: dict[str, UnionDef]
    named: dict[str, str]
    shapes: dict[str, str]
    variant_names: set[str]

    def deref(self, schema: Any, pointer: str) -> tuple[Any, str]: ...

    def shape_key(self, kind: str, s: dict[str, Any], chain: list[Codes]) -> str: ...

    def same_shape(self, key: str, pointer: str, name: str) -> None: ...

    def inline_name(self, base: str, pointer: str, rule: str) -> str: ...

    def schema_type(self, schema: Any, pointer: str, ctx_name: str, chain: list[Codes]) -> TypeRef: ...

    def build(self, s: dict[str, Any], pointer: str, ctx_name: str, chain: list[Codes],
              own_name: str | None = None, reuse: TypeRef | None = None) -> TypeRef: ...

    def fill_model(self, model: ModelDef, parts: list[tuple[dict[str, Any], str]], chain: list[Codes]) -> None: ...


class ClassBuilder:
    """SchemaWalker's builders of named classes: enum, object (and fill_model), all_of, union."""

    def enum(self: _Walker, s: dict[str, Any], values: list[str], pointer: str, ctx_name: str, chain: list[Codes],
             nullable: bool, own_name: str | None, reuse: TypeRef | None) -> TypeRef:
        ext = s.get("x-flint-enum")
        site = pointer
        if reuse is not None and reuse.kind == "enum" and reuse.name:
            name = reuse.name
        elif pointer in self.enums:
            name = self.enums[pointer].name
        elif not own_name and (key := self.shape_key("enum", s, chain)) in self.shapes:
            first = self.enums[self.shapes[key]]
            name = first.name
            first.pointers.append(pointer)
            self.same_shape(key, pointer, name)
        else:
            name = own_name or self.inline_name(ctx_name, pointer, "inline enum: parent class + property")
            vals = list(dict.fromkeys(values))
            declared = True if ext == "open" else False if ext == "closed" else None
            self.enums[pointer] = EnumDef(name, pointer, list(zip(enum_member_names(vals), vals)),
                                          _text(s.get("description")), declared, [pointer])
            if not own_name:
                self.shapes[self.shape_key("enum", s, chain)] = pointer
        checks = [c for c in schema_checks(s, chain, pointer, self.findings, self.deref) if c.keyword != "enum"]
        return TypeRef("enum", nullable=nullable, name=name, checks=checks,
                       type_code=resolve_code(chain, "type"), enum_ptr=site,
                       value_code=resolve_code(chain, "enum"))

    def object(self: _Walker, s: dict[str, Any], pointer: str, ctx_name: str, chain: list[Codes], nullable: bool,
               own_name: str | None) -> TypeRef:
        props = s.get("properties") or {}
        addl = s.get("additionalProperties", True)
        if not props and addl is not False:
            value = TypeRef("any") if addl in (True, None) or addl == {} else (
                self.schema_type(addl, join_pointer(pointer, "additionalProperties"), ctx_name + "Value", chain)
                if isinstance(addl, dict) else TypeRef("any"))
            return TypeRef("map", nullable=nullable, item=value, type_code=resolve_code(chain, "type"),
                           checks=schema_checks(s, chain, pointer, self.findings, self.deref))
        model = self.models.get(pointer)
        key = self.shape_key("object", s, chain) if not own_name else ""
        if model is None and key in self.shapes:
            model = self.models[self.shapes[key]]
            model.pointers.append(pointer)
            self.same_shape(key, pointer, model.name)
        if model is None:
            if key:
                self.shapes[key] = pointer
            name = own_name or self.inline_name(ctx_name, pointer, "inline object: parent class + property")
            model = ModelDef(name, pointer, _text(s.get("description")) or _text(s.get("title")),
                             codes=merge_chain(chain) or Codes({}, None))
            self.models[pointer] = model
            self.fill_model(model, [(s, pointer)], chain)
        return TypeRef("model", nullable=nullable, name=model.name, type_code=model.code("type"))

    def fill_model(self: _Walker, model: ModelDef, parts: list[tuple[dict[str, Any], str]], chain: list[Codes]) -> None:
        props: dict[str, tuple[Any, str]] = {}
        required: list[str] = []
        addl: Any = None
        for s, ptr in parts:
            for k, v in (s.get("properties") or {}).items():
                props[str(k)] = (v, join_pointer(ptr, "properties", k))
            req = s.get("required")
            if isinstance(req, list):
                required += [str(r) for r in req if r not in required]
            if "additionalProperties" in s:
                addl = (s["additionalProperties"], join_pointer(ptr, "additionalProperties"))
            for kw in ("minProperties", "maxProperties"):
                if isinstance(s.get(kw), int) and not isinstance(s.get(kw), bool):
                    model.size_checks.append(Check(kw, s[kw], model.code(kw), kw in model.codes.by_keyword))
            for key in ("oneOf", "anyOf"):
                if _presence_only(s.get(key)):
                    model.presence.append((key, [[str(r) for r in v.get("required") or []] for v in s[key]]))
        # a view of both, not a copy: copying every class name for each class took seconds on AWS EC2
        avoid = ChainMap(dict.fromkeys(RESERVED_FIELDS, ""), self.namer.taken)
        names = unique_fields(list(props), avoid)
        fields = []
        for json_name, (ps, pptr) in props.items():
            t = self.schema_type(ps, pptr, model.name + pascal(json_name), [])
            desc = _text(ps.get("description")) if isinstance(ps, dict) else ""
            fields.append(Field(json_name, names[json_name], t, json_name in required, desc))
        for r in required:
            if r not in props:  # required but undeclared: keep it required and untyped
                py = safe_identifier(r, avoid)
                while py in names.values() or any(f.py_name == py for f in fields):
                    py += "_"
                fields.append(Field(r, py, TypeRef("any"), True, ""))
        model.fields = fields
        if addl is not None:
            a, aptr = addl
            if a is False:
                model.reject_unknown = True
            elif isinstance(a, dict) and a:
                model.extra = self.schema_type(a, aptr, model.name + "Value", [])

    def all_of(self: _Walker, s: dict[str, Any], pointer: str, ctx_name: str, chain: list[Codes], nullable: bool,
               own_name: str | None) -> TypeRef:
        parts: list[tuple[dict[str, Any], str, list[Codes], str | None]] = []

        def flatten(node: Any, ptr: str, ch: list[Codes], depth: int, comp: str | None = None) -> None:
            if depth > 32 or not isinstance(node, dict):
                return
            node_codes = schema_codes(node)
            ch2 = ch + [node_codes] if not node_codes.empty else ch
            ref = node.get("$ref")
            if isinstance(ref, str):
                try:
                    target = resolve_pointer(self.doc, ref[1:])
                except KeyError:
                    self.findings.not_enforced(ptr, f"dangling $ref {ref} in allOf")
                    return
                flatten(target, ref[1:], ch2, depth + 1, self.named.get(ref[1:]))
                return
            own = {k: v for k, v in node.items() if k != "allOf"}
            parts.append((own, ptr, ch2, comp))
            for i, m in enumerate(node.get("allOf") or []):
                flatten(m, join_pointer(ptr, "allOf", i), ch2, depth + 1)

        flatten(s, pointer, chain[:-1] if chain and not schema_codes(s).empty else chain, 0)
        is_object = any(p.get("properties") or p.get("type") == "object" or "additionalProperties" in p
                        for p, _, _, _ in parts)
        if is_object:
            model = self.models.get(pointer)
            if model is None:
                name = own_name or self.inline_name(ctx_name, pointer, "inline allOf object: parent class + property")
                model = ModelDef(name, pointer, _text(s.get("description")),
                                 codes=merge_chain(chain) or Codes({}, None))
                self.models[pointer] = model
                self.fill_model(model, [(p, ptr) for p, ptr, _, _ in parts], [])
            return TypeRef("model", nullable=nullable, name=model.name, type_code=model.code("type"))
        unions = [p for p in parts if p[0].get("oneOf") or p[0].get("anyOf")]
        if unions:
            p, ptr, ch, comp = unions[0]
            return self.build(p, ptr, ctx_name, ch[:-1] if ch and not schema_codes(p).empty else ch, comp or own_name)
        # scalar allOf: the first member with a type is the base; every other member adds its checks in order,
        # each with the code its own chain resolves to
        typed = [i for i, (p, _, _, _) in enumerate(parts) if any(k in p for k in ("type", "enum", "const", "format"))]
        result: TypeRef | None = None
        checks: list[Check] = []
        for i, (p, ptr, ch, comp) in enumerate(parts):
            if typed and i == typed[0]:
                result = self.build(p, ptr, ctx_name, ch[:-1] if ch and not schema_codes(p).empty else ch,
                                    own_name=comp or own_name)
                continue
            if isinstance(p.get("enum"), list):
                checks.append(Check("enum", [v for v in p["enum"] if v is not None], resolve_code(ch, "enum")))
            if "const" in p:
                checks.append(Check("enum", [p["const"]], resolve_code(ch, "const") or resolve_code(ch, "enum")))
            checks += schema_checks({k: v for k, v in p.items() if k != "enum"}, ch, ptr, self.findings, self.deref)
        if result is None:
            return TypeRef("any", nullable=nullable)
        out = _copy(result, checks=result.checks + checks)
        if nullable and not out.nullable:
            out.nullable = True
        return out

    def union(self: _Walker, s: dict[str, Any], key: str, variants: list[Any], pointer: str, ctx_name: str,
              chain: list[Codes], nullable: bool, own_name: str | None) -> TypeRef:
        if pointer in self.unions:
            u = self.unions[pointer]
            return TypeRef("union", nullable=nullable or u.nullable, name=u.name)
        # `key` stays the keyword (oneOf/anyOf): member pointers are built from it below
        shape = self.shape_key("union" + key, s, chain) if not own_name else ""
        if shape in self.shapes:
            u = self.unions[self.shapes[shape]]
            u.pointers.append(pointer)
            self.same_shape(shape, pointer, u.name)
            return TypeRef("union", nullable=nullable, name=u.name)
        if shape:
            self.shapes[shape] = pointer
        name = own_name or self.inline_name(ctx_name, pointer, f"inline {key}: parent class + property")
        u = UnionDef(name, pointer, _text(s.get("description")), codes=merge_chain(chain) or Codes({}, None))
        self.unions[pointer] = u
        disc = s.get("discriminator") if isinstance(s.get("discriminator"), dict) else None
        mapping: dict[str, str] = {}
        if disc and isinstance(disc.get("mapping"), dict):
            mapping = {str(k): str(v) for k, v in disc["mapping"].items()}
        for i, v in enumerate(variants):
            vptr = join_pointer(pointer, key, i)
            vname = name + variant_word(v, [o for j, o in enumerate(variants) if j != i])
            self.variant_names.add(vname)
            t = self.schema_type(v, vptr, vname, [])
            u.variants.append(Variant(t, []))
        prop = disc.get("propertyName") if disc else None
        if isinstance(prop, str):
            u.discriminator = prop
            for var, raw in zip(u.variants, variants):
                ref = raw.get("$ref") if isinstance(raw, dict) else None
                tags = [k for k, target in mapping.items() if target == ref or
                        target == (ref or "").rsplit("/", 1)[-1]]
                if not tags:
                    tags = const_tags(self.deref, raw, prop)
                if not tags and isinstance(ref, str) and not mapping:
                    tags = [ref.rsplit("/", 1)[-1]]
                var.tags = tags
        else:
            infer_discriminator(self.deref, u, variants)
        return TypeRef("union", nullable=nullable, name=name)


def _text(v: Any) -> str:
    return v if isinstance(v, str) else ""


def _presence_only(variants: Any) -> bool:
    return (isinstance(variants, list) and bool(variants) and all(
        isinstance(v, dict) and isinstance(v.get("required"), list) and set(v) <= {"required", "description", "title"}
        for v in variants))


def _copy(t: TypeRef, **changes: Any) -> TypeRef:
    return replace(t, **changes)
