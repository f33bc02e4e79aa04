"""The pricing engine against an independent oracle written from the spec's formulas in exact arithmetic.

The oracle below uses `fractions.Fraction` and never calls the engine's helpers, so a shared bug cannot hide.
"""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flint_sandbox import pricing
from flint_sandbox.pricing import ChargeInput, DiscountInput, LineInput, TipInput


# ----------------------------------------------------------------------------------------------- oracle


def o_round_half_up(x: Fraction) -> int:
    """Nearest integer, exact .5 ties away from zero (x >= 0 in every spec formula)."""
    assert x >= 0
    return math.floor(x + Fraction(1, 2))


def o_pct(base: int, percent: Fraction) -> int:
    return o_round_half_up(Fraction(base) * percent / 100)


def o_largest_remainder(total: int, weights: list[int]) -> list[int]:
    denom = sum(weights)
    if denom == 0:
        return [0] * len(weights)
    exact = [Fraction(total * w, denom) for w in weights]
    floors = [math.floor(e) for e in exact]
    left = total - sum(floors)
    ranked = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in ranked[:left]:
        floors[i] += 1
    return floors


def oracle(lines, discounts, charges, tip, taxed):  # type: ignore[no-untyped-def]
    subs = [p * q for p, q in lines]
    subtotal = sum(subs)
    remaining = subtotal
    applied_list = []
    for kind, v in discounts:
        theo = v if kind == "amount" else o_pct(subtotal, v)
        applied = min(theo, remaining)
        remaining -= applied
        applied_list.append((theo, applied))
    discount = sum(a for _, a in applied_list)
    line_disc = [0] * len(subs)
    for _, applied in applied_list:
        for i, share in enumerate(o_largest_remainder(applied, subs)):
            line_disc[i] += share
    taxes = [
        o_round_half_up(max(Fraction(s - d), Fraction(0)) * Fraction(85, 1000)) if taxed else 0
        for s, d in zip(subs, line_disc)
    ]
    post = subtotal - discount
    charge_amounts = []
    for kind, v, basis in charges:
        if kind == "amount":
            charge_amounts.append(v)
        else:
            charge_amounts.append(o_pct(subtotal if basis == "subtotal_pre_discount" else post, v))
    tip_amount = 0
    if tip is not None:
        tip_amount = tip[1] if tip[0] == "amount" else o_pct(post, tip[1])
    total = subtotal - discount + sum(charge_amounts) + sum(taxes) + tip_amount
    return {
        "subs": subs,
        "line_disc": line_disc,
        "taxes": taxes,
        "applied": applied_list,
        "charges": charge_amounts,
        "tip": tip_amount,
        "subtotal": subtotal,
        "discount": discount,
        "tax": sum(taxes),
        "total": total,
    }


# ----------------------------------------------------------------------------------------------- strategies

# Percents with up to 4 decimals (multipleOf 0.0001), 0.0001..100, as exact fractions.
percents = st.integers(min_value=1, max_value=1_000_000).map(lambda m: Fraction(m, 10_000))
lines_st = st.lists(
    st.tuples(st.integers(0, 10**7), st.integers(1, 1000)), min_size=1, max_size=6
)
discount_st = st.lists(
    st.one_of(
        st.tuples(st.just("amount"), st.integers(0, 10**9)),
        st.tuples(st.just("percent"), percents),
    ),
    max_size=4,
)
charge_st = st.lists(
    st.one_of(
        st.tuples(st.just("amount"), st.integers(0, 10**7), st.just("subtotal_pre_discount")),
        st.tuples(
            st.just("percent"), percents, st.sampled_from(["subtotal_pre_discount", "subtotal_post_discount"])
        ),
    ),
    max_size=3,
)
tip_st = st.none() | st.tuples(st.just("amount"), st.integers(1, 10**6)) | st.tuples(st.just("percent"), percents)


def to_millionths(p: Fraction) -> int:
    m = p * 10_000
    assert m.denominator == 1
    return int(m)


def run_engine(lines, discounts, charges, tip, taxed):  # type: ignore[no-untyped-def]
    return pricing.price_order(
        [LineInput(p, q) for p, q in lines],
        [DiscountInput(amount=v) if k == "amount" else DiscountInput(millionths=to_millionths(v)) for k, v in discounts],
        [
            ChargeInput(amount=v, basis=b) if k == "amount" else ChargeInput(millionths=to_millionths(v), basis=b)
            for k, v, b in charges
        ],
        None if tip is None else (TipInput(amount=tip[1]) if tip[0] == "amount" else TipInput(millionths=to_millionths(tip[1]))),
        taxed,
    )


# ----------------------------------------------------------------------------------------------- properties


