"""The contract's resource model, for the resource checkers (flint_contract.scenarios.resources).

Everything here is read from the spec: which ids an operation takes (its path template), how the kit
obtains ids of its own (chains of the spec's links, starting at an operation that takes no id), which
operations read, change or delete a resource (the path parameters they share), and which parent a
nested path names (its first path parameter). Nothing is written per route: a new nested path, link
or delete operation in the spec is exercised without a change here.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping

from .flows import example_body
from .probe_client import ProbeClient, Reply
from .spec import Link, Operation, Spec

_PARAM = re.compile(r"\{([^}]+)\}")
MISSING: Any = object()
MAX_CHAIN = 4  # links followed from a root operation before giving up


def path_params(op: Operation) -> tuple[str, ...]:
    """The path template's parameters, in path order (/v1/orders/{order_id}/line-items/{order_line_item_id})."""
    return tuple(_PARAM.findall(op.path))


def fill_path(op: Operation, params: Mapping[str, str]) -> str:
    path = op.path
    for name in path_params(op):
        path = path.replace("{" + name + "}", _quote_segment(params[name]))
    return path


def _quote_segment(value: str) -> str:
    from urllib.parse import quote

    return quote(value, safe="")


# ------------------------------------------------------------------------------- runtime expressions
def pointer_get(doc: Any, pointer: str) -> Any:
    """The value at a JSON pointer in `doc`, MISSING when there is none."""
    node = doc
    for raw in [p for p in pointer.split("/") if p]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return MISSING
    return node


def evaluate(expr: Any, path: Mapping[str, str], body: Any, response: Any) -> Any:
    """An OpenAPI runtime expression ($response.body#/..., $request.path.x, $request.body#/...) or a
    structure of them (a link's requestBody); anything else is a constant. MISSING when unresolvable."""
    if isinstance(expr, dict):
        out = {k: evaluate(v, path, body, response) for k, v in expr.items()}
        return MISSING if any(v is MISSING for v in out.values()) else out
    if isinstance(expr, list):
        items = [evaluate(v, path, body, response) for v in expr]
        return MISSING if any(v is MISSING for v in items) else items
    if not isinstance(expr, str) or not expr.startswith("$"):
        return copy.deepcopy(expr)
    if expr.startswith("$response.body#"):
        return pointer_get(response, expr.split("#", 1)[1])
    if expr.startswith("$request.body#"):
        return pointer_get(body, expr.split("#", 1)[1])
    if expr.startswith("$request.path."):
        return path.get(expr[len("$request.path."):], MISSING)
    return MISSING


# ------------------------------------------------------------------------------------------ chains
@dataclass(frozen=True)
class Chain:
    """How the kit gets ids for `target`: call `root` (no path parameters) with its example body, then
    follow `links` in turn; the last link's parameters are the target's path parameters (the last link
    points at the target itself or at an operation taking the same ids)."""

    target: str
    root: str
    links: tuple[Link, ...]

    def describe(self) -> str:
        return " -> ".join([self.root] + [f"{link.name} -> {link.target}" for link in self.links])


def _covers(spec: Spec, link: Link) -> bool:
    return all(p in link.parameters for p in path_params(spec.operations[link.target]))


def chains(spec: Spec, target: str) -> list[Chain]:
    return spec.derived("chains:" + target, lambda s: _chains(s, target))


