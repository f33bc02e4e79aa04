"""`SandboxService`: the generated `flint_api.server.Service` interface, implemented on the business rules.

Each method turns the validated request model into a plain dict, runs one business function inside one
storage transaction (reads in a read transaction, mutations in `BEGIN IMMEDIATE`), and wraps the resulting
document in the generated response model. Routing, auth, body parsing and validation belong to the stub.
"""

from __future__ import annotations

import enum
import logging
from typing import Any, Callable, Mapping, TypeVar

import flint_api
from flint_api import ValidationError, models
from flint_api import server as flint_server
from flint_api.server import ApiError, RequestContext

from . import crashpoints, idempotency_core, ledger, orders, payments, payouts, refunds
from .accounts import missing_scope
from .errors import DomainError, error_type
from .planted import HONEST, Policy
from .store import Doc, Storage, StorageBusy, Tx

log = logging.getLogger("sandbox")
T = TypeVar("T")
M = TypeVar("M")

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


def _plain(value: Any) -> Any:
    """Generated model / enum / UNSET -> JSON-like Python values (None for absent)."""
    if value is None or type(value).__name__ == "Unset":
        return None
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _body(body: object) -> dict[str, Any]:
    plain = _plain(body)
    return dict(plain) if isinstance(plain, Mapping) else {}


