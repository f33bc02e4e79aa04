"""Shrink a differing sequence to a short one that still differs the same way (delta debugging).

A candidate keeps a subset of the steps (steps referring to a dropped one go too) and is replayed from
scratch on fresh merchants; it is kept when its first difference has the same signature as the original's:
the same operation, the same kind of difference, at the same place (list indices ignored). Subsets are tried
as in ddmin: drop one of n chunks, start with halves, refine to single steps. The result is 1-minimal: no
single step can be dropped from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .compare import category
from .execute import SequenceRun
from .sequence import Step, subsequence

_INDEX = re.compile(r"^\d+$")


def signature(run: SequenceRun) -> tuple[str, str, str] | None:
    if run.first_difference is None or run.comparison is None:
        return None
    i = run.first_difference
    d = run.comparison.differences[0]
    where = "/" + "/".join("*" if _INDEX.match(p) else p for p in d.path)
    return run.steps[i].op, category(run.oracle[i], run.target[i], d), where


@dataclass
class Shrunk:
    run: SequenceRun  # the replay of the shortest sequence found
    tries: int
    original_length: int
    reproduced: bool


def shrink(steps: list[Step], replay: Callable[[list[Step]], SequenceRun], max_tries: int = 80) -> Shrunk:
    first = replay(steps)
    want = signature(first)
    if want is None:
        return Shrunk(first, 1, len(steps), False)
    assert first.first_difference is not None
    best = first
    cur = steps[: first.first_difference + 1]
    tries = 1
    n = 2
    while len(cur) > 1 and tries < max_tries:
        chunk = max(1, len(cur) // n)
        starts = list(range(0, len(cur), chunk))
        progressed = False
        for start in starts:
            keep = set(range(len(cur))) - set(range(start, start + chunk))
            candidate = subsequence(cur, keep)
            if not candidate or len(candidate) >= len(cur):
                continue
            tries += 1
            run = replay(candidate)
            if signature(run) == want and run.first_difference is not None:
                best, cur = run, candidate[: run.first_difference + 1]
                n = max(n - 1, 2)
                progressed = True
                break
            if tries >= max_tries:
                break
        if not progressed:
            if chunk == 1:
                break
            n = min(len(cur), n * 2)
    return Shrunk(best, tries, len(steps), True)
