"""`SandboxService` handlers for refunds and money movement: refunds, balances, the ledger, payouts and payout settings.

Each signature is the generated `Service` protocol's (mypy checks it in app.build_app): typed request models and
parameters, already decoded and validated by the stub (see service_core)."""

from __future__ import annotations

from datetime import datetime

from flint_api import UNSET, Unset, models
from flint_api.server import RequestContext

from . import ledger, payouts, refund_creation, refunds
from .service_core import ServiceCore, expand_paths, merchant, plain, query_of


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
        return await self._list(models.RefundListResponse, ctx, refunds.list_refunds, query_of(locals()))

    async def create_refund(
        self,
        ctx: RequestContext,
        body: models.CreateRefundRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.CreateRefundResponse:
        key, policy = ctx.idempotency_key, self.policy
        return await self._write(
            models.CreateRefundResponse, ctx, refund_creation.create_refund, body, key, policy
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
        ex = expand_paths(ctx, expand)
        return await self._get(models.RefundResponse, ctx, refunds.get_refund, refund_id, ex)

    async def update_refund(
        self,
        ctx: RequestContext,
        refund_id: str,
        body: models.UpdateRefundRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.RefundResponse:
        return await self._write(models.RefundResponse, ctx, refunds.update_refund, refund_id, body)

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
        q = query_of(locals())
        return await self._list(models.BalanceTransactionListResponse, ctx, ledger.list_txns, q)

    async def get_balance_transaction(
        self,
        ctx: RequestContext,
        balance_transaction_id: str,
        *,
        expand: list[models.GetPaymentIntentExpandItem] | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.BalanceTransactionResponse:
        txn_id, ex = balance_transaction_id, expand_paths(ctx, expand)
        return await self._get(models.BalanceTransactionResponse, ctx, ledger.get_txn, txn_id, ex)

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
        return await self._get(models.PayoutSettingsResponse, ctx, payouts.get_settings)

    async def update_payout_settings(
        self,
        ctx: RequestContext,
        body: models.UpdatePayoutSettingsRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutSettingsResponse:
        return await self._write(models.PayoutSettingsResponse, ctx, payouts.update_settings, body)

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
        q = query_of(locals())
        return await self._list(models.PayoutDestinationListResponse, ctx, payouts.list_destinations, q)

    async def get_payout_destination(
        self,
        ctx: RequestContext,
        payout_destination_id: str,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutDestinationResponse:
        dest_id = payout_destination_id
        return await self._get(models.PayoutDestinationResponse, ctx, payouts.get_destination, dest_id)

    async def delete_payout_destination(
        self,
        ctx: RequestContext,
        payout_destination_id: str,
        body: models.EmptyRequest | Unset = UNSET,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutDestinationResponse:
        dest_id = payout_destination_id
        return await self._write(models.PayoutDestinationResponse, ctx, payouts.delete_destination, dest_id)

    async def update_payout_destination(
        self,
        ctx: RequestContext,
        payout_destination_id: str,
        body: models.UpdatePayoutDestinationRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutDestinationResponse:
        dest_id = payout_destination_id
        return await self._write(models.PayoutDestinationResponse, ctx, payouts.update_destination, dest_id, body)

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
        return await self._list(models.PayoutListResponse, ctx, payouts.list_payouts, query_of(locals()))

    async def create_payout(
        self,
        ctx: RequestContext,
        body: models.CreatePayoutRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutResponse:
        return await self._write(models.PayoutResponse, ctx, payouts.create_payout, body)

    async def get_payout(
        self,
        ctx: RequestContext,
        payout_id: str,
        *,
        expand: list[models.GetPayoutExpandItem] | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutResponse:
        ex = expand_paths(ctx, expand)
        return await self._get(models.PayoutResponse, ctx, payouts.get_payout, payout_id, ex)

    async def cancel_payout(
        self,
        ctx: RequestContext,
        payout_id: str,
        body: models.EmptyRequest | Unset = UNSET,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.PayoutResponse:
        return await self._write(models.PayoutResponse, ctx, payouts.cancel_payout, payout_id)

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
        q = query_of(locals())
        return await self._list(models.PayoutEntryListResponse, ctx, payouts.list_entries, payout_id, q)
