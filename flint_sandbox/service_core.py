"""What every `SandboxService` handler shares: the storage transactions, idempotency, error mapping, envelopes.

A handler takes the stub's typed arguments (the request model and parameters the stub decoded and validated
against the spec), hands the business function the request model itself and the query as plain values
(`query_of`), runs it inside one storage transaction (reads in a read transaction, mutations in
`BEGIN IMMEDIATE`), and wraps the resulting document in the generated response model. Routing, auth, body
parsing and request validation belong to the stub, so the business functions check only what depends on state (amounts against balances, currency match, transitions).
"""

from __future__ import annotations

import enum
import logging
from typing import Any, Callable, Concatenate, Mapping, ParamSpec, Sequence, TypeVar

import flint_api
from flint_api import Unset, ValidationError
from flint_api import server as flint_server
from flint_api.server import ApiError, RequestContext

from . import crashpoints, idempotency_core
from .accounts import missing_scope
from .errors import DomainError, error_type
from .planted import HONEST, Policy
from .store import Doc, Storage, StorageBusy, Tx

log = logging.getLogger("sandbox")
T = TypeVar("T")
M = TypeVar("M")
P = ParamSpec("P")
Page = tuple[list[Doc], str | None]  # one page of a list and the next page's token

# An expansion shows another resource, so it needs what reading that resource needs: the security
# requirements of the operation that reads it.
EXPAND_READS = {
    "payment_intents": "getPaymentIntent",
    "payment_intent": "getPaymentIntent",
    "order": "getOrder",
    "payout_destination": "getPayoutDestination",
}
API_VERSION = flint_api.__version__
# each operation's documented success status (what the stub answers with, and what is stored under the key)
_SUCCESS_STATUS = dict(flint_server.SUCCESS_STATUS)
CONFLICT_MESSAGES = {
    "IDEMPOTENCY_KEY_REUSED": "This Idempotency-Key was used with a different request",
    "IDEMPOTENCY_KEY_IN_PROGRESS": "A request with this Idempotency-Key is still in progress; retry later",
}


def plain(value: object) -> Any:
    """A typed parameter (enum, list of enums, datetime, str, int) as the value the business code reads; None
    for UNSET."""
    if isinstance(value, Unset):
        return None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def sent(body: M | Unset, empty: Callable[[], M]) -> M:
    """An optional request body: the model sent, or an empty one (every field absent) when none was."""
    return empty() if isinstance(body, Unset) else body


_NOT_QUERY = frozenset({"self", "ctx", "x_request_id", "flint_version"})


def query_of(handler_args: Mapping[str, object]) -> dict[str, Any]:
    """The query parameters a list handler was called with, from its `locals()` taken before anything else is
    bound: the arguments but self, ctx and the headers, those sent, as plain values under their wire names (the
    stubs spell `type` as `type_`). A nested list's path id comes along; that list puts it in its query itself."""
    return {k.rstrip("_"): p for k, v in handler_args.items() if k not in _NOT_QUERY and (p := plain(v)) is not None}


def merchant(ctx: RequestContext) -> str:
    return str(ctx.principal.tenant)


def _api_error(e: DomainError) -> ApiError:
    return ApiError(e.status, e.code, e.message, e.param, e.type)


def _busy(e: StorageBusy) -> ApiError:
    """The database stayed locked past the busy timeout (or went away): 503, safe to retry (5xx results are not
    stored, and a write's idempotency record commits with it)."""
    return ApiError(503, "SERVICE_UNAVAILABLE", "The sandbox database is busy; retry with the same Idempotency-Key",
                    None, error_type(503), {"Retry-After": "1"})


def expand_paths(ctx: RequestContext, expand: Sequence[enum.Enum] | Unset) -> list[str]:
    paths = [str(p) for p in (plain(expand) or [])]
    for p in paths:
        reader = EXPAND_READS.get(p)
        need = reader and missing_scope(flint_server.OPERATION_SECURITY[reader], ctx.principal.scopes)
        if need:
            raise ApiError(403, "INSUFFICIENT_SCOPE", f"expand={p} needs the {need} scope", "expand",
                           "authorization_error")
    return paths


def _envelope(ctx: RequestContext, data: Any, next_page_token: str | None = None, listing: bool = False) -> Doc:
    env: Doc = {"data": data, "request_id": ctx.request_id, "meta": {"api_version": API_VERSION}}
    if listing and next_page_token is not None:
        env["next_page_token"] = next_page_token
    return env


