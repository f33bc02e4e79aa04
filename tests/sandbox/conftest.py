"""Fixtures: one sandbox process per store for the session, with two merchants; a private PostgreSQL server.

Every test that takes `sandbox` (or `c1`/`c2`) runs once on SQLite and once on PostgreSQL. FLINT_TEST_STORES
(comma-separated: sqlite, postgresql) narrows that for a quick local run; CI runs both.
"""

from __future__ import annotations

import os
from typing import Iterator

import httpx
import pytest
from sandbox_harness import KEY1, KEY2, Sandbox
from pg_harness import PgServer, STORES, store_db


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    server = PgServer.start_or_skip()
    yield server
    server.stop()


@pytest.fixture(scope="session", params=STORES)
def store(request: pytest.FixtureRequest) -> str:
    """The store kind a test runs on: "sqlite" or "postgresql"."""
    return str(request.param)


@pytest.fixture(scope="session")
def sandbox(store: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    db = store_db(store, request, tmp_path_factory.mktemp("sandbox"), "main")
    sb = Sandbox(db, [f"m1:{KEY1}", f"m2:{KEY2}"])
    yield sb
    sb.stop()


@pytest.fixture()
def c1(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with sandbox.client(KEY1) as c:
        yield c


@pytest.fixture()
def c2(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with sandbox.client(KEY2) as c:
        yield c
