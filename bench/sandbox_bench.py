"""Sandbox throughput under contention: requests/second and latency p50/p99/max for writes (create order) and
reads (get order) at 1, 16 and 64 keep-alive connections, next to a bare Starlette endpoint measured in the same
run (uvicorn, one worker, loopback). Prints medians of 3 runs and ratios. A script that prints numbers; nothing
asserts on them.

Then the stores: reads and writes per second and p50/p99 for SQLite (1 process) and PostgreSQL (1, 2 and 4
instances on one database, on a private server started from the OS packages), at --store-connections keep-alive
connections spread evenly over the instances, each connection its own merchant (a shared sandbox serves many
teams; one merchant's writes run one at a time on either store). The machine's core count is printed with it:
every instance, PostgreSQL and the load generator share those cores.

    .venv/bin/python bench/sandbox_bench.py [--requests 640] [--connections 1,16,64] [--runs 3]
        [--store-requests 480] [--store-connections 16] [--only-stores | --no-stores]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path
from typing import Any, Callable

import httpx

KEY = "flint_test_bench_key_0001"
ORDER = {"line_items": [{"name": "Canvas tote bag", "quantity": 2, "unit_price_money": {"amount": 1250, "currency": "USD"}}]}

BARE_APP = textwrap.dedent(
    """
    import sys, uvicorn
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    async def ping(request):
        return JSONResponse({"data": {"ok": True}, "request_id": "x", "meta": {}})

    async def create(request):
        body = await request.json()
        return JSONResponse({"data": body, "request_id": "x", "meta": {}}, status_code=201)

    app = Starlette(routes=[Route("/ping", ping), Route("/create", create, methods=["POST"])])
    port = int(sys.argv[1])
    print(f"ready http://127.0.0.1:{port}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
    """
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_up(url: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def start_sandbox(db: Path | str, keys: list[str] | None = None) -> tuple[subprocess.Popen[str], str]:
    key_args = [a for k in (keys or [KEY]) for a in ("--key", f"bench{k[-4:]}:{k}" if keys else f"bench:{k}")]
    proc = subprocess.Popen(
        [sys.executable, "-m", "flint_sandbox.cli", "serve", "--port", "0", "--db", str(db), *key_args],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )
    assert proc.stdout is not None
    url = proc.stdout.readline().strip().rsplit(" ", 1)[-1]
    wait_up(url + "/v1/orders")
    return proc, url


def start_bare() -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", BARE_APP, str(port)], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    wait_up(url + "/ping")
    return proc, url


def stop(proc: subprocess.Popen[str]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(10)


def measure(
    url: str | list[str], n: int, clients: int, call: Callable[[httpx.Client, int], httpx.Response],
    keys: list[str] | None = None,
) -> dict[str, float]:
    """n requests over `clients` keep-alive connections (one thread each); latency of every request. With a list
    of URLs, connection w goes to url[w % len]; with keys, connection w uses keys[w % len]."""
    latencies: list[float] = []
    lock = threading.Lock()
    per = max(1, n // clients)
    start = threading.Barrier(clients + 1)

    def worker(w: int) -> None:
        mine: list[float] = []
        base = url[w % len(url)] if isinstance(url, list) else url
        key = keys[w % len(keys)] if keys else KEY
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60) as c:
            call(c, w * per)  # connect (and warm) before the clock starts
            start.wait()
            for i in range(per):
                t0 = time.perf_counter()
                r = call(c, w * per + i)
                mine.append(time.perf_counter() - t0)
                if r.status_code >= 400:
                    raise RuntimeError(f"{r.status_code} {r.text[:200]}")
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(clients)]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {"rps": len(latencies) / wall, "p50": pct(0.50), "p99": pct(0.99), "max": latencies[-1] * 1000}


def store_bench(requests: int, conns: int, runs: int) -> None:
    """SQLite 1 process vs PostgreSQL 1/2/4 instances: writes and reads per second, p50/p99."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from flint_sandbox.localpg import LocalPostgres, PostgresUnavailable

    keys = [f"flint_test_bench_store_{i:04d}" for i in range(conns)]
    rows: list[tuple[str, str, dict[str, float]]] = []
    setups: list[tuple[str, str, int]] = [("SQLite", "sqlite", 1)] + [("PostgreSQL", "pg", n) for n in (1, 2, 4)]
    pg: LocalPostgres | None = None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            for label, kind, n in setups:
                if kind == "pg" and pg is None:
                    try:
                        pg = LocalPostgres().start()
                    except PostgresUnavailable as e:
                        print(f"  SKIP PostgreSQL: {e}")
                        break
                db: Path | str = Path(tmp) / "stores.db" if kind == "sqlite" else pg.create_database(f"bench{n}")  # type: ignore[union-attr]
                procs = []
                try:
                    for _ in range(n):
                        procs.append(start_sandbox(db, keys))
                    urls = [u for _, u in procs]
                    order_ids: dict[str, list[str]] = {}
                    for k in keys:
                        with httpx.Client(base_url=urls[0], headers={"Authorization": f"Bearer {k}"}) as c:
                            order_ids[k] = [c.post("/v1/orders", json=ORDER).json()["data"]["order_id"] for _ in range(5)]

                    def read(c: httpx.Client, i: int) -> httpx.Response:
                        mine = order_ids[c.headers["Authorization"].split()[-1]]
                        return c.get(f"/v1/orders/{mine[i % len(mine)]}")

                    cases: dict[str, Callable[[httpx.Client, int], httpx.Response]] = {
                        "writes": lambda c, i: c.post("/v1/orders", json=ORDER),
                        "reads": read,
                    }
                    for case, call in cases.items():
                        got = [measure(urls, requests, conns, call, keys) for _ in range(runs)]
                        med = {k: statistics.median(r[k] for r in got) for k in ("rps", "p50", "p99", "max")}
                        rows.append((f"{label} x{n}" + (" process" if kind == "sqlite" else " instance" + "s" * (n > 1)), case, med))
                finally:
                    for proc, _ in procs:
                        stop(proc)
    finally:
        if pg is not None:
            pg.stop()
    print(f"\nstores: {os.cpu_count()} cores on this machine (instances, PostgreSQL and the load generator share"
          f" them); {conns} keep-alive connections over the instances, one merchant each; {requests} requests per"
          f" cell, medians of {runs} runs")
    print(f"{'store':<26}{'op':>7}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'x SQLite':>10}")
    base = {case: m["rps"] for store, case, m in rows if store.startswith("SQLite")}
    for store, case, m in rows:
        ratio = m["rps"] / base[case] if base.get(case) else float("nan")
        print(f"{store:<26}{case:>7}{m['rps']:>9.0f}{m['p50']:>9.2f}{m['p99']:>9.2f}{ratio:>10.2f}")
    one = {case: m["rps"] for store, case, m in rows if store == "PostgreSQL x1 instance"}
    for store, case, m in rows:
        if store.startswith("PostgreSQL x") and store != "PostgreSQL x1 instance" and one.get(case):
            print(f"  scaling {store} {case}: {m['rps'] / one[case]:.2f}x PostgreSQL x1")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=640, help="requests per measurement")
    ap.add_argument("--connections", default="1,16,64", help="comma-separated concurrent connection counts")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--store-requests", type=int, default=480, help="requests per cell of the stores table")
    ap.add_argument("--store-connections", type=int, default=16)
    ap.add_argument("--only-stores", action="store_true", help="only the stores table")
    ap.add_argument("--no-stores", action="store_true", help="skip the stores table")
    args = ap.parse_args()
    if not args.only_stores:
        throughput(args)
    if not args.no_stores:
        store_bench(args.store_requests, args.store_connections, args.runs)


