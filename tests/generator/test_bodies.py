"""Request bodies that are not JSON (multipart/form-data with files, application/x-www-form-urlencoded, raw bytes,
text) and binary/text responses: typed in the models, sent by the client, parsed by the server stub.

The generated server app runs for real; the clients talk to it over httpx.ASGITransport."""

from __future__ import annotations

import asyncio
import io
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.generator.conftest import Package, build, mini_spec

UPLOAD = {"type": "object", "required": ["file", "purpose"], "properties": {
    "file": {"type": "string", "format": "binary"},
    "purpose": {"type": "string", "enum": ["avatar", "receipt"]},
    "copies": {"type": "integer", "minimum": 1},
    "tags": {"type": "array", "items": {"type": "string"}},
    "meta": {"type": "object", "properties": {"source": {"type": "string"}}},
}}
STORED = {"type": "object", "required": ["name", "size", "purpose"], "properties": {
    "name": {"type": "string"}, "size": {"type": "integer"}, "purpose": {"type": "string"},
    "copies": {"type": "integer"}, "tags": {"type": "array", "items": {"type": "string"}},
    "source": {"type": "string"}}}


def json_ok(ref: str) -> dict[str, Any]:
    return {"200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": ref}}}}}


def spec() -> dict[str, Any]:
    return mini_spec({"Upload": UPLOAD, "Stored": STORED, "Login": {
        "type": "object", "required": ["user"], "properties": {"user": {"type": "string"},
                                                              "remember": {"type": "boolean"}}}}, {
        "/files": {"post": {"operationId": "uploadFile", "requestBody": {"required": True, "content": {
            "multipart/form-data": {"schema": {"$ref": "#/components/schemas/Upload"}}}},
            "responses": json_ok("#/components/schemas/Stored")}},
        "/login": {"post": {"operationId": "login", "requestBody": {"required": True, "content": {
            "application/x-www-form-urlencoded": {"schema": {"$ref": "#/components/schemas/Login"}}}},
            "responses": json_ok("#/components/schemas/Stored")}},
        "/blobs": {"put": {"operationId": "putBlob", "requestBody": {"required": True, "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
            "responses": json_ok("#/components/schemas/Stored")}},
        "/blobs/latest": {"get": {"operationId": "getBlob", "responses": {"200": {"description": "bytes", "content": {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}}}},
        "/notes": {"post": {"operationId": "echoNote", "requestBody": {"required": True, "content": {
            "text/plain": {"schema": {"type": "string"}}}},
            "responses": {"200": {"description": "text", "content": {"text/csv": {"schema": {"type": "string"}}}}}}},
    })


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Package:
    return build(tmp_path_factory.mktemp("bodies"), spec())


def make_app(pkg: Package) -> Any:
    s, m = pkg.server, pkg.models

    class Service:
        async def upload_file(self, ctx: Any, body: Any) -> Any:
            name, content, _ = body.file
            return m.Stored(name=name, size=len(content), purpose=body.purpose.value,
                            copies=body.copies, tags=body.tags,
                            source=body.meta.source if body.meta is not s.UNSET else s.UNSET)

        async def login(self, ctx: Any, body: Any) -> Any:
            return m.Stored(name=body.user, size=int(body.remember is True), purpose="login")

        async def put_blob(self, ctx: Any, body: Any) -> Any:
            return m.Stored(name="blob", size=len(body), purpose=body[1:4].decode())

        async def get_blob(self, ctx: Any) -> Any:
            return b"%PDF-1.7\x00\xff binary"

        async def echo_note(self, ctx: Any, body: Any) -> Any:
            return "a,b\n" + body

    async def authenticate(headers: Any, security: Any) -> Any:
        return s.Principal(tenant="t", scopes=frozenset())

    return s.create_app(Service(), authenticate=authenticate)


def test_models_type_file_fields_and_clients_send_every_body_shape(pkg: Package) -> None:
    m, c = pkg.models, pkg.client
    app = make_app(pkg)

    async def go() -> None:
        async with c.AsyncMiniClient(base_url="http://t", transport=httpx.ASGITransport(app)) as client:
            up = m.Upload(file=("receipt.pdf", b"%PDF-1.7 hello", "application/pdf"), purpose=m.UploadPurpose.RECEIPT,
                          copies=2, tags=["a", "b"], meta=m.UploadMeta(source="scan"))
            got = await client.files.upload(up)
            assert (got.name, got.size, got.purpose, got.copies, got.tags, got.source) == (
                "receipt.pdf", 14, "receipt", 2, ["a", "b"], "scan")
            # a file object and bare bytes work too
            got = await client.files.upload(m.Upload(file=io.BytesIO(b"xyz"), purpose=m.UploadPurpose.AVATAR))
            assert (got.name, got.size) == ("file", 3)
            got = await client.login.login(m.Login(user="ann", remember=True))
            assert (got.name, got.size) == ("ann", 1)
            got = await client.blobs.put(b"\x89PNG\r\n\x1a\n...")
            assert (got.size, got.purpose) == (11, "PNG")
            blob = await client.blobs.get()
            assert blob == b"%PDF-1.7\x00\xff binary" and isinstance(blob, bytes)
            assert await client.notes.echo("1,2") == "a,b\n1,2"
            # the client refuses a bad value before sending (nothing leaves)
            with pytest.raises(pkg.errors.APIError) as refused:
                await client.files.upload(m.Upload(file=b"x", purpose=m.UploadPurpose.AVATAR, copies=0))
            assert refused.value.outcome == "not_sent"
        # the server validates form fields by the model too: a bad integer is a 400 naming the field
        async with httpx.AsyncClient(base_url="http://t", transport=httpx.ASGITransport(app)) as raw:
            bad = await raw.post("/files", files={"file": ("x.bin", b"x")}, data={"purpose": "avatar", "copies": "many"})
        assert bad.status_code == 400 and bad.json()["error"]["param"] == "copies", bad.text

    asyncio.run(go())



def test_wire_format_of_multipart_and_form_bodies(pkg: Package) -> None:
    """What goes on the wire, read by a bare ASGI app (no parsing of ours in between)."""
    seen: dict[str, tuple[str, bytes]] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        body = b""
        while True:
            msg = await receive()
            body += msg.get("body", b"")
            if not msg.get("more_body"):
                break
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        seen[scope["path"]] = (headers["content-type"], body)
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"name": "x", "size": 0, "purpose": "p"}'})

    m, c = pkg.models, pkg.client

    async def go() -> None:
        async with c.AsyncMiniClient(base_url="http://t", transport=httpx.ASGITransport(app)) as client:
            await client.files.upload(m.Upload(file=("a.txt", b"hello"), purpose=m.UploadPurpose.AVATAR,
                                                      copies=3))
            await client.login.login(m.Login(user="a b&c"))

    asyncio.run(go())
    ctype, raw = seen["/files"]
    assert ctype.startswith("multipart/form-data; boundary=")
    assert b'name="file"; filename="a.txt"' in raw and b"hello" in raw and b'name="copies"\r\n\r\n3' in raw
    assert seen["/login"] == ("application/x-www-form-urlencoded", b"user=a+b%26c")


def test_bodies_package_passes_mypy_strict(pkg: Package, tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir",
                           str(tmp_path / ".mypy"), pkg.name], cwd=pkg.root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]
