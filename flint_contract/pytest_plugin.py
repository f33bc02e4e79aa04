"""pytest plugin (registered as the `flint_contract` pytest11 entry point; or list
`pytest_plugins = ["flint_contract.pytest_plugin"]` in a conftest.py).

Fixtures:

- `flint_sandbox`: a fresh reference sandbox per test, a real HTTP server on a free loopback port over
  its own temporary SQLite file, with two merchants; `.base_url`, `.api_key`, `.peer_api_key`. Stopped
  and deleted after the test.
- `flint_client`: the generated sync `flint_api.FlintClient` wired to `flint_sandbox`.
- `flint_sandbox_asgi`: a fresh reference sandbox in this process (an ASGI app over its own temporary
  SQLite file, `flint_sandbox.inprocess.InProcessSandbox`): no server, no port; `.app`, `.api_key`,
  `.peer_api_key`, `.async_client()`.
- `flint_async_client`: the generated `flint_api.AsyncFlintClient` wired to `flint_sandbox_asgi` through
  `httpx.ASGITransport` (for async tests: `@pytest.mark.anyio`, or pytest-asyncio's marker).
- `flint_contract`: a function `flint_contract(base_url=None, api_key=None, **options)` that runs the kit
  (defaults: the `flint_sandbox` of this test) and fails the test with the grouped findings; it returns
  the RunResult. Options are RunOptions fields: `quick=True`, `probes=[...]`, `operations=[...]`, ...
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

import pytest

if TYPE_CHECKING:
    from flint_api import AsyncFlintClient, FlintClient
    from flint_sandbox.inprocess import InProcessSandbox

    from .localserver import Sandbox
    from .runner import RunResult


@pytest.fixture
def flint_sandbox() -> Iterator["Sandbox"]:
    from .localserver import Sandbox, SandboxError

    sandbox = Sandbox()
    try:
        sandbox.start()
    except SandboxError as exc:
        pytest.fail(f"flint_sandbox could not start: {exc}", pytrace=False)
    try:
        yield sandbox
    finally:
        sandbox.stop()


@pytest.fixture
def flint_client(flint_sandbox: "Sandbox") -> Iterator["FlintClient"]:
    from flint_api import FlintClient

    client = FlintClient(flint_sandbox.api_key, base_url=flint_sandbox.base_url)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def flint_sandbox_asgi(tmp_path: Path) -> Iterator["InProcessSandbox"]:
    from flint_sandbox.inprocess import InProcessSandbox

    with InProcessSandbox(tmp_path / "flint-sandbox-asgi") as sandbox:
        yield sandbox


@pytest.fixture
def flint_async_client(flint_sandbox_asgi: "InProcessSandbox") -> Iterator["AsyncFlintClient"]:
    client = flint_sandbox_asgi.async_client()
    yield client
    # A sync fixture, so it serves any async test runner; ASGITransport holds no sockets or loop-bound
    # state, so closing in a fresh event loop after the test's own loop has ended is safe.
    asyncio.run(client.close())


@pytest.fixture
def flint_contract(request: pytest.FixtureRequest) -> Callable[..., "RunResult"]:
    from .testing import ContractViolation, assert_conforms

    def run(base_url: str | None = None, api_key: str | None = None, **options: Any) -> "RunResult":
        if base_url is None or api_key is None:
            sandbox = request.getfixturevalue("flint_sandbox")
            base_url = base_url or sandbox.base_url
            api_key = api_key or sandbox.api_key
            options.setdefault("peer_api_key", sandbox.peer_api_key)
            options.setdefault("destructive", True)  # this test's own throwaway sandbox
        try:
            return assert_conforms(base_url, api_key, **options)
        except ContractViolation as exc:
            pytest.fail(f"the server does not conform to the Flint contract:\n{exc}", pytrace=False)
            raise  # unreachable: pytest.fail raises

    return run
