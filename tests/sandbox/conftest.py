"""Fixtures: one sandbox process for the session, with two merchants."""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest
from sandbox_harness import KEY1, KEY2, Sandbox


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    sb = Sandbox(tmp_path_factory.mktemp("sandbox") / "x.db", [f"m1:{KEY1}", f"m2:{KEY2}"])
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
