"""Operations: parameters, request body, success response, security, resource group and pagination of each."""

from __future__ import annotations

import re
from typing import Any

from flint_generator.errors import join_pointer
from flint_generator.ir.pagination import detect
from flint_generator.ir.schemas import SchemaWalker, _text
from flint_generator.ir.types import Extensions, Operation, Param, TypeRef
from flint_generator.naming import clash_key, group_name, method_name, operation_names, param_names, pascal

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FORM_MEDIA = ("multipart/form-data", "application/x-www-form-urlencoded")


def media_shape(media: str) -> str:
    """How a body of this media type travels: "json", "form" (multipart or urlencoded fields), "text" or "raw"."""
    m = media.split(";")[0].strip().lower()
    if m == "application/json" or m.endswith("+json"):
        return "json"
    if m in FORM_MEDIA:
        return "form"
    if m.startswith("text/"):
        return "text"
    return "raw"


def pick_request_media(media: list[str]) -> str | None:
    """JSON first, then multipart, then urlencoded form, then the first other type in sorted order."""
    for m in media:
        if media_shape(m) == "json":
            return m
    for m in FORM_MEDIA:
        if m in media:
            return m
    return sorted(media)[0] if media else None


def pick_response_media(media: list[str]) -> str | None:
    """JSON first; else the first other type in sorted order (bytes, or str for text/*)."""
    for m in media:
        if media_shape(m) == "json":
            return m
    return sorted(media)[0] if media else None


