"""Discriminator tags of union members: from `discriminator.mapping`, from the value each member pins, or inferred."""

from __future__ import annotations

from typing import Any

from flint_generator.ir.constraints import Deref
from flint_generator.ir.types import UnionDef


def const_tags(deref: Deref, raw: Any, prop: str) -> list[str]:
    """Values a variant pins its discriminator property to (via const or a one-value enum)."""
    node, _ = deref(raw, "")
    if not isinstance(node, dict):
        return []
    stack = [node]
    while stack:
        n, _ = deref(stack.pop(), "")
        if not isinstance(n, dict):
            continue
        p = (n.get("properties") or {}).get(prop)
        p, _ = deref(p, "")
        if isinstance(p, dict):
            if isinstance(p.get("const"), str):
                return [p["const"]]
            e = p.get("enum")
            if isinstance(e, list) and len(e) == 1 and isinstance(e[0], str):
                return [e[0]]
        stack.extend(n.get("allOf") or [])
    return []

def infer_discriminator(deref: Deref, u: UnionDef, variants: list[Any]) -> None:
    """A union without a discriminator gets one when every object member pins one property to its own value."""
    models = [(v, raw) for v, raw in zip(u.variants, variants) if v.type.kind == "model"]
    if len(models) < 2:
        return
    first, _ = deref(models[0][1], "")
    candidates = list((first.get("properties") or {}) if isinstance(first, dict) else {})
    for prop in candidates:
        tags = [const_tags(deref, raw, prop) for _, raw in models]
        flat = [t[0] for t in tags if t]
        if len(flat) == len(models) and len(set(flat)) == len(flat):
            u.discriminator = prop
            for (var, _), t in zip(models, tags):
                var.tags = t
            return