def _chains(spec: Spec, target: str) -> list[Chain]:
    """Ways to obtain ids for `target`, best first: chains that start with a create (objects of the
    kit's own, never someone else's), that end in a link into the target itself (its link body
    carries the ids it needs in the body), then the shortest."""
    op = spec.operations[target]
    need = set(path_params(op))
    all_links = spec.links()
    roots = [o for o in spec.operations.values() if not path_params(o) and o.method != "DELETE"]
    found: list[tuple[tuple[int, int, int], int, Chain]] = []
    if not need and op.method != "GET":
        found.append(((root_rank(spec, target), 0, 0), 0, Chain(target, target, ())))
    frontier: list[tuple[str, str, tuple[Link, ...]]] = [(r.operation_id, r.operation_id, ()) for r in roots]
    for _ in range(MAX_CHAIN):
        nxt: list[tuple[str, str, tuple[Link, ...]]] = []
        for root, at, taken in frontier:
            for link in all_links:
                if link.source != at or not _covers(spec, link):
                    continue
                if link.target in {root, *(l.target for l in taken)}:
                    continue
                path = taken + (link,)
                target_params = set(path_params(spec.operations[link.target]))
                exact = link.target == target
                if (need and need <= target_params and (exact or target_params == need)) or (not need and exact):
                    rank = (root_rank(spec, root), 0 if exact else 1, len(path))
                    found.append((rank, len(found), Chain(target, root, path)))
                nxt.append((root, link.target, path))
        frontier = nxt
    found.sort(key=lambda item: (item[0], item[1]))
    return [chain for _, _, chain in found]


def root_rank(spec: Spec, root: str) -> int:
    """0: a create that needs nothing (createOrder); 1: a create whose body names other objects (a link
    into it carries a requestBody: createRefund needs a paid order); 2: a read (someone else's objects)."""
    if spec.operations[root].method != "POST":
        return 2
    return 1 if any(link.target == root and link.request_body is not None for link in spec.links()) else 0


@dataclass
class Instance:
    """Ids obtained by following a chain: `params` are the target's path parameters, `body` the body to
    send it (its link's requestBody when the chain ends in a link into it, else the spec's example),
    `values` every id the chain saw (path parameter name -> value), `replies` the chain's responses."""

    chain: Chain
    params: dict[str, str]
    query: dict[str, Any]
    body: Any
    values: dict[str, str] = field(default_factory=dict)
    replies: list[Reply] = field(default_factory=list)


def call(client: ProbeClient, spec: Spec, op_id: str, params: Mapping[str, str], body: Any = None,
         query: Mapping[str, Any] | None = None) -> Reply:
    op = spec.operations[op_id]
    json_body = body if op.method in ("POST", "PATCH", "PUT") or body is not None else None
    return client.request(op.method, fill_path(op, params), op=op_id, json_body=json_body, params=query)


def realize(client: ProbeClient, spec: Spec, chain: Chain) -> tuple[Instance | None, Reply | None]:
    """Follow a chain over HTTP. (instance, None) on success; (None, the reply that broke it) else."""
    at, params, query = chain.root, {}, {}  # type: tuple[str, dict[str, str], dict[str, Any]]
    body: Any = example_body(spec, chain.root)
    values: dict[str, str] = {}
    replies: list[Reply] = []
    for link in chain.links:
        reply = call(client, spec, at, params, body, query)
        replies.append(reply)
        if not 200 <= reply.status < 300:
            return None, reply
        response = reply.json()
        values.update(params)
        _collect_ids(spec, response, values)
        target = spec.operations[link.target]
        in_path = set(path_params(target))
        evaluated = {k: evaluate(v, params, body, response) for k, v in link.parameters.items()}
        if any(v is MISSING or v is None for v in evaluated.values()):
            return None, reply
        params = {k: str(v) for k, v in evaluated.items() if k in in_path}
        query = {k: v for k, v in evaluated.items() if k not in in_path}
        if link.request_body is not None:
            body = evaluate(link.request_body, params, body, response)
            if body is MISSING:
                return None, reply
        else:
            body = example_body(spec, link.target)
        at = link.target
    values.update(params)
    if at != chain.target:
        body = example_body(spec, chain.target)
        query = {}
    target_params = {p: values[p] for p in path_params(spec.operations[chain.target]) if p in values}
    return Instance(chain, target_params, query, body, values, replies), None


def _collect_ids(spec: Spec, node: Any, values: dict[str, str]) -> None:
    """Ids in a response whose key names a path parameter of the spec (order_id, payment_intent_id):
    the first one seen per name, so a later read can be filled in."""
    names = _path_param_names(spec)
    stack = [node]
    while stack:
        item = stack.pop(0)
        if isinstance(item, dict):
            for key, value in item.items():
                if key in names and isinstance(value, str) and value and key not in values:
                    values[key] = value
                elif isinstance(value, (dict, list)):
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def _path_param_names(spec: Spec) -> set[str]:
    return {p for op in spec.operations.values() for p in path_params(op)}


