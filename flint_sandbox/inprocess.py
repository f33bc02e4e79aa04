"""The reference sandbox in this process, as an ASGI app over its own SQLite file: for the async client
through `httpx.ASGITransport`, no server, no port, no subprocess (the pytest fixture
`flint_sandbox_asgi` is built on it). The sync client needs a real server: `flint_contract.localserver`.

    with InProcessSandbox() as sandbox:
        async with sandbox.async_client() as client:
            order = (await client.orders.create(line_items=[...])).data
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Callable

import httpx

from . import accounts
from .app import build_app
from .store import open_storage

if TYPE_CHECKING:
    from flint_api import AsyncFlintClient
    from starlette.applications import Starlette

MERCHANT_KEY = "flint_test_inprocess_merchant_a"
PEER_KEY = "flint_test_inprocess_merchant_b"
BASE_URL = "http://flint-sandbox.asgi"  # never resolved: the transport hands requests to the app


def _adds_key(merchant: str, key: str) -> Callable[[Any], str]:
    return lambda tx: accounts.add_key(tx, merchant, key)


class InProcessSandbox:
    """A fresh sandbox: `.app` (ASGI), two merchants (`.api_key`, `.peer_api_key`), `.db_path`. The
    database lives in a temporary directory removed by `close()` unless `directory` is given."""

    def __init__(self, directory: Path | None = None, *, faults: frozenset[str] = frozenset()) -> None:
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if directory is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="flint-sandbox-asgi-")
            directory = Path(self._tmp.name)
        root = Path(directory)
        root.mkdir(parents=True, exist_ok=True)
        self.db_path = root / "flint_sandbox.db"
        self.api_key, self.peer_api_key = MERCHANT_KEY, PEER_KEY
        self.base_url = BASE_URL
        storage = open_storage(str(self.db_path))
        for merchant, key in (("mer_inprocess_a", MERCHANT_KEY), ("mer_inprocess_b", PEER_KEY)):
            storage.write_sync(_adds_key(merchant, key))
        self.app: Starlette = build_app(str(self.db_path), faults)

    def transport(self) -> httpx.ASGITransport:
        return httpx.ASGITransport(app=self.app)

    def async_client(self, api_key: str | None = None, **options: Any) -> AsyncFlintClient:
        """The generated async client wired to this sandbox (the merchant's key unless another is given)."""
        from flint_api import AsyncFlintClient

        return AsyncFlintClient(api_key or self.api_key, base_url=self.base_url, transport=self.transport(), **options)

    def close(self) -> None:
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> "InProcessSandbox":
        return self

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
