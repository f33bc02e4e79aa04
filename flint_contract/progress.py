"""Progress lines for a person watching a run: one line per phase, probe and schemathesis pass, with
counts and elapsed time, and a heartbeat while one step runs long. They go to stderr (the verdict
stays on stdout); `Progress(None)` is silent (the library default). On a terminal the sink is a
`progress_bar.Bar`: the same lines scroll above a live bar of steps done out of steps planned, with
the running step and the elapsed time (the bar replaces the heartbeat lines)."""

from __future__ import annotations

import sys
import threading
import time
from types import TracebackType
from typing import Callable, Optional

Sink = Optional[Callable[[str], None]]

HEARTBEAT_SECONDS = 15.0


def stderr_line(line: str) -> None:
    """The plain sink of the command lines: each progress line to stderr as it comes."""
    sys.stderr.write(line + "\n")
    sys.stderr.flush()


class Progress:
    def __init__(self, sink: Sink, *, heartbeat: float = HEARTBEAT_SECONDS) -> None:
        self._sink = sink
        self._t0 = time.monotonic()
        self.heartbeat = heartbeat
        self._lock = threading.Lock()
        self.bar: StepBar | None = sink if isinstance(sink, StepBar) else None

    def expect(self, steps: int) -> None:
        """`steps` more steps are planned (the bar's total grows as the run learns its plan)."""
        if self.bar is not None:
            self.bar.expect(steps)

    @property
    def enabled(self) -> bool:
        return self._sink is not None

    def say(self, message: str) -> None:
        if self._sink is None:
            return
        with self._lock:
            self._sink(f"[{time.monotonic() - self._t0:6.1f}s] {message}")

    def step(self, name: str) -> "Step":
        return Step(self, name)


class Step:
    """`with progress.step("probe x"):` says when it starts, every heartbeat while it runs, and when it ends."""

    def __init__(self, progress: Progress, name: str) -> None:
        self.progress = progress
        self.name = name
        self.detail = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0

    def __enter__(self) -> "Step":
        self._started = time.monotonic()
        self.progress.say(f"{self.name} ...")
        if self.progress.bar is not None:
            self.progress.bar.begin(self.name)
        elif self.progress.enabled:
            self._thread = threading.Thread(target=self._beat, daemon=True)
            self._thread.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(self.progress.heartbeat):
            self.progress.say(f"{self.name}: still running ({time.monotonic() - self._started:.0f}s)")

    def __exit__(self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1)
        took = time.monotonic() - self._started
        tail = f", {self.detail}" if self.detail else ""
        self.progress.say(f"{self.name}: {'failed' if e is not None else 'done'} in {took:.1f}s{tail}")
        if self.progress.bar is not None:
            self.progress.bar.end()


class StepBar:
    """A sink that also draws a bar (see flint_contract.progress_bar.Bar, the implementation)."""

    def __call__(self, line: str) -> None:
        raise NotImplementedError

    def expect(self, steps: int) -> None:
        raise NotImplementedError

    def begin(self, name: str) -> None:
        raise NotImplementedError

    def end(self) -> None:
        raise NotImplementedError
