"""Crash points for the exactly-once tests. TEST-ONLY: never set FLINT_SANDBOX_CRASH_POINTS in real use.

With `FLINT_SANDBOX_CRASH_POINTS=1` in the environment (read once when the app is built; off by default), a write
request carrying the header `X-Sandbox-Crash-At: <point>` kills its own server process with SIGKILL (no cleanup,
no flush: what `kill -9` or a power cut does to the process) when it reaches that point:

- `before_write`: the key was checked, nothing written yet;
- `before_commit`: inside the write transaction, after the business rules and the stored response, before COMMIT;
- `after_commit`: the write and its idempotency record are committed, the response not yet sent.

`tests/sandbox/test_crash_exactly_once.py` restarts the process and retries with the same key after each.
"""

from __future__ import annotations

import os
import signal
from typing import Mapping

HEADER = "x-sandbox-crash-at"
POINTS = ("before_write", "before_commit", "after_commit")

_enabled = False


def enable(on: bool) -> None:
    global _enabled
    _enabled = on


def from_env() -> bool:
    return os.environ.get("FLINT_SANDBOX_CRASH_POINTS", "") == "1"


def hit(point: str, headers: Mapping[str, str]) -> None:
    if _enabled and headers.get(HEADER) == point:
        os.kill(os.getpid(), signal.SIGKILL)
