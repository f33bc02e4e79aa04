"""Pagination for the generated page and item iterators: the PageOptions limits, lazy sync and async pages and
items, and the next cursor, offset, page number or link of each pagination style.
"""

from __future__ import annotations

import typing as _t
from urllib.parse import urlsplit

import httpx

from . import _runtime as _rt
from ._options import PageOptions, RequestOptions

PageT = _t.TypeVar("PageT")
ItemT = _t.TypeVar("ItemT")


class PageLimits:
    """PageOptions split: the RequestOptions each page's request gets, and the iterator's limits."""

    __slots__ = ("options", "max_pages", "max_items")

    def __init__(self, options: RequestOptions, max_pages: int | None, max_items: int | None) -> None:
        self.options = options
        self.max_pages = max_pages
        self.max_items = max_items


def page_limits(options: PageOptions) -> PageLimits:
    rest: dict[str, _t.Any] = dict(options)
    max_pages: int | None = rest.pop("max_pages", None)
    max_items: int | None = rest.pop("max_items", None)
    for name, v in (("max_pages", max_pages), ("max_items", max_items)):
        if v is not None and (type(v) is not int or v < 0):
            raise ValueError(f"{name} must be a non-negative integer, not {v!r}")
    return PageLimits(_t.cast(RequestOptions, rest), max_pages, max_items)


def _last(token: _t.Any) -> bool:
    return token is None or token is _rt.UNSET or token == ""


def pages(fetch: _t.Callable[[_t.Any], tuple[PageT, _t.Any]], max_pages: int | None) -> _t.Iterator[PageT]:
    """Lazy pages: `fetch(token)` (UNSET for the first page) returns the page and the next page's token (a cursor,
    an offset, a page number or a URL; None when that page was the last) until the last page or `max_pages`.
    Each request runs with its own deadline, started when the caller asks for that page."""
    token: _t.Any = _rt.UNSET
    n = 0
    while max_pages is None or n < max_pages:
        page, token = fetch(token)
        n += 1
        yield page
        if _last(token):
            return


def next_offset(at: _t.Any, count: int, size: _t.Any, total: _t.Any) -> int | None:
    """Offset pagination: the next offset after a page of `count` items fetched at `at` (UNSET: from 0), or None
    when that page was the last: empty, shorter than the page size asked for, or reaching `total`."""
    start = at if isinstance(at, int) else 0
    if count == 0 or (isinstance(size, int) and count < size):
        return None
    nxt = start + count
    return None if isinstance(total, int) and not isinstance(total, bool) and nxt >= total else nxt


def listed(value: list[ItemT] | _t.Any) -> list[ItemT]:
    """A page's items field: a list, or nothing when an optional field was absent (UNSET) or null."""
    return value if isinstance(value, list) else []


def next_page(at: _t.Any, count: int, size: _t.Any) -> int | None:
    """Page-number pagination: the number after page `at` (UNSET: the first, 1), or None when that page was the
    last (empty, or shorter than the page size asked for)."""
    if count == 0 or (isinstance(size, int) and count < size):
        return None
    return (at if isinstance(at, int) else 1) + 1


def next_link(response: httpx.Response, body_link: _t.Any = None) -> str | None:
    """Link pagination: the next page's absolute URL from the body's next-URL field when the spec names one, else
    from the RFC 8288 `Link: <url>; rel="next"` header; relative references resolve against the page's URL.
    Whether it may be followed (same origin) is checked when it is requested (`BaseClient.follow_call`)."""
    target = body_link if isinstance(body_link, str) and body_link else None
    if target is None and "link" in response.headers:
        target = response.links.get("next", {}).get("url")
    if not target:
        return None
    return str(response.url.join(target))


def items(
    pages_: _t.Iterator[PageT], items_of: _t.Callable[[PageT], _t.Iterable[ItemT]], max_items: int | None
) -> _t.Iterator[ItemT]:
    n = 0
    if max_items == 0:
        return
    for page in pages_:
        for item in items_of(page):
            yield item
            n += 1
            if max_items is not None and n >= max_items:
                return


async def apages(
    fetch: _t.Callable[[_t.Any], _t.Awaitable[tuple[PageT, _t.Any]]], max_pages: int | None
) -> _t.AsyncIterator[PageT]:
    token: _t.Any = _rt.UNSET
    n = 0
    while max_pages is None or n < max_pages:
        page, token = await fetch(token)
        n += 1
        yield page
        if _last(token):
            return


async def aitems(
    pages_: _t.AsyncIterator[PageT], items_of: _t.Callable[[PageT], _t.Iterable[ItemT]], max_items: int | None
) -> _t.AsyncIterator[ItemT]:
    n = 0
    if max_items == 0:
        return
    async for page in pages_:
        for item in items_of(page):
            yield item
            n += 1
            if max_items is not None and n >= max_items:
                return


def same_origin(base_url: str, url: str) -> bool:
    a, b = urlsplit(base_url), urlsplit(url)
    ports = {"http": 80, "https": 443}
    here = (a.scheme, a.hostname, a.port or ports.get(a.scheme))
    return here == (b.scheme, b.hostname, b.port or ports.get(b.scheme))
