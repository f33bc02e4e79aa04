"""Flint's order arithmetic as pure functions on integers (minor units, basis points).

No floats anywhere: percents (at most 4 decimals) are converted once, exactly, to integer millionths
(15% -> 150_000); the fixed sandbox rates (tax, fee) are basis points. Every rule here is the one
docs/DESIGN.md ("Flint rules") and the spec's descriptions write down.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Literal, Sequence

INT64_MAX = 2**63 - 1
TAX_BPS = 850  # sandbox tax rule: 8.5% per line when the order gives a tax location
FEE_BPS = 290  # processing fee: 2.9% ...
FEE_FIXED = 30  # ... + 30 minor units per captured payment
BPS_PER_UNIT = 10_000
MILLIONTHS_PER_UNIT = 1_000_000  # a percent with 4 decimals is an integer number of millionths


class PricingError(Exception):
    """A domain error the service turns into a 400 envelope."""

    def __init__(self, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.param = param


def check_int64(value: int, param: str | None = None) -> int:
    if value > INT64_MAX or value < -INT64_MAX - 1:
        raise PricingError("AMOUNT_TOO_LARGE", "Amount does not fit in a 64-bit integer", param)
    return value


def percent_to_millionths(percent: object, param: str | None = None) -> int:
    """`12.5` -> 125_000, `0.0001` -> 1. Exact (through the number's shortest decimal repr, never float
    arithmetic); rejects anything that is not a multiple of 0.0001 percent."""
    if isinstance(percent, bool) or not isinstance(percent, (int, float, Decimal, str)):
        raise PricingError("INVALID_REQUEST", "percent must be a number", param)
    try:
        value = Decimal(str(percent))
    except InvalidOperation:
        raise PricingError("INVALID_REQUEST", "percent must be a number", param) from None
    if not value.is_finite():
        raise PricingError("INVALID_REQUEST", "percent must be a finite number", param)
    m = value * 10_000
    if m != m.to_integral_value():
        raise PricingError("INVALID_REQUEST", "percent allows at most 4 decimals", param)
    return int(m)


def millionths_to_percent(m: int) -> int | float:
    """The percent to echo in JSON (an int when whole). The float's shortest repr is exactly the 4-decimal
    value, so `percent_to_millionths` recovers the same millionths."""
    if m % 10_000 == 0:
        return m // 10_000
    return float(Decimal(m) / 10_000)


def percent_of_millionths(base: int, m: int) -> int:
    """round_half_up(base * m / 1_000_000) for base >= 0 (m = percent in millionths); ties away from zero."""
    if base < 0 or m < 0:
        raise ValueError("percent_of_millionths takes non-negative operands")
    return (base * m * 2 + MILLIONTHS_PER_UNIT) // (2 * MILLIONTHS_PER_UNIT)


def percent_of(base: int, bps: int) -> int:
    """round_half_up(base * bps / 10000) for base >= 0; ties go away from zero."""
    if base < 0 or bps < 0:
        raise ValueError("percent_of takes non-negative operands")
    return (base * bps * 2 + BPS_PER_UNIT) // (2 * BPS_PER_UNIT)


def prorate(total: int, weights: Sequence[int]) -> list[int]:
    """Split `total` over `weights` by largest remainder; leftover units go to the largest fractional
    remainders, ties to the lower index. With 0 <= total <= sum(weights), no share exceeds its weight."""
    if total < 0 or any(w < 0 for w in weights):
        raise ValueError("prorate takes non-negative operands")
    denom = sum(weights)
    if denom == 0:
        if total:
            raise ValueError("cannot prorate a non-zero total over zero weights")
        return [0 for _ in weights]
    shares = [total * w // denom for w in weights]
    remainders = [total * w % denom for w in weights]
    leftover = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:leftover]:
        shares[i] += 1
    return shares


def processing_fee(amount: int) -> int:
    """2.9% + 30 of a captured payment: 5000 -> 175."""
    return percent_of(amount, FEE_BPS) + FEE_FIXED


# ---------------------------------------------------------------------------------------------------------
# Order pricing


@dataclass(frozen=True)
class LineInput:
    unit_price: int
    quantity: int


@dataclass(frozen=True)
class DiscountInput:
    amount: int | None = None  # fixed amount_money
    millionths: int | None = None  # percent, in millionths (not offered by the API any more; kept for the engine)
    lines: tuple[int, ...] | None = None  # scope line_items: indexes of the lines it is limited to


@dataclass(frozen=True)
class ChargeInput:
    amount: int | None = None
    millionths: int | None = None
    basis: Literal["subtotal_pre_discount", "subtotal_post_discount"] = "subtotal_pre_discount"


@dataclass(frozen=True)
class TipInput:
    amount: int | None = None
    millionths: int | None = None


@dataclass(frozen=True)
class LinePricing:
    base_subtotal: int
    modifier_total: int
    subtotal: int
    discount: int
    tax: int
    total: int


@dataclass(frozen=True)
class DiscountPricing:
    amount: int  # theoretical
    applied: int  # after the cap


@dataclass(frozen=True)
class OrderPricing:
    lines: tuple[LinePricing, ...]
    discounts: tuple[DiscountPricing, ...]
    charges: tuple[int, ...]
    requested_tip: int
    subtotal: int
    discount: int
    charge: int
    tax: int
    total: int


def price_order(
    lines: Sequence[LineInput],
    discounts: Sequence[DiscountInput] = (),
    charges: Sequence[ChargeInput] = (),
    tip: TipInput | None = None,
    taxed: bool = False,
) -> OrderPricing:
    subtotals: list[int] = []
    for i, line in enumerate(lines):
        subtotals.append(check_int64(line.unit_price * line.quantity, f"line_items[{i}].quantity"))
    subtotal = check_int64(sum(subtotals))

    # Discounts in creation order, each capped at what is still discountable (in its scope), and prorated over
    # the line subtotals of its scope on its own; a line's discount is its shares' sum.
    discount_rows: list[DiscountPricing] = []
    remaining = subtotal
    line_discounts = [0] * len(subtotals)
    for d in discounts:
        if d.lines is None:
            weights = subtotals
            cap = remaining
        else:
            scope = set(d.lines)
            weights = [s if i in scope else 0 for i, s in enumerate(subtotals)]
            cap = min(remaining, sum(max(subtotals[i] - line_discounts[i], 0) for i in scope))
        base = sum(weights)
        theoretical = d.amount if d.amount is not None else percent_of_millionths(base, d.millionths or 0)
        applied = min(theoretical, cap)
        remaining -= applied
        discount_rows.append(DiscountPricing(theoretical, applied))
        for i, share in enumerate(prorate(applied, weights)):
            line_discounts[i] += share
    discount = subtotal - remaining

    line_rows: list[LinePricing] = []
    for s, ld in zip(subtotals, line_discounts):
        # With several discounts, rounding can give a line a cent more discount than its subtotal; such a line
        # is taxed on 0 (its total may then be -1: line totals are signed).
        tax = percent_of(max(s - ld, 0), TAX_BPS) if taxed else 0
        line_rows.append(LinePricing(s, 0, s, ld, tax, s - ld + tax))
    tax_total = sum(r.tax for r in line_rows)
    post_discount = subtotal - discount

    charge_rows: list[int] = []
    for c in charges:
        if c.amount is not None:
            charge_rows.append(c.amount)
        else:
            basis = subtotal if c.basis == "subtotal_pre_discount" else post_discount
            charge_rows.append(percent_of_millionths(basis, c.millionths or 0))
    charge_total = check_int64(sum(charge_rows))

    requested_tip = 0
    if tip is not None:
        requested_tip = tip.amount if tip.amount is not None else percent_of_millionths(post_discount, tip.millionths or 0)

    total = check_int64(post_discount + charge_total + tax_total + requested_tip)
    return OrderPricing(
        lines=tuple(line_rows),
        discounts=tuple(discount_rows),
        charges=tuple(charge_rows),
        requested_tip=requested_tip,
        subtotal=subtotal,
        discount=discount,
        charge=charge_total,
        tax=tax_total,
        total=total,
    )


# ---------------------------------------------------------------------------------------------------------
# Settlement


@dataclass(frozen=True)
class Settlement:
    paid: int
    refunded: int
    net_collected: int
    settled_tip: int
    credit: int
    amount_due: int
    balance: int
    payment_status: str
    refund_status: str


def settle(total: int, requested_tip: int, paid: int, refunded: int, has_successful_pay: bool) -> Settlement:
    balance = total - paid  # refunds do not re-open the balance
    if paid >= total and has_successful_pay:
        payment_status = "paid"
    elif 0 < paid < total:
        payment_status = "partially_paid"
    else:
        payment_status = "unpaid"
    if refunded == 0:
        refund_status = "none"
    elif refunded < paid:
        refund_status = "partially_refunded"
    else:
        refund_status = "refunded"
    return Settlement(
        paid=paid,
        refunded=refunded,
        net_collected=paid - refunded,
        settled_tip=min(requested_tip, max(0, paid - (total - requested_tip))),
        credit=max(-balance, 0),
        amount_due=max(balance, 0),
        balance=balance,
        payment_status=payment_status,
        refund_status=refund_status,
    )


def allocate_refund(amount: int, line_totals: Sequence[int], line_refunded: Sequence[int]) -> list[int]:
    """Spread a refund over lines pro rata to what each line still has to refund (largest remainder), so no
    line is refunded past its total. What does not fit on lines (charges, tip) stays unallocated."""
    capacity = [max(t - r, 0) for t, r in zip(line_totals, line_refunded)]
    return prorate(min(amount, sum(capacity)), capacity)
