"""Sandbox throughput under contention: requests/second and latency p50/p99/max for writes (create order) and
reads (get order) at 1, 16 and 64 keep-alive connections, next to a bare Starlette endpoint measured in the same
run (uvicorn, one worker, loopback). Prints medians of 3 runs and ratios. A script that prints numbers; nothing
asserts on them.

    .venv/bin/python bench/sandbox_bench.py [--requests 640] [--connections 1,16,64] [--runs 3]
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


def start_sandbox(db: Path) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "flint_sandbox.cli", "serve", "--port", "0", "--db", str(db), "--key", f"bench:{KEY}"],
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


def measure(url: str, n: int, clients: int, call: Callable[[httpx.Client, int], httpx.Response]) -> dict[str, float]:
    """n requests over `clients` keep-alive connections (one thread each); latency of every request."""
    latencies: list[float] = []
    lock = threading.Lock()
    per = max(1, n // clients)
    start = threading.Barrier(clients + 1)

    def worker(w: int) -> None:
        mine: list[float] = []
        with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {KEY}"}, timeout=60) as c:
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=640, help="requests per measurement")
    ap.add_argument("--connections", default="1,16,64", help="comma-separated concurrent connection counts")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
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
