"""Resource checkers: the bug classes a schema cannot express (RESTler's UseAfterFree, ResourceHierarchy,
LeakageRule and InvalidDynamicObject), derived from the contract by flint_contract.resources: the
operations come from the path templates, the ids from chains of the spec's links. Nothing is listed
per route; each checker counts how often it exercised each operation (printed with the verdict).

- use_after_delete: after an operation that deletes or cancels a resource answers 2xx, every other
  operation on that id answers as the contract says for a gone resource: reads 404 (or show the state
  the delete answered, e.g. status canceled), no write succeeds, and the parent no longer shows it.
- resource_hierarchy: a nested path (/orders/{order_id}/line-items/{order_line_item_id}, ...) given
  another parent's child is 404, and neither parent nor child changes.
- leaked_create: a create refused with 4xx leaves nothing behind: the reads before and after agree.
- invalid_dynamic_id: ids never issued, of another resource type, malformed or very long are answered
  with a 4xx error envelope: never 2xx, never 5xx.
- namespace_isolation (with --peer-api-key): the peer merchant sending this merchant's ids to any operation
  gets 404, and nothing changes.
"""

from __future__ import annotations

import random
from typing import Any, Iterator

from ..flows import example_body
from ..invariants import supported_currencies
from ..probe_client import Reply
from ..resources import (
    Instance,
    call,
    chains,
    diff,
    find_objects,
    is_create,
    is_delete,
    path_params,
    readers,
    realize,
    root_rank,
    same_representation,
    snapshot,
)
from ..spec import Operation
from .base import ProbeContext

USE_AFTER_DELETE = "use_after_delete"
RESOURCE_HIERARCHY = "resource_hierarchy"
LEAKED_CREATE = "leaked_create"
INVALID_DYNAMIC_ID = "invalid_dynamic_id"
NAMESPACE_ISOLATION = "namespace_isolation"
TRIES = 3  # chains tried per operation before it counts as not exercised


def _ok(reply: Reply) -> bool:
    return 200 <= reply.status < 300


def _instance(ctx: ProbeContext, op_id: str, *, own: bool = True) -> Instance | None:
    """Fresh ids for `op_id`, from the best chain that works. `own`: only chains that start with a
    create (the kit deletes and changes these, never objects it found)."""
    for chain in chains(ctx.spec, op_id)[:TRIES]:
        if own and root_rank(ctx.spec, chain.root) > 1:
            continue
        inst, _ = realize(ctx.client, ctx.spec, chain)
        if inst is not None and all(p in inst.params for p in path_params(ctx.spec.operations[op_id])):
            return inst
    return None


def _ops(ctx: ProbeContext) -> Iterator[Operation]:
    yield from ctx.spec.operations.values()


