"""A private PostgreSQL server from the OS packages (initdb + postgres), for tests, the bench and `make serve-pg`.

    python -m flint_sandbox.localpg serve [--data var/pg] [--port 5433] [-- SANDBOX SERVE ARGS...]
    python -m flint_sandbox.localpg contract [KIT RUN ARGS...]

`serve` starts (initialising on first use) a cluster in a directory, on a loopback port only (no Unix socket
outside the data directory), then `flint-sandbox serve --db postgresql://...` on it, and stops both on exit (by
pid). `contract` is `make contract` on PostgreSQL: a throwaway cluster in a temp dir, a fresh sandbox on it with
two merchants' keys, the contract kit's default run against it, everything stopped, the kit's exit code.
PostgreSQL refuses to run as root: as root the cluster is owned by, and runs as, the `postgres` user that the
OS package creates.
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence


class PostgresUnavailable(RuntimeError):
    pass


def bin_dir() -> Path:
    """The newest /usr/lib/postgresql/N/bin with initdb (or $FLINT_PG_BIN)."""
    env = os.environ.get("FLINT_PG_BIN")
    if env:
        return Path(env)
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    which = shutil.which("initdb")
    if which:
        return Path(which).parent
    raise PostgresUnavailable("no PostgreSQL server binaries (initdb): apt-get install postgresql")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalPostgres:
    """One postgres process on 127.0.0.1:port with its data in `data` (a fresh temp dir when None)."""

    def __init__(self, data: str | Path | None = None, port: int = 0, settings: dict[str, str] | None = None) -> None:
        self.bin = bin_dir()
        self._tmp = data is None
        self.data = Path(data) if data is not None else Path(tempfile.mkdtemp(prefix="flint-pg-"))
        self.port = port or free_port()
        self.settings = {"max_connections": "200", "shared_buffers": "64MB", **(settings or {})}
        self.proc: subprocess.Popen[bytes] | None = None
        self._root = os.geteuid() == 0
        self.log = self.data.parent / (self.data.name + ".log") if not self._tmp else self.data / "server.log"

    def _user_kw(self) -> dict[str, Any]:
        return {"user": "postgres", "group": "postgres"} if self._root else {}

    def _chown(self, path: Path) -> None:
        if self._root:
            shutil.chown(path, "postgres", "postgres")

    def start(self, timeout: float = 60) -> "LocalPostgres":
        self.data.mkdir(parents=True, exist_ok=True)
        os.chmod(self.data, 0o700)
        self._chown(self.data)
        if not (self.data / "PG_VERSION").exists():
            out = subprocess.run(
                [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                 "--no-sync", "--locale=C"],
                capture_output=True, text=True, **self._user_kw(),
            )
            if out.returncode != 0:
                raise PostgresUnavailable(f"initdb failed: {out.stderr.strip() or out.stdout.strip()}")
        args = [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port), "-h", "127.0.0.1",
                "-k", str(self.data)]
        for k, v in self.settings.items():
            args += ["-c", f"{k}={v}"]
        log = open(self.log, "ab")
        self._chown(self.log)
        self.proc = subprocess.Popen(args, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True,
                                     **self._user_kw())
        log.close()
        deadline = time.monotonic() + timeout
        import psycopg

        while True:
            if self.proc.poll() is not None:
                raise PostgresUnavailable(f"postgres exited {self.proc.returncode}: {self._log_tail()}")
            try:
                with psycopg.connect(self.url("postgres"), connect_timeout=2):
                    return self
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise PostgresUnavailable(f"postgres did not accept connections: {self._log_tail()}") from None
                time.sleep(0.1)

    def _log_tail(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-2000:]
        except OSError:
            return ""

    def url(self, dbname: str = "flint") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{dbname}"

    def create_database(self, name: str) -> str:
        """A new empty database (dropped first if it exists); returns its URL."""
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as c:
            c.execute(f'DROP DATABASE IF EXISTS "{name}"')
            c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def ensure_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as c:
            if c.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
                c.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        """Fast shutdown by pid (SIGINT), SIGKILL after 30 s; removes the temp data directory."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None
        if self._tmp:
            shutil.rmtree(self.data, ignore_errors=True)

    def __enter__(self) -> "LocalPostgres":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serve(argv: Sequence[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m flint_sandbox.localpg serve")
    ap.add_argument("--data", default="var/pg", help="cluster directory (kept between runs)")
    ap.add_argument("--port", type=int, default=5433, help="PostgreSQL's loopback port")
    ap.add_argument("sandbox_args", nargs="*", help="after --: arguments for flint-sandbox serve")
    args = ap.parse_args(argv)
    pg = LocalPostgres(os.path.abspath(args.data), args.port)
    pg.start()
    try:
        url = pg.ensure_database("flint")
        print(f"PostgreSQL on 127.0.0.1:{pg.port} (data {pg.data}); store {url}", flush=True)
        cmd = [sys.executable, "-m", "flint_sandbox.cli", "serve", "--db", url, *args.sandbox_args]
        proc = subprocess.Popen(cmd)
        try:
            return proc.wait()
        except KeyboardInterrupt:  # Ctrl-C: stop the sandbox (by pid), then PostgreSQL below
            proc.terminate()
            try:
                return proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                return proc.wait(10)
    finally:
        pg.stop()


def _contract(argv: Sequence[str]) -> int:
    import secrets

    keys = [f"flint_test_{m}_{secrets.token_hex(12)}" for m in ("pga", "pgb")]
    started = time.monotonic()
    with LocalPostgres() as pg:
        url = pg.create_database("contract")
        cmd = [sys.executable, "-m", "flint_sandbox.cli", "serve", "--host", "127.0.0.1", "--port", "0", "--db", url,
               "--key", f"mer_contract_a:{keys[0]}", "--key", f"mer_contract_b:{keys[1]}"]
        sandbox = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                   start_new_session=True)
        try:
            assert sandbox.stdout is not None
            line = sandbox.stdout.readline().strip()
            if "listening on " not in line:
                print(f"contract-pg: the sandbox did not start: {line!r}", file=sys.stderr)
                return 2
            base = line.rsplit(" ", 1)[-1]
            print(f"contract-pg: sandbox at {base} on {url}", flush=True)
            kit = [sys.executable, "-c", "import sys; from flint_contract.cli import main; sys.exit(main(sys.argv[1:]))",
                   "run", "--base-url", base, "--api-key", keys[0], "--peer-api-key", keys[1], *argv]
            code = subprocess.call(kit)
        finally:
            os.killpg(sandbox.pid, signal.SIGTERM)
            try:
                sandbox.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(sandbox.pid, signal.SIGKILL)
                sandbox.wait(10)
    print(f"contract-pg: exit {code} after {time.monotonic() - started:.1f}s", flush=True)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "serve":
        return _serve(argv[1:])
    if argv and argv[0] == "contract":
        return _contract(argv[1:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
