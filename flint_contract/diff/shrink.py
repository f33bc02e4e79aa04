"""Shrink a differing sequence to a short one that still differs the same way (delta debugging).

A candidate keeps a subset of the steps and is replayed from scratch on fresh merchants; it is kept when its
first difference has the same signature as the original's: the same operation, the same kind of difference, at
the same place (list indices ignored). Subsets are tried as in ddmin: drop one of n chunks, start with halves,
refine to single steps, so the result is 1-minimal (no single step can be dropped from it).

A step that refers to a dropped step is re-pointed when it can be: if the dropped step's id also appeared in an
earlier kept step's response on the oracle (addOrderLineItems answers with the order createOrder made), the
reference moves there; otherwise the step goes too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Callable

from ..resources import pointer_get
from .compare import category
from .execute import SequenceRun
from .sequence import Ref, Step

_INDEX = re.compile(r"^\d+$")
Aliases = dict[tuple[int, str], list[tuple[int, str]]]


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


def _strings(node: Any, at: str = "") -> list[tuple[str, str]]:
    """(pointer, value) of every string in a body, breadth first."""
    out: list[tuple[str, str]] = []
    queue: list[tuple[Any, str]] = [(node, at)]
    while queue:
        item, where = queue.pop(0)
        if isinstance(item, dict):
            queue.extend((v, f"{where}/{k}") for k, v in item.items())
        elif isinstance(item, list):
            queue.extend((v, f"{where}/{i}") for i, v in enumerate(item))
        elif isinstance(item, str):
            out.append((where, item))
    return out


def aliases(steps: list[Step], run: SequenceRun) -> Aliases:
    """Each reference's value on the oracle, found again in earlier responses: (step, pointer) -> alternatives."""
    bodies: list[Any] = []
    for out in run.oracle:
        try:
            bodies.append(json.loads(out.raw) if out.raw else None)
        except ValueError:
            bodies.append(None)
    found: Aliases = {}
    for step in steps:
        for ref in _refs(step):
            if (ref.step, ref.pointer) in found or ref.step >= len(bodies):
                continue
            value = pointer_get(bodies[ref.step], ref.pointer)
            found[(ref.step, ref.pointer)] = [(i, p) for i in range(ref.step) for p, v in _strings(bodies[i])
                                              if isinstance(value, str) and v == value]
    return found


def _refs(node: Any) -> list[Ref]:
    if isinstance(node, Step):
        return _refs(node.path) + _refs(node.query) + _refs(node.body)
    if isinstance(node, Ref):
        return [node]
    if isinstance(node, dict):
        return [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


class _Dropped(Exception):
    pass


def build(steps: list[Step], keep: list[int], alias: Aliases) -> tuple[list[Step], list[int]]:
    """The kept steps (original indices), references re-pointed or the step dropped; renumbered."""
    kept: list[int] = []
    mapping: dict[int, int] = {}

    def repoint(node: Any) -> Any:
        if isinstance(node, Ref):
            if node.step in mapping:
                return Ref(mapping[node.step], node.pointer)
            for i, p in alias.get((node.step, node.pointer), []):
                if i in mapping:
                    return Ref(mapping[i], p)
            raise _Dropped
        if isinstance(node, dict):
            return {k: repoint(v) for k, v in node.items()}
        if isinstance(node, list):
            return [repoint(v) for v in node]
        return node

    out: list[Step] = []
    for idx in sorted(keep):
        s = steps[idx]
        try:
            new = Step(s.op, repoint(s.path), repoint(s.query), repoint(s.body), s.via)
        except _Dropped:
            continue
        mapping[idx] = len(out)
        kept.append(idx)
        out.append(new)
    return out, kept


def shrink(steps: list[Step], replay: Callable[[list[Step]], SequenceRun], max_tries: int = 80) -> Shrunk:
    first = replay(steps)
    want = signature(first)
    if want is None or first.first_difference is None:
        return Shrunk(first, 1, len(steps), False)
    base = steps[: first.first_difference + 1]
    alias = aliases(base, first)
    best, cur = first, list(range(len(base)))  # cur: original indices of the steps kept so far
    tries, n = 1, 2
    while len(cur) > 1 and tries < max_tries:
        chunk = max(1, len(cur) // n)
        progressed = False
        for start in range(0, len(cur), chunk):
            candidate, kept = build(base, cur[:start] + cur[start + chunk:], alias)
            if not candidate:
                continue
            tries += 1
            run = replay(candidate)
            if signature(run) == want and run.first_difference is not None:
                best, cur = run, kept[: run.first_difference + 1]
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
