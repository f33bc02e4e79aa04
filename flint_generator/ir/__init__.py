"""The typed intermediate representation: one pass over the validated document builds every model, enum, union and
operation the plan and the templates need. Nothing downstream reads the raw document or writes into the IR.

    extensions.py  the x- extensions          schemas.py     schemas -> TypeRefs and named classes
    operations.py  paths -> Operations        usage.py       request/response usage -> strictness, enum openness
    types.py       the dataclasses            findings.py    errors, warnings, degraded (JSON pointers)
    classes.py     the walker's builders of models, enums and unions
"""

from __future__ import annotations

from typing import Any

from flint_generator.errors import SpecError, join_pointer
from flint_generator.ir.extensions import read_extensions
from flint_generator.ir.findings import Findings
from flint_generator.ir.operations import HTTP_METHODS, build_operations
from flint_generator.ir.schemas import SchemaWalker, _text
from flint_generator.ir.types import (Api, Check, Codes, EnumDef, Extensions, Field, ModelDef, Operation, Param, TypeRef,
                                UnionDef, Variant)
from flint_generator.ir.usage import decide_strictness
from flint_generator.naming import client_method_names, enum_member_names


def build_api(doc: dict[str, Any], *, lenient: bool) -> tuple[Api | None, list[SpecError]]:
    """The IR of a document, or None and every error found (lenient: repaired, reported as warnings)."""
    findings = Findings(lenient)
    ext = read_extensions(doc, findings)
    w = SchemaWalker(doc, findings)
    w.reserve_components()
    schemas = (doc.get("components") or {}).get("schemas") or {}
    # components first: an inline shape shared with an operation body is named after the component's path
    w.request_side = False
    for k in sorted(schemas):
        ptr = join_pointer("/components/schemas", k)
        if ptr not in w.by_pointer:
            w.ref_type(ptr, schemas[k], [])
    # every component gets a public name: the ones that are no class/union/enum become a TypeAlias
    aliases = []
    for k in sorted(schemas):
        ptr = join_pointer("/components/schemas", k)
        t, name = w.by_pointer.get(ptr), w.named.get(ptr)
        if t is not None and name and t.name != name and t.kind not in ("model", "union", "enum"):
            aliases.append((name, t))
    w.response_ptrs.clear()
    ops = build_operations(w, ext)
    enum_open = decide_strictness(doc, list(w.models.values()), list(w.unions.values()), list(w.enums.values()),
                                  w.request_ptrs, w.response_ptrs)
    groups: dict[str, list[Operation]] = {}
    for op in ops:
        groups.setdefault(op.group, []).append(op)
    for gops in groups.values():
        for o, name in zip(gops, client_method_names([o.client_name for o in gops], [o.operation_id for o in gops])):
            o.client_name = name
    if findings.errors:
        return None, sorted(set(findings.errors))
    info = doc.get("info") or {}
    api = Api(
        title=_text(info.get("title")), version=_text(info.get("version")), description=_text(info.get("description")),
        ext=ext, models=sorted(w.models.values(), key=lambda m: m.name),
        enums=sorted(w.enums.values(), key=lambda e: e.name), unions=sorted(w.unions.values(), key=lambda u: u.name),
        operations=ops, enum_open=enum_open, groups=sorted(groups.items()),
        naming=sorted(w.namer.report, key=lambda n: n.pointer), warnings=sorted(set(findings.warnings)),
        degraded=sorted(set(findings.degraded)), aliases=sorted(aliases, key=lambda a: a[0]),
    )
    return api, []


__all__ = ["Api", "build_api", "Check", "Codes", "EnumDef", "Extensions", "Field", "ModelDef", "Operation", "Param",
           "TypeRef", "UnionDef", "Variant", "HTTP_METHODS", "enum_member_names"]
