"""Start a fresh reference sandbox on a free loopback port (a real HTTP server over a real SQLite
file), for `make contract`, the pytest suite, the mutation tests and `flint-contract diff --oracle embedded`
(the oracle: it runs the installed `flint-sandbox` command when there is one)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import httpx

MERCHANT_KEY = "flint_test_contract_merchant_a"
PEER_KEY = "flint_test_contract_merchant_b"
_LISTENING = re.compile(r"Flint sandbox listening on (http://\S+)")


class SandboxError(Exception):
    pass


def _command() -> list[str]:
    script = Path(sys.executable).with_name("flint-sandbox")
    if script.exists():
        return [str(script)]
    found = shutil.which("flint-sandbox")
    if found:
        return [found]
    return [sys.executable, "-c", "import sys; from flint_sandbox.cli import main; sys.exit(main())"]


@dataclass
class Sandbox:
    faults: tuple[str, ...] = ()
    keys: tuple[tuple[str, str], ...] = (("mer_contract_a", MERCHANT_KEY), ("mer_contract_b", PEER_KEY))
    startup_timeout: float = 30.0
    base_url: str = ""
    _proc: subprocess.Popen[str] | None = None
    _tmp: tempfile.TemporaryDirectory[str] | None = None
    _log: list[str] = field(default_factory=list)

    @property
    def api_key(self) -> str:
        return self.keys[0][1]

    @property
    def peer_api_key(self) -> str:
        return self.keys[1][1]

    def start(self) -> "Sandbox":
        self._tmp = tempfile.TemporaryDirectory(prefix="flint-sandbox-")
        db = Path(self._tmp.name) / "flint_sandbox.db"
        cmd = _command() + ["serve", "--host", "127.0.0.1", "--port", "0", "--db", str(db)]
        for merchant, key in self.keys:
            cmd += ["--key", f"{merchant}:{key}"]
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("FLINT_SANDBOX_FAULTS", None)
        if self.faults:
            env["FLINT_SANDBOX_FAULTS"] = ",".join(self.faults)
        repo_root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (repo_root, env.get("PYTHONPATH", "")) if p)
        self._proc = subprocess.Popen(
            cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, encoding="utf-8", errors="replace"
        )
        found: list[str] = []

        def pump() -> None:
            assert self._proc is not None and self._proc.stdout is not None
            for line in self._proc.stdout:
                self._log.append(line)
                if not found:
                    m = _LISTENING.search(line)
                    if m:
                        found.append(m.group(1))

        threading.Thread(target=pump, daemon=True).start()
        deadline = time.monotonic() + self.startup_timeout
        while not found:
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SandboxError("sandbox did not start:\n" + "".join(self._log[-40:]))
            time.sleep(0.05)
        self.base_url = found[0].rstrip("/")
        # The line can precede the app import; wait until the server answers HTTP at all.
        while True:
            try:
                httpx.get(self.base_url + "/v1/orders", timeout=2)
                return self
            except httpx.HTTPError:
                pass
            if self._proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise SandboxError("sandbox did not answer HTTP:\n" + "".join(self._log[-40:]))
            time.sleep(0.05)

    def stop(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc = None
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    @property
    def log(self) -> str:
        return "".join(self._log)

    def __enter__(self) -> "Sandbox":
        return self.start()

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
