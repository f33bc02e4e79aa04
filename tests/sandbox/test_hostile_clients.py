"""Hostile clients against a real server process: 2,000 idle or half-sent connections do not stop normal requests
(each answered within 1 s) and are closed by the request deadline; a slowloris trickle is cut; past the
connection cap the oldest idle connections are shed; a flood of bad requests writes a bounded log."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from pathlib import Path

import httpx
import pytest

from sandbox_harness import KEY1, Sandbox


@pytest.fixture(autouse=True)
def _fd_room() -> None:
    try:
        import resource
    except ImportError:
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 5000 if hard == resource.RLIM_INFINITY else min(5000, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))


def _addr(sb: Sandbox) -> tuple[str, int]:
    host, port = sb.url.removeprefix("http://").rsplit(":", 1)
    return host, int(port)


async def _open_hostile(host: str, port: int, n: int) -> list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """n connections: a third idle, a third with half a request head, a third with a head and half a body."""
    out = []
    for i in range(n):
        r, w = await asyncio.open_connection(host, port)
        if i % 3 == 1:
            w.write(b"GET /v1/orders HTTP/1.1\r\nHost: x\r\nAuthoriz")
        elif i % 3 == 2:
            w.write(b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY1.encode()
                    + b"\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{\"line_items\":")
        out.append((r, w))
    return out


async def _closed_by_server(conns: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]], within: float) -> int:
    async def one(r: asyncio.StreamReader) -> bool:
        try:
            while True:
                if not await r.read(65536):
                    return True
        except (ConnectionError, OSError):
            return True

    results = await asyncio.wait_for(asyncio.gather(*(one(r) for r, _ in conns)), within)
    return sum(results)


def test_2000_idle_and_half_sent_connections_do_not_block_normal_requests(tmp_path: Path) -> None:
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    timeout = 4.0
    sb = Sandbox(tmp_path / "slow.db", [f"m1:{KEY1}"], env={"FLINT_SANDBOX_REQUEST_TIMEOUT": str(timeout)})
    host, port = _addr(sb)

    async def scenario() -> tuple[list[float], int, float]:
        t0 = time.monotonic()
        conns = await _open_hostile(host, port, 2000)
        latencies = []
        async with httpx.AsyncClient(base_url=sb.url, headers={"Authorization": f"Bearer {KEY1}"}) as c:
            for i in range(6):
                t = time.monotonic()
                r = await (c.get("/v1/orders") if i % 2 else
                           c.post("/v1/orders", json={"line_items": [
                               {"name": "n", "unit_price_money": {"amount": 1, "currency": "USD"}}]}))
                assert r.status_code in (200, 201), r.text
                latencies.append(time.monotonic() - t)
                await asyncio.sleep(0.3)
        closed = await _closed_by_server(conns, timeout + 15)
        elapsed = time.monotonic() - t0
        for _, w in conns:
            w.close()
        return latencies, closed, elapsed

    try:
        latencies, closed, elapsed = asyncio.run(scenario())
    finally:
        sb.stop()
    print(f"\n2000 hostile connections: normal request latencies {[round(x, 3) for x in latencies]} s;"
          f" all {closed} closed by the server after {elapsed:.1f} s")
    assert max(latencies) < 1.0
    assert closed == 2000


def test_slowloris_trickle_is_cut_at_the_deadline(tmp_path: Path) -> None:
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    sb = Sandbox(tmp_path / "trickle.db", [f"m1:{KEY1}"], env={"FLINT_SANDBOX_REQUEST_TIMEOUT": "2"})
    try:
        s = socket.create_connection(_addr(sb))
        s.settimeout(0.2)
        head = b"GET /v1/orders HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 200
        t0 = time.monotonic()
        closed_at = None
        for byte in head:
            try:
                s.sendall(bytes([byte]))
                if s.recv(100) == b"":
                    closed_at = time.monotonic() - t0
                    break
            except socket.timeout:
                continue
            except OSError:
                closed_at = time.monotonic() - t0
                break
        s.close()
        assert closed_at is not None and closed_at < 4, closed_at
        with sb.client() as c:  # a normal client is unaffected
            assert c.get("/v1/orders").status_code == 200
    finally:
        sb.stop()


def _sockets(pid: int) -> int:
    count = 0
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            count += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:  # closed while we looked
            pass
    return count


def test_connection_cap_sheds_idle_connections(tmp_path: Path) -> None:
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    cap = 200
    sb = Sandbox(tmp_path / "cap.db", [f"m1:{KEY1}"],
                 env={"FLINT_SANDBOX_MAX_CONNECTIONS": str(cap), "FLINT_SANDBOX_REQUEST_TIMEOUT": "60"})
    host, port = _addr(sb)

    async def scenario() -> tuple[int, list[int]]:
        conns = await _open_hostile(host, port, 3 * cap)
        # the server sheds the excess as it accepts them: on a loaded machine that takes longer than the 0.5 s an
        # idle one needs, so the socket count is sampled until it is back near the cap (or 10 s have passed)
        fds = -1
        deadline = time.monotonic() + 10
        while os.path.isdir(f"/proc/{sb.proc.pid}/fd"):
            await asyncio.sleep(0.5)
            fds = _sockets(sb.proc.pid)  # sockets only: files, pipes and the database vary with the environment
            if fds < cap + 60 or time.monotonic() > deadline:
                break
        statuses = []
        async with httpx.AsyncClient(base_url=sb.url, headers={"Authorization": f"Bearer {KEY1}"}) as c:
            for _ in range(5):
                statuses.append((await c.get("/v1/orders", timeout=5)).status_code)
        for _, w in conns:
            w.close()
        return fds, statuses

    try:
        fds, statuses = asyncio.run(scenario())
    finally:
        sb.stop()
    assert statuses == [200] * 5
    if fds >= 0:
        assert 0 < fds < cap + 60, fds  # the cap holds: the server keeps about `cap` sockets, not 3x


def test_a_flood_of_bad_requests_writes_a_bounded_log(tmp_path: Path) -> None:
    pytest.importorskip("flint_api.server", reason="generated/flint_api is not generated yet")
    sb = Sandbox(tmp_path / "flood.db", [f"m1:{KEY1}"])
    try:
        addr = _addr(sb)
        for i in range(1500):
            s = socket.create_connection(addr)
            if i % 3 == 0:
                s.sendall(b"GARBAGE \x00\x01 nonsense\r\n\r\n")
                s.recv(1000)
            elif i % 3 == 1:  # drops mid-body
                s.sendall(b"POST /v1/orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + KEY1.encode()
                          + b"\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
            else:  # oversized head
                s.sendall(b"GET /v1/orders HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 40000 + b"\r\n\r\n")
                try:
                    s.recv(1000)
                except OSError:
                    pass
            s.close()
        with sb.client() as c:
            assert c.get("/v1/orders").status_code == 200
    finally:
        sb.stop()
    assert sb.proc.stderr is not None
    log = sb.proc.stderr.read()
    print(f"\n1500 bad requests -> {len(log)} bytes of log")
    assert len(log) < 20_000, log[-3000:]
    assert "Traceback" not in log
