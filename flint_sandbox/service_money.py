"""`SandboxService` handlers for refunds and money movement: refunds, balances, the ledger, payouts and payout settings.

Each signature is the generated `Service` protocol's (mypy checks it in app.build_app): typed request models and
parameters, already decoded and validated by the stub (see service_core)."""

from __future__ import annotations

from datetime import datetime

from flint_api import UNSET, Unset, models
from flint_api.server import RequestContext

from . import ledger, payouts, refunds
from .service_core import ServiceCore, body_of, expand_paths, merchant, params_of, plain


class MoneyHandlers(ServiceCore):
    async def list_refunds(
        self,
        ctx: RequestContext,
        *,
        page_size: int | Unset = UNSET,
        page_token: str | Unset = UNSET,
        order_id: str | Unset = UNSET,
        payment_intent_id: str | Unset = UNSET,
        status: list[models.ListRefundsStatusItem] | Unset = UNSET,
        created_after: datetime | Unset = UNSET,
        created_before: datetime | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.RefundListResponse:
        m = merchant(ctx)
        p = params_of(
            page_size=page_size,
            page_token=page_token,
            order_id=order_id,
            payment_intent_id=payment_intent_id,
            status=status,
            created_after=created_after,
            created_before=created_before,
        )
        return self._many(
            models.RefundListResponse, ctx, await self._read(ctx, lambda tx: refunds.list_refunds(tx, m, p))
        )

    async def create_refund(
        self,
        ctx: RequestContext,
        body: models.CreateRefundRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.CreateRefundResponse:
        m, b, key = merchant(ctx), body_of(body), ctx.idempotency_key
        return await self._write_one(
            models.CreateRefundResponse, ctx, lambda tx: refunds.create_refund(tx, m, b, key, self.policy)
        )

    async def get_refund(
        self,
        ctx: RequestContext,
        refund_id: str,
        *,
        expand: list[models.GetRefundExpandItem] | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.RefundResponse:
        m, ex = merchant(ctx), expand_paths(ctx, expand)
        return self._one(
            models.RefundResponse, ctx, await self._read(ctx, lambda tx: refunds.get_refund(tx, m, refund_id, ex))
        )

    async def update_refund(
        self,
        ctx: RequestContext,
        refund_id: str,
        body: models.UpdateRefundRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.RefundResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(models.RefundResponse, ctx, lambda tx: refunds.update_refund(tx, m, refund_id, b))

    async def list_balance_transactions(
        self,
        ctx: RequestContext,
        *,
        page_size: int | Unset = UNSET,
        page_token: str | Unset = UNSET,
        currency: str | Unset = UNSET,
        type_: models.ListBalanceTransactionsType | Unset = UNSET,
        related_object_type: models.ListBalanceTransactionsRelatedObjectType | Unset = UNSET,
        related_object_id: str | Unset = UNSET,
        status: models.ListBalanceTransactionsStatus | Unset = UNSET,
        created_after: datetime | Unset = UNSET,
        created_before: datetime | Unset = UNSET,
        available_after: datetime | Unset = UNSET,
        available_before: datetime | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.BalanceTransactionListResponse:
        m = merchant(ctx)
        p = params_of(
            page_size=page_size,
            page_token=page_token,
            currency=currency,
            type=type_,
            related_object_type=related_object_type,
            related_object_id=related_object_id,
            status=status,
            created_after=created_after,
            created_before=created_before,
            available_after=available_after,
            available_before=available_before,
        )
        return self._many(
            models.BalanceTransactionListResponse, ctx, await self._read(ctx, lambda tx: ledger.list_txns(tx, m, p))
        )

    async def get_balance_transaction(
        self,
        ctx: RequestContext,
        balance_transaction_id: str,
        *,
        expand: list[models.GetPaymentIntentExpandItem] | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.BalanceTransactionResponse:
        m, ex = merchant(ctx), expand_paths(ctx, expand)
        doc = await self._read(ctx, lambda tx: ledger.get_txn(tx, m, balance_transaction_id, ex))
        return self._one(models.BalanceTransactionResponse, ctx, doc)

    async def list_balances(
        self,
        ctx: RequestContext,
        *,
        currency: str | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.BalanceListResponse:
        m, cur = merchant(ctx), plain(currency)
        docs = await self._read(ctx, lambda tx: ledger.balances(tx, m, cur))
        return self._many(models.BalanceListResponse, ctx, (docs, None))

    async def get_payout_settings(
        self, ctx: RequestContext, *, x_request_id: str | Unset = UNSET, flint_version: str | Unset = UNSET
    ) -> models.PayoutSettingsResponse:
        m = merchant(ctx)
        return self._one(
            models.PayoutSettingsResponse, ctx, await self._read(ctx, lambda tx: payouts.get_settings(tx, m))
        )

    async def update_payout_settings(
        self,
        ctx: RequestContext,
        body: models.UpdatePayoutSettingsRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutSettingsResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(models.PayoutSettingsResponse, ctx, lambda tx: payouts.update_settings(tx, m, b))

    async def list_payout_destinations(
        self,
        ctx: RequestContext,
        *,
        page_size: int | Unset = UNSET,
        page_token: str | Unset = UNSET,
        currency: str | Unset = UNSET,
        type_: models.ListPayoutDestinationsType | Unset = UNSET,
        status: models.ListPayoutDestinationsStatus | Unset = UNSET,
        available_payout_method: models.ListPayoutDestinationsAvailablePayoutMethod | Unset = UNSET,
        default_for_currency: bool | Unset = UNSET,
        include_deleted: bool | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutDestinationListResponse:
        m = merchant(ctx)
        p = params_of(
            page_size=page_size,
            page_token=page_token,
            currency=currency,
            type=type_,
            status=status,
            available_payout_method=available_payout_method,
            default_for_currency=default_for_currency,
            include_deleted=include_deleted,
        )
        return self._many(
            models.PayoutDestinationListResponse,
            ctx,
            await self._read(ctx, lambda tx: payouts.list_destinations(tx, m, p)),
        )

    async def get_payout_destination(
        self,
        ctx: RequestContext,
        payout_destination_id: str,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutDestinationResponse:
        m = merchant(ctx)
        doc = await self._read(ctx, lambda tx: payouts.get_destination(tx, m, payout_destination_id))
        return self._one(models.PayoutDestinationResponse, ctx, doc)

    async def delete_payout_destination(
        self,
        ctx: RequestContext,
        payout_destination_id: str,
        body: models.EmptyRequest | Unset = UNSET,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutDestinationResponse:
        m = merchant(ctx)
        return await self._write_one(
            models.PayoutDestinationResponse, ctx, lambda tx: payouts.delete_destination(tx, m, payout_destination_id)
        )

    async def update_payout_destination(
        self,
        ctx: RequestContext,
        payout_destination_id: str,
        body: models.UpdatePayoutDestinationRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutDestinationResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(
            models.PayoutDestinationResponse,
            ctx,
            lambda tx: payouts.update_destination(tx, m, payout_destination_id, b),
        )

    async def list_payouts(
        self,
        ctx: RequestContext,
        *,
        page_size: int | Unset = UNSET,
        page_token: str | Unset = UNSET,
        currency: str | Unset = UNSET,
        method: models.ListPayoutDestinationsAvailablePayoutMethod | Unset = UNSET,
        balance_source_type: models.ListPayoutsBalanceSourceType | Unset = UNSET,
        payout_destination_id: str | Unset = UNSET,
        status: models.ListPayoutsStatus | Unset = UNSET,
        created_after: datetime | Unset = UNSET,
        created_before: datetime | Unset = UNSET,
        arrival_after: datetime | Unset = UNSET,
        arrival_before: datetime | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutListResponse:
        m = merchant(ctx)
        p = params_of(
            page_size=page_size,
            page_token=page_token,
            currency=currency,
            method=method,
            balance_source_type=balance_source_type,
            payout_destination_id=payout_destination_id,
            status=status,
            created_after=created_after,
            created_before=created_before,
            arrival_after=arrival_after,
            arrival_before=arrival_before,
        )
        return self._many(
            models.PayoutListResponse, ctx, await self._read(ctx, lambda tx: payouts.list_payouts(tx, m, p))
        )

    async def create_payout(
        self,
        ctx: RequestContext,
        body: models.CreatePayoutRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(models.PayoutResponse, ctx, lambda tx: payouts.create_payout(tx, m, b))

    async def get_payout(
        self,
        ctx: RequestContext,
        payout_id: str,
        *,
        expand: list[models.GetPayoutExpandItem] | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutResponse:
        m, ex = merchant(ctx), expand_paths(ctx, expand)
        return self._one(
            models.PayoutResponse, ctx, await self._read(ctx, lambda tx: payouts.get_payout(tx, m, payout_id, ex))
        )

    async def cancel_payout(
        self,
        ctx: RequestContext,
        payout_id: str,
        body: models.EmptyRequest | Unset = UNSET,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutResponse:
        m = merchant(ctx)
        return await self._write_one(models.PayoutResponse, ctx, lambda tx: payouts.cancel_payout(tx, m, payout_id))

    async def list_payout_entries(
        self,
        ctx: RequestContext,
        payout_id: str,
        *,
        page_size: int | Unset = UNSET,
        page_token: str | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutEntryListResponse:
        m, p = merchant(ctx), params_of(page_size=page_size, page_token=page_token)
        return self._many(
            models.PayoutEntryListResponse,
            ctx,
            await self._read(ctx, lambda tx: payouts.list_entries(tx, m, payout_id, p)),
        )
