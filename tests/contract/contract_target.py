"""Which server the contract tests talk to: FLINT_BASE_URL / FLINT_API_KEY / FLINT_PEER_API_KEY
(set from --base-url/--api-key/--peer-api-key by conftest.py), or else a fresh local sandbox started
once per session on a free loopback port. Read at import time: schemathesis needs its schema when
the test module is imported (cookbook P3, from_fixture is broken on pytest 9)."""

from __future__ import annotations

import atexit
import os
from dataclasses import dataclass

from flint_contract.localserver import Sandbox, SandboxError


@dataclass(frozen=True)
class Target:
    base_url: str
    api_key: str
    peer_api_key: str | None
    local: bool


_cache: dict[str, object] = {}


def target() -> Target | str:
    """The target, or a string saying why there is none (tests skip with it)."""
    if "target" in _cache:
        return _cache["target"]  # type: ignore[return-value]
    url = os.environ.get("FLINT_BASE_URL")
    if url:
        key = os.environ.get("FLINT_API_KEY")
        result: Target | str = (
            Target(url, key, os.environ.get("FLINT_PEER_API_KEY"), local=False) if key else "FLINT_BASE_URL set without FLINT_API_KEY"
        )
    else:
        try:
            sandbox = Sandbox().start()
        except (SandboxError, OSError) as exc:
            result = f"no FLINT_BASE_URL and the local sandbox did not start: {str(exc)[:500]}"
        else:
            atexit.register(sandbox.stop)
            _cache["sandbox"] = sandbox
            result = Target(sandbox.base_url, sandbox.api_key, sandbox.peer_api_key, local=True)
    _cache["target"] = result
    return result
