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


# Every operation of the contract (48). The Flint-Version request header is a parameter of each; its
# schema is only a date pattern, so a generated date the server does not know is schema-valid.
ALL_OPERATIONS = (
    "listOrders", "createOrder", "getOrder", "updateOrder", "listOrderActivities", "addOrderCharge",
    "updateOrderCharge", "deleteOrderCharge", "closeOrder", "applyOrderDiscount", "previewOrderDiscounts",
    "removeOrderDiscounts", "repriceOrderDiscounts", "addOrderLineItems", "updateOrderLineItem",
    "deleteOrderLineItem", "payOrder", "listOrderPaymentAttempts", "getOrderPaymentAttempt",
    "cancelOrderPaymentAttempt", "createOrderPaymentIntent", "cancelOrderPayment", "captureOrderPayment",
    "listPaymentIntents", "createPaymentIntent", "getPaymentIntent", "updatePaymentIntent", "cancelPaymentIntent",
    "capturePaymentIntent", "confirmPaymentIntent", "listRefunds", "createRefund", "getRefund", "updateRefund",
    "listBalanceTransactions", "getBalanceTransaction", "listBalances", "getPayoutSettings", "updatePayoutSettings",
    "listPayoutDestinations", "getPayoutDestination", "updatePayoutDestination", "deletePayoutDestination",
    "listPayouts", "createPayout", "getPayout", "cancelPayout", "listPayoutEntries",
)

# JSON Schema's `integer` accepts 2500.0; Flint requires integer literals (cookbook P5), so every
# operation whose request body has an integer field (money amounts, quantity, day numbers) may answer
# 400 INVALID_JSON to an integer-valued float. (payOrder, createOrderPaymentIntent without
# amount_money and the other bodies have no integer field.)
_FLOAT_MONEY_OPERATIONS = (
    "createOrder",
    "updateOrder",
    "addOrderLineItems",
    "updateOrderLineItem",
    "addOrderCharge",
    "updateOrderCharge",
    "applyOrderDiscount",
    "previewOrderDiscounts",
    "payOrder",
    "createOrderPaymentIntent",
    "captureOrderPayment",
    "createPaymentIntent",
    "updatePaymentIntent",
    "capturePaymentIntent",
    "createRefund",
    "createPayout",
    "updatePayoutSettings",
)

# Operations whose request body carries money. The currency schema is only ^[A-Z]{3}$: a code that is
# not ISO 4217 (INVALID_CURRENCY) or not supported (UNSUPPORTED_CURRENCY, USD only) is a server rule,
# and so is a currency differing from the order's (CURRENCY_MISMATCH).
_MONEY_BODY_OPERATIONS = _FLOAT_MONEY_OPERATIONS[:-1] + ("updatePayoutSettings",)
_CURRENCY_MISMATCH_OPERATIONS = (
    "createOrder", "updateOrder", "addOrderLineItems", "updateOrderLineItem", "addOrderCharge", "updateOrderCharge",
    "applyOrderDiscount", "createRefund", "createPayout",
)

# The spec documents 400 INVALID_PAGE_TOKEN for a page_token the server did not issue; to JSON Schema
# any string is a valid token, so a generated one is schema-valid and rightly rejected.
_PAGED_LIST_OPERATIONS = (
    "listOrders",
    "listOrderActivities",
    "listOrderPaymentAttempts",
    "listPaymentIntents",
    "listRefunds",
    "listBalanceTransactions",
    "listPayouts",
    "listPayoutEntries",
    "listPayoutDestinations",
)

# Request money is minimum 0 in the schema (official); money that moves must be > 0, a server rule.
_POSITIVE_AMOUNT_OPERATIONS = (
    "createRefund",
    "createPayout",
    "createPaymentIntent",
    "updatePaymentIntent",
    "capturePaymentIntent",
    "captureOrderPayment",
    "createOrderPaymentIntent",
)

