"""What the server engine and the code around it exchange: who is calling (Principal, RequestContext), what an
operation requires (OperationSecurity), the error a service raises (ApiError), the authenticate hook, and the
idempotency store's protocol and outcomes. Re-exported by server.py.
"""

from __future__ import annotations

import typing as _t
from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    """Who is calling, as the authenticate hook decided. Idempotency keys (and data) are scoped by `tenant`."""

    tenant: str
    scopes: frozenset[str]
    key_id: str | None = None


@dataclass
class RequestContext:
    request_id: str
    principal: Principal
    operation_id: str
    idempotency_key: str | None
    headers: _t.Mapping[str, str]


@dataclass(frozen=True)
class OperationSecurity:
    """What an operation requires: `scopes` of its first security requirement; `requirements` lists every
    alternative as ((scheme, (scope, ...)), ...); `anonymous` when the spec allows no credentials.
    """

    operation_id: str
    scopes: frozenset[str]
    requirements: tuple[tuple[tuple[str, tuple[str, ...]], ...], ...]
    anonymous: bool


class ApiError(Exception):
    """Raise from a service method (or the auth hook) to answer with the error envelope. `type` None: by status
    (ERROR_TYPES); `details` (a list of objects, e.g. `{"code", "message", "param"}`) is written as "details".
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        param: str | None = None,
        type: str | None = None,
        headers: _t.Mapping[str, str] | None = None,
        *,
        details: _t.Sequence[_t.Mapping[str, _t.Any]] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.param = param
        self.type = type
        self.headers = dict(headers or {})
        self.details: list[dict[str, _t.Any]] | None = None if details is None else [dict(d) for d in details]


Authenticate = _t.Callable[[_t.Mapping[str, str], OperationSecurity], _t.Awaitable[Principal]]


@dataclass(frozen=True)
class Proceed:
    """No stored result: run the operation, then call complete() (or abandon() on a 5xx)."""


@dataclass(frozen=True)
class Replay:
    status: int
    body: bytes


@dataclass(frozen=True)
class Conflict:
    code: str  # e.g. IDEMPOTENCY_KEY_REUSED or IDEMPOTENCY_KEY_IN_PROGRESS
    message: str = "idempotency key conflict"


IdempotencyOutcome = _t.Union[Proceed, Replay, Conflict]


class IdempotencyStore(_t.Protocol):
    async def begin(self, tenant: str, key: str, route: str, fingerprint: str) -> IdempotencyOutcome: ...

    async def complete(self, tenant: str, key: str, status: int, body: bytes) -> None: ...

    async def abandon(self, tenant: str, key: str) -> None: ...