# ------------------------------------------------------------------------------------ use after delete
def use_after_delete(ctx: ProbeContext) -> None:
    ctx.ran(USE_AFTER_DELETE)
    spec, client = ctx.spec, ctx.client
    for op in _ops(ctx):
        if not is_delete(op):
            continue
        ctx.collector.exercised.setdefault(USE_AFTER_DELETE, {}).setdefault(op.operation_id, 0)
        deleted: Reply | None = None
        inst: Instance | None = None
        for chain in chains(spec, op.operation_id)[:TRIES]:
            if root_rank(spec, chain.root) > 1:
                continue  # only objects the kit created: a found one (the only payout destination) stays
            inst, _ = realize(client, spec, chain)
            if inst is None:
                continue
            reply = call(client, spec, op.operation_id, inst.params, inst.body, inst.query)
            if _ok(reply):
                deleted = reply
                break
        if deleted is None or inst is None:
            continue
        ctx.collector.exercise(USE_AFTER_DELETE, op.operation_id)
        rid = path_params(op)[-1]
        rvalue = inst.params[rid]
        shown = list(find_objects(deleted.json(), rid, rvalue))
        gone = not shown  # the delete's own answer no longer shows the resource
        status = shown[0].get("status") if shown and isinstance(shown[0].get("status"), str) else None
        what = f"{op.operation_id} {rvalue} (answered {deleted.status}" + (
            f", status {status})" if status else ", gone)" if gone else ", still shown)")
        if op.method == "DELETE" and shown and status is None:
            client.fail(USE_AFTER_DELETE, f"{what}: the delete's own answer still shows it, with no state saying it is deleted",
                        "a DELETE's answer no longer shows the resource, or shows its deleted state", deleted,
                        steps=inst.replies)
        for other in _ops(ctx):
            if other is op or is_delete(other) or rid not in path_params(other):
                continue
            if not all(p in inst.values for p in path_params(other)):
                continue
            params = {p: inst.values[p] for p in path_params(other)}
            body = None if other.method == "GET" else example_body(spec, other.operation_id)
            reply = call(client, spec, other.operation_id, params, body)
            ctx.collector.exercise(USE_AFTER_DELETE, other.operation_id)
            steps = [*inst.replies, deleted]
            if other.method != "GET":
                if _ok(reply):
                    client.fail(USE_AFTER_DELETE, f"after {what}, {other.operation_id} on it -> {reply.brief()}",
                                "no write succeeds on a deleted or canceled resource (404, or 409 for its state)", reply,
                                steps=steps)
                continue
            if reply.status == 404:
                continue
            if not _ok(reply):
                client.fail(USE_AFTER_DELETE, f"after {what}, {other.operation_id} -> {reply.brief()}",
                            "a read of a deleted resource is 404, or shows the state the delete answered", reply, steps=steps)
                continue
            seen = list(find_objects(reply.json(), rid, rvalue))
            if gone:
                client.fail(USE_AFTER_DELETE, f"after {what}, {other.operation_id} still serves it -> {reply.status}",
                            "a deleted resource is 404", reply, steps=steps)
            elif status is not None and any(o.get("status") != status for o in seen):
                client.fail(USE_AFTER_DELETE,
                            f"after {what}, {other.operation_id} shows status {[o.get('status') for o in seen]}",
                            f"reads show the state the delete answered (status {status})", reply, steps=steps)
        if gone:
            # The parent no longer shows it: reads of the representation the delete answered with (getOrder
            # for deleteOrderLineItem, both OrderResponse). Other reads may keep history (an activity log).
            for read_id, params in readers(spec, inst.values):
                if rid in params or not same_representation(spec, read_id, op.operation_id):
                    continue
                reply = call(client, spec, read_id, params)
                ctx.collector.exercise(USE_AFTER_DELETE, read_id)
                if _ok(reply) and any(True for _ in find_objects(reply.json(), rid, rvalue)):
                    client.fail(USE_AFTER_DELETE, f"after {what}, {read_id} still shows it",
                                "a deleted resource is gone from its parent", reply, steps=[*inst.replies, deleted])


# ---------------------------------------------------------------------------------- resource hierarchy
def resource_hierarchy(ctx: ProbeContext) -> None:
    ctx.ran(RESOURCE_HIERARCHY)
    spec, client = ctx.spec, ctx.client
    for op in _ops(ctx):
        params = path_params(op)
        if len(params) < 2:
            continue
        parent = params[0]
        ctx.collector.exercised.setdefault(RESOURCE_HIERARCHY, {}).setdefault(op.operation_id, 0)
        first = _instance(ctx, op.operation_id)
        second = _instance(ctx, op.operation_id)
        if first is None or second is None or first.params[parent] == second.params[parent]:
            continue
        reads = readers(spec, first.values) + readers(spec, second.values)
        before = snapshot(client, spec, reads)
        mixed = dict(second.params, **{parent: first.params[parent]})
        reply = call(client, spec, op.operation_id, mixed, second.body, second.query)
        ctx.collector.exercise(RESOURCE_HIERARCHY, op.operation_id)
        children = ", ".join(f"{p} {second.params[p]}" for p in params[1:])
        if reply.status != 404:
            client.fail(RESOURCE_HIERARCHY,
                        f"{op.operation_id} with {parent} {first.params[parent]} and {children} of {parent} "
                        f"{second.params[parent]} -> {reply.brief()}",
                        "a child reached through another parent is 404", reply, steps=[*first.replies, *second.replies])
        changed = diff(before, snapshot(client, spec, reads))
        if changed:
            client.fail(RESOURCE_HIERARCHY,
                        f"{op.operation_id} through the wrong parent ({reply.status}) changed: " + " | ".join(changed[:3]),
                        "a request through the wrong parent changes neither parent nor child", reply,
                        steps=[*first.replies, *second.replies])