class ServiceCore:
    def __init__(self, storage: Storage, policy: Policy = HONEST) -> None:
        self.storage = storage
        self.policy = policy  # the honest rules unless planted faults are on (planted.policy_for)

    async def _read(self, ctx: RequestContext, fn: Callable[[Tx], T]) -> T:
        m = merchant(ctx)

        def run(tx: Tx) -> T:
            tx.bind_merchant(m)  # the caller's sandbox clock
            return fn(tx)

        try:
            return await self.storage.read(run)
        except DomainError as e:
            raise _api_error(e) from None
        except StorageBusy as e:
            raise _busy(e) from None

    # What every handler does, one helper per kind of operation: the business function `fn(tx, merchant, *args)`
    # in the right transaction, its result as the response model `cls`.
    async def _get(self, cls: Callable[..., M], ctx: RequestContext, fn: Callable[Concatenate[Tx, str, P], Any], /,
                   *args: P.args, **kwargs: P.kwargs) -> M:
        m = merchant(ctx)
        return self._one(cls, ctx, await self._read(ctx, lambda tx: fn(tx, m, *args, **kwargs)))

    async def _list(self, cls: Callable[..., M], ctx: RequestContext, fn: Callable[Concatenate[Tx, str, P], Page], /,
                    *args: P.args, **kwargs: P.kwargs) -> M:
        m = merchant(ctx)
        return self._many(cls, ctx, await self._read(ctx, lambda tx: fn(tx, m, *args, **kwargs)))

    async def _write(self, cls: Callable[..., M], ctx: RequestContext, fn: Callable[Concatenate[Tx, str, P], Any], /,
                     *args: P.args, **kwargs: P.kwargs) -> M:
        m = merchant(ctx)
        return await self._write_one(cls, ctx, lambda tx: fn(tx, m, *args, **kwargs))

    async def _write_one(self, cls: Callable[..., M], ctx: RequestContext, fn: Callable[[Tx], Any]) -> M:
        """One mutation in one transaction, together with its idempotency record: the business rules, the
        response model, and (for a keyed request) the serialized response stored under the key, all committed
        at once (see idempotency_core). The stub sends exactly the stored bytes (same serializer)."""
        m = merchant(ctx)
        pending = idempotency_core.pending_for(m, ctx.idempotency_key)
        status = _SUCCESS_STATUS.get(ctx.operation_id, 200)

        def run(tx: Tx) -> M:
            tx.bind_merchant(m)
            if pending is not None:
                code = idempotency_core.claim_in_tx(tx, pending)
                if code is not None:
                    pending.stored = True  # another request's result is stored under the key: keep it
                    raise ApiError(409, code, CONFLICT_MESSAGES[code], "Idempotency-Key", error_type(409))
            model = self._one(cls, ctx, fn(tx))
            if pending is not None:
                idempotency_core.store_in_tx(tx, pending, status, flint_server.serialize(model))
            crashpoints.hit("before_commit", ctx.headers)
            return model

        crashpoints.hit("before_write", ctx.headers)
        try:
            model = await self.storage.write(run)
        except DomainError as e:
            raise _api_error(e) from None
        except StorageBusy as e:
            raise _busy(e) from None
        if pending is not None:
            pending.stored = True
        crashpoints.hit("after_commit", ctx.headers)
        return model

    def _model(self, cls: Callable[..., M], envelope: Doc) -> M:
        """The response model for a document. A document that breaks the response schema is our bug: a 500,
        never the stub's 400 for request validation. With planted faults on (test-only), the raw document
        goes out instead, so the contract kit sees the fault on the wire."""
        try:
            return cls.from_dict(envelope)  # type: ignore[attr-defined, no-any-return]
        except ValidationError as e:
            if self.policy.send_broken_documents:
                return envelope  # type: ignore[return-value]
            log.error("response breaks the contract at %s: %s", e.path, e)
            raise ApiError(500, "INTERNAL_ERROR", "internal error", None, error_type(500)) from None

    def _one(self, cls: Callable[..., M], ctx: RequestContext, doc: Any) -> M:
        return self._model(cls, _envelope(ctx, doc))

    def _many(self, cls: Callable[..., M], ctx: RequestContext, result: Page) -> M:
        docs, token = result
        return self._model(cls, _envelope(ctx, docs, token, listing=True))

