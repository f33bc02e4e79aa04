"""Which list operations page, and how (issue 20.5): cursor, link (RFC 8288 `Link: <...>; rel="next"` or a next URL
in the body), offset/limit and page number.

Declared first, detected by rule otherwise, always on GET operations whose success body is a list or an object
holding one:

1. the operation's `x-pagination` (`{style: cursor|link|offset|page, items, cursor_param, next_cursor, next_link,
   offset_param, page_param, size_param, total}`; a malformed value is a spec error at its pointer);
2. the root `x-pagination` (cursor: `cursor_param` among the query parameters, `next_cursor` in the body);
3. link: the success response declares a `Link` header, or its object has a next-URL string field (`next_url`,
   `next_page_url`, `next_link`, `nextLink`, or `next` with `format: uri`);
4. cursor: a query parameter named like a cursor (`cursor`, `page_token`, `starting_after`...) and a body field
   named like the next one (`next_cursor`, `next_page_token`...);
5. offset: an integer query parameter `offset` (or `skip`);
6. page: an integer query parameter `page` (or `page_number`).

The page size parameter (`limit`, `page_size`, `per_page`...) lets offset and page iteration stop at a short page
without one more request; `total` (a total-count field) stops offset iteration at the end.
"""

from __future__ import annotations

from typing import Any

from flint_generator.errors import join_pointer
from flint_generator.ir.findings import Findings
from flint_generator.ir.types import Extensions, Field, ModelDef, Pagination, Param, TypeRef

STYLES = ("cursor", "link", "offset", "page")
KEYS = ("style", "items", "cursor_param", "next_cursor", "next_link", "offset_param", "page_param", "size_param",
        "total")
CURSOR_PARAMS = ("cursor", "page_token", "pageToken", "next_token", "starting_after", "after", "page_cursor")
NEXT_CURSOR_FIELDS = ("next_cursor", "next_page_token", "nextPageToken", "next_token", "nextCursor", "cursor_next")
OFFSET_PARAMS = ("offset", "skip")
PAGE_PARAMS = ("page", "page_number", "pageNumber")
SIZE_PARAMS = ("limit", "page_size", "pageSize", "per_page", "perPage", "size", "max_results", "maxResults")
ITEM_FIELDS = ("data", "items", "results", "records", "entries", "values")
NEXT_LINK_FIELDS = ("next_url", "next_page_url", "next_link", "nextLink", "nextUrl", "next_page")
TOTAL_FIELDS = ("total", "total_count", "totalCount", "total_results", "totalResults")


def _query(plist: list[Param], names: tuple[str, ...] | list[str], kinds: tuple[str, ...] = ()) -> Param | None:
    for name in names:
        for p in plist:
            if p.location == "query" and p.name == name and (not kinds or p.type.kind in kinds):
                return p
    return None


def _field(m: ModelDef | None, names: tuple[str, ...] | list[str], kinds: tuple[str, ...] = ()) -> Field | None:
    for name in names:
        for f in m.fields if m is not None else ():
            if f.json_name == name and (not kinds or f.type.kind in kinds):
                return f
    return None


def _items(success: TypeRef, m: ModelDef | None, declared: Any) -> tuple[str, TypeRef] | None:
    """(Python name of the items field, "" when the body is the list; the item type)."""
    if success.kind == "list" and success.item is not None:
        return "", success.item
    names = [declared] if isinstance(declared, str) else list(ITEM_FIELDS)
    f = _field(m, names, ("list",))
    if f is None and not isinstance(declared, str) and m is not None:
        lists = [f for f in m.fields if f.type.kind == "list"]
        f = lists[0] if len(lists) == 1 else None
    if f is None or f.type.item is None:
        return None
    return f.py_name, f.type.item