# --------------------------------------------------------------------------------------- leaked create
def _refusals(ctx: ProbeContext, op: Operation, body: Any, ids: set[str]) -> Iterator[tuple[str, Any]]:
    """Schema-valid or not, requests to a create that the contract has it refuse: a currency the spec
    does not accept, amounts at int64's maximum, ids it never issued, and no body fields at all."""
    allowed = supported_currencies(ctx.spec)
    # A code of the schema's shape the contract does not serve (a server rule, refused after validation).
    other = [c for c in ("EUR", "GBP", "JPY", "XTS") if c not in allowed]
    if path_params(op):
        yield "path ids never issued", None
    if isinstance(body, dict) and body:
        yield "no fields", {}
    # (the ones a server may accept come last: an accepted create ends the comparisons)
    for name, change in (
        ("ids never issued", lambda v, k: _never_issued(v) if isinstance(v, str) and v in ids else _KEEP),
        ("currency " + other[0], lambda v, k: other[0] if k == "currency" and isinstance(v, str) else _KEEP),
        ("amounts at int64 max", lambda v, k: 2**63 - 1 if k == "amount" and type(v) is int else _KEEP),
    ):
        changed = _rewrite(body, change)
        if changed != body:
            yield name, changed


_KEEP: Any = object()


def _rewrite(node: Any, change: Any, key: str = "") -> Any:
    new = change(node, key)
    if new is not _KEEP:
        return new
    if isinstance(node, dict):
        return {k: _rewrite(v, change, k) for k, v in node.items()}
    if isinstance(node, list):
        return [_rewrite(v, change, key) for v in node]
    return node


def leaked_create(ctx: ProbeContext) -> None:
    ctx.ran(LEAKED_CREATE)
    spec, client = ctx.spec, ctx.client
    for op in _ops(ctx):
        if not is_create(spec, op):
            continue
        inst = _instance(ctx, op.operation_id)
        if inst is None:
            continue
        body = inst.body if inst.body is not None else example_body(spec, op.operation_id)
        reads = readers(spec, inst.values, roots=True)
        ctx.collector.exercised.setdefault(LEAKED_CREATE, {}).setdefault(op.operation_id, 0)
        for name, refused in _refusals(ctx, op, body, set(inst.values.values())):
            params = inst.params
            if refused is None:  # the same body under a parent that was never issued
                refused, params = body, {k: _never_issued(v) for k, v in inst.params.items()}
            before = snapshot(client, spec, reads)
            reply = call(client, spec, op.operation_id, params, refused, inst.query)
            if _ok(reply):
                break  # accepted: the state changed on purpose, later comparisons would mean nothing
            if not 400 <= reply.status < 500:
                continue
            ctx.collector.exercise(LEAKED_CREATE, op.operation_id)
            changed = diff(before, snapshot(client, spec, reads))
            if changed:
                client.fail(LEAKED_CREATE,
                            f"{op.operation_id} ({name}) answered {reply.brief()} but left: " + " | ".join(changed[:3]),
                            "a create refused with 4xx leaves nothing behind (reads before and after are equal)", reply,
                            steps=inst.replies)


# ---------------------------------------------------------------------------------- invalid dynamic ids
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _never_issued(value: str) -> str:
    """An id of the same shape (prefix kept, same length and alphabet) that the server never issued."""
    prefix, sep, rest = value.rpartition("_")
    rng = random.Random(value)
    body = "".join(rng.choice(_ALPHABET) for _ in rest) if rest else "0" * 26
    return f"{prefix}{sep}{body}" if body != rest else f"{prefix}{sep}{body[::-1]}"


