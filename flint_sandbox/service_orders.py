"""`SandboxService` handlers for orders: the order, its line items, charges, discounts, tip and tax.

Each signature is the generated `Service` protocol's (mypy checks it in app.build_app): typed request models and
parameters, already decoded and validated by the stub (see service_core)."""

from __future__ import annotations

from datetime import datetime

from flint_api import UNSET, Unset, models
from flint_api.server import RequestContext

from . import order_edits, orders
from .service_core import ServiceCore, expand_paths, query_of


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
        return await self._list(models.OrderListResponse, ctx, orders.list_orders, query_of(locals()))

    async def create_order(
        self,
        ctx: RequestContext,
        body: models.CreateOrderRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        return await self._write(models.OrderResponse, ctx, order_edits.create_order, body)

    async def get_order(
        self,
        ctx: RequestContext,
        order_id: str,
        *,
        expand: list[models.GetOrderExpandItem] | Unset = UNSET,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        return await self._get(models.OrderResponse, ctx, orders.get_order, order_id, expand_paths(ctx, expand))

    async def update_order(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.UpdateOrderRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        return await self._write(models.OrderResponse, ctx, order_edits.update_order, order_id, body)

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
        q = query_of(locals())
        return await self._list(models.OrderActivityListResponse, ctx, orders.list_activities, order_id, q)

    async def add_order_charge(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.AddOrderChargeRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        return await self._write(models.OrderResponse, ctx, order_edits.add_charge, order_id, body)

    async def delete_order_charge(
        self,
        ctx: RequestContext,
        order_id: str,
        order_charge_id: str,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        return await self._write(models.OrderResponse, ctx, order_edits.delete_charge, order_id, order_charge_id)

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
        return await self._write(models.OrderResponse, ctx, order_edits.update_charge, order_id, order_charge_id, body)

    async def close_order(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.CloseOrderRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        return await self._write(models.OrderResponse, ctx, order_edits.close_order, order_id, body)

    async def apply_order_discount(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.DiscountInput,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        return await self._write(models.OrderResponse, ctx, order_edits.apply_discount, order_id, body)

    async def preview_order_discounts(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.DiscountPreviewRequest | Unset = UNSET,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.DiscountPreviewResponse:
        return await self._get(models.DiscountPreviewResponse, ctx, order_edits.preview_discounts, order_id, body)

    async def remove_order_discounts(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.RemoveOrderDiscountsRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        return await self._write(models.OrderResponse, ctx, order_edits.remove_discounts, order_id, body)

    async def reprice_order_discounts(
        self,
        ctx: RequestContext,
        order_id: str,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        return await self._write(models.OrderResponse, ctx, order_edits.reprice_discounts, order_id)

    async def add_order_line_items(
        self,
        ctx: RequestContext,
        order_id: str,
        body: models.AddOrderLineItemsRequest,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        return await self._write(models.OrderResponse, ctx, order_edits.add_line_items, order_id, body)

    async def delete_order_line_item(
        self,
        ctx: RequestContext,
        order_id: str,
        order_line_item_id: str,
        *,
        x_request_id: str | Unset = UNSET,
        flint_version: str | Unset = UNSET,
    ) -> models.OrderResponse:
        line_id = order_line_item_id
        return await self._write(models.OrderResponse, ctx, order_edits.delete_line_item, order_id, line_id)

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
        line_id = order_line_item_id
        return await self._write(models.OrderResponse, ctx, order_edits.update_line_item, order_id, line_id, body)
