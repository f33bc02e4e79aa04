"""Start real sandbox processes (the CLI) on free loopback ports on a real store (a SQLite file or a
PostgreSQL URL)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

KEY1 = "flint_test_m1_0123456789abcdef"
KEY2 = "flint_test_m2_0123456789abcdef"


class Sandbox:
    def __init__(self, db: Path | str, keys: list[str], env: dict[str, str] | None = None, workers: int = 1) -> None:
        self.db = db
        args = [sys.executable, "-m", "flint_sandbox.cli", "serve", "--host", "127.0.0.1", "--port", "0", "--db", str(db)]
        for k in keys:
            args += ["--key", k]
        if workers > 1:
            args += ["--workers", str(workers)]
        self.proc = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        prefix = "Flint sandbox listening on "
        if not line.startswith(prefix):
            self.proc.kill()
            raise RuntimeError(f"sandbox did not start: {line!r} {self.proc.stderr.read() if self.proc.stderr else ''}")
        self.url = line[len(prefix):]
        deadline = time.monotonic() + 20
        while True:  # the socket is bound before the line is printed; wait until the app answers
            try:
                httpx.get(self.url + "/v1/orders", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    raise
                time.sleep(0.05)

    def client(self, key: str | None = KEY1) -> httpx.Client:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