@settings(max_examples=400, deadline=None)
@given(lines_st, discount_st, charge_st, tip_st, st.booleans())
def test_engine_matches_oracle_and_reconciles(lines, discounts, charges, tip, taxed):  # type: ignore[no-untyped-def]
    got = run_engine(lines, discounts, charges, tip, taxed)
    want = oracle(lines, discounts, charges, tip, taxed)

    assert [lp.subtotal for lp in got.lines] == want["subs"]
    assert [lp.base_subtotal for lp in got.lines] == [p * q for p, q in lines]
    assert [lp.discount for lp in got.lines] == want["line_disc"]
    assert [lp.tax for lp in got.lines] == want["taxes"]
    assert [(d.amount, d.applied) for d in got.discounts] == want["applied"]
    assert list(got.charges) == want["charges"]
    assert got.requested_tip == want["tip"]
    assert (got.subtotal, got.discount, got.tax, got.total) == (
        want["subtotal"],
        want["discount"],
        want["tax"],
        want["total"],
    )
    # total = subtotal - discount + charge + tax + requested_tip
    assert got.total == got.subtotal - got.discount + got.charge + got.tax + got.requested_tip
    # sum of line totals + charges + tip == order total
    assert sum(lp.total for lp in got.lines) + sum(got.charges) + got.requested_tip == got.total
    # applied never exceeds theoretical, and the order's discount never exceeds the subtotal
    assert all(0 <= d.applied <= d.amount for d in got.discounts)
    assert 0 <= got.discount <= got.subtotal
    # a line's discount is within one cent per discount of its exact pro-rata value
    for lp, sub in zip(got.lines, want["subs"]):
        exact = Fraction(got.discount * sub, got.subtotal) if got.subtotal else Fraction(0)
        assert abs(lp.discount - exact) < max(len(got.discounts), 1)
        assert lp.discount >= 0


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 10**12), st.lists(st.integers(0, 10**9), min_size=1, max_size=8))
def test_proration_sums_and_stays_within_one_of_exact(total, weights):  # type: ignore[no-untyped-def]
    denom = sum(weights)
    if denom == 0:
        assert pricing.prorate(0, weights) == [0] * len(weights)
        return
    total = total % (denom + 1)  # 0 <= D <= S, as the discount cap guarantees
    shares = pricing.prorate(total, weights)
    assert sum(shares) == total
    for share, w in zip(shares, weights):
        exact = Fraction(total * w, denom)
        assert abs(share - exact) < 1
        assert 0 <= share <= w
    assert shares == o_largest_remainder(total, weights)


@settings(max_examples=400, deadline=None)
@given(
    st.integers(0, 10**9),
    st.integers(0, 10**6),
    st.integers(0, 2 * 10**9),
    st.integers(0, 2 * 10**9),
    st.booleans(),
)
def test_settlement_formulas(total, tip, paid, refunded, had_pay):  # type: ignore[no-untyped-def]
    tip = min(tip, total)
    refunded = min(refunded, paid)
    s = pricing.settle(total, tip, paid, refunded, had_pay)
    assert s.balance == total - paid
    assert s.amount_due == max(s.balance, 0)
    assert s.credit == max(-s.balance, 0)
    assert s.amount_due - s.credit == s.balance
    assert s.net_collected == paid - refunded
    assert 0 <= s.settled_tip <= tip
    assert s.settled_tip == min(tip, max(0, paid - (total - tip)))
    if 0 < paid < total:
        assert s.payment_status == "partially_paid"
    if paid >= total and had_pay:
        assert s.payment_status == "paid"
    if refunded == 0:
        assert s.refund_status == "none"
    elif refunded < paid:
        assert s.refund_status == "partially_refunded"
    else:
        assert s.refund_status == "refunded"


@settings(max_examples=600, deadline=None)
@given(st.integers(0, 10**15), st.integers(0, 100_000))
def test_percent_rounds_half_up(base, bps):  # type: ignore[no-untyped-def]
    exact = Fraction(base * bps, 10_000)
    got = pricing.percent_of(base, bps)
    assert got == o_round_half_up(exact)
    assert abs(got - exact) <= Fraction(1, 2)
    if exact - math.floor(exact) == Fraction(1, 2):
        assert got == math.ceil(exact)  # exact ties go up


@pytest.mark.parametrize(
    ("base", "bps", "want"),
    [(2500, 850, 213), (1, 5000, 1), (3, 5000, 2), (5, 1000, 1), (4, 1250, 1), (15, 1000, 2), (25, 200, 1)],
)
def test_exact_half_ties(base: int, bps: int, want: int) -> None:
    assert Fraction(base * bps, 10_000) - math.floor(Fraction(base * bps, 10_000)) in (Fraction(1, 2), 0)
    assert pricing.percent_of(base, bps) == want


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 10**7), min_size=1, max_size=6).flatmap(
        lambda totals: st.tuples(
            st.just(totals),
            st.tuples(*[st.integers(0, t) for t in totals]),
            st.integers(0, 10**8),
        )
    )
)
def test_refund_allocation_is_capped_and_exact(args):  # type: ignore[no-untyped-def]
    totals, refunded, amount = args
    shares = pricing.allocate_refund(amount, totals, list(refunded))
    capacity = [t - r for t, r in zip(totals, refunded)]
    assert sum(shares) == min(amount, sum(capacity))
    assert all(0 <= s <= c for s, c in zip(shares, capacity))


# ----------------------------------------------------------------------------------------------- the seeds' examples


