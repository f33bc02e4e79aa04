"""Pagination styles beyond cursors (issue 20.5): link (RFC 8288 `Link` header, or a next URL in the body), offset
/limit and page number, detected by rule from tests/generator/specs/pages.yaml's parameters and responses or
declared per operation with `x-pagination`; sync and async clients against a real loopback server that pages a
list of 7 items. A next link leaving the client's origin is refused before anything is sent to it."""

from __future__ import annotations

import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Iterator
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.generator.conftest import SPECS, Package, build

ITEMS = [{"id": i} for i in range(7)]


class PagingServer:
    """Serves the lists of pages.yaml; records each request's path and query."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.evil_next: str | None = None  # a Link target on another origin, for the refusal test
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                outer.seen.append(self.path)
                url = urlsplit(self.path)
                q = {k: int(v[0]) for k, v in parse_qs(url.query).items()}
                status, headers, body = outer.answer(url.path, q)
                data = json.dumps(body).encode()
                self.send_response(status)
                for k, v in {"Content-Type": "application/json", "Content-Length": str(len(data)), **headers}.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def answer(self, path: str, q: dict[str, int]) -> tuple[int, dict[str, str], Any]:
        if path == "/link/items":  # the Link header carries a relative reference, as RFC 8288 allows
            start, size = q.get("start", 0), q.get("per_page", 2)
            page = ITEMS[start:start + size]
            more = start + size < len(ITEMS)
            nxt = self.evil_next or f"/link/items?per_page={size}&start={start + size}"
            links = [f'<{nxt}>; rel="next"'] if more else []
            return 200, {"Link": ", ".join(['</link/items?per_page=1>; rel="first"', *links])}, page
        if path == "/link-body/items":
            start, size = q.get("after", 0), q.get("limit", 3)
            more = start + size < len(ITEMS)
            nxt = f"{self.url}/link-body/items?limit={size}&after={start + size}" if more else None
            return 200, {}, {"items": ITEMS[start:start + size], "next_url": nxt}
        if path == "/offset/items":
            start, size = q.get("offset", 0), q.get("limit", 3)
            return 200, {}, {"data": ITEMS[start:start + size], "total": len(ITEMS)}
        if path == "/page/items":
            page, size = q.get("page", 1), q.get("per_page", 3)
            return 200, {}, {"results": ITEMS[(page - 1) * size:page * size]}
        if path == "/declared/items":
            start, size = q.get("from", 0), q.get("count", 3)
            return 200, {}, {"rows": ITEMS[start:start + size]}
        return 404, {}, {"error": "no such list"}

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture()
def srv() -> Iterator[PagingServer]:
    s = PagingServer()
    yield s
    s.close()


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Package:
    return build(tmp_path_factory.mktemp("pages"), SPECS / "pages.yaml", name="pages_gen")


def ids(items: Any) -> list[int]:
    return [i.id for i in items]


def test_styles_detected_by_rule_and_declared(pkg: Package) -> None:
    text = (pkg.root / pkg.name / "client.py").read_text()
    for style in ("follows the `Link: <...>; rel=", "follows the next-page URL in `next_url`",
                  "advances `offset` by the items received", "advances `page_` by one", "advances `from_`"):
        assert style in text, style
    c = pkg.client.PagesClient
    for group in ("link", "body_link", "offset", "page", "declared"):
        assert hasattr(getattr(c(base_url="http://x"), group), "list_items_pages"), group
    assert not hasattr(c(base_url="http://x").unpaged, "list_items_pages")  # x-pagination: false


def test_link_header_pages_sync(pkg: Package, srv: PagingServer) -> None:
    with pkg.client.PagesClient(base_url=srv.url) as client:
        assert ids(client.link.list_items_auto(per_page=3)) == list(range(7))
        assert srv.seen == ["/link/items?per_page=3", "/link/items?per_page=3&start=3", "/link/items?per_page=3&start=6"]
        pages = [ids(p) for p in client.link.list_items_pages(per_page=2)]
        assert pages == [[0, 1], [2, 3], [4, 5], [6]]
        srv.seen.clear()
        assert ids(client.link.list_items_auto(per_page=2, max_items=3)) == [0, 1, 2]
        assert len(srv.seen) == 2  # lazily: no page beyond what the items needed
        assert [ids(p) for p in client.link.list_items_pages(per_page=2, max_pages=2)] == [[0, 1], [2, 3]]


def test_link_leaving_the_origin_is_refused(pkg: Package, srv: PagingServer) -> None:
    other = PagingServer()  # a second origin (another port): it must never be asked
    try:
        srv.evil_next = f"{other.url}/link/items?per_page=2&start=2"
        with pkg.client.PagesClient("secret-key", base_url=srv.url) as client:
            pages = client.link.list_items_pages(per_page=2)
            assert ids(next(pages)) == [0, 1]
            with pytest.raises(pkg.errors.APIDestinationError) as info:
                next(pages)
        assert (info.value.kind, info.value.outcome, info.value.retry_allowed) == ("destination", "not_sent", False)
        assert other.seen == []
    finally:
        other.close()


def test_body_link_offset_page_and_declared_sync(pkg: Package, srv: PagingServer) -> None:
    with pkg.client.PagesClient(base_url=srv.url) as client:
        assert ids(client.body_link.list_items_auto(limit=3)) == list(range(7))
        assert srv.seen[-1].endswith("after=6")
        srv.seen.clear()
        assert [ids(p.data) for p in client.offset.list_items_pages(limit=3)] == [[0, 1, 2], [3, 4, 5], [6]]
        # the short page (or `total`) ends it: no extra request for an empty page
        assert srv.seen == ["/offset/items?limit=3", "/offset/items?offset=3&limit=3", "/offset/items?offset=6&limit=3"]
        assert ids(client.offset.list_items_auto(offset=5, limit=3)) == [5, 6]  # a starting offset
        srv.seen.clear()
        assert ids(client.offset.list_items_auto()) == list(range(7))  # no limit given: `total` stops it
        assert len(srv.seen) == 3
        srv.seen.clear()
        assert [ids(p.results) for p in client.page.list_items_pages(per_page=3)] == [[0, 1, 2], [3, 4, 5], [6]]
        assert srv.seen == ["/page/items?per_page=3", "/page/items?page=2&per_page=3",
                            "/page/items?page=3&per_page=3"]
        srv.seen.clear()
        assert ids(client.page.list_items_auto()) == list(range(7))  # no size given: stops at the first empty page
        assert srv.seen[-1] == "/page/items?page=4"
        assert ids(client.declared.list_items_auto(count=2)) == list(range(7))
        assert ids(client.page.list_items_auto(per_page=2, page_=3)) == [4, 5, 6]


def test_every_style_async(pkg: Package, srv: PagingServer) -> None:
    async def go() -> list[list[int]]:
        async with pkg.client.AsyncPagesClient(base_url=srv.url) as client:
            out = [[i.id async for i in client.link.list_items_auto(per_page=3)],
                   [i.id async for i in client.body_link.list_items_auto(limit=2)],
                   [i.id async for i in client.offset.list_items_auto(limit=4)],
                   [i.id async for i in client.page.list_items_auto(per_page=5)],
                   [i.id async for i in client.declared.list_items_auto(count=3)],
                   [i.id async for i in client.link.list_items_auto(per_page=2, max_items=3)]]
            out.append([len(p) async for p in client.link.list_items_pages(per_page=3, max_pages=2)])
            return out

    assert asyncio.run(go()) == [list(range(7))] * 5 + [[0, 1, 2], [3, 3]]


def test_malformed_declaration_is_a_spec_error(tmp_path: Any) -> None:
    import yaml

    from flint_generator.pipeline import generate

    doc = yaml.safe_load((SPECS / "pages.yaml").read_text())
    doc["paths"]["/declared/items"]["get"]["x-pagination"] = {"style": "offset", "offset_param": "nope"}
    doc["paths"]["/page/items"]["get"]["x-pagination"] = {"style": "sideways"}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    res = generate(path, lenient=False)
    pointers = {e.pointer for e in res.errors}
    assert "/paths/~1declared~1items/get/x-pagination/offset_param" in pointers, res.errors
    assert "/paths/~1page~1items/get/x-pagination/style" in pointers, res.errors


def test_pages_package_passes_mypy_strict(pkg: Package, tmp_path: Any) -> None:
    """Every iterator style type-checks (the fetch closures, link follow-ups and item accessors)."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--cache-dir", str(tmp_path / "c"),
         "--no-incremental", pkg.name],
        cwd=pkg.root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