def invalid_dynamic_id(ctx: ProbeContext) -> None:
    ctx.ran(INVALID_DYNAMIC_ID)
    spec, client = ctx.spec, ctx.client
    instances: dict[str, Instance] = {}
    kinds: dict[str, str] = {}  # path parameter -> a real id of that kind
    for op in _ops(ctx):
        if not path_params(op):
            continue
        # Found objects are fine here: every request replaces one of their ids with one that names nothing.
        inst = _instance(ctx, op.operation_id, own=False)
        if inst is None:
            continue
        instances[op.operation_id] = inst
        for p in path_params(op):
            kinds.setdefault(p, inst.params[p])
    for op_id, inst in instances.items():
        op = spec.operations[op_id]
        for p in path_params(op):
            valid = inst.params[p]
            wrong = next((v for k, v in sorted(kinds.items()) if k != p and v.split("_")[0] != valid.split("_")[0]), None)
            variants = [("never issued", _never_issued(valid)), ("malformed", "not-an-id"), ("very long", valid + "X" * 4000)]
            if wrong:
                variants.append(("of another type", wrong))
            for label, bad in variants:
                reply = call(client, spec, op_id, dict(inst.params, **{p: bad}), inst.body, inst.query)
                ctx.collector.exercise(INVALID_DYNAMIC_ID, op_id)
                body = reply.json()
                envelope = isinstance(body, dict) and isinstance(body.get("error"), dict)
                if not 400 <= reply.status < 500 or not envelope:
                    shown = bad if len(bad) < 60 else bad[:40] + f"...({len(bad)} chars)"
                    client.fail(INVALID_DYNAMIC_ID, f"{op_id} with {p} {label} ({shown}) -> {reply.brief()}",
                                "an id that names no resource of this merchant is a 4xx error envelope (404), never 2xx or 5xx",
                                reply)


# --------------------------------------------------------------------------------------------- namespace
def namespace_isolation(ctx: ProbeContext) -> None:
    """Every operation that takes an id, sent by the peer merchant with this merchant's ids: 404, and (for
    writes) nothing changes. Extends tenant_isolation's hand-picked operations to all of them."""
    if ctx.peer is None:
        return
    ctx.ran(NAMESPACE_ISOLATION)
    spec, client, peer = ctx.spec, ctx.client, ctx.peer
    made: dict[str, Instance | None] = {}  # one set of objects per chain (the peer's requests must change nothing)
    for op in _ops(ctx):
        if not path_params(op):
            continue
        ctx.collector.exercised.setdefault(NAMESPACE_ISOLATION, {}).setdefault(op.operation_id, 0)
        inst = None
        for chain in chains(spec, op.operation_id)[:TRIES]:
            if root_rank(spec, chain.root) > 1 and op.method != "GET":
                continue  # the peer may read what the kit found, but writes go only to the kit's own objects
            key = chain.describe()
            if key not in made:
                made[key], _ = realize(client, spec, chain)
            inst = made[key]
            if inst is not None:
                break
        if inst is None:
            continue
        reads = readers(spec, inst.values) if op.method != "GET" else []
        before = snapshot(client, spec, reads)
        reply = call(peer, spec, op.operation_id, inst.params, inst.body, inst.query)
        ctx.collector.exercise(NAMESPACE_ISOLATION, op.operation_id)
        ids = ", ".join(f"{p} {inst.params[p]}" for p in path_params(op))
        if reply.status != 404:
            peer.fail(NAMESPACE_ISOLATION, f"the peer merchant sent {op.operation_id} with {ids} -> {reply.brief()}",
                      "another merchant's ids are 404 on every operation", reply)
        changed = diff(before, snapshot(client, spec, reads))
        if changed:
            peer.fail(NAMESPACE_ISOLATION, f"the peer's {op.operation_id} ({reply.status}) changed: " + " | ".join(changed[:3]),
                      "another merchant's request changes nothing", reply)


PROBES = {
    NAMESPACE_ISOLATION: namespace_isolation,
    USE_AFTER_DELETE: use_after_delete,
    RESOURCE_HIERARCHY: resource_hierarchy,
    LEAKED_CREATE: leaked_create,
    INVALID_DYNAMIC_ID: invalid_dynamic_id,
}
CHECKS = {name: (name,) for name in PROBES}
