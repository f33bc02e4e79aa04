"""A differential sequence: steps whose ids are references to earlier responses, not values.

A step says "call updateOrder with order_id = step 0's /data/order_id"; each server resolves that against its
own earlier responses, so the same sequence runs on the oracle and on the server under test, each with its own
ids. Removing a step removes every step that refers to it (the shrinker relies on this).
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from typing import Any, Mapping
from urllib.parse import quote

from ..resources import MISSING, fill_path, pointer_get
from ..spec import Spec


@dataclass(frozen=True)
class Ref:
    """A value taken from step `step`'s response body at JSON pointer `pointer`."""

    step: int
    pointer: str


@dataclass
class Step:
    op: str
    path: dict[str, Any] = field(default_factory=dict)  # path parameter -> value or Ref
    query: dict[str, Any] = field(default_factory=dict)  # query parameter -> value or Ref
    body: Any = None  # JSON with Refs inside
    via: str = ""  # the link (or "root") that produced this step, for the report

    def refs(self) -> set[int]:
        found: set[int] = set()
        _walk_refs(self.path, found)
        _walk_refs(self.query, found)
        _walk_refs(self.body, found)
        return found

    def renumber(self, mapping: Mapping[int, int]) -> "Step":
        return Step(self.op, _renumber(self.path, mapping), _renumber(self.query, mapping),
                    _renumber(self.body, mapping), self.via)


def _walk_refs(node: Any, found: set[int]) -> None:
    if isinstance(node, Ref):
        found.add(node.step)
    elif isinstance(node, dict):
        for v in node.values():
            _walk_refs(v, found)
    elif isinstance(node, list):
        for v in node:
            _walk_refs(v, found)


def _renumber(node: Any, mapping: Mapping[int, int]) -> Any:
    if isinstance(node, Ref):
        return Ref(mapping[node.step], node.pointer)
    if isinstance(node, dict):
        return {k: _renumber(v, mapping) for k, v in node.items()}
    if isinstance(node, list):
        return [_renumber(v, mapping) for v in node]
    return node


class Unresolved(Exception):
    """A reference points at something the earlier response does not have (on this server)."""


def resolve(node: Any, bodies: list[Any]) -> Any:
    if isinstance(node, Ref):
        value = pointer_get(bodies[node.step], node.pointer) if node.step < len(bodies) else MISSING
        if value is MISSING or value is None:
            raise Unresolved(f"step {node.step}{node.pointer}")
        return value
    if isinstance(node, dict):
        return {k: resolve(v, bodies) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, bodies) for v in node]
    return node


def subsequence(steps: list[Step], keep: set[int]) -> list[Step]:
    """The steps in `keep` plus nothing that refers to a dropped step (dropped transitively), renumbered."""
    kept: list[int] = []
    for i, step in enumerate(steps):
        if i in keep and step.refs() <= set(kept):
            kept.append(i)
    mapping = {old: new for new, old in enumerate(kept)}
    return [steps[i].renumber(mapping) for i in kept]


# ------------------------------------------------------------------------------------------- curl script
def _shell_ref(ref: Ref) -> str:
    """A command substitution reading the referenced id from the saved response $S<n> (jq)."""
    jq_path = "".join(f"[{p}]" if p.isdigit() else f".{p}" for p in ref.pointer.split("/") if p)
    return f"$(printf '%s' \"$S{ref.step}\" | jq -r '{jq_path}')"


def _url_part(value: Any) -> str:
    """A path segment or query value inside a double-quoted shell word: references as substitutions, literals
    percent-encoded (so no quote, $ or backtick reaches the shell)."""
    return _shell_ref(value) if isinstance(value, Ref) else quote(str(value), safe="")


def _shell_json(body: Any) -> str:
    """The JSON body as one shell word, references spliced in as command substitutions."""
    marks: list[Ref] = []

    def mark(node: Any) -> Any:
        if isinstance(node, Ref):
            marks.append(node)
            return f"\ue000{len(marks) - 1}\ue000"
        if isinstance(node, dict):
            return {k: mark(v) for k, v in node.items()}
        if isinstance(node, list):
            return [mark(v) for v in node]
        return node

    pieces = json.dumps(mark(body), ensure_ascii=False, separators=(",", ":")).split("\ue000")
    out = []
    for i, piece in enumerate(pieces):
        if i % 2:
            out.append('"' + _shell_ref(marks[int(piece)]) + '"')
        elif piece:
            out.append(shlex.quote(piece))
    return "".join(out)


def curl_script(spec: Spec, steps: list[Step]) -> str:
    """Shell lines that replay the sequence against $FLINT_BASE_URL with $FLINT_API_KEY (either server, a fresh
    merchant's key each time); step n's body is kept in $S<n>, later steps read their ids from it with jq, and
    each status goes to stderr."""
    lines = []
    for i, step in enumerate(steps):
        op = spec.operations[step.op]
        path = op.path
        for name, value in step.path.items():
            path = path.replace("{" + name + "}", _url_part(value))
        if step.query:
            path += "?" + "&".join(f"{quote(str(k), safe='')}={_url_part(v)}" for k, v in step.query.items())
        parts = [f"S{i}=$(curl -sS -w '%{{stderr}}{i}: {step.op} HTTP %{{http_code}}\\n' -X {op.method}",
                 f'"$FLINT_BASE_URL{path}"', '-H "Authorization: Bearer $FLINT_API_KEY"']
        if op.method in ("POST", "PATCH", "PUT", "DELETE"):
            parts.append(f'-H "Idempotency-Key: diff-{i}-$RANDOM$RANDOM"')
        if step.body is not None:
            parts += ["-H 'Content-Type: application/json'", "--data-raw " + _shell_json(step.body)]
        lines.append(" ".join(parts) + f"); printf '%s\\n' \"$S{i}\"")
    return "\n".join(lines)


def describe(steps: list[Step]) -> str:
    return " -> ".join(f"{i}:{s.op}" for i, s in enumerate(steps))


def request_of(spec: Spec, step: Step, bodies: list[Any]) -> tuple[str, str, dict[str, Any], Any]:
    """(method, path, query, body) with the references resolved against this server's earlier bodies."""
    op = spec.operations[step.op]
    path_values = {k: str(v) for k, v in resolve(step.path, bodies).items()}
    return op.method, fill_path(op, path_values), resolve(step.query, bodies), resolve(step.body, bodies)