def _params(**kwargs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in kwargs.items():
        p = _plain(v)
        if p is not None:
            out[k] = p
    return out


def _merchant(ctx: RequestContext) -> str:
    return str(ctx.principal.tenant)


def _api_error(e: DomainError) -> ApiError:
    return ApiError(e.status, e.code, e.message, e.param, e.type)


def _busy(e: StorageBusy) -> ApiError:
    """The database stayed locked past the busy timeout (or went away): 503, safe to retry (5xx results are not
    stored, and a write's idempotency record commits with it)."""
    return ApiError(503, "SERVICE_UNAVAILABLE", "The sandbox database is busy; retry with the same Idempotency-Key",
                    None, error_type(503), {"Retry-After": "1"})


def _expand(ctx: RequestContext, expand: Any) -> list[str]:
    paths = [str(p) for p in (_plain(expand) or [])]
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


class SandboxService:
    def __init__(self, storage: Storage, policy: Policy = HONEST) -> None:
        self.storage = storage
        self.policy = policy  # the honest rules unless planted faults are on (planted.policy_for)

    async def _read(self, ctx: RequestContext, fn: Callable[[Tx], T]) -> T:
        m = _merchant(ctx)

        def run(tx: Tx) -> T:
            tx.bind_merchant(m)  # the caller's sandbox clock
            return fn(tx)

        try:
            return await self.storage.read(run)
        except DomainError as e:
            raise _api_error(e) from None
        except StorageBusy as e:
            raise _busy(e) from None

    async def _write_one(self, cls: Callable[..., M], ctx: RequestContext, fn: Callable[[Tx], Any]) -> M:
        """One mutation in one transaction, together with its idempotency record: the business rules, the
        response model, and (for a keyed request) the serialized response stored under the key, all committed
        at once (see idempotency_core). The stub sends exactly the stored bytes (same serializer)."""
        m = _merchant(ctx)
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

    def _many(self, cls: Callable[..., M], ctx: RequestContext, result: tuple[list[Doc], str | None]) -> M:
        docs, token = result
        return self._model(cls, _envelope(ctx, docs, token, listing=True))

    # ------------------------------------------------------------------------------------------------ orders

    async def create_order(
        self, ctx: RequestContext, body: object, *, x_request_id: Any = None, flint_version: Any = None
    ) -> models.OrderResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.create_order(tx, m, b))

    async def list_orders(
        self,
        ctx: RequestContext,
        *,
        page_size: Any = None,
        page_token: Any = None,
        status: Any = None,
        payment_status: Any = None,
        refund_status: Any = None,
        created_after: Any = None,
        created_before: Any = None,
        min_amount: Any = None,
        max_amount: Any = None,
        currency: Any = None,
        x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.OrderListResponse:
        m = _merchant(ctx)
        p = _params(page_size=page_size, page_token=page_token, status=status, payment_status=payment_status,
                    refund_status=refund_status, created_after=created_after, created_before=created_before,
                    min_amount=min_amount, max_amount=max_amount, currency=currency)
        return self._many(models.OrderListResponse, ctx, await self._read(ctx, lambda tx: orders.list_orders(tx, m, p)))

    async def get_order(
        self, ctx: RequestContext, order_id: str, *, expand: Any = None, x_request_id: Any = None,
        flint_version: Any = None
    ) -> models.OrderResponse:
        m, ex = _merchant(ctx), _expand(ctx, expand)
        return self._one(models.OrderResponse, ctx, await self._read(ctx, lambda tx: orders.get_order(tx, m, order_id, ex)))

    async def update_order(
        self, ctx: RequestContext, order_id: str, body: object, *, x_request_id: Any = None, flint_version: Any = None
    ) -> models.OrderResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.update_order(tx, m, order_id, b))

    async def list_order_activities(
        self,
        ctx: RequestContext,
        order_id: str,
        *,
        page_size: Any = None,
        page_token: Any = None,
        sort_direction: Any = None,
        type_: Any = None,
        x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.OrderActivityListResponse:
        m = _merchant(ctx)
        p = _params(page_size=page_size, page_token=page_token, sort_direction=sort_direction, type=type_)
        result = await self._read(ctx, lambda tx: orders.list_activities(tx, m, order_id, p))
        return self._many(models.OrderActivityListResponse, ctx, result)

    async def add_order_line_items(
        self, ctx: RequestContext, order_id: str, body: object, *, x_request_id: Any = None, flint_version: Any = None
    ) -> models.OrderResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.add_line_items(tx, m, order_id, b))

    async def update_order_line_item(
        self, ctx: RequestContext, order_id: str, order_line_item_id: str, body: object, *, x_request_id: Any = None,
        flint_version: Any = None
    ) -> models.OrderResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.update_line_item(tx, m, order_id, order_line_item_id, b))

    async def delete_order_line_item(
        self, ctx: RequestContext, order_id: str, order_line_item_id: str, *, x_request_id: Any = None,
        flint_version: Any = None
    ) -> models.OrderResponse:
        m = _merchant(ctx)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.delete_line_item(tx, m, order_id, order_line_item_id))

    async def add_order_charge(
        self, ctx: RequestContext, order_id: str, body: object, *, x_request_id: Any = None, flint_version: Any = None
    ) -> models.OrderResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.add_charge(tx, m, order_id, b))

    async def update_order_charge(
        self, ctx: RequestContext, order_id: str, order_charge_id: str, body: object, *, x_request_id: Any = None,
        flint_version: Any = None
    ) -> models.OrderResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.update_charge(tx, m, order_id, order_charge_id, b))

    async def delete_order_charge(
        self, ctx: RequestContext, order_id: str, order_charge_id: str, *, x_request_id: Any = None,
        flint_version: Any = None
    ) -> models.OrderResponse:
        m = _merchant(ctx)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.delete_charge(tx, m, order_id, order_charge_id))

    async def apply_order_discount(
        self, ctx: RequestContext, order_id: str, body: object, *, x_request_id: Any = None, flint_version: Any = None
    ) -> models.OrderResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.apply_discount(tx, m, order_id, b))

    async def remove_order_discounts(
        self, ctx: RequestContext, order_id: str, body: object, *, x_request_id: Any = None, flint_version: Any = None
    ) -> models.OrderResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.remove_discounts(tx, m, order_id, b))

    async def preview_order_discounts(
        self, ctx: RequestContext, order_id: str, body: object = None, *, x_request_id: Any = None,
        flint_version: Any = None
    ) -> models.DiscountPreviewResponse:
        m, b = _merchant(ctx), _body(body)
        doc = await self._read(ctx, lambda tx: orders.preview_discounts(tx, m, order_id, b))
        return self._one(models.DiscountPreviewResponse, ctx, doc)

    async def reprice_order_discounts(
        self, ctx: RequestContext, order_id: str, *, x_request_id: Any = None, flint_version: Any = None
    ) -> models.OrderResponse:
        m = _merchant(ctx)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.reprice_discounts(tx, m, order_id))

    async def close_order(
        self, ctx: RequestContext, order_id: str, body: object = None, *, x_request_id: Any = None,
        flint_version: Any = None
    ) -> models.OrderResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.close_order(tx, m, order_id, b))

    async def pay_order(
        self, ctx: RequestContext, order_id: str, body: object, *, x_request_id: Any = None, flint_version: Any = None
    ) -> models.PayOrderResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.PayOrderResponse, ctx, lambda tx: payments.pay_order(tx, m, order_id, b))

    async def list_order_payment_attempts(
        self,
        ctx: RequestContext,
        order_id: str,
        *,
        page_size: Any = None,
        page_token: Any = None,
        x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.OrderPaymentAttemptListResponse:
        m, p = _merchant(ctx), _params(page_size=page_size, page_token=page_token)
        docs = await self._read(ctx, lambda tx: payments.list_attempts(tx, m, order_id, p))
        return self._many(models.OrderPaymentAttemptListResponse, ctx, docs)

    async def get_order_payment_attempt(
        self, ctx: RequestContext, order_id: str, payment_attempt_id: str, *, x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.OrderPaymentAttemptResponse:
        m = _merchant(ctx)
        doc = await self._read(ctx, lambda tx: payments.get_attempt(tx, m, order_id, payment_attempt_id))
        return self._one(models.OrderPaymentAttemptResponse, ctx, doc)

    async def cancel_order_payment_attempt(
        self, ctx: RequestContext, order_id: str, payment_attempt_id: str, body: object = None, *,
        x_request_id: Any = None, flint_version: Any = None,
    ) -> models.CancelOrderPaymentAttemptResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.CancelOrderPaymentAttemptResponse, ctx, lambda tx: payments.cancel_attempt(tx, m, order_id, payment_attempt_id, b))

    async def create_order_payment_intent(
        self, ctx: RequestContext, order_id: str, body: object, *, x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.CreateOrderPaymentIntentResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.CreateOrderPaymentIntentResponse, ctx, lambda tx: payments.create_order_payment_intent(tx, m, order_id, b))

    async def capture_order_payment(
        self, ctx: RequestContext, order_id: str, payment_intent_id: str, body: object = None, *,
        x_request_id: Any = None, flint_version: Any = None,
    ) -> models.OrderPaymentLifecycleResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.OrderPaymentLifecycleResponse, ctx, lambda tx: payments.capture(tx, m, order_id, payment_intent_id, b))

    async def cancel_order_payment(
        self, ctx: RequestContext, order_id: str, payment_intent_id: str, body: object = None, *,
        x_request_id: Any = None, flint_version: Any = None,
    ) -> models.OrderPaymentLifecycleResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.OrderPaymentLifecycleResponse, ctx, lambda tx: payments.cancel(tx, m, order_id, payment_intent_id, b))

    # ------------------------------------------------------------------------------------------------ payment intents

    async def list_payment_intents(
        self,
        ctx: RequestContext,
        *,
        page_size: Any = None,
        page_token: Any = None,
        order_id: Any = None,
        status: Any = None,
        created_after: Any = None,
        created_before: Any = None,
        x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.PaymentIntentListResponse:
        m = _merchant(ctx)
        p = _params(page_size=page_size, page_token=page_token, order_id=order_id, status=status,
                    created_after=created_after, created_before=created_before)
        return self._many(
            models.PaymentIntentListResponse, ctx, await self._read(ctx, lambda tx: payments.list_payment_intents(tx, m, p))
        )

    async def get_payment_intent(
        self, ctx: RequestContext, payment_intent_id: str, *, expand: Any = None, x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.PaymentIntentResponse:
        m, ex = _merchant(ctx), _expand(ctx, expand)
        doc = await self._read(ctx, lambda tx: payments.get_payment_intent(tx, m, payment_intent_id, ex))
        return self._one(models.PaymentIntentResponse, ctx, doc)

    async def create_payment_intent(
        self, ctx: RequestContext, body: object, *, x_request_id: Any = None, flint_version: Any = None
    ) -> models.CreateOrderPaymentIntentResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.CreateOrderPaymentIntentResponse, ctx, lambda tx: payments.create_payment_intent(tx, m, b))

    async def update_payment_intent(
        self, ctx: RequestContext, payment_intent_id: str, body: object, *, x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.PaymentIntentResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.PaymentIntentResponse, ctx, lambda tx: payments.update_payment_intent(tx, m, payment_intent_id, b))

    async def confirm_payment_intent(
        self, ctx: RequestContext, payment_intent_id: str, body: object, *, x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.PaymentIntentResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.PaymentIntentResponse, ctx, lambda tx: payments.confirm_payment_intent(tx, m, payment_intent_id, b))

    async def capture_payment_intent(
        self, ctx: RequestContext, payment_intent_id: str, body: object = None, *, x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.PaymentIntentResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.PaymentIntentResponse, ctx, lambda tx: payments.capture_payment_intent(tx, m, payment_intent_id, b))

    async def cancel_payment_intent(
        self, ctx: RequestContext, payment_intent_id: str, body: object, *, x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.PaymentIntentResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.PaymentIntentResponse, ctx, lambda tx: payments.cancel_payment_intent(tx, m, payment_intent_id, b))

    # ------------------------------------------------------------------------------------------------ refunds

    async def create_refund(
        self, ctx: RequestContext, body: object, *, x_request_id: Any = None, flint_version: Any = None
    ) -> models.CreateRefundResponse:
        m, b, key = _merchant(ctx), _body(body), ctx.idempotency_key
        return await self._write_one(models.CreateRefundResponse, ctx, lambda tx: refunds.create_refund(tx, m, b, key, self.policy))

    async def list_refunds(
        self,
        ctx: RequestContext,
        *,
        page_size: Any = None,
        page_token: Any = None,
        order_id: Any = None,
        payment_intent_id: Any = None,
        status: Any = None,
        created_after: Any = None,
        created_before: Any = None,
        x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.RefundListResponse:
        m = _merchant(ctx)
        p = _params(page_size=page_size, page_token=page_token, order_id=order_id,
                    payment_intent_id=payment_intent_id, status=status, created_after=created_after,
                    created_before=created_before)
        return self._many(models.RefundListResponse, ctx, await self._read(ctx, lambda tx: refunds.list_refunds(tx, m, p)))

    async def get_refund(
        self, ctx: RequestContext, refund_id: str, *, expand: Any = None, x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.RefundResponse:
        m, ex = _merchant(ctx), _expand(ctx, expand)
        return self._one(models.RefundResponse, ctx, await self._read(ctx, lambda tx: refunds.get_refund(tx, m, refund_id, ex)))

    async def update_refund(
        self, ctx: RequestContext, refund_id: str, body: object, *, x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.RefundResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.RefundResponse, ctx, lambda tx: refunds.update_refund(tx, m, refund_id, b))

    # ------------------------------------------------------------------------------------------------ money movement

    async def list_balances(
        self, ctx: RequestContext, *, currency: Any = None, x_request_id: Any = None, flint_version: Any = None
    ) -> models.BalanceListResponse:
        m, cur = _merchant(ctx), _plain(currency)
        docs = await self._read(ctx, lambda tx: ledger.balances(tx, m, cur))
        return self._many(models.BalanceListResponse, ctx, (docs, None))

    async def list_balance_transactions(
        self,
        ctx: RequestContext,
        *,
        page_size: Any = None,
        page_token: Any = None,
        currency: Any = None,
        type_: Any = None,
        related_object_type: Any = None,
        related_object_id: Any = None,
        status: Any = None,
        created_after: Any = None,
        created_before: Any = None,
        available_after: Any = None,
        available_before: Any = None,
        x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.BalanceTransactionListResponse:
        m = _merchant(ctx)
        p = _params(page_size=page_size, page_token=page_token, currency=currency, type=type_,
                    related_object_type=related_object_type, related_object_id=related_object_id, status=status,
                    created_after=created_after, created_before=created_before, available_after=available_after,
                    available_before=available_before)
        return self._many(
            models.BalanceTransactionListResponse, ctx, await self._read(ctx, lambda tx: ledger.list_txns(tx, m, p))
        )

    async def get_balance_transaction(
        self, ctx: RequestContext, balance_transaction_id: str, *, expand: Any = None, x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.BalanceTransactionResponse:
        m, ex = _merchant(ctx), _expand(ctx, expand)
        doc = await self._read(ctx, lambda tx: ledger.get_txn(tx, m, balance_transaction_id, ex))
        return self._one(models.BalanceTransactionResponse, ctx, doc)

    async def list_payouts(
        self,
        ctx: RequestContext,
        *,
        page_size: Any = None,
        page_token: Any = None,
        currency: Any = None,
        method: Any = None,
        balance_source_type: Any = None,
        payout_destination_id: Any = None,
        status: Any = None,
        created_after: Any = None,
        created_before: Any = None,
        arrival_after: Any = None,
        arrival_before: Any = None,
        x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.PayoutListResponse:
        m = _merchant(ctx)
        p = _params(page_size=page_size, page_token=page_token, currency=currency, method=method,
                    balance_source_type=balance_source_type, payout_destination_id=payout_destination_id,
                    status=status, created_after=created_after, created_before=created_before,
                    arrival_after=arrival_after, arrival_before=arrival_before)
        return self._many(models.PayoutListResponse, ctx, await self._read(ctx, lambda tx: payouts.list_payouts(tx, m, p)))

    async def create_payout(
        self, ctx: RequestContext, body: object, *, x_request_id: Any = None, flint_version: Any = None
    ) -> models.PayoutResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.PayoutResponse, ctx, lambda tx: payouts.create_payout(tx, m, b))

    async def get_payout(
        self, ctx: RequestContext, payout_id: str, *, expand: Any = None, x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.PayoutResponse:
        m, ex = _merchant(ctx), _expand(ctx, expand)
        return self._one(models.PayoutResponse, ctx, await self._read(ctx, lambda tx: payouts.get_payout(tx, m, payout_id, ex)))

    async def cancel_payout(
        self, ctx: RequestContext, payout_id: str, body: object = None, *, x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.PayoutResponse:
        m = _merchant(ctx)
        return await self._write_one(models.PayoutResponse, ctx, lambda tx: payouts.cancel_payout(tx, m, payout_id))

    async def list_payout_entries(
        self, ctx: RequestContext, payout_id: str, *, page_size: Any = None, page_token: Any = None,
        x_request_id: Any = None, flint_version: Any = None,
    ) -> models.PayoutEntryListResponse:
        m, p = _merchant(ctx), _params(page_size=page_size, page_token=page_token)
        return self._many(
            models.PayoutEntryListResponse, ctx, await self._read(ctx, lambda tx: payouts.list_entries(tx, m, payout_id, p))
        )

    async def get_payout_settings(
        self, ctx: RequestContext, *, x_request_id: Any = None, flint_version: Any = None
    ) -> models.PayoutSettingsResponse:
        m = _merchant(ctx)
        return self._one(models.PayoutSettingsResponse, ctx, await self._read(ctx, lambda tx: payouts.get_settings(tx, m)))

    async def update_payout_settings(
        self, ctx: RequestContext, body: object, *, x_request_id: Any = None, flint_version: Any = None
    ) -> models.PayoutSettingsResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.PayoutSettingsResponse, ctx, lambda tx: payouts.update_settings(tx, m, b))

    async def list_payout_destinations(
        self,
        ctx: RequestContext,
        *,
        page_size: Any = None,
        page_token: Any = None,
        currency: Any = None,
        type_: Any = None,
        status: Any = None,
        available_payout_method: Any = None,
        default_for_currency: Any = None,
        include_deleted: Any = None,
        x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.PayoutDestinationListResponse:
        m = _merchant(ctx)
        p = _params(page_size=page_size, page_token=page_token, currency=currency, type=type_, status=status,
                    available_payout_method=available_payout_method, default_for_currency=default_for_currency,
                    include_deleted=include_deleted)
        return self._many(
            models.PayoutDestinationListResponse, ctx, await self._read(ctx, lambda tx: payouts.list_destinations(tx, m, p))
        )

    async def get_payout_destination(
        self, ctx: RequestContext, payout_destination_id: str, *, x_request_id: Any = None, flint_version: Any = None
    ) -> models.PayoutDestinationResponse:
        m = _merchant(ctx)
        doc = await self._read(ctx, lambda tx: payouts.get_destination(tx, m, payout_destination_id))
        return self._one(models.PayoutDestinationResponse, ctx, doc)

    async def update_payout_destination(
        self, ctx: RequestContext, payout_destination_id: str, body: object, *, x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.PayoutDestinationResponse:
        m, b = _merchant(ctx), _body(body)
        return await self._write_one(models.PayoutDestinationResponse, ctx, lambda tx: payouts.update_destination(tx, m, payout_destination_id, b))

    async def delete_payout_destination(
        self, ctx: RequestContext, payout_destination_id: str, body: object = None, *, x_request_id: Any = None,
        flint_version: Any = None,
    ) -> models.PayoutDestinationResponse:
        m = _merchant(ctx)
        return await self._write_one(models.PayoutDestinationResponse, ctx, lambda tx: payouts.delete_destination(tx, m, payout_destination_id))

