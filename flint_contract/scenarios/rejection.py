"""Bad money input is rejected with Flint's codes, and non-ASCII text is accepted. Bodies are sent
as raw JSON text so `2500.0` reaches the server as written."""

from __future__ import annotations

import json

from ..flows import get_id, path_of
from .base import ProbeContext


def _order_text(amount_literal: str, currency: str = "USD") -> str:
    return (
        '{"line_items": [{"name": "Canvas tote bag", "quantity": 2, '
        f'"unit_price_money": {{"amount": {amount_literal}, "currency": {json.dumps(currency)}}}}}]}}'
    )


CASES = (
    # (check, amount literal, currency, expected status, expected codes)
    ("reject_float_amount", "2500.0", "USD", 400, ("INVALID_JSON",)),
    ("reject_float_amount", "12.50", "USD", 400, ("INVALID_JSON",)),
    ("reject_string_amount", '"1250"', "USD", 400, ("INVALID_JSON",)),
    ("reject_negative_amount", "-1250", "USD", 400, None),
    ("reject_currency", "1250", "EUR", 400, ("UNSUPPORTED_CURRENCY",)),
    ("reject_currency", "1250", "usd", 400, ("INVALID_CURRENCY",)),
    ("reject_currency", "1250", "XYZ", 400, ("INVALID_CURRENCY",)),
)


def bad_money_input(ctx: ProbeContext) -> None:
    ctx.ran("reject_float_amount", "reject_string_amount", "reject_negative_amount", "reject_currency")
    c = ctx.client
    path = path_of(ctx.spec, "createOrder")
    for check, literal, currency, status, codes in CASES:
        r = c.request("POST", path, op="createOrder", raw_body=_order_text(literal, currency))
        if r.status != status or (codes is not None and r.error_code not in codes):
            want = f"{status} {' or '.join(codes)}" if codes else f"{status}"
            c.fail(check, f"unit_price_money {{amount: {literal}, currency: {currency}}} -> {r.brief()}", want, r)
    # Money that moves: a refund and a payout amount as float, string and negative.
    order_id, _ = ctx.flows.paid_order(unit=1000, qty=1)
    for op_id, prefix in (("createRefund", f'{{"order_id": {json.dumps(order_id)}, '), ("createPayout", "{")):
        for check, literal, codes in (
            ("reject_float_amount", "100.0", ("INVALID_JSON",)),
            ("reject_string_amount", '"100"', ("INVALID_JSON",)),
            ("reject_negative_amount", "-100", None),
        ):
            raw = prefix + f'"amount_money": {{"amount": {literal}, "currency": "USD"}}}}'
            r = c.request("POST", path_of(ctx.spec, op_id), op=op_id, raw_body=raw)
            if r.status != 400 or (codes is not None and r.error_code not in codes):
                c.fail(check, f"{op_id} amount_money.amount {literal} -> {r.brief()}", f"400 {' '.join(codes or ())}".strip(), r)


def unicode_text_accepted(ctx: ProbeContext) -> None:
    ctx.ran("unicode_text_accepted")
    name = "Café crème ☕ 東京 — naïve"
    r = ctx.flows.create_order([ctx.flows.line(name=name, unit=450, qty=1)], metadata={"note": "größe ✓"})
    if r.status != 201:
        ctx.client.fail("unicode_text_accepted", f"order with a non-ASCII name -> {r.brief()}", "201", r)
        return
    got = ctx.flows.get_order(get_id(r, "order_id"))
    lines = (got.data or {}).get("line_items") if isinstance(got.data, dict) else None
    if not lines or lines[0].get("name") != name:
        ctx.client.fail("unicode_text_accepted", f"name came back as {lines[0].get('name') if lines else None!r}", f"{name!r} unchanged", got)


PROBES = {"bad_money_input": bad_money_input, "unicode_text_accepted": unicode_text_accepted}