def build_operations(w: SchemaWalker, ext: Extensions) -> list[Operation]:
    """Every operation of `paths`, in document order, none dropped. A missing operationId is made from the method
    and path (warning); a duplicate one, or one giving the same method name as another, is a spec error (the
    default mode renames it by the same rule and warns)."""
    found: list[tuple[str, str, dict[str, Any], dict[str, Any], str, str | None]] = []
    for path, item in (w.doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                declared = op.get("operationId")
                found.append((path, method, op, item, join_pointer("/paths", path, method),
                              declared if isinstance(declared, str) and declared else None))
    names = operation_names([(declared, method, path) for path, method, _, _, _, declared in found])
    root_security = w.doc.get("security")
    ops: list[Operation] = []
    first_at: dict[str, str] = {}
    for (path, method, op, item, ptr, declared), (op_id, service, clash) in zip(found, names):
        if declared is None:
            w.findings.warn(ptr, f"no operationId; using {op_id!r}")
        elif clash is not None:
            w.findings.fail(join_pointer(ptr, "operationId"),
                            f"operationId {declared!r} {clash} (also at {first_at.get(clash_key(declared), '?')}); "
                            f"renamed {op_id!r}")
        first_at.setdefault(clash_key(declared or op_id), ptr)
        ops.append(_operation(w, ext, path, method, op, item, ptr, op_id, service, root_security))
    return ops


def _operation(w: SchemaWalker, ext: Extensions, path: str, method: str, op: dict[str, Any], item: dict[str, Any],
               ptr: str, op_id: str, service: str, root_security: Any) -> Operation:
    base = pascal(op_id)
    w.request_side = True
    params: dict[tuple[str, str], Param] = {}
    raw_params = list(item.get("parameters") or []) + list(op.get("parameters") or [])
    idempotent = False
    idem_type: TypeRef | None = None
    for i, rp in enumerate(raw_params):
        pp = join_pointer(ptr, "parameters", i)
        p, pp2 = w.deref(rp, pp)
        if not isinstance(p, dict) or "name" not in p or p.get("in") not in ("path", "query", "header", "cookie"):
            w.findings.not_enforced(pp, "unusable parameter skipped")
            continue
        loc = p["in"]
        name = str(p["name"])
        if loc == "header" and ext.idempotency_header and name.lower() == ext.idempotency_header.lower():
            idempotent = True
            if isinstance(p.get("schema"), dict):
                idem_type = w.schema_type(p["schema"], join_pointer(pp2, "schema"), base + "IdempotencyKey", [])
            continue
        if loc == "cookie":
            w.findings.not_enforced(pp, "cookie parameter not supported; skipped")
            continue
        if "schema" in p:
            t = w.schema_type(p["schema"], join_pointer(pp2, "schema"), base + pascal(name), [])
        else:
            t = w.findings.degrade(pp, "parameter without schema (content) treated as Any")
        raw_style, raw_explode = p.get("style"), p.get("explode")
        style = raw_style if isinstance(raw_style, str) else ("form" if loc == "query" else "simple")
        explode = raw_explode if isinstance(raw_explode, bool) else style == "form"
        params[(loc, name)] = Param(name, name, loc, bool(p.get("required")) or loc == "path", t,
                                    _text(p.get("description")), style, explode)
    for name in re.findall(r"{([^}]+)}", path):
        if ("path", name) not in params:  # the template names it but no parameter declares it
            w.findings.not_enforced(ptr, f"path parameter {name!r} is not declared; treated as a string")
            params[("path", name)] = Param(name, name, "path", True, TypeRef("str"), "")
    plist = list(params.values())
    for p, py_name in zip(plist, param_names([p.name for p in plist])):
        p.py_name = py_name
    path_order = re.findall(r"{([^}]+)}", path)
    plist.sort(key=lambda p: (0 if p.location == "path" else 1,
                              path_order.index(p.name) if p.name in path_order else 0))

    body: TypeRef | None = None
    body_required = False
    media = "application/json"
    rb, rbp = w.deref(op.get("requestBody"), join_pointer(ptr, "requestBody"))
    if isinstance(rb, dict):
        content = rb.get("content") or {}
        pick = pick_request_media(list(content) if isinstance(content, dict) else [])
        if pick is not None:
            media = pick
            sch = (content[pick] or {}).get("schema", True)
            if media_shape(pick) == "raw" and (sch is True or sch == {}):
                sch = {"type": "string", "format": "binary"}  # an untyped upload is its bytes
            body = w.schema_type(sch, join_pointer(rbp, "content", pick, "schema"), base + "Body", [])
            body_required = bool(rb.get("required"))

    w.request_side = False
    responses = op.get("responses") or {}
    success_codes = sorted(int(c) for c in responses if str(c).isdigit() and 200 <= int(c) < 300)
    status = success_codes[0] if success_codes else (200 if method != "delete" else 204)
    success: TypeRef | None = None
    success_media = "application/json"
    rsp: Any = None
    if success_codes:
        rsp, rptr = w.deref(responses.get(str(status), responses.get(status)),
                               join_pointer(ptr, "responses", status))
        content = (rsp or {}).get("content") or {} if isinstance(rsp, dict) else {}
        picked = pick_response_media(list(content) if isinstance(content, dict) else [])
        if picked is not None:
            success_media = picked
            sch = (content[picked] or {}).get("schema", True)
            rname = base + "Response" + (str(status) if len(success_codes) > 1 else "")
            if media_shape(picked) == "json":
                success = w.schema_type(sch, join_pointer(rptr, "content", picked, "schema"), rname, [])
            else:  # bytes or text, whatever the schema says (a binary response has no JSON to validate)
                success = TypeRef("file" if media_shape(picked) == "raw" else "str")
    w.request_side = True

    security = op.get("security", root_security)
    sec: list[dict[str, list[str]]] | None = None
    scopes: list[str] = []
    if isinstance(security, list):
        sec = [{str(k): [str(x) for x in (v or [])] for k, v in r.items()} for r in security if isinstance(r, dict)]
        if sec:
            scopes = sorted({x for v in sec[0].values() for x in v})
    group, group_source = group_name(op.get("tags"), path)
    model = None
    if success is not None and success.kind == "model":
        model = next((m for m in w.models.values() if m.name == success.name), None)
    pagination = detect(ext, w.findings, op, ptr, method, plist, success, model,
                        rsp if isinstance(rsp, dict) else None)
    paginated = pagination is not None
    page_item = pagination.item if pagination else None
    page_attrs = (pagination.items_attr, pagination.next_attr) if pagination else ("", "")
    cname = op.get("x-method-name")
    return Operation(
        operation_id=op_id, service_name=service, method=method.upper(), path=path, pointer=ptr, group=group,
        client_name=cname if isinstance(cname, str) and cname.isidentifier() else method_name(op_id, group_source),
        summary=_text(op.get("summary")), description=_text(op.get("description")), params=plist, body=body,
        body_required=body_required, body_media=media, success_status=status, success=success, security=sec,
        success_media=success_media,
        scopes=scopes, idempotent=idempotent, paginated=paginated, page_item=page_item,
        page_items_attr=page_attrs[0], page_next_attr=page_attrs[1], idempotency_type=idem_type,
        pagination=pagination,
    )

