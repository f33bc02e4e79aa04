"""`SandboxService` handlers for payments: paying an order, its attempts and payment intents, standalone payment intents.

Each signature is the generated `Service` protocol's (mypy checks it in app.build_app): typed request models and
parameters, already decoded and validated by the stub (see service_core)."""

from __future__ import annotations

from datetime import datetime

from flint_api import UNSET, Unset, models
from flint_api.server import RequestContext

from . import order_payments, payment_attempts, payment_intents, standalone_payments
from .service_core import ServiceCore, expand_paths, query_of, sent


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
        return await self._write(models.PayOrderResponse, ctx, order_payments.pay_order, order_id, body)

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
        q = query_of(locals())
        return await self._list(
            models.OrderPaymentAttemptListResponse, ctx, payment_attempts.list_attempts, order_id, q
        )

    async def get_order_payment_attempt(
        self,
        ctx: RequestContext,
        order_id: str,
        payment_attempt_id: str,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderPaymentAttemptResponse:
        attempt_id = payment_attempt_id
        return await self._get(
            models.OrderPaymentAttemptResponse, ctx, payment_attempts.get_attempt, order_id, attempt_id
        )

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
        attempt_id = payment_attempt_id
        return await self._write(
            models.CancelOrderPaymentAttemptResponse, ctx, payment_attempts.cancel_attempt, order_id, attempt_id, body
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
        return await self._write(
            models.CreateOrderPaymentIntentResponse, ctx, order_payments.create_order_payment_intent, order_id, body
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
        pi_id, b = payment_intent_id, sent(body, models.CancelOrderPaymentRequest)
        return await self._write(models.OrderPaymentLifecycleResponse, ctx, order_payments.cancel, order_id, pi_id, b)

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
        pi_id, b = payment_intent_id, sent(body, models.CaptureOrderPaymentRequest)
        return await self._write(models.OrderPaymentLifecycleResponse, ctx, order_payments.capture, order_id, pi_id, b)

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
        q = query_of(locals())
        return await self._list(models.PaymentIntentListResponse, ctx, payment_intents.list_payment_intents, q)

    async def create_payment_intent(
        self,
        ctx: RequestContext,
        body: models.CreatePaymentIntentRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.CreateOrderPaymentIntentResponse:
        return await self._write(
            models.CreateOrderPaymentIntentResponse, ctx, standalone_payments.create_payment_intent, body
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
        pi_id, ex = payment_intent_id, expand_paths(ctx, expand)
        return await self._get(models.PaymentIntentResponse, ctx, payment_intents.get_payment_intent, pi_id, ex)

    async def update_payment_intent(
        self,
        ctx: RequestContext,
        payment_intent_id: str,
        body: models.UpdatePaymentIntentRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PaymentIntentResponse:
        pi_id = payment_intent_id
        return await self._write(
            models.PaymentIntentResponse, ctx, standalone_payments.update_payment_intent, pi_id, body
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
        pi_id = payment_intent_id
        return await self._write(
            models.PaymentIntentResponse, ctx, standalone_payments.cancel_payment_intent, pi_id, body
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
        pi_id, b = payment_intent_id, sent(body, models.CapturePaymentIntentRequest)
        return await self._write(
            models.PaymentIntentResponse, ctx, standalone_payments.capture_payment_intent, pi_id, b
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
        pi_id = payment_intent_id
        return await self._write(
            models.PaymentIntentResponse, ctx, standalone_payments.confirm_payment_intent, pi_id, body
        )