def throughput(args: argparse.Namespace) -> None:
    levels = [int(x) for x in args.connections.split(",")]

    results: dict[tuple[str, int], list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sandbox, surl = start_sandbox(Path(tmp) / "bench.db")
        bare, burl = start_bare()
        try:
            with httpx.Client(base_url=surl, headers={"Authorization": f"Bearer {KEY}"}) as c:
                order_ids = [c.post("/v1/orders", json=ORDER).json()["data"]["order_id"] for _ in range(50)]
            cases: dict[str, tuple[str, Callable[[httpx.Client, int], httpx.Response]]] = {
                "sandbox write (create order)": (surl, lambda c, i: c.post("/v1/orders", json=ORDER)),
                "sandbox read (get order)": (surl, lambda c, i: c.get(f"/v1/orders/{order_ids[i % len(order_ids)]}")),
                "bare starlette POST": (burl, lambda c, i: c.post("/create", json=ORDER)),
                "bare starlette GET": (burl, lambda c, i: c.get("/ping")),
            }
            for run in range(args.runs):
                for conns in levels:
                    for name, (url, call) in cases.items():
                        results.setdefault((name, conns), []).append(measure(url, args.requests, conns, call))
        finally:
            stop(sandbox)
            stop(bare)

    med: dict[tuple[str, int], dict[str, Any]] = {
        key: {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50", "p99", "max")}
        for key, runs in results.items()
    }
    print(f"sandbox throughput: {args.requests} requests per cell x {args.runs} runs, uvicorn 1 worker, loopback,"
          f" keep-alive connections (medians of the runs)")
    print(f"{'case':<30}{'conns':>6}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'p99/p50':>9}")
    for (name, conns), m in med.items():
        print(f"{name:<30}{conns:>6}{m['rps']:>9.0f}{m['p50']:>9.2f}{m['p99']:>9.2f}{m['max']:>9.1f}"
              f"{m['p99'] / m['p50']:>9.1f}")
    for conns in levels:
        w, b = med[("sandbox write (create order)", conns)], med[("bare starlette POST", conns)]
        r, g = med[("sandbox read (get order)", conns)], med[("bare starlette GET", conns)]
        print(f"{conns:>3} conns: writes {w['rps'] / b['rps']:.2f}x bare POST, reads {r['rps'] / g['rps']:.2f}x bare GET")


if __name__ == "__main__":
    main()
