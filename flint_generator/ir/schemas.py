"""The schema walker: every schema becomes a TypeRef; objects, enums and unions become named classes, once."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from flint_generator.errors import join_pointer
from flint_generator.ir.constraints import UNENFORCED, schema_checks, schema_codes
from flint_generator.ir.discriminators import const_tags, infer_discriminator
from flint_generator.ir.findings import Findings
from flint_generator.ir.types import (Check, Codes, EnumDef, Field, ModelDef, TypeRef, UnionDef, Variant, merge_chain,
                                resolve_code)
from flint_generator.load import resolve_pointer
from flint_generator.naming import (RESERVED_FIELDS, NameEntry, Namer, enum_member_names, pascal, safe_identifier,
                              unique_fields, variant_word)

# keywords that say something about a schema without constraining it (a `$ref` next to these is a plain reference)
ANNOTATION_KEYS = frozenset(
    {"description", "title", "example", "examples", "default", "readOnly", "writeOnly", "deprecated",
     "externalDocs", "xml", "$comment", "$schema", "$id", "discriminator", "nullable", "format", "contentMediaType",
     "contentEncoding"}
)


class SchemaWalker:
    """Walks schemas into TypeRefs, creating each model, enum and union once (identical inline shapes share
    one class) and naming them through the Namer."""

    def __init__(self, doc: dict[str, Any], findings: Findings) -> None:
        self.doc = doc
        self.findings = findings
        self.namer = Namer()
        self.models: dict[str, ModelDef] = {}  # by pointer
        self.enums: dict[str, EnumDef] = {}
        self.unions: dict[str, UnionDef] = {}
        self.named: dict[str, str] = {}  # component pointer -> reserved class name
        self.by_pointer: dict[str, TypeRef] = {}  # component pointer -> finished type (for non-class components)
        self.expanding: set[str] = set()
        self.variant_names: set[str] = set()  # ctx names handed to union members (naming report rule)
        self.request_side = True  # which side is being walked: decides enum openness defaults
        self.request_ptrs: set[str] = set()
        self.response_ptrs: set[str] = set()
        # identical inline schemas share one class (Stripe repeats request shapes per operation): key -> pointer
        self.shapes: dict[str, str] = {}

    # ---------------------------------------------------------------- extensions
    # ---------------------------------------------------------------- helpers
    def deref(self, schema: Any, pointer: str) -> tuple[Any, str]:
        seen = 0
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and len(schema) == 1:
            ref = schema["$ref"]
            try:
                schema, pointer = resolve_pointer(self.doc, ref[1:]), ref[1:]
            except KeyError:
                return {}, pointer
            seen += 1
            if seen > 64:
                return {}, pointer
        return schema, pointer

    # ---------------------------------------------------------------- names
    def reserve_components(self) -> None:
        schemas = (self.doc.get("components") or {}).get("schemas") or {}
        self.named = self.namer.components(list(schemas), lambda k: join_pointer("/components/schemas", k))

    def shape_key(self, kind: str, s: dict[str, Any], chain: list[Codes]) -> str:
        return kind + json.dumps([s, [[c.by_keyword, c.code] for c in chain]], sort_keys=True, default=str)

    def same_shape(self, key: str, pointer: str, name: str) -> None:
        self.namer.report.append(NameEntry(pointer, name, f"identical to {self.shapes[key]}: shares its class"))

    def inline_name(self, base: str, pointer: str, rule: str) -> str:
        if base in self.variant_names:  # a union member's class: say how its suffix was chosen
            rule = "union member: union name + word from the member's content (title, $ref, const/enum, " \
                   "pinned or first required property, type)"
        return self.namer.inline(base, pointer, rule)

    # ---------------------------------------------------------------- schemas
    def schema_type(self, schema: Any, pointer: str, ctx_name: str, chain: list[Codes]) -> TypeRef:
        """Type of a schema used at `pointer`; `ctx_name` names inline classes; `chain` are the enclosing codes."""
        if schema is True or schema is None:
            return TypeRef("any")
        if schema is False or not isinstance(schema, dict):
            return self.findings.degrade(pointer, "boolean false / non-object schema")
        if "x-generator-degraded" in schema and "$ref" not in schema:
            return self.findings.degrade(pointer, str(schema["x-generator-degraded"]))
        ref = schema.get("$ref")
        if isinstance(ref, str):
            try:
                target = resolve_pointer(self.doc, ref[1:])
            except KeyError:
                return self.findings.degrade(pointer, f"dangling $ref {ref}")
            siblings = {k: v for k, v in schema.items() if k != "$ref" and k not in ANNOTATION_KEYS
                        and not k.startswith("x-")}
            nullable = schema.get("nullable") is True
            here = schema_codes(schema)
            inner_chain = chain + [here] if not here.empty else chain
            if siblings:
                merged = {"allOf": [{"$ref": ref}, siblings]}
                for k in ("x-error-code", "x-error-codes"):
                    if k in schema:
                        merged[k] = schema[k]
                t = self.schema_type(merged, pointer, ctx_name, chain)
            else:
                t = self.ref_type(ref[1:], target, inner_chain)
            if nullable and not t.nullable:
                t = _copy(t, nullable=True)
            return t
        return self.build(schema, pointer, ctx_name, chain)

    def ref_type(self, ptr: str, target: Any, chain: list[Codes]) -> TypeRef:
        name = self.named.get(ptr)
        t = self.by_pointer.get(ptr)
        if t is None:
            if ptr in self.expanding:
                if name is None or not self._is_class(target):
                    return self.findings.degrade(ptr, "recursive schema that is not an object or union; degraded to Any")
            self.expanding.add(ptr)
            try:
                t = self.build(target, ptr, name or pascal(ptr.rsplit("/", 1)[-1]), [], own_name=name)
            finally:
                self.expanding.discard(ptr)
            self.by_pointer[ptr] = t
        (self.request_ptrs if self.request_side else self.response_ptrs).add(ptr)
        if t.kind in ("model", "union") and chain:
            outer = merge_chain(chain)
            if outer is not None:
                t = _copy(t, recode=outer)
        elif chain and t.kind not in ("model", "union"):
            # scalar components: re-resolve their codes with the outer chain in front
            t = self.build(target, ptr, name or "X", chain, own_name=name, reuse=t)
        return t

    def _is_class(self, s: Any) -> bool:
        if not isinstance(s, dict):
            return False
        return bool(s.get("properties") or s.get("oneOf") or s.get("anyOf") or s.get("allOf")
                    or s.get("type") == "object")

    def build(self, s: dict[str, Any], pointer: str, ctx_name: str, chain: list[Codes],
              own_name: str | None = None, reuse: TypeRef | None = None) -> TypeRef:
        for kw in UNENFORCED:
            if kw in s and reuse is None:
                self.findings.not_enforced(join_pointer(pointer, kw), f"{kw} is not enforced by the models")
        here = schema_codes(s)
        chain = chain + [here] if not here.empty else chain
        nullable = s.get("nullable") is True
        types = s.get("type")
        if isinstance(types, list):
            if "null" in types:
                nullable = True
            types = [t for t in types if t != "null"]
            if len(types) == 1:
                types = types[0]
            elif not types:
                types = "null"
        enum = s.get("enum")
        if isinstance(enum, list) and None in enum:
            nullable = True
            enum = [v for v in enum if v is not None]
            if not enum:
                return TypeRef("none")
        if "const" in s and s["const"] is None:
            return TypeRef("none")

        # unions
        for key in ("oneOf", "anyOf"):
            variants = s.get(key)
            if isinstance(variants, list) and variants:
                non_null = [v for v in variants if not (isinstance(v, dict) and (v.get("type") == "null" or
                                                        v.get("enum") == [None]))]
                if len(non_null) < len(variants):
                    nullable = True
                rest = {k: v for k, v in s.items() if k not in (key, "nullable", "discriminator") and
                        k not in ANNOTATION_KEYS and not k.startswith("x-")}
                if len(non_null) == 1 and not rest:
                    t = self.schema_type(non_null[0], join_pointer(pointer, key, variants.index(non_null[0])),
                                         ctx_name, chain)
                    return _copy(t, nullable=True) if nullable and not t.nullable else t
                if _presence_only(variants):
                    break  # a constraint on which properties are present; fill_model checks it
                if not rest or set(rest) <= {"type"}:
                    return self.union(s, key, non_null, pointer, ctx_name, chain, nullable, own_name)
                # union next to properties: treat the properties as the model and ignore the union (reported)
                self.findings.not_enforced(pointer, f"{key} next to other keywords: {key} ignored")
                break

        if isinstance(s.get("allOf"), list) and s["allOf"]:
            return self.all_of(s, pointer, ctx_name, chain, nullable, own_name)

        if isinstance(types, list):  # several non-null JSON types: a union of scalars
            members = [{**{k: v for k, v in s.items() if k != "type"}, "type": t} for t in types]
            return self.union({"oneOf": members}, "oneOf", members, pointer, ctx_name, chain, nullable, own_name)

        if types == "object" or ("properties" in s and types is None) or (
                types is None and "additionalProperties" in s):
            return self.object(s, pointer, ctx_name, chain, nullable, own_name)
        if types == "array" or (types is None and "items" in s):
            item = self.schema_type(s.get("items", True), join_pointer(pointer, "items"), ctx_name + "Item", chain)
            return TypeRef("list", nullable=nullable, item=item, checks=schema_checks(s, chain, pointer, self.findings, self.deref),
                           type_code=resolve_code(chain, "type"))
        if types == "null":
            return TypeRef("none")

        kind = {"string": "str", "integer": "int", "number": "decimal", "boolean": "bool"}.get(str(types))
        if kind == "decimal" and s.get("format") in ("float", "double"):
            kind = "float"  # the spec asks for binary floating point; any other number is exact
        if kind is None and "const" in s:
            kind = _kind_of_value(s["const"])
        if kind is None and isinstance(enum, list) and enum:
            kinds = {_kind_of_value(v) for v in enum}
            kind = kinds.pop() if len(kinds) == 1 else None
        if kind is None:
            if types is not None:
                return self.findings.degrade(pointer, f"unknown type {types!r}")
            return TypeRef("any", nullable=nullable)
        if kind == "str" and (s.get("format") == "binary" or (
                isinstance(s.get("contentMediaType"), str) and "contentEncoding" not in s and "enum" not in s)):
            kind = "file"  # an upload (multipart part or raw body): bytes, a file object, or (name, content[, type])
        elif kind == "str" and s.get("format") == "date-time":
            kind = "datetime"
        elif kind == "str" and s.get("format") == "date":
            kind = "date"
        if kind == "str" and isinstance(enum, list) and enum and all(isinstance(v, str) for v in enum):
            return self.enum(s, enum, pointer, ctx_name, chain, nullable, own_name, reuse)
        if kind == "file":  # string keywords (pattern, lengths) do not apply to bytes
            return TypeRef("file", nullable=nullable, type_code=resolve_code(chain, "type"))
        checks = schema_checks(s, chain, pointer, self.findings, self.deref)
        if "const" in s:
            checks.insert(0, Check("enum", [s["const"]], resolve_code(chain, "const") or resolve_code(chain, "enum")))
        return TypeRef(kind, nullable=nullable, checks=checks, type_code=resolve_code(chain, "type"))

    def enum(self, s: dict[str, Any], values: list[str], pointer: str, ctx_name: str, chain: list[Codes],
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

    def object(self, s: dict[str, Any], pointer: str, ctx_name: str, chain: list[Codes], nullable: bool,
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

    def fill_model(self, model: ModelDef, parts: list[tuple[dict[str, Any], str]], chain: list[Codes]) -> None:
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
        avoid = RESERVED_FIELDS | set(self.namer.taken)
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

    def all_of(self, s: dict[str, Any], pointer: str, ctx_name: str, chain: list[Codes], nullable: bool,
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

    def union(self, s: dict[str, Any], key: str, variants: list[Any], pointer: str, ctx_name: str,
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


def _kind_of_value(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "decimal"
    if isinstance(v, str):
        return "str"
    return "any"


def _copy(t: TypeRef, **changes: Any) -> TypeRef:
    return replace(t, **changes)
