"""What the code running inside schemathesis reads about the run: the spec index and the run context (pinned ids),
given by `configure` or read lazily from $FLINT_CONTRACT_CONTEXT, and what a case is (its operationId, phase,
generation mode, whether it probes the request's shape).
"""

from __future__ import annotations

import json
import os
from typing import Any

from schemathesis import Case, GenerationMode

from .spec import Spec, load_spec

CONTEXT_ENV = "FLINT_CONTRACT_CONTEXT"

_state: dict[str, Any] = {"spec": None, "context": None}


def configure(spec: Spec | None = None, context: dict[str, Any] | None = None) -> None:
    """Give the checks their spec index and the run context (pinned ids). Without a call, both are
    read lazily: the context from the JSON file named by $FLINT_CONTRACT_CONTEXT."""
    if spec is not None:
        _state["spec"] = spec
    if context is not None:
        _state["context"] = context


def _context() -> dict[str, Any]:
    if _state["context"] is None:
        path = os.environ.get(CONTEXT_ENV)
        _state["context"] = json.loads(open(path, encoding="utf-8").read()) if path else {}
    ctx: dict[str, Any] = _state["context"]
    return ctx


def _spec() -> Spec:
    if _state["spec"] is None:
        _state["spec"] = load_spec(_context().get("spec_path"))
    spec: Spec = _state["spec"]
    return spec


def operation_id(case: Case[Any]) -> str:
    raw = case.operation.definition.raw
    if isinstance(raw, dict) and raw.get("operationId"):
        return str(raw["operationId"])
    return str(case.operation.label)


def _is_positive(case: Case[Any]) -> bool:
    meta = case.meta
    return meta is not None and meta.generation.mode == GenerationMode.POSITIVE


def _phase(case: Case[Any]) -> str:
    meta = case.meta
    return str(meta.phase.name.value if hasattr(meta.phase.name, "value") else meta.phase.name) if meta else ""


def _request_shape_probe(case: Case[Any]) -> bool:
    try:
        from schemathesis.specs.openapi.checks import is_unexpected_http_status_case
    except ImportError:  # pragma: no cover - internal helper moved
        return False
    return bool(is_unexpected_http_status_case(case))
