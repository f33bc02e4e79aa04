"""The IR as data for the generated package: `_codecs.json` (models) and `_operations.json` (client calls, server
routes).

Tables rather than code: black formats Python at about 100 KB/s, and Stripe's field rules and route table were
most of the generator's time as code. Both files write one entry per line, so a spec change reads as a diff.

`_codecs.json`: what each field, union and parse helper accepts; the package's `_codec.py` compiles from_dict /
to_dict / __init__ from it at first use. Keys are short and a key is left out when it holds its default:

    type  {"k": kind, "n": nullable, "tc": type code, "c": [[keyword, value, code, code is the keyword's], ...],
           "name": class (enum/model/union), "it": item type (list/map), "open": open enum,
           "vc": code when not an enum member, "rc": [codes by keyword, code] an outer schema lends the inner one}
    model {"f": [[json name, required, type(, Python name when it differs)], ...], "ru": reject unknown fields,
           "keep": keep undeclared fields, "x": additionalProperties type, "sz": [[keyword, value, code]],
           "pr": [[oneOf|anyOf, [[required names], ...]]], "codes": {keyword: code},
           "dv": {json name: the one value a required field allows (a discriminator tag), filled in by clients}}
    union {"v": [[type, [discriminator values]], ...], "d": discriminator, "ru": reject unknown variants,
           "codes": {keyword: code}, "code": code, "desc": text of the error message}

`_operations.json`: one entry per operation in routing order (literal path segments first), read by the client
engine (client.py's methods pass their arguments and the operation id) and by server.py.
Parsers are named by attribute paths from `_m` (models) or `_rt` (runtime), never evaluated as code.
"""

from __future__ import annotations

import json
from typing import Any

from flint_generator.ir import TypeRef
from flint_generator.plan import Plan

_MODEL_CODE_KEYWORDS = ("type", "required", "additionalProperties", "oneOf", "anyOf")


def _type(r: Plan, t: TypeRef) -> dict[str, Any]:
    out: dict[str, Any] = {"k": t.kind}
    if t.nullable:
        out["n"] = 1
    if t.type_code is not None:
        out["tc"] = t.type_code
    if t.checks:
        out["c"] = [[c.keyword, c.value, c.code, 1 if c.from_keyword else 0] for c in t.checks]
    if t.kind in ("enum", "model", "union"):
        out["name"] = t.name
    if t.kind == "enum":
        if r.enum_open(t):
            out["open"] = 1
        if t.value_code is not None:
            out["vc"] = t.value_code
    if t.item is not None and t.kind in ("list", "map"):
        out["it"] = _type(r, t.item)
    if t.recode is not None:
        out["rc"] = [dict(sorted(t.recode.by_keyword.items())), t.recode.code]
    return out


def codecs_json(r: Plan) -> str:
    api = r.api
    models = {}
    for m in api.models:
        fields = []
        for f in m.fields:
            entry: list[Any] = [f.json_name, 1 if f.required else 0, _type(r, f.type)]
            if f.py_name != f.json_name:
                entry.append(f.py_name)
            fields.append(entry)
        d: dict[str, Any] = {"f": fields}
        singles = {f.json_name: v for f in m.fields if (sv := r.single_value(f))[0] for v in [sv[1]]}
        if singles:
            d["dv"] = singles
        if m.reject_unknown:
            d["ru"] = 1
        if not m.reject_unknown and m.extra is None:
            d["keep"] = 1
        if m.extra is not None:
            d["x"] = _type(r, m.extra)
        if m.size_checks:
            d["sz"] = [[c.keyword, c.value, c.code] for c in m.size_checks]
        if m.presence:
            d["pr"] = [[kw, groups] for kw, groups in m.presence]
        codes = {k: c for k in _MODEL_CODE_KEYWORDS if (c := m.code(k)) is not None}
        if codes:
            d["codes"] = codes
        models[m.name] = d
    unions = {}
    for u in api.unions:
        ud: dict[str, Any] = {"v": [[_type(r, v.type), list(v.tags)] for v in u.variants], "desc": r.union_desc(u)}
        if u.discriminator:
            ud["d"] = u.discriminator
        if u.reject_unknown:
            ud["ru"] = 1
        if u.codes.by_keyword:
            ud["codes"] = dict(sorted(u.codes.by_keyword.items()))
        if u.codes.code is not None:
            ud["code"] = u.codes.code
        unions[u.name] = ud
    helpers = {h.name: _type(r, h.type) for h in r.helpers}
    # one entry per line: a spec change shows up as a readable diff of this file
    parts = []
    for key, table in (("models", models), ("unions", unions), ("helpers", helpers)):
        rows = [f"{json.dumps(n, ensure_ascii=True)}: {json.dumps(v, ensure_ascii=True, sort_keys=True)}"
                for n, v in sorted(table.items())]
        parts.append(f"{json.dumps(key)}: {{\n" + ",\n".join(rows) + ("\n}" if rows else "}"))
    return "{\n" + ",\n".join(parts) + "\n}\n"


def operations_json(r: Plan) -> str:
    rows = []
    for op in r.routes:
        params = []
        for p in op.params:
            conv, multi = r.param_conv(p.type)
            params.append([p.name, p.py_name, p.location, conv, multi, p.required, r.parse_fn(p.type) or "_rt.p_any",
                           p.style, p.explode])
        entry = {
            "id": op.operation_id, "method": op.method, "path": op.path, "status": op.success_status,
            "params": params,
            "body": (r.parse_fn(op.body) or "_rt.p_any") if op.body else None,
            "body_required": op.body_required, "media": op.body_media, "idempotent": op.idempotent,
            "shape": r.body_shape(op), "form": [list(f) for f in r.form_fields(op)],
            "response": r.response_shape(op), "response_media": op.success_media,
            "idempotency_key": r.parse_fn(op.idempotency_type) or "_rt.p_str",
            "scopes": sorted(op.scopes),
            "security": [[[name, list(scopes)] for name, scopes in sorted(req.items())] for req in op.security or []],
            "anonymous": r.anonymous(op),
            "service": op.service_name,
            "positional": [p.py_name for p in op.params if p.location == "path"],
            "keywords": [p.py_name for p in op.params if p.location != "path"],
            # the client's side: body fields its methods take as keywords, how a 2xx body is parsed, 304 handling
            "fields": [[f.json_name, f.py_name] for f in r.body_fields(op)],
            "parse": r.parse_fn(op.success),
            "not_modified": r.conditional(op),
        }
        rows.append(json.dumps(entry, ensure_ascii=True, sort_keys=True))
    return "[\n" + ",\n".join(rows) + ("\n]\n" if rows else "]\n")
