"""Where each class and enum is used decides how strict it is, once: request-side classes reject unknown fields
(when `additionalProperties: false`), request-side unions reject unknown variants, and each enum use site is
closed where a request can carry it and open where only responses do (unless `x-flint-enum` says otherwise)."""

from __future__ import annotations

from typing import Any

from flint_generator.ir.types import EnumDef, ModelDef, UnionDef
from flint_generator.load import resolve_pointer


def decide_strictness(doc: dict[str, Any], models: list[ModelDef], unions: list[UnionDef], enums: list[EnumDef],
                      request_ptrs: set[str], response_ptrs: set[str]) -> dict[str, bool]:
    """Sets `reject_unknown` on models and unions; returns whether each enum use site is open."""
    req = reachable(doc, request_ptrs)
    resp = reachable(doc, response_ptrs)

    def in_request(q: str) -> bool:
        return _under(q, req) or _inline_request(q)

    for m in models:
        if m.reject_unknown:
            # additionalProperties: false is enforced only where a request can carry the object; responses may grow
            sites = [m.pointer, *m.pointers]
            in_response = any(_under(q, resp) or "/responses/" in q for q in sites)
            m.reject_unknown = any(in_request(q) for q in sites) or not in_response
    for u in unions:
        u.reject_unknown = any(in_request(q) for q in [u.pointer, *u.pointers])
    # an identical enum shared by a request and a response is closed in one place and open in the other
    enum_open: dict[str, bool] = {}
    for e in enums:
        for q in e.pointers:
            enum_open[q] = e.declared if e.declared is not None else not in_request(q)
    return enum_open


def _under(ptr: str, roots: set[str]) -> bool:
    """`ptr` is one of `roots` or inside one: its prefixes looked up (a scan of every root per pointer took seconds
    on AWS EC2's thousands of schemas)."""
    if ptr in roots:
        return True
    cut = ptr.find("/", 1)
    while cut != -1:
        if ptr[:cut] in roots:
            return True
        cut = ptr.find("/", cut + 1)
    return False


def _inline_request(ptr: str) -> bool:
    return "/requestBody/" in ptr or "/parameters/" in ptr


def reachable(doc: dict[str, Any], roots: set[str]) -> set[str]:
    """The pointers reachable from `roots` by following `$ref`s (inline request schemas are told by their path)."""
    seen: set[str] = set()
    stack = list(roots)
    while stack:
        p = stack.pop()
        if p in seen:
            continue
        seen.add(p)
        try:
            node = resolve_pointer(doc, p)
        except KeyError:
            continue
        walk = [node]
        while walk:
            n = walk.pop()
            if isinstance(n, dict):
                r = n.get("$ref")
                if isinstance(r, str) and r.startswith("#") and r[1:] not in seen:
                    stack.append(r[1:])
                walk.extend(v for v in n.values() if isinstance(v, (dict, list)))
            elif isinstance(n, list):
                walk.extend(v for v in n if isinstance(v, (dict, list)))
    return seen
