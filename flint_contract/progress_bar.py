"""The progress bar a person sees when the kit's progress goes to a terminal (rich draws it): the
progress lines scroll above one live line of steps done out of steps planned, the running step and
the elapsed time. Anything that is not a terminal (a pipe, a file, CI logs) gets the plain lines."""

from __future__ import annotations

import os
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from .progress import StepBar


def wanted(stream: TextIO) -> bool:
    """A bar only on an interactive terminal that can redraw a line."""
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return False
    return tty and os.environ.get("TERM", "") != "dumb"


class Bar(StepBar):
    def __init__(self, stream: TextIO) -> None:
        self._console = Console(file=stream, force_terminal=True, highlight=False, soft_wrap=True)
        self._progress = Progress(
            SpinnerColumn(), TextColumn("[bold]flint-contract[/]"), BarColumn(), MofNCompleteColumn(),
            TextColumn("steps  {task.description}"), TimeElapsedColumn(),
            console=self._console, transient=False, refresh_per_second=8,
        )
        self._task = self._progress.add_task("starting", total=0)
        self._progress.start()

    def __call__(self, line: str) -> None:
        self._progress.console.print(line, markup=False, highlight=False)

    def expect(self, steps: int) -> None:
        total = self._progress.tasks[0].total or 0
        self._progress.update(self._task, total=total + steps)
        self._progress.refresh()  # a printed line redraws the last refreshed bar: keep it current

    def begin(self, name: str) -> None:
        self._progress.update(self._task, description=name)
        self._progress.refresh()

    def end(self) -> None:
        self._progress.advance(self._task)
        self._progress.refresh()

    def close(self) -> None:
        self._progress.update(self._task, description="done")
        self._progress.stop()
