"""Operations: parameters, request body, success response, security, resource group and pagination of each."""

from __future__ import annotations

import re
from typing import Any

from generator.errors import join_pointer
from generator.ir.schemas import SchemaWalker, _text
from generator.ir.types import Extensions, Operation, Param, TypeRef
from generator.naming import group_name, method_name, param_names, pascal, safe_identifier, snake

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def build_operations(w: SchemaWalker, ext: Extensions) -> list[Operation]:
    """Every operation of `paths`, in document order; a duplicate operationId (or one giving the same method
    name) is a spec error, skipped in lenient mode."""
    ops: list[Operation] = []
    seen_ids: dict[str, str] = {}
    seen_service: dict[str, str] = {}
    root_security = w.doc.get("security")
    for path, item in (w.doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        ipointer = join_pointer("/paths", path)
        for method in HTTP_METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            ptr = join_pointer(ipointer, method)
            op_id = op.get("operationId")
            if not isinstance(op_id, str) or not op_id:
                op_id = snake(method + " " + path)
                w.findings.warn(ptr, f"no operationId; using {op_id!r}")
            if op_id in seen_ids:
                w.findings.fail(join_pointer(ptr, "operationId"), f"duplicate operationId {op_id!r} "
                                                             f"(also at {seen_ids[op_id]})")
                continue
            seen_ids[op_id] = ptr
            service = safe_identifier(snake(op_id), {"ctx", "self"})
            if service in seen_service:
                w.findings.fail(join_pointer(ptr, "operationId"), f"operationId {op_id!r} gives the same method name "
                                                             f"as {seen_service[service]}")
                continue
            seen_service[service] = op_id
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
        pick = None
        for m in content:
            if m == "application/json" or m.endswith("+json"):
                pick = m
                break
        if pick is None and "application/x-www-form-urlencoded" in content:
            pick = "application/x-www-form-urlencoded"
        if pick is None and content:
            pick = sorted(content)[0]
            w.findings.not_enforced(join_pointer(rbp, "content"),
                                           f"request media {pick} sent as JSON-like data")
        if pick is not None:
            media = pick
            sch = (content[pick] or {}).get("schema", True)
            body = w.schema_type(sch, join_pointer(rbp, "content", pick, "schema"), base + "Body", [])
            body_required = bool(rb.get("required"))

    w.request_side = False
    responses = op.get("responses") or {}
    success_codes = sorted(int(c) for c in responses if str(c).isdigit() and 200 <= int(c) < 300)
    status = success_codes[0] if success_codes else (200 if method != "delete" else 204)
    success: TypeRef | None = None
    if success_codes:
        rsp, rptr = w.deref(responses.get(str(status), responses.get(status)),
                               join_pointer(ptr, "responses", status))
        content = (rsp or {}).get("content") or {} if isinstance(rsp, dict) else {}
        for m in content:
            if m == "application/json" or m.endswith("+json"):
                sch = (content[m] or {}).get("schema", True)
                rname = base + "Response" + (str(status) if len(success_codes) > 1 else "")
                success = w.schema_type(sch, join_pointer(rptr, "content", m, "schema"), rname, [])
                break
    w.request_side = True

    security = op.get("security", root_security)
    sec: list[dict[str, list[str]]] | None = None
    scopes: list[str] = []
    if isinstance(security, list):
        sec = [{str(k): [str(x) for x in (v or [])] for k, v in r.items()} for r in security if isinstance(r, dict)]
        if sec:
            scopes = sorted({x for v in sec[0].values() for x in v})
    group, group_source = group_name(op.get("tags"), path)
    paginated = bool(ext.cursor_param and any(p.location == "query" and p.name == ext.cursor_param
                                                   for p in plist))
    page_item = None
    page_attrs = ("", "")
    if paginated and success is not None and success.kind == "model":
        m = next((m for m in w.models.values() if m.name == success.name), None)
        f = next((f for f in m.fields if f.json_name == ext.items_field), None) if m else None
        nf = next((f for f in m.fields if f.json_name == ext.next_cursor), None) if m else None
        if f is not None and f.type.kind == "list" and nf is not None:
            page_item = f.type.item
            page_attrs = (f.py_name, nf.py_name)
        else:
            paginated = False
    elif paginated:
        paginated = False
    cname = op.get("x-method-name")
    return Operation(
        operation_id=op_id, service_name=service, method=method.upper(), path=path, pointer=ptr, group=group,
        client_name=cname if isinstance(cname, str) and cname.isidentifier() else method_name(op_id, group_source),
        summary=_text(op.get("summary")), description=_text(op.get("description")), params=plist, body=body,
        body_required=body_required, body_media=media, success_status=status, success=success, security=sec,
        scopes=scopes, idempotent=idempotent, paginated=paginated, page_item=page_item,
        page_items_attr=page_attrs[0], page_next_attr=page_attrs[1], idempotency_type=idem_type,
    )

