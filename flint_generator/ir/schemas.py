"""The schema walker: every schema becomes a TypeRef; objects, enums and unions become named classes, once (built by
the ClassBuilder mixin in classes.py)."""

from __future__ import annotations

import json
from typing import Any

from flint_generator.errors import join_pointer
from flint_generator.ir.classes import ClassBuilder, _copy, _presence_only
from flint_generator.ir.classes import _text as _text
from flint_generator.ir.constraints import UNENFORCED, schema_checks, schema_codes
from flint_generator.ir.findings import Findings
from flint_generator.ir.types import Check, Codes, EnumDef, ModelDef, TypeRef, UnionDef, merge_chain, resolve_code
from flint_generator.load import resolve_pointer
from flint_generator.naming import NameEntry, Namer, pascal

# keywords that say something about a schema without constraining it (a `$ref` next to these is a plain reference)
ANNOTATION_KEYS = frozenset(
    {"description", "title", "example", "examples", "default", "readOnly", "writeOnly", "deprecated",
     "externalDocs", "xml", "$comment", "$schema", "$id", "discriminator", "nullable", "format", "contentMediaType",
     "contentEncoding"}
)


class SchemaWalker(ClassBuilder):
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
        if "allOf" in schema and (folded := annotated_ref(schema)) is not None:
            return self.schema_type(folded, pointer, ctx_name, chain)
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


_CODE_KEYS = ("x-error-code", "x-error-codes")


def annotated_ref(s: dict[str, Any]) -> dict[str, Any] | None:
    """`allOf: [{$ref: X}, {description: ...}]` as `{$ref: X, description: ...}` (None for any other schema).

    OpenAPI 3.0 ignores a `$ref`'s siblings, so specs annotate a reference this way (every property of AWS's specs):
    it is X, not a new class with X's fields (EC2 had 1,200 such copies). Only annotations may sit beside the
    reference; error codes only on the outer schema, where they apply to X as a `$ref`'s own would."""
    members = s["allOf"]
    if not isinstance(members, list) or not members or not all(isinstance(m, dict) for m in members):
        return None
    refs = [m for m in members if "$ref" in m]
    if len(refs) != 1 or not isinstance(refs[0]["$ref"], str):
        return None
    folded: dict[str, Any] = {"$ref": refs[0]["$ref"]}
    for part in (s, *members):
        for k, v in part.items():
            if k == "allOf" and part is s or k == "$ref" and part is refs[0]:
                continue
            if k in _CODE_KEYS and part is not s or k not in ANNOTATION_KEYS and not k.startswith("x-"):
                return None
            folded.setdefault(k, v)
    return folded


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
