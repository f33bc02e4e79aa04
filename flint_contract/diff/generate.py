"""Seeded generation of stateful sequences over the spec's links.

The next step is chosen from what the oracle has answered so far (a step that failed on the oracle opens no
links): follow a link out of an earlier successful step (its parameters and requestBody become references into
that step's response), call an operation whose path parameters earlier responses name (`order_id`,
`payment_attempt_id`: every operation is reachable, not only link targets), or start again at a root operation.
Bodies come from the spec's examples; some are varied with other values the spec shows for the same field, or
an integer nudged (0, 1, ±1, ×10), or given an optional top-level field the example lacks (with a value the spec
shows for it), so requests near the rules' edges and the other branches of a flow are tried too. Every choice comes from one
`random.Random` per sequence, seeded from the run's seed and the sequence number.
"""

from __future__ import annotations

import copy
import random
from dataclasses import dataclass, field
from typing import Any, Iterator

from ..flows import example_body
from ..resources import path_params
from ..spec import Link, Operation, Spec
from .sequence import Ref, Step

MUTATE = 0.6  # share of steps whose body gets one varied (or one added) field
PAGE_SIZES = (1, 2, 100)


def sequence_rng(seed: int, index: int) -> random.Random:
    return random.Random(f"flint-diff:{seed}:{index}")


def _leaves(node: Any, key: str, pool: dict[str, list[Any]]) -> None:
    if isinstance(node, dict):
        for k, v in node.items():
            _leaves(v, k, pool)
    elif isinstance(node, list):
        for v in node:
            _leaves(v, key, pool)
    elif key and (isinstance(node, (str, int)) and not isinstance(node, bool)):
        values = pool.setdefault(key, [])
        if node not in values:
            values.append(node)


def value_pool(spec: Spec) -> dict[str, list[Any]]:
    """Field name -> the values the spec shows for it (examples anywhere, enums of named properties), in
    document order, so the pool (and every choice from it) is the same on every run."""
    def build(s: Spec) -> dict[str, list[Any]]:
        pool: dict[str, list[Any]] = {}
        stack: list[Any] = [s.document]
        while stack:
            node = stack.pop(0)
            if isinstance(node, dict):
                for k, v in node.items():
                    if k == "example":
                        _leaves(v, "", pool)
                    elif k == "examples" and isinstance(v, dict):
                        for ex in v.values():
                            _leaves(ex.get("value") if isinstance(ex, dict) else ex, "", pool)
                    elif k == "properties" and isinstance(v, dict):
                        for name, sub in v.items():
                            if isinstance(sub, dict) and isinstance(sub.get("enum"), list):
                                _leaves(sub["enum"], name, pool)
                    if isinstance(v, (dict, list)):
                        stack.append(v)
            elif isinstance(node, list):
                stack.extend(node)
        return pool

    return spec.derived("diff:value_pool", build)


def _paths(node: Any, at: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str, Any]]:
    """(location, field name, value) of every scalar leaf that is not a reference."""
    if isinstance(node, dict):
        for k, v in node.items():
            if isinstance(v, (dict, list)):
                yield from _paths(v, at + (k,))
            elif not isinstance(v, Ref) and v is not None:
                yield at + (k,), k, v
    elif isinstance(node, list):
        for i, v in enumerate(node):
            if isinstance(v, (dict, list)):
                yield from _paths(v, at + (i,))


def _set(node: Any, where: tuple[Any, ...], value: Any) -> None:
    for part in where[:-1]:
        node = node[part]
    node[where[-1]] = value


def mutate(rng: random.Random, body: Any, pool: dict[str, list[Any]]) -> Any:
    """The body with one scalar field varied (a copy); unchanged when there is nothing to vary."""
    leaves = [(w, k, v) for w, k, v in _paths(body) if k != "currency"]
    if not leaves:
        return body
    # Integers carry most of the rules (amounts, quantities, limits): they are varied three times as often.
    where, key, value = rng.choices(leaves, [3 if type(v) is int else 1 for _, _, v in leaves])[0]
    if isinstance(value, int) and not isinstance(value, bool):
        choices = [0, 1, value + 1, value * 10]
    else:
        choices = [v for v in pool.get(key, []) if v != value and type(v) is type(value)]
    if not choices:
        return body
    out = copy.deepcopy(body)
    _set(out, where, rng.choice(choices))
    return out


def _expr(expr: Any, source_index: int, source: Step) -> Any:
    """A link's runtime expression as a reference into the source step (or the source step's own values)."""
    if isinstance(expr, dict):
        return {k: _expr(v, source_index, source) for k, v in expr.items()}
    if isinstance(expr, list):
        return [_expr(v, source_index, source) for v in expr]
    if not isinstance(expr, str) or not expr.startswith("$"):
        return copy.deepcopy(expr)
    if expr.startswith("$response.body#"):
        return Ref(source_index, expr.split("#", 1)[1])
    if expr.startswith("$request.path."):
        return source.path.get(expr[len("$request.path."):])
    if expr.startswith("$request.body#"):
        node = source.body
        for part in [p for p in expr.split("#", 1)[1].split("/") if p]:
            node = node.get(part) if isinstance(node, dict) else None
        return copy.deepcopy(node)
    return None