# --------------------------------------------------------------------------------- operation roles
def is_delete(op: Operation) -> bool:
    """Operations that end a resource's life: DELETE, or a POST on a `/cancel` action of an id."""
    params = path_params(op)
    if not params:
        return False
    return op.method == "DELETE" or (op.method == "POST" and op.path.rstrip("/").endswith("/cancel"))


def is_create(spec: Spec, op: Operation) -> bool:
    """POST operations whose success is 201 Created."""
    return op.method == "POST" and "201" in {str(s) for s in (op.raw.get("responses") or {})}


def required_query(op: Operation) -> bool:
    return any(p.get("in") == "query" and p.get("required") for p in op.parameters)


def readers(spec: Spec, values: Mapping[str, str], *, roots: bool = False) -> list[tuple[str, dict[str, str]]]:
    """GET operations the known ids fill in completely (with `roots`, also the lists that take no id),
    each with its path parameters."""
    out = []
    for op in spec.operations.values():
        if op.method != "GET" or required_query(op):
            continue
        params = path_params(op)
        if not params and not roots:
            continue
        if all(p in values for p in params):
            out.append((op.operation_id, {p: values[p] for p in params}))
    return out


def same_representation(spec: Spec, a: str, b: str) -> bool:
    """Both operations answer success with the same schema (getOrder and deleteOrderLineItem: OrderResponse)."""
    op_a, op_b = spec.operations[a], spec.operations[b]
    schema_a = spec.response_schema(op_a, op_a.success_status or 200)[0]
    schema_b = spec.response_schema(op_b, op_b.success_status or 200)[0]
    return schema_a is not None and json.dumps(schema_a, sort_keys=True) == json.dumps(schema_b, sort_keys=True)


def snapshot(client: ProbeClient, spec: Spec, reads: list[tuple[str, dict[str, str]]]) -> dict[str, Any]:
    """What the reads return now (status and data; request ids and meta are per response)."""
    out: dict[str, Any] = {}
    for op_id, params in reads:
        reply = call(client, spec, op_id, params)
        key = op_id + json.dumps(params, sort_keys=True)
        out[key] = {"status": reply.status, "data": reply.data if 200 <= reply.status < 300 else reply.error_code}
    return out


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """Which reads changed, each with the ids that appeared or vanished (or the first difference)."""
    out = []
    for key in before:
        if before[key] == after.get(key):
            continue
        old, new = json.dumps(before[key], sort_keys=True), json.dumps(after.get(key), sort_keys=True)
        appeared = sorted(set(_ID_TOKEN.findall(new)) - set(_ID_TOKEN.findall(old)))
        vanished = sorted(set(_ID_TOKEN.findall(old)) - set(_ID_TOKEN.findall(new)))
        what = []
        if appeared:
            what.append("new ids " + ", ".join(appeared[:5]))
        if vanished:
            what.append("ids gone " + ", ".join(vanished[:5]))
        if not what:
            what.append(_first_difference(before[key], after.get(key)))
        out.append(f"{key}: {'; '.join(what)}")
    return out


_ID_TOKEN = re.compile(r'"([a-z]+_[0-9A-Za-z]{10,})"')


def _first_difference(a: Any, b: Any, path: str = "") -> str:
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if a.get(k, MISSING) != b.get(k, MISSING):
                return _first_difference(a.get(k), b.get(k), f"{path}.{k}" if path else str(k))
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return _first_difference(x, y, f"{path}[{i}]")
    return f"{path or '(root)'}: {json.dumps(a)[:80]} -> {json.dumps(b)[:80]}"


def find_objects(node: Any, key: str, value: str) -> Iterator[dict[str, Any]]:
    """Every object in a response whose `key` is `value` (the resource a delete or read is about)."""
    if isinstance(node, dict):
        if node.get(key) == value:
            yield node
        for sub in node.values():
            yield from find_objects(sub, key, value)
    elif isinstance(node, list):
        for sub in node:
            yield from find_objects(sub, key, value)
