"""Idempotency-Key semantics: replay, conflict on a different body, and per-merchant scope."""

from __future__ import annotations

import uuid

from ..flows import Flows, path_of
from .base import ProbeContext


def _order_body(f: Flows, name: str) -> dict[str, object]:
    return {"line_items": [f.line(name=name, unit=1250, qty=2)]}


def idempotency(ctx: ProbeContext) -> None:
    ctx.ran("idempotency_replay", "idempotency_key_conflict")
    c, f = ctx.client, ctx.flows
    key = f"flint-contract-idem-{uuid.uuid4()}"
    body = _order_body(f, "Idempotent tote")
    path = path_of(ctx.spec, "createOrder")
    first = c.post(path, body, op="createOrder", idempotency_key=key)
    replay = c.post(path, body, op="createOrder", idempotency_key=key)
    if replay.status != first.status or replay.data != first.data:
        ctx.client.fail(
            "idempotency_replay",
            f"first {first.brief()} data id {_id(first)}; replay {replay.brief()} data id {_id(replay)}",
            "a replay with the same key and body returns the same status and the same data",
            replay,
        )
    meta = (replay.json() or {}).get("meta") if isinstance(replay.json(), dict) else None
    if not (isinstance(meta, dict) and meta.get("idempotency_replayed") is True):
        ctx.client.fail(
            "idempotency_replay",
            f"replay meta is {meta}",
            "meta.idempotency_replayed: true on a replay",
            replay,
        )
    # The headers say it too: Idempotency-Replayed: true on the replay only, and both echo the key.
    if replay.headers.get("idempotency-replayed") != "true" or first.headers.get("idempotency-replayed"):
        ctx.client.fail(
            "idempotency_replay",
            f"Idempotency-Replayed header: first {first.headers.get('idempotency-replayed')!r}, "
            f"replay {replay.headers.get('idempotency-replayed')!r}",
            "Idempotency-Replayed: true on a replay, absent on the first response",
            replay,
        )
    if first.headers.get("idempotency-key") != key or replay.headers.get("idempotency-key") != key:
        ctx.client.fail(
            "idempotency_replay",
            f"Idempotency-Key echo: first {first.headers.get('idempotency-key')!r}, "
            f"replay {replay.headers.get('idempotency-key')!r}",
            f"writes echo the Idempotency-Key header ({key!r})",
            replay,
        )
    other = c.post(path, _order_body(f, "A different tote"), op="createOrder", idempotency_key=key)
    if other.status != 409:
        ctx.client.fail(
            "idempotency_key_conflict",
            f"same key, different body -> {other.brief()}",
            "409 IDEMPOTENCY_KEY_REUSED",
            other,
        )
    # An error is stored and replayed too (the spec: 4xx included, 5xx not stored).
    key2 = f"flint-contract-idem-{uuid.uuid4()}"
    bad = {"line_items": [{"name": "x", "quantity": 1, "unit_price_money": {"amount": 100, "currency": "EUR"}}]}
    e1 = c.post(path, bad, op="createOrder", idempotency_key=key2)
    e2 = c.post(path, bad, op="createOrder", idempotency_key=key2)
    if e2.status != e1.status or e2.error_code != e1.error_code:
        ctx.client.fail(
            "idempotency_replay",
            f"first {e1.brief()}, replay {e2.brief()}",
            "a replayed 4xx returns the stored status and error",
            e2,
        )


def idempotency_tenant_scope(ctx: ProbeContext) -> None:
    if ctx.peer is None:
        return
    ctx.ran("idempotency_tenant_scope")
    f = ctx.flows
    key = f"flint-contract-shared-{uuid.uuid4()}"
    path = path_of(ctx.spec, "createOrder")
    mine = ctx.client.post(path, _order_body(f, "Merchant A tote"), op="createOrder", idempotency_key=key)
    theirs = ctx.peer.post(path, _order_body(f, "Merchant B mug"), op="createOrder", idempotency_key=key)
    meta = (theirs.json() or {}).get("meta") if isinstance(theirs.json(), dict) else None
    replayed = isinstance(meta, dict) and meta.get("idempotency_replayed") is True
    if theirs.status != 201 or replayed or _id(theirs) == _id(mine):
        ctx.peer.fail(
            "idempotency_tenant_scope",
            f"merchant B reusing merchant A's key -> {theirs.brief()} (replayed={replayed}, order {_id(theirs)} vs A's {_id(mine)})",
            "keys are scoped per merchant: B's request is new (201, its own order, not a replay, not 409)",
            theirs,
        )


def _id(reply: object) -> str:
    data = getattr(reply, "data", None)
    return str(data.get("order_id")) if isinstance(data, dict) else "-"


PROBES = {"idempotency": idempotency, "idempotency_tenant_scope": idempotency_tenant_scope}
