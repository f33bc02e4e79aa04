"""Refunds: their lifecycle, reading, updating and listing them (creating one is in refund_creation).

Lifecycle (documented in the spec): `pending` when created; `succeeded` once the sandbox clock is one day past
its creation (advance it with `flint-sandbox clock advance`). The sandbox never fails a refund.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from flint_api import Unset, models

from . import ledger
from .errors import found, invalid, reject_reserved_metadata
from .listing import normalize_times, page, params_filters
from .order_inputs import merge_metadata
from .store import Doc, Filter, Tx, format_time

SETTLE_AFTER = timedelta(days=1)
STATUSES = ("pending", "in_transit", "requires_action", "succeeded", "partially_succeeded", "failed", "canceled")


def _status(doc: Doc, now: datetime) -> str:
    status = str(doc["status"])
    if status == "pending" and doc["created_at"] <= format_time(now - SETTLE_AFTER):
        return "succeeded"
    return status


def render(doc: Doc, now: datetime) -> Doc:
    out = {k: v for k, v in doc.items() if k != "_sandbox"}
    status = _status(doc, now)
    out["status"] = status
    out["payment_refunds"] = [{**pr, "status": status} for pr in doc.get("payment_refunds") or []]
    return out


def _expand(tx: Tx, merchant_id: str, doc: Doc, expand: list[str] | None) -> Doc:
    # An expansion with nothing behind it is left out rather than null.
    for path in expand or []:
        if path == "order":
            summary = ledger.order_summary(tx, merchant_id, doc.get("order_id"))
            if summary is not None:
                doc["order"] = summary
        elif path == "payment_intent":
            pi = ledger.payment_intent_summary(tx, merchant_id, doc.get("payment_intent_id"))
            if pi is not None:
                doc["payment_intent"] = pi
    return doc


def get_refund(tx: Tx, merchant_id: str, refund_id: str, expand: list[str] | None = None) -> Doc:
    doc = found(tx.get("refunds", merchant_id, refund_id), "refund", refund_id)
    return _expand(tx, merchant_id, render(doc, tx.now()), expand)


def update_refund(tx: Tx, merchant_id: str, refund_id: str, body: models.UpdateRefundRequest) -> Doc:
    doc = found(tx.get("refunds", merchant_id, refund_id), "refund", refund_id)
    if not isinstance(body.metadata, Unset):  # absent: unchanged; null: every key cleared
        reject_reserved_metadata(body.metadata)
        doc["metadata"] = merge_metadata(doc.get("metadata"), body.metadata)
    doc["updated_at"] = format_time(tx.now())
    tx.update("refunds", merchant_id, refund_id, doc, status=doc["status"])
    return render(doc, tx.now())


REFUND_FILTERS: dict[str, tuple[str, str]] = {
    "order_id": ("order_id", "="),
    "payment_intent_id": ("payment_intent_id", "="),
    "currency": ("currency", "="),
    "min_amount": ("amount", ">="),
    "max_amount": ("amount", "<="),
    "created_after": ("created_at", ">="),
    "created_before": ("created_at", "<="),
}


def list_refunds(tx: Tx, merchant_id: str, params: Mapping[str, Any]) -> tuple[list[Doc], str | None]:
    p = normalize_times(params)
    if (p.get("min_amount") is not None or p.get("max_amount") is not None) and p.get("currency") is None:
        raise invalid("INVALID_QUERY_PARAMETER", "min_amount and max_amount require currency", "currency")
    filters = params_filters(p, REFUND_FILTERS)
    now = tx.now()
    cutoff = format_time(now - SETTLE_AFTER)
    status = p.get("status")
    if status is not None:
        wanted = {status} if isinstance(status, str) else set(status)
        # stored refunds are all `pending`; the clock decides which of them read as succeeded
        if "pending" in wanted and "succeeded" in wanted:
            pass
        elif "pending" in wanted:
            filters.append(Filter("created_at", ">", cutoff))
        elif "succeeded" in wanted:
            filters.append(Filter("created_at", "<=", cutoff))
        else:
            filters.append(Filter("id", "=", ""))  # no refund in the sandbox reaches other statuses
    docs, token = page(tx, "refunds", merchant_id, filters, p)
    return [render(d, now) for d in docs], token
