"""`SandboxService` handlers for payments: paying an order, its attempts and payment intents, standalone payment intents.

Each signature is the generated `Service` protocol's (mypy checks it in app.build_app): typed request models and
parameters, already decoded and validated by the stub (see service_core)."""

from __future__ import annotations

from datetime import datetime

from flint_api import UNSET, Unset, models
from flint_api.server import RequestContext

from . import payments
from .service_core import ServiceCore, body_of, expand_paths, merchant, params_of


class PaymentHandlers(ServiceCore):
    async def pay_order(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.PayOrderRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayOrderResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(models.PayOrderResponse, ctx, lambda tx: payments.pay_order(tx, m, order_id, b))

    async def list_order_payment_attempts(
        self,
        ctx: RequestContext,
        order_id: str,
        *,
        page_size: int | Unset = UNSET,
        page_token: str | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderPaymentAttemptListResponse:
        m, p = merchant(ctx), params_of(page_size=page_size, page_token=page_token)
        docs = await self._read(ctx, lambda tx: payments.list_attempts(tx, m, order_id, p))
        return self._many(models.OrderPaymentAttemptListResponse, ctx, docs)

    async def get_order_payment_attempt(
        self,
        ctx: RequestContext,
        order_id: str,
        payment_attempt_id: str,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderPaymentAttemptResponse:
        m = merchant(ctx)
        doc = await self._read(ctx, lambda tx: payments.get_attempt(tx, m, order_id, payment_attempt_id))
        return self._one(models.OrderPaymentAttemptResponse, ctx, doc)

    async def cancel_order_payment_attempt(
        self,
        ctx: RequestContext,
        order_id: str,
        payment_attempt_id: str,
        body: models.CancelOrderPaymentAttemptRequest | Unset = UNSET,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.CancelOrderPaymentAttemptResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(
            models.CancelOrderPaymentAttemptResponse,
            ctx,
            lambda tx: payments.cancel_attempt(tx, m, order_id, payment_attempt_id, b),
        )

    async def create_order_payment_intent(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.CreateOrderPaymentIntentRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.CreateOrderPaymentIntentResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(
            models.CreateOrderPaymentIntentResponse,
            ctx,
            lambda tx: payments.create_order_payment_intent(tx, m, order_id, b),
        )

    async def cancel_order_payment(
        self,
        ctx: RequestContext,
        order_id: str,
        payment_intent_id: str,
        body: models.CancelOrderPaymentRequest | Unset = UNSET,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderPaymentLifecycleResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(
            models.OrderPaymentLifecycleResponse, ctx, lambda tx: payments.cancel(tx, m, order_id, payment_intent_id, b)
        )

    async def capture_order_payment(
        self,
        ctx: RequestContext,
        order_id: str,
        payment_intent_id: str,
        body: models.CaptureOrderPaymentRequest | Unset = UNSET,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderPaymentLifecycleResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(
            models.OrderPaymentLifecycleResponse,
            ctx,
            lambda tx: payments.capture(tx, m, order_id, payment_intent_id, b),
        )

    async def list_payment_intents(
        self,
        ctx: RequestContext,
        *,
        page_size: int | Unset = UNSET,
        page_token: str | Unset = UNSET,
        order_id: str | Unset = UNSET,
        status: list[models.ListPaymentIntentsStatusItem] | Unset = UNSET,
        created_after: datetime | Unset = UNSET,
        created_before: datetime | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PaymentIntentListResponse:
        m = merchant(ctx)
        p = params_of(
            page_size=page_size,
            page_token=page_token,
            order_id=order_id,
            status=status,
            created_after=created_after,
            created_before=created_before,
        )
        return self._many(
            models.PaymentIntentListResponse,
            ctx,
            await self._read(ctx, lambda tx: payments.list_payment_intents(tx, m, p)),
        )

    async def create_payment_intent(
        self,
        ctx: RequestContext,
        body: models.CreatePaymentIntentRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.CreateOrderPaymentIntentResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(
            models.CreateOrderPaymentIntentResponse, ctx, lambda tx: payments.create_payment_intent(tx, m, b)
        )

    async def get_payment_intent(
        self,
        ctx: RequestContext,
        payment_intent_id: str,
        *,
        expand: list[models.GetPaymentIntentExpandItem] | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PaymentIntentResponse:
        m, ex = merchant(ctx), expand_paths(ctx, expand)
        doc = await self._read(ctx, lambda tx: payments.get_payment_intent(tx, m, payment_intent_id, ex))
        return self._one(models.PaymentIntentResponse, ctx, doc)

    async def update_payment_intent(
        self,
        ctx: RequestContext,
        payment_intent_id: str,
        body: models.UpdatePaymentIntentRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PaymentIntentResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(
            models.PaymentIntentResponse, ctx, lambda tx: payments.update_payment_intent(tx, m, payment_intent_id, b)
        )

    async def cancel_payment_intent(
        self,
        ctx: RequestContext,
        payment_intent_id: str,
        body: models.CancelPaymentIntentRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PaymentIntentResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(
            models.PaymentIntentResponse, ctx, lambda tx: payments.cancel_payment_intent(tx, m, payment_intent_id, b)
        )

    async def capture_payment_intent(
        self,
        ctx: RequestContext,
        payment_intent_id: str,
        body: models.CapturePaymentIntentRequest | Unset = UNSET,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PaymentIntentResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(
            models.PaymentIntentResponse, ctx, lambda tx: payments.capture_payment_intent(tx, m, payment_intent_id, b)
        )

    async def confirm_payment_intent(
        self,
        ctx: RequestContext,
        payment_intent_id: str,
        body: models.ConfirmPaymentIntentRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PaymentIntentResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(
            models.PaymentIntentResponse, ctx, lambda tx: payments.confirm_payment_intent(tx, m, payment_intent_id, b)
        )