def _find(node: Any, name: str, at: str = "") -> str | None:
    """JSON pointer of the first string field called `name` (breadth first: the object's own id before its
    children's)."""
    queue: list[tuple[Any, str]] = [(node, at)]
    while queue:
        item, where = queue.pop(0)
        if isinstance(item, dict):
            if isinstance(item.get(name), str):
                return f"{where}/{name}"
            queue.extend((v, f"{where}/{k}") for k, v in item.items() if isinstance(v, (dict, list)))
        elif isinstance(item, list):
            queue.extend((v, f"{where}/{i}") for i, v in enumerate(item))
    return None


@dataclass
class Generator:
    spec: Spec
    rng: random.Random
    destructive: bool = True  # fresh merchants: deleting the payout destination harms no one
    pool: dict[str, list[Any]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.pool = value_pool(self.spec)
        self.roots = [o for o in self.spec.operations.values() if not path_params(o) and self._allowed(o)]
        self.creates = [o for o in self.roots if o.method == "POST"]
        self.filled = [o for o in self.spec.operations.values() if path_params(o) and self._allowed(o)]

    def _allowed(self, op: Operation) -> bool:
        return self.destructive or op.method != "DELETE" or "destination" not in op.path

    def _body(self, op: Operation) -> Any:
        body = example_body(self.spec, op.operation_id)
        if body is None and op.method in ("POST", "PATCH", "PUT"):
            body = {}
        return body

    def _optional(self, op: Operation) -> list[str]:
        """Top-level request properties the spec shows scalar values for (capture_method, reason...)."""
        def compute(s: Spec) -> list[str]:
            schema, base = s.request_schema(op)
            names: list[str] = []
            for node, _, _ in s.schema_branches(schema, base):
                names += [n for n in (node.get("properties") or {}) if n in self.pool and n not in names]
            return names

        return self.spec.derived("diff:optional:" + op.operation_id, compute)

    def _add_field(self, op: Operation, body: Any) -> Any:
        """The body with one absent top-level property set to a value the spec shows for it (a copy)."""
        if not isinstance(body, dict):
            return body
        absent = [n for n in self._optional(op) if n not in body]
        if not absent:
            return body
        name = self.rng.choice(absent)
        return {**body, name: copy.deepcopy(self.rng.choice(self.pool[name]))}

    def _finish(self, step: Step) -> Step:
        op = self.spec.operations[step.op]
        if step.body is not None and self.rng.random() < MUTATE:
            # Vary a field the body has, or add one it lacks (capture_method: manual opens the capture flows).
            if self.rng.random() < 0.7:
                step.body = mutate(self.rng, step.body, self.pool)
            else:
                step.body = self._add_field(op, step.body)
        if op.method == "GET" and op.has_parameter("page_size", "query") and self.rng.random() < 0.3:
            step.query["page_size"] = self.rng.choice(PAGE_SIZES)
        return step

    def root(self, first: bool) -> Step:
        if first or self.rng.random() < 0.4:
            # Creates that open more of the link graph start more sequences (most of Flint hangs off createOrder).
            out = {o.operation_id: 1 + sum(1 for l in self.spec.links() if l.source == o.operation_id) for o in self.creates}
            op = self.rng.choices(self.creates, [out[o.operation_id] for o in self.creates])[0]
        else:  # any root alike: the lists and balances read what the sequence did
            op = self.rng.choice(self.roots)
        return self._finish(Step(op.operation_id, body=self._body(op), via="root"))

    def follow(self, index: int, source: Step, link: Link) -> Step | None:
        target = self.spec.operations[link.target]
        if not self._allowed(target):
            return None
        in_path = set(path_params(target))
        values = {k: _expr(v, index, source) for k, v in link.parameters.items()}
        if any(v is None for v in values.values()) or not in_path <= set(values):
            return None
        body = _expr(link.request_body, index, source) if link.request_body is not None else self._body(target)
        step = Step(target.operation_id, {k: v for k, v in values.items() if k in in_path},
                    {k: v for k, v in values.items() if k not in in_path}, body, via=f"{source.op}.{link.name}")
        return self._finish(step)

    def fill(self, steps: list[Step], bodies: list[Any], ok: list[bool]) -> Step | None:
        """An operation whose path parameters earlier successful responses name, newest response first."""
        ops = self.filled[:]
        self.rng.shuffle(ops)
        for op in ops:
            params: dict[str, Any] = {}
            for name in path_params(op):
                for i in range(len(steps) - 1, -1, -1):
                    pointer = _find(bodies[i], name) if ok[i] else None
                    if pointer is not None:
                        params[name] = Ref(i, pointer)
                        break
                else:
                    break
            if len(params) == len(path_params(op)):
                return self._finish(Step(op.operation_id, params, body=self._body(op), via="ids"))
        return None

    def next(self, steps: list[Step], bodies: list[Any], ok: list[bool]) -> Step:
        """The next step, given the oracle's answers to the steps so far."""
        if steps:
            roll = self.rng.random()
            if roll < 0.5:
                sources = [i for i in range(len(steps)) if ok[i]]
                # Recent steps are likelier sources: the sequence goes deeper rather than wide.
                weights = [1 + j for j in range(len(sources))]
                while sources:
                    i = self.rng.choices(sources, weights)[0]
                    links = [l for l in self.spec.links() if l.source == steps[i].op]
                    if links:
                        step = self.follow(i, steps[i], self.rng.choice(links))
                        if step is not None:
                            return step
                    j = sources.index(i)
                    del sources[j], weights[j]
            elif roll < 0.75:
                step = self.fill(steps, bodies, ok)
                if step is not None:
                    return step
        return self.root(not steps)