def detect(ext: Extensions, findings: Findings, op: dict[str, Any], ptr: str, method: str, plist: list[Param],
           success: TypeRef | None, model: ModelDef | None, response: Any) -> Pagination | None:
    declared = op.get("x-pagination")
    if declared is not None:
        return _declared(findings, join_pointer(ptr, "x-pagination"), declared, plist, success, model)
    if method != "get" or success is None or success.kind not in ("list", "model") or success.nullable:
        return None
    if ext.cursor_param and _query(plist, [ext.cursor_param]) is not None:
        items = _items(success, model, ext.items_field)
        nf = _field(model, [ext.next_cursor or ""])
        if items is not None and nf is not None:
            return Pagination("cursor", items[0], items[1], ext.cursor_param, nf.py_name,
                              size_param=_name(_query(plist, [ext.size_param or ""])))
        return None
    items = _items(success, model, None)
    if items is None:
        return None
    size = _name(_query(plist, SIZE_PARAMS, ("int",)))
    headers = response.get("headers") if isinstance(response, dict) else None
    if isinstance(headers, dict) and any(str(h).lower() == "link" for h in headers):
        return Pagination("link", items[0], items[1], None, "", size_param=size)
    link = _field(model, NEXT_LINK_FIELDS, ("str",)) or next(
        (f for f in (model.fields if model else ()) if f.json_name == "next" and f.type.kind == "str"
         and any(c.keyword == "format" and c.value in ("uri", "uri-reference", "url") for c in f.type.checks)), None)
    if link is not None:
        return Pagination("link", items[0], items[1], None, link.py_name, size_param=size)
    cursor, nxt = _query(plist, CURSOR_PARAMS, ("str",)), _field(model, NEXT_CURSOR_FIELDS, ("str",))
    if cursor is not None and nxt is not None:
        return Pagination("cursor", items[0], items[1], cursor.name, nxt.py_name, size_param=size)
    total = _field(model, TOTAL_FIELDS, ("int",))
    offset = _query(plist, OFFSET_PARAMS, ("int",))
    if offset is not None:
        return Pagination("offset", items[0], items[1], offset.name, "", size_param=size,
                          total_attr=total.py_name if total else "")
    page = _query(plist, PAGE_PARAMS, ("int",))
    if page is not None:
        return Pagination("page", items[0], items[1], page.name, "", size_param=size)
    return None


def _name(p: Param | None) -> str | None:
    return p.name if p is not None else None


def _declared(findings: Findings, ptr: str, d: Any, plist: list[Param], success: TypeRef | None,
              model: ModelDef | None) -> Pagination | None:
    if d is False:
        return None  # `x-pagination: false`: no iterators, whatever the rules would find
    if not isinstance(d, dict) or d.get("style") not in STYLES:
        findings.fail(join_pointer(ptr, "style") if isinstance(d, dict) else ptr,
                      f"must be an object with style one of {', '.join(STYLES)} (or false)")
        return None
    for k in d:
        if k not in KEYS:
            findings.fail(join_pointer(ptr, k), f"unknown key (expected {', '.join(KEYS)})")
    style = d["style"]
    items = _items(success, model, d.get("items")) if success is not None else None
    if items is None:
        findings.fail(join_pointer(ptr, "items"), "the success response has no list of items to iterate")
        return None

    def param(key: str, kinds: tuple[str, ...]) -> str | None:
        if key not in d:
            return None
        p = _query(plist, [str(d[key])], kinds)
        if p is None:
            findings.fail(join_pointer(ptr, key), f"{d[key]!r} is not a query parameter of this operation"
                          + (" of type integer" if kinds == ("int",) else ""))
        return _name(p)

    def field(key: str, kinds: tuple[str, ...]) -> str:
        if key not in d:
            return ""
        f = _field(model, [str(d[key])], kinds)
        if f is None:
            findings.fail(join_pointer(ptr, key), f"{d[key]!r} is not a field of the success response")
            return ""
        return f.py_name

    size = param("size_param", ("int",))
    if style == "cursor":
        token, nxt = param("cursor_param", ()), field("next_cursor", ("str",))
        if token is None or not nxt:
            findings.fail(ptr, "cursor pagination needs cursor_param and next_cursor")
            return None
        return Pagination("cursor", items[0], items[1], token, nxt, size_param=size)
    if style == "link":
        return Pagination("link", items[0], items[1], None, field("next_link", ("str",)), size_param=size)
    key = "offset_param" if style == "offset" else "page_param"
    token = param(key, ("int",))
    if token is None:
        findings.fail(join_pointer(ptr, key), f"{style} pagination needs {key}")
        return None
    return Pagination(style, items[0], items[1], token, "", size_param=size, total_attr=field("total", ("int",)))
