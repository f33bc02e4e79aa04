"""`SandboxService` handlers for orders: the order, its line items, charges, discounts, tip and tax.

Each signature is the generated `Service` protocol's (mypy checks it in app.build_app): typed request models and
parameters, already decoded and validated by the stub (see service_core)."""

from __future__ import annotations

from datetime import datetime

from flint_api import UNSET, Unset, models
from flint_api.server import RequestContext

from . import orders
from .service_core import ServiceCore, body_of, expand_paths, merchant, params_of


class OrderHandlers(ServiceCore):
    async def list_orders(
        self,
        ctx: RequestContext,
        *,
        page_size: int | Unset = UNSET,
        page_token: str | Unset = UNSET,
        status: models.ListOrdersStatus | Unset = UNSET,
        payment_status: list[models.ListOrdersPaymentStatusItem] | Unset = UNSET,
        refund_status: list[models.ListOrdersRefundStatusItem] | Unset = UNSET,
        created_after: datetime | Unset = UNSET,
        created_before: datetime | Unset = UNSET,
        min_amount: int | Unset = UNSET,
        max_amount: int | Unset = UNSET,
        currency: str | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderListResponse:
        m = merchant(ctx)
        p = params_of(
            page_size=page_size,
            page_token=page_token,
            status=status,
            payment_status=payment_status,
            refund_status=refund_status,
            created_after=created_after,
            created_before=created_before,
            min_amount=min_amount,
            max_amount=max_amount,
            currency=currency,
        )
        return self._many(models.OrderListResponse, ctx, await self._read(ctx, lambda tx: orders.list_orders(tx, m, p)))

    async def create_order(
        self,
        ctx: RequestContext,
        body: models.CreateOrderRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.create_order(tx, m, b))

    async def get_order(
        self,
        ctx: RequestContext,
        order_id: str,
        *,
        expand: list[models.GetOrderExpandItem] | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        m, ex = merchant(ctx), expand_paths(ctx, expand)
        return self._one(
            models.OrderResponse, ctx, await self._read(ctx, lambda tx: orders.get_order(tx, m, order_id, ex))
        )

    async def update_order(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.UpdateOrderRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.update_order(tx, m, order_id, b))

    async def list_order_activities(
        self,
        ctx: RequestContext,
        order_id: str,
        *,
        page_size: int | Unset = UNSET,
        page_token: str | Unset = UNSET,
        sort_direction: models.ListOrderActivitiesSortDirection | Unset = UNSET,
        type_: list[models.ListOrderActivitiesTypeItem] | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderActivityListResponse:
        m = merchant(ctx)
        p = params_of(page_size=page_size, page_token=page_token, sort_direction=sort_direction, type=type_)
        result = await self._read(ctx, lambda tx: orders.list_activities(tx, m, order_id, p))
        return self._many(models.OrderActivityListResponse, ctx, result)

    async def add_order_charge(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.AddOrderChargeRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.add_charge(tx, m, order_id, b))

    async def delete_order_charge(
        self,
        ctx: RequestContext,
        order_id: str,
        order_charge_id: str,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        m = merchant(ctx)
        return await self._write_one(
            models.OrderResponse, ctx, lambda tx: orders.delete_charge(tx, m, order_id, order_charge_id)
        )

    async def update_order_charge(
        self,
        ctx: RequestContext,
        order_id: str,
        order_charge_id: str,
        body: models.UpdateOrderChargeRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(
            models.OrderResponse, ctx, lambda tx: orders.update_charge(tx, m, order_id, order_charge_id, b)
        )

    async def close_order(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.CloseOrderRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.close_order(tx, m, order_id, b))

    async def apply_order_discount(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.DiscountInput,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.apply_discount(tx, m, order_id, b))

    async def preview_order_discounts(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.DiscountPreviewRequest | Unset = UNSET,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.DiscountPreviewResponse:
        m, b = merchant(ctx), body_of(body)
        doc = await self._read(ctx, lambda tx: orders.preview_discounts(tx, m, order_id, b))
        return self._one(models.DiscountPreviewResponse, ctx, doc)

    async def remove_order_discounts(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.RemoveOrderDiscountsRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.remove_discounts(tx, m, order_id, b))

    async def reprice_order_discounts(
        self,
        ctx: RequestContext,
        order_id: str,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        m = merchant(ctx)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.reprice_discounts(tx, m, order_id))

    async def add_order_line_items(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.AddOrderLineItemsRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(models.OrderResponse, ctx, lambda tx: orders.add_line_items(tx, m, order_id, b))

    async def delete_order_line_item(
        self,
        ctx: RequestContext,
        order_id: str,
        order_line_item_id: str,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        m = merchant(ctx)
        return await self._write_one(
            models.OrderResponse, ctx, lambda tx: orders.delete_line_item(tx, m, order_id, order_line_item_id)
        )

    async def update_order_line_item(
        self,
        ctx: RequestContext,
        order_id: str,
        order_line_item_id: str,
        body: models.UpdateOrderLineItemRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        m, b = merchant(ctx), body_of(body)
        return await self._write_one(
            models.OrderResponse, ctx, lambda tx: orders.update_line_item(tx, m, order_id, order_line_item_id, b)
        )