RELAXATIONS: tuple[Relaxation, ...] = (
    *(
        Relaxation(op, 400, "INVALID_API_VERSION", "a generated Flint-Version date the server does not serve")
        for op in ALL_OPERATIONS
    ),
    *(
        Relaxation(op, 400, "INVALID_PAGE_TOKEN", "a generated page_token is a string the server never issued")
        for op in _PAGED_LIST_OPERATIONS
    ),
    *(
        Relaxation(op, 400, "INVALID_JSON", "integer-valued float (e.g. 2500.0) for an integer field")
        for op in _FLOAT_MONEY_OPERATIONS
    ),
    *(
        Relaxation(op, 400, code, "currency: the schema is only ^[A-Z]{3}$; ISO 4217 and USD-only are server rules")
        for op in _MONEY_BODY_OPERATIONS
        for code in ("INVALID_CURRENCY", "UNSUPPORTED_CURRENCY")
    ),
    *(
        Relaxation(op, 400, "CURRENCY_MISMATCH", "a currency other than the order's / balance's (server rule)")
        for op in _CURRENCY_MISMATCH_OPERATIONS
    ),
    *(
        Relaxation(op, 400, "INVALID_AMOUNT", "amount 0 is schema-valid (minimum 0) but money that moves must be > 0")
        for op in _POSITIVE_AMOUNT_OPERATIONS
    ),
    *(
        Relaxation(op, 400, "AMOUNT_TOO_LARGE", "order total (lines + charges + discounts + tip) past int64")
        for op in ("createOrder", "updateOrder", "addOrderLineItems", "updateOrderLineItem", "addOrderCharge",
                   "updateOrderCharge", "applyOrderDiscount")
    ),
    Relaxation("createRefund", 400, "AMOUNT_EXCEEDS_REFUNDABLE", "refund above paid - refunded (settlement state)"),
    Relaxation("createRefund", 400, "NO_PAYMENTS_FOR_ORDER", "refund of an order with no captured payment"),
    *(
        Relaxation(op, 400, code, why)
        for op in ("createOrder", "applyOrderDiscount")
        for code, why in (
            ("SERVICE_CHARGE_DISCOUNT_SCOPE_INVALID", "a service_charge discount: the sandbox never discounts charges"),
            ("ORDER_DISCOUNT_NO_CHARGE_IDS", "a discount naming charges: the sandbox never discounts charges"),
            ("LINE_ITEM_DISCOUNT_REQUIRES_IDS", "scope line_item without order_line_item_ids (a cross-field rule)"),
        )
    ),
    Relaxation("createOrder", 400, "CREATE_ORDER_LINE_ITEM_DISCOUNT_UNSUPPORTED",
               "a discount limited to lines that this very request creates (they have no ids yet)"),
    Relaxation("addOrderLineItems", 400, "TOO_MANY_LINE_ITEMS", "the order would pass 100 lines with those it has (state)"),
    Relaxation("updateOrderCharge", 400, "INVALID_REQUEST",
               "amount_money and percent together (the official type states no exclusivity; the sandbox refuses it)"),
    Relaxation("createRefund", 400, "NOTHING_TO_REFUND_FOR_CHARGE", "a refund naming charges (never refunded in the sandbox)"),
    Relaxation(
        "createRefund", 400, "INVALID_REQUEST",
        "refund targets that contradict each other (a payment twice, payments of two orders, lines of a standalone "
        "payment) or tax breakdown refunds, which the sandbox does not model (spec/README.md)",
    ),
    Relaxation(
        "createRefund", 400, "FIELD_REQUIRED", "payment_intent_id/tender_allocations without an order to refund",
    ),
    Relaxation(
        "captureOrderPayment",
        400,
        "CAPTURE_AMOUNT_EXCEEDS_AUTHORIZED",
        "capture above the authorized amount (authorization state)",
    ),
    Relaxation("captureOrderPayment", 400, "CAPTURE_CURRENCY_MISMATCH", "capture in another currency than authorized"),
    Relaxation("captureOrderPayment", 400, "PAYMENT_ATTEMPT_ID_REQUIRED", "the authorization belongs to an attempt"),
    Relaxation("captureOrderPayment", 400, "PAYMENT_ATTEMPT_MISMATCH", "a generated order_payment_attempt_id"),
    Relaxation("cancelOrderPayment", 400, "PAYMENT_ATTEMPT_ID_REQUIRED", "the intent belongs to an attempt"),
    Relaxation("cancelOrderPayment", 400, "PAYMENT_ATTEMPT_MISMATCH", "a generated order_payment_attempt_id"),
    Relaxation(
        "capturePaymentIntent", 400, "CAPTURE_AMOUNT_EXCEEDS_AUTHORIZED", "capture above the authorized amount"
    ),
    Relaxation("capturePaymentIntent", 400, "CAPTURE_CURRENCY_MISMATCH", "capture in another currency than authorized"),
    Relaxation("createOrderPaymentIntent", 400, "AMOUNT_EXCEEDS_BALANCE", "a leg above the outstanding balance"),
    Relaxation("payOrder", 400, "INVALID_PAYMENT_SOURCE", "a generated token is not one of the sandbox test tokens"),
    Relaxation("payOrder", 400, "PAYMENT_SOURCE_REQUIRED", "action pay without payment_source (sandbox rule)"),
    Relaxation("payOrder", 400, "PAYMENT_SOURCE_CONFLICT", "more than one of token/payment_method_id/confirmation_token"),
    Relaxation("payOrder", 400, "SETUP_SOURCE_NON_ZERO_ORDER", "action setup on an order with an amount due"),
    Relaxation("confirmPaymentIntent", 400, "INVALID_PAYMENT_SOURCE", "a generated token is not a sandbox test token"),
    Relaxation("confirmPaymentIntent", 400, "PAYMENT_SOURCE_REQUIRED", "confirm without a payment source"),
    Relaxation("confirmPaymentIntent", 400, "PAYMENT_SOURCE_CONFLICT", "more than one payment source"),
    Relaxation("createPayout", 400, "INSUFFICIENT_AVAILABLE_BALANCE", "payout above the available balance"),
    Relaxation(
        "listOrders",
        400,
        "INVALID_QUERY_PARAMETER",
        "min_amount/max_amount without currency (the parameter descriptions: 'requires currency')",
        param="currency",
    ),
    Relaxation(
        "payOrder",
        400,
        "AMOUNT_TOO_LARGE",
        "the merchant's captured payments would pass int64 (spec: payOrder 400; DESIGN.md sandbox clarifications)",
    ),
    Relaxation(
        "captureOrderPayment",
        400,
        "AMOUNT_TOO_LARGE",
        "the merchant's captured payments would pass int64 (spec: capture 400; DESIGN.md sandbox clarifications)",
    ),
    Relaxation("capturePaymentIntent", 400, "AMOUNT_TOO_LARGE", "the merchant's captured payments would pass int64"),
    Relaxation("confirmPaymentIntent", 400, "AMOUNT_TOO_LARGE", "the merchant's captured payments would pass int64"),
    Relaxation("createPaymentIntent", 400, "AMOUNT_TOO_LARGE", "the merchant's captured payments would pass int64"),
)
# No entry is needed for 404 and 409 answers, which a schema-valid request may always get
# (flint_contract.checks._POSITIVE_OK): the state rules of the new operations (409
# INVALID_STATUS_FOR_CAPTURE, PAYMENT_ATTEMPT_NOT_CANCELABLE / _NOT_RESUMABLE, ORDER_PAYMENT_ATTEMPT_ACTIVE,
# PAYMENT_INTENT_CANNOT_BE_UPDATED / _NOT_CANCELABLE, PAYMENT_ALREADY_SUCCEEDED,
# ORDER_FINANCIAL_MUTATION_NOT_ALLOWED for updateOrderCharge and the other order changes) and the
# sandbox's missing catalogs (404 PROMOTION_NOT_FOUND for any promotion, 404 GIFT_CARD_NOT_FOUND for
# createRefund's gift_card_load_id) are covered by that rule. Malformed ids are 404 too (no id patterns).


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