def test_tote_bag_two_by_1250() -> None:
    p = pricing.price_order([LineInput(1250, 2)])
    assert p.lines[0].base_subtotal == 2500
    assert p.lines[0].total == 2500
    assert (p.subtotal, p.discount, p.tax, p.total) == (2500, 0, 0, 2500)
    s = pricing.settle(p.total, p.requested_tip, 0, 0, False)
    assert (s.paid, s.amount_due, s.payment_status) == (0, 2500, "unpaid")


def test_fifteen_percent_tip_on_4000() -> None:
    p = pricing.price_order([LineInput(4000, 1)], tip=TipInput(millionths=pricing.percent_to_millionths(15)))
    assert p.requested_tip == 600
    assert p.total == 4600


def test_fifteen_percent_tip_is_on_the_post_discount_subtotal() -> None:
    p = pricing.price_order(
        [LineInput(5000, 1)], [DiscountInput(amount=1000)], tip=TipInput(millionths=pricing.percent_to_millionths(15))
    )
    assert p.requested_tip == 600


def test_sandbox_tax_on_2500_is_213() -> None:
    p = pricing.price_order([LineInput(1250, 2)], taxed=True)
    assert p.tax == 213
    assert p.total == 2713


def test_fee_on_5000_is_175_net_4825() -> None:
    fee = pricing.processing_fee(5000)
    assert fee == 175
    assert 5000 - fee == 4825


def test_percent_conversion_is_exact() -> None:
    assert pricing.percent_to_millionths(15) == 150_000
    assert pricing.percent_to_millionths(12.5) == 125_000
    assert pricing.percent_to_millionths(0.15) == 1_500
    assert pricing.percent_to_millionths(12.3456) == 123_456
    assert pricing.percent_to_millionths(0.0001) == 1
    assert pricing.percent_to_millionths(Decimal("33.3333")) == 333_333
    for bad in (12.34567, 0.00001, float("nan"), float("inf"), "x", True):
        with pytest.raises(pricing.PricingError):
            pricing.percent_to_millionths(bad)


@given(st.integers(1, 1_000_000))
def test_percent_echo_round_trips_exactly(m: int) -> None:
    assert pricing.percent_to_millionths(pricing.millionths_to_percent(m)) == m


@given(st.integers(0, 10**12), st.integers(0, 1_000_000))
def test_percent_of_millionths_rounds_half_up(base: int, m: int) -> None:
    exact = Fraction(base * m, 1_000_000)
    assert pricing.percent_of_millionths(base, m) == math.floor(exact + Fraction(1, 2))


def test_two_decimal_percents_give_the_same_results_as_basis_points() -> None:
    for base in (0, 1, 5, 333, 2500, 4000, 12345, 10**9 + 7):
        for bps in (1, 15, 50, 850, 1250, 1500, 3333, 10_000):
            assert pricing.percent_of_millionths(base, bps * 100) == pricing.percent_of(base, bps)


def test_line_scoped_discount_prorates_over_its_lines_only() -> None:
    lines = [LineInput(1000, 1), LineInput(3000, 1), LineInput(2000, 1)]
    p = pricing.price_order(lines, [DiscountInput(amount=999, lines=(0, 2))])
    assert [lp.discount for lp in p.lines] == [333, 0, 666]
    # capped at what its lines still have, after the discounts before it
    p = pricing.price_order(lines, [DiscountInput(amount=900, lines=(0,)), DiscountInput(amount=500, lines=(0,))])
    assert [(d.amount, d.applied) for d in p.discounts] == [(900, 900), (500, 100)]
    assert [lp.discount for lp in p.lines] == [1000, 0, 0] and p.total == 5000
    # a scope with no line left (its lines were removed) applies nothing
    p = pricing.price_order(lines, [DiscountInput(amount=500, lines=())])
    assert p.discount == 0 and p.total == 6000


def test_int64_overflow_in_quantity_times_price_is_a_domain_error() -> None:
    with pytest.raises(pricing.PricingError) as err:
        pricing.price_order([LineInput(2**62, 1), LineInput(2**62, 3)])
    assert err.value.code == "AMOUNT_TOO_LARGE"
    assert err.value.param == "line_items[1].quantity"
    with pytest.raises(pricing.PricingError):
        pricing.price_order([LineInput(2**62, 1), LineInput(2**62, 1)])  # the sum overflows


def test_two_discounts_can_push_a_line_one_cent_past_its_subtotal() -> None:
    p = pricing.price_order([LineInput(1, 1), LineInput(1, 1)], [DiscountInput(amount=1), DiscountInput(amount=1)], taxed=True)
    assert [lp.discount for lp in p.lines] == [2, 0]
    assert [lp.total for lp in p.lines] == [-1, 1]
    assert p.total == 0


def test_discount_capped_at_remaining_discountable() -> None:
    p = pricing.price_order(
        [LineInput(1000, 1), LineInput(3000, 1)], [DiscountInput(amount=3000), DiscountInput(millionths=500_000)]
    )
    assert [(d.amount, d.applied) for d in p.discounts] == [(3000, 3000), (2000, 1000)]
    assert p.discount == 4000
    assert [lp.discount for lp in p.lines] == [1000, 3000]
    assert p.total == 0
