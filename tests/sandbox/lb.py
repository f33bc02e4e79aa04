"""A small TCP load balancer for the multi-instance tests: each accepted connection goes to the next backend,
round robin, and bytes are copied both ways. It runs its own event loop in a thread, on a free loopback port."""

from __future__ import annotations

import asyncio
import itertools
import threading
from urllib.parse import urlsplit


class RoundRobin:
    def __init__(self, backend_urls: list[str]) -> None:
        self.backends = [(u.hostname or "127.0.0.1", int(u.port or 80)) for u in map(urlsplit, backend_urls)]
        self._next = itertools.cycle(range(len(self.backends)))
        self.counts = [0] * len(self.backends)
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._server: asyncio.base_events.Server | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        self._ready.wait(10)
        assert self._server is not None
        port = self._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)

        async def start() -> None:
            self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0, backlog=1024)
            self._ready.set()

        self._loop.run_until_complete(start())
        self._loop.run_forever()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        i = next(self._next)
        self.counts[i] += 1
        try:
            up_r, up_w = await asyncio.open_connection(*self.backends[i])
        except OSError:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                try:
                    dst.close()
                except Exception:
                    pass

        await asyncio.gather(pipe(reader, up_w), pipe(up_r, writer))

    def close(self) -> None:
        async def stop() -> None:
            if self._server is not None:
                self._server.close()

        asyncio.run_coroutine_threadsafe(stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
