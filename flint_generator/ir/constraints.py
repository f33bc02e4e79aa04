"""The JSON-Schema keywords the models enforce, read from one schema into Checks with their resolved codes."""

from __future__ import annotations

import re
from typing import Any, Callable

from flint_generator.errors import join_pointer
from flint_generator.ir.findings import Findings
from flint_generator.ir.types import Check, Codes, resolve_code

# follows a bare `$ref` chain: (schema, pointer) -> (target, its pointer)
Deref = Callable[[Any, str], "tuple[Any, str]"]

SUPPORTED_CHECKS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength",
                    "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
                    "propertyNames", "enum")
# JSON-Schema keywords the models do not enforce: reported as degraded where they appear
UNENFORCED = ("not", "prefixItems", "patternProperties", "if", "dependentRequired", "dependentSchemas",
              "contains", "unevaluatedProperties")


def schema_codes(schema: dict[str, Any]) -> Codes:
    if "x-error-codes" not in schema and "x-error-code" not in schema:
        return Codes({}, None)  # nearly every schema of a public spec, asked about several times each
    by = schema.get("x-error-codes")
    code = schema.get("x-error-code")
    return Codes(
        {str(k): str(v) for k, v in sorted(by.items())} if isinstance(by, dict) else {},
        str(code) if isinstance(code, str) else None,
    )


# the instance types each keyword applies to; JSON Schema ignores a keyword on any other type
APPLIES_TO = {
    **dict.fromkeys(("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"), {"integer", "number"}),
    **dict.fromkeys(("minLength", "maxLength", "pattern"), {"string"}),
    **dict.fromkeys(("minItems", "maxItems", "uniqueItems"), {"array"}),
    **dict.fromkeys(("minProperties", "maxProperties", "propertyNames"), {"object"}),
}


def schema_checks(s: dict[str, Any], chain: list[Codes], pointer: str, findings: Findings,
                  deref: Deref) -> list[Check]:
    """The enforced keywords of one schema as Checks, each with the code its chain resolves to."""
    out: list[Check] = []
    declared = s.get("type")
    types = {declared} if isinstance(declared, str) else {t for t in declared if isinstance(t, str)} if isinstance(
        declared, list) else None
    for kw in SUPPORTED_CHECKS:
        if kw not in s:
            continue
        if types is not None and kw in APPLIES_TO and not types & APPLIES_TO[kw]:
            continue  # `minLength` on an integer (apisetu.gov.in): compiled as len(int), it failed every document
        v = s[kw]
        if kw in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(v, bool):
            if v:  # 3.0 boolean form modifies minimum/maximum
                base = "minimum" if kw == "exclusiveMinimum" else "maximum"
                if base in s:
                    out = [c for c in out if c.keyword != base]
                    out.append(Check(kw, s[base], resolve_code(chain, base)))
            continue
        if kw == "pattern":
            try:
                re.compile(v)
            except (re.error, TypeError):
                findings.not_enforced(join_pointer(pointer, "pattern"),
                                               "pattern is not a Python regex; not checked")
                continue
        if kw == "uniqueItems":
            if v is True:
                out.append(Check(kw, True, resolve_code(chain, kw), any(kw in c.by_keyword for c in chain)))
            continue
        if kw == "propertyNames":
            names, _ = deref(v, pointer)
            if not isinstance(names, dict):
                continue
            spec = {k: names[k] for k in ("pattern", "minLength", "maxLength") if k in names}
            if "pattern" in spec:
                try:
                    re.compile(spec["pattern"])
                except (re.error, TypeError):
                    findings.not_enforced(join_pointer(pointer, kw), "pattern is not a Python regex")
                    spec.pop("pattern")
            if spec:
                code = resolve_code(chain + [schema_codes(names)], kw)
                out.append(Check(kw, spec, code, any(kw in c.by_keyword for c in chain)))
            continue
        if kw == "enum" and not isinstance(v, list):
            continue
        if kw == "enum":
            v = [x for x in v if x is not None]
        if isinstance(v, bool) and kw != "enum":
            continue
        if kw != "enum" and kw != "pattern" and not isinstance(v, (int, float)):
            continue
        out.append(Check(kw, v, resolve_code(chain, kw), any(kw in c.by_keyword for c in chain)))
    return out

