"""A real sandbox process (the CLI, a real SQLite file) for the request-side fidelity tests."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sandbox"))
from sandbox_harness import KEY1, Sandbox  # noqa: E402


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    sb = Sandbox(tmp_path_factory.mktemp("fidelity") / "f.db", [f"m1:{KEY1}"])
    yield sb
    sb.stop()


@pytest.fixture()
def client(sandbox: Sandbox) -> Iterator[object]:
    from flint_api.client import FlintClient

    with FlintClient(KEY1, base_url=sandbox.url, max_retries=0) as c:
        yield c
