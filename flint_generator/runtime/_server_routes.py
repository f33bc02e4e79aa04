"""The route table: each operation of _operations.json (written by the generator's tables.py) as an `_Op`, in
routing order, with the parsers of its parameters and body looked up in the models and the runtime.
"""

from __future__ import annotations

import typing as _t
from dataclasses import dataclass

from . import _operations
from ._server_types import OperationSecurity, RequestContext


@dataclass(frozen=True)
class _Param:
    name: str
    py_name: str
    location: str
    conv: str
    multi: bool
    required: bool
    parse: _t.Callable[[_t.Any, str], _t.Any]


@dataclass(frozen=True)
class _Op:
    operation_id: str
    method: str
    path: str
    status: int
    params: tuple[_Param, ...]
    body: _t.Callable[[_t.Any, str], _t.Any] | None
    body_required: bool
    media: str
    idempotent: bool
    idempotency_key: _t.Callable[[_t.Any, str], _t.Any]
    security: OperationSecurity
    service_name: str
    positional: tuple[str, ...]  # path parameters, passed in order before the body
    keywords: tuple[str, ...]  # query / header / cookie parameters, passed by name
    shape: str = "json"  # how the body travels: json, form (multipart / urlencoded), text, raw
    form: tuple[tuple[str, str, bool], ...] = ()  # form fields: (name, conversion, repeated)
    response: str = "json"  # none, json, text (str) or raw (bytes)
    response_media: str = "application/json"

    async def call(self, svc: _t.Any, ctx: RequestContext, a: dict[str, _t.Any], body: _t.Any) -> _t.Any:
        args = [a[n] for n in self.positional]
        if self.body is not None:
            args.append(body)
        return await getattr(svc, self.service_name)(ctx, *args, **{n: a[n] for n in self.keywords})


class _FromDict:
    """`cls.from_dict`, looked up per call: the compiled one replaces the generic one on first use."""

    __slots__ = ("cls",)

    def __init__(self, cls: _t.Any) -> None:
        self.cls = cls

    def __call__(self, data: _t.Any, path: str) -> _t.Any:
        return self.cls.from_dict(data, path)


def _parser(ref: str) -> _t.Callable[[_t.Any, str], _t.Any]:
    """A parser named in _operations.json by its attribute path (`_m.Order.from_dict`, `_rt.p_str`)."""
    if ref.endswith(".from_dict"):
        return _FromDict(_operations.lookup(ref[: -len(".from_dict")]))
    return _operations.resolve(ref)


def _load_operations() -> tuple[_Op, ...]:
    """The route table: data in _operations.json (see the generator's tables.py), in routing order."""
    return tuple(
        _Op(
            e["id"],
            e["method"],
            e["path"],
            e["status"],
            tuple(
                _Param(n, py, loc, conv, multi, req, _parser(fn))
                for n, py, loc, conv, multi, req, fn, *_ in e["params"]
            ),
            None if e["body"] is None else _parser(e["body"]),
            e["body_required"],
            e["media"],
            e["idempotent"],
            _parser(e["idempotency_key"]),
            OperationSecurity(
                e["id"],
                frozenset(e["scopes"]),
                tuple(tuple((name, tuple(scopes)) for name, scopes in req) for req in e["security"]),
                e["anonymous"],
            ),
            e["service"],
            tuple(e["positional"]),
            tuple(e["keywords"]),
            e.get("shape", "json"),
            tuple((n, c, m) for n, c, m in e.get("form", [])),
            e.get("response", "json"),
            e.get("response_media", "application/json"),
        )
        for e in _operations.table()
    )


_OPS = _load_operations()
OPERATION_SECURITY: dict[str, OperationSecurity] = {op.operation_id: op.security for op in _OPS}
# by operationId: the documented success status, and whether the operation takes an idempotency key
SUCCESS_STATUS: dict[str, int] = {op.operation_id: op.status for op in _OPS}
IDEMPOTENT_OPERATIONS: frozenset[str] = frozenset(op.operation_id for op in _OPS if op.idempotent)
