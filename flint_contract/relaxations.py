"""Every place the kit accepts a rejection of a schema-valid request. This table is the only source:
the relaxed `positive_data_acceptance` replacement in flint_contract.checks reads it, and the README
copies it. Each entry allows exactly one (operationId, status, error code); anything else a server
answers to a schema-valid request outside 2xx/401/403/404/409/429 is a violation.

Why each exists: JSON Schema cannot express these rules, so schemathesis generates requests that
are schema-valid but that Flint must reject.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Relaxation:
    operation_id: str
    status: int
    code: str
    reason: str
    param: str | None = None  # when set, the error's param must be exactly this


# JSON Schema's `integer` accepts 2500.0; Flint requires integer literals (cookbook P5), so every
# operation whose request body has an integer field (money amounts, quantity, day numbers) may answer
# 400 INVALID_JSON to an integer-valued float. (payOrder, createOrderPaymentIntent and the other
# bodies have no integer field.)
_FLOAT_MONEY_OPERATIONS = (
    "createOrder",
    "updateOrder",
    "addOrderLineItems",
    "updateOrderLineItem",
    "addOrderCharge",
    "applyOrderDiscounts",
    "captureOrderPaymentIntent",
    "createRefund",
    "createPayout",
    "updatePayoutSettings",
)

# The spec documents 400 INVALID_PAGE_TOKEN for a page_token the server did not issue; to JSON Schema
# any string is a valid token, so a generated one is schema-valid and rightly rejected.
_PAGED_LIST_OPERATIONS = (
    "listOrders",
    "listPaymentIntents",
    "listRefunds",
    "listBalanceTransactions",
    "listPayouts",
    "listPayoutEntries",
    "listPayoutDestinations",
)

RELAXATIONS: tuple[Relaxation, ...] = (
    *(
        Relaxation(op, 400, "INVALID_PAGE_TOKEN", "a generated page_token is a string the server never issued")
        for op in _PAGED_LIST_OPERATIONS
    ),
    *(
        Relaxation(op, 400, "INVALID_JSON", "integer-valued float (e.g. 2500.0) for an integer field")
        for op in _FLOAT_MONEY_OPERATIONS
    ),
    Relaxation("createRefund", 400, "AMOUNT_EXCEEDS_REFUNDABLE", "refund above paid - refunded (settlement state)"),
    Relaxation("createRefund", 400, "NO_PAYMENTS_FOR_ORDER", "refund of an order with no captured payment"),
    Relaxation(
        "captureOrderPaymentIntent",
        400,
        "CAPTURE_AMOUNT_EXCEEDS_AUTHORIZED",
        "capture above the authorized amount (authorization state)",
    ),
    Relaxation("createPayout", 400, "INSUFFICIENT_AVAILABLE_BALANCE", "payout above the available balance"),
    Relaxation(
        "listOrders",
        400,
        "INVALID_PARAMETER",
        "min_amount/max_amount without currency (the parameter descriptions: 'requires currency')",
        param="currency",
    ),
    Relaxation("createOrder", 400, "AMOUNT_TOO_LARGE", "int64 overflow of unit_price x quantity"),
    Relaxation("addOrderLineItems", 400, "AMOUNT_TOO_LARGE", "int64 overflow of unit_price x quantity"),
    Relaxation("updateOrderLineItem", 400, "AMOUNT_TOO_LARGE", "int64 overflow of unit_price x quantity"),
    Relaxation("addOrderCharge", 400, "AMOUNT_TOO_LARGE", "order total (lines + charges + tip) past int64"),
    Relaxation("updateOrder", 400, "AMOUNT_TOO_LARGE", "order total (lines + charges + tip) past int64"),
    Relaxation(
        "payOrder",
        400,
        "AMOUNT_TOO_LARGE",
        "the merchant's captured payments would pass int64 (spec: payOrder 400; DESIGN.md sandbox clarifications)",
    ),
    Relaxation(
        "captureOrderPaymentIntent",
        400,
        "AMOUNT_TOO_LARGE",
        "the merchant's captured payments would pass int64 (spec: capture 400; DESIGN.md sandbox clarifications)",
    ),
)


def allowed(operation_id: str, status: int, code: str | None, param: str | None = None) -> Relaxation | None:
    for r in RELAXATIONS:
        if r.operation_id == operation_id and r.status == status and r.code == code:
            if r.param is None or r.param == param:
                return r
    return None


def markdown_table() -> str:
    rows = ["| operationId | status | code (param) | why a schema-valid request may get it |", "|---|---|---|---|"]
    for r in RELAXATIONS:
        code = f"`{r.code}`" + (f" (param `{r.param}`)" if r.param else "")
        rows.append(f"| `{r.operation_id}` | {r.status} | {code} | {r.reason} |")
    return "\n".join(rows)
