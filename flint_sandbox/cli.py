"""`flint-sandbox`: serve the sandbox, create keys, advance the sandbox clock.

    flint-sandbox serve --host H --port P --db DB [--key MERCHANT:KEY ...] [--workers N]
        [--request-timeout S] [--keep-alive-timeout S] [--max-connections N]
    flint-sandbox keys create --db DB --merchant NAME [--scope SCOPE ...]
    flint-sandbox clock advance --db DB --days N

DB is a store URL: `sqlite:///abs/path.db`, a plain SQLite path, or `postgresql://user@host:port/dbname` (needs
psycopg: `pip install '.[postgres]'`). Without --db, $FLINT_SANDBOX_DB, else var/sandbox.db.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import socket
import sys
from typing import Sequence

import flint_api

from . import accounts, httpguard
from .store import MAX_CLOCK_OFFSET_SECONDS, normalize_url, open_storage

DB_ENV = "FLINT_SANDBOX_DB"  # the store URL, for --db left out; also how workers learn it
DEFAULT_DB = "var/sandbox.db"


def parse_key(spec: str) -> tuple[str, str]:
    """MERCHANT:KEY, split at the first colon (the key itself may contain colons)."""
    merchant, sep, key = spec.partition(":")
    if not sep or not merchant:
        raise argparse.ArgumentTypeError(f"--key expects MERCHANT:KEY, got {spec!r}")
    if not key.startswith(accounts.KEY_PREFIX):
        raise argparse.ArgumentTypeError(f"--key: the key must start with {accounts.KEY_PREFIX}")
    return merchant, key


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    storage = open_storage(args.db)
    keys: list[tuple[str, str]] = list(args.key or [])
    if not keys:
        keys = [("default", accounts.generate_key())]
    for merchant, key in keys:
        try:
            storage.write_sync(lambda tx: accounts.add_key(tx, merchant, key))
        except ValueError as e:
            print(f"flint-sandbox: {e}", file=sys.stderr)
            return 2

    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto says TCP, and
    # without it every small response waits ~40 ms for a delayed ACK (Nagle).
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((args.host, args.port))
    except OSError as e:
        print(f"flint-sandbox: cannot bind {args.host}:{args.port}: {e}", file=sys.stderr)
        return 2
    sock.listen(2048)
    sock.set_inheritable(True)
    port = sock.getsockname()[1]
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Flint sandbox listening on http://{host}:{port}", flush=True)
    for merchant, key in keys:
        print(f"Test key for merchant {merchant}: {key}", flush=True)

    # Workers build the app from the environment, so several processes share one database file. The bound
    # socket is handed over as a socket object (with `fd=` uvicorn would re-wrap it as AF_UNIX).
    os.environ[DB_ENV] = normalize_url(args.db)
    # flags win over the environment; either reaches every worker through the environment
    if args.request_timeout is not None:
        os.environ[httpguard.REQUEST_TIMEOUT_ENV] = str(args.request_timeout)
    if args.max_connections is not None:
        os.environ[httpguard.MAX_CONNECTIONS_ENV] = str(args.max_connections)
    _raise_fd_limit(int(httpguard.setting(httpguard.MAX_CONNECTIONS_ENV, httpguard.DEFAULT_MAX_CONNECTIONS)) + 256)
    config = uvicorn.Config(
        "flint_sandbox.app:app_from_env",
        factory=True,
        workers=args.workers,
        log_level=args.log_level,
        access_log=False,
        lifespan="off",
        # hostile clients (flint_sandbox/httpguard.py): a deadline for every request to arrive complete, a cap on
        # connections that sheds idle ones first, a bounded request head, and uvicorn's keep-alive timeout
        http=httpguard.GuardedH11Protocol,
        timeout_keep_alive=args.keep_alive_timeout,
        h11_max_incomplete_event_size=httpguard.MAX_HEAD_BYTES,
        backlog=2048,
    )
    if args.workers > 1:
        from uvicorn.supervisors import Multiprocess

        Multiprocess(config, sockets=[sock]).run()
    else:
        uvicorn.Server(config).run(sockets=[sock])
    return 0


def _raise_fd_limit(want: int) -> None:
    """Room for the connection cap: raise the soft open-files limit toward `want` (never above the hard one)."""
    try:
        import resource
    except ImportError:  # not POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):
            pass


def _keys_create(args: argparse.Namespace) -> int:
    storage = open_storage(args.db)
    key = accounts.generate_key()
    scopes = frozenset(args.scope) if args.scope else accounts.ALL_SCOPES
    storage.write_sync(lambda tx: accounts.add_key(tx, args.merchant, key, scopes))
    print(key)
    return 0


def _clock_advance(args: argparse.Namespace) -> int:
    storage = open_storage(args.db)
    if not 0 <= args.days <= 3650:
        print("flint-sandbox: --days must be between 0 and 3650", file=sys.stderr)
        return 2
    if not storage.write_sync(lambda tx: tx.advance_clock(int(args.days * 86400))):
        print(f"flint-sandbox: the sandbox clock cannot run more than {MAX_CLOCK_OFFSET_SECONDS // 86400} days"
              " ahead", file=sys.stderr)
        return 2
    now = storage.read_sync(lambda tx: tx.now())
    print(f"Sandbox clock now {now.isoformat()}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="flint-sandbox", description="Flint reference sandbox")
    p.add_argument("--version", action="version", version=f"flint-sandbox {_version()} (Flint API {flint_api.__version__})")
    sub = p.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the sandbox server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8080, help="0 picks a free port (printed)")
    db_help = f"store URL: sqlite:///PATH, a SQLite path, or postgresql://... (default ${DB_ENV}, else {DEFAULT_DB})"
    serve.add_argument("--db", default=os.environ.get(DB_ENV) or DEFAULT_DB, help=db_help)
    serve.add_argument("--key", action="append", type=parse_key, metavar="MERCHANT:KEY",
                       help="register a test key with every scope (repeatable; harmless to repeat)")
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--log-level", default="warning")
    serve.add_argument("--request-timeout", type=float, default=None,
                       help="seconds a request (head and body) may take to arrive, then the connection is closed"
                            f" (default {httpguard.DEFAULT_REQUEST_TIMEOUT:.0f}, or ${httpguard.REQUEST_TIMEOUT_ENV})")
    serve.add_argument("--keep-alive-timeout", type=int, default=5,
                       help="seconds an idle keep-alive connection stays open")
    serve.add_argument("--max-connections", type=int, default=None,
                       help="open connections per process; past it the oldest idle one is closed"
                            f" (default {httpguard.DEFAULT_MAX_CONNECTIONS}, or ${httpguard.MAX_CONNECTIONS_ENV})")
    serve.set_defaults(fn=_serve)

    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="create a key and print it")
    create.add_argument("--db", required=not os.environ.get(DB_ENV), default=os.environ.get(DB_ENV), help=db_help)
    create.add_argument("--merchant", required=True)
    create.add_argument("--scope", action="append", choices=sorted(accounts.ALL_SCOPES))
    create.set_defaults(fn=_keys_create)

    clock = sub.add_parser("clock", help="the sandbox clock").add_subparsers(dest="clock_command", required=True)
    advance = clock.add_parser("advance", help="move the sandbox clock forward")
    advance.add_argument("--db", required=not os.environ.get(DB_ENV), default=os.environ.get(DB_ENV), help=db_help)
    advance.add_argument("--days", type=float, required=True)
    advance.set_defaults(fn=_clock_advance)
    return p


def _version() -> str:
    try:
        return importlib.metadata.version("flint-toolkit")
    except importlib.metadata.PackageNotFoundError:  # run from a checkout without an install
        return "0+checkout"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    code: int = args.fn(args)
    return code


if __name__ == "__main__":
    sys.exit(main())
