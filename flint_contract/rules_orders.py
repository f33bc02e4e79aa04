"""Per-response rules about arithmetic: an order's line, pricing and settlement amounts add up, and every balance
transaction has net = amount - fee.
"""

from __future__ import annotations

from typing import Any, Iterator

from .rules import Exchange, fmt_path, rule
from .spec import Spec


def _amt(node: Any, *keys: str) -> int | None:
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    if isinstance(node, dict):
        node = node.get("amount")
    return node if type(node) is int else None


def iter_orders(value: Any, path: list[str | int] | None = None) -> Iterator[tuple[list[str | int], dict[str, Any]]]:
    path = path or []
    if isinstance(value, dict):
        if "pricing_amounts" in value and "line_items" in value:
            yield path, value
            return
        for k, v in value.items():
            yield from iter_orders(v, path + [k])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from iter_orders(v, path + [i])


def order_arithmetic(order: dict[str, Any]) -> list[str]:
    """Violations of Flint's order arithmetic in one order object (empty when it adds up)."""
    problems: list[str] = []
    oid = order.get("order_id", "?")

    def eq(label: str, got: int | None, want: int | None) -> None:
        if got is not None and want is not None and got != want:
            problems.append(f"{oid}: {label}: got {got}, expected {want}")

    lines = order.get("line_items") or []
    sums = {"subtotal": 0, "discount": 0, "tax": 0, "total": 0}
    complete = True
    for i, line in enumerate(lines if isinstance(lines, list) else []):
        unit, qty = _amt(line, "unit_price_money"), line.get("quantity") if isinstance(line, dict) else None
        base = _amt(line, "base_subtotal_money")
        if unit is not None and type(qty) is int:
            eq(f"line_items[{i}].base_subtotal_money = unit_price_money x quantity ({unit} x {qty})", base, unit * qty)
        sub = _amt(line, "subtotal_money")
        mod = _amt(line, "modifier_total_money") or 0
        eq(f"line_items[{i}].subtotal_money = base_subtotal_money + modifier_total_money", sub, None if base is None else base + mod)
        disc, tax, total = _amt(line, "discount_money"), _amt(line, "tax_money"), _amt(line, "total_money")
        if sub is not None and total is not None:
            eq(f"line_items[{i}].total_money = subtotal - discount + tax", total, sub - (disc or 0) + (tax or 0))
        for key, val in (("subtotal", sub), ("discount", disc or 0), ("tax", tax or 0), ("total", total)):
            if val is None:
                complete = False
            else:
                sums[key] += val
    pa = order.get("pricing_amounts") or {}
    p_sub, p_disc, p_chg = _amt(pa, "subtotal_money"), _amt(pa, "discount_money"), _amt(pa, "charge_money")
    p_tax, p_tip, p_total = _amt(pa, "tax_money"), _amt(pa, "requested_tip_money"), _amt(pa, "total_money")
    if None not in (p_sub, p_total):
        assert p_sub is not None
        eq(
            "pricing_amounts.total_money = subtotal - discount + charge + tax + requested_tip",
            p_total,
            p_sub - (p_disc or 0) + (p_chg or 0) + (p_tax or 0) + (p_tip or 0),
        )
    if complete and isinstance(lines, list):
        eq("pricing_amounts.subtotal_money = sum of line subtotal_money", p_sub, sums["subtotal"])
        eq("pricing_amounts.discount_money = sum of line discount_money", p_disc, sums["discount"])
        eq("pricing_amounts.tax_money = sum of line tax_money", p_tax, sums["tax"])
        eq(
            "pricing_amounts.total_money = sum of line total_money + charge + requested_tip",
            p_total,
            sums["total"] + (p_chg or 0) + (p_tip or 0),
        )
    tips = order.get("tips")
    if isinstance(tips, list) and tips:
        effective = [_amt(t, "effective_amount_money") for t in tips]
        if None not in effective:
            eq("pricing_amounts.requested_tip_money = sum of tips[].effective_amount_money", p_tip, sum(effective))  # type: ignore[arg-type]
    sa = order.get("settlement_amounts") or {}
    if isinstance(tips, list) and tips:
        settled = [_amt(t, "settled_amount_money") for t in tips]
        if None not in settled:
            eq("settlement_amounts.settled_tip_money = sum of tips[].settled_amount_money", _amt(sa, "settled_tip_money"), sum(settled))  # type: ignore[arg-type]
    paid, refunded = _amt(sa, "paid_money"), _amt(sa, "refunded_money")
    net, balance, due = _amt(sa, "net_collected_money"), _amt(sa, "balance_money"), _amt(sa, "amount_due_money")
    credit = _amt(sa, "credit_money")
    outstanding = _amt(sa, "outstanding_money")
    if due is not None and outstanding is not None:
        eq("settlement_amounts.outstanding_money = amount_due_money", outstanding, due)
    elif outstanding is not None and due is None:
        due = outstanding
    if balance is not None:
        eq("settlement_amounts.amount_due_money = max(balance_money, 0)", due, max(balance, 0))
        eq("settlement_amounts.credit_money = max(-balance_money, 0)", credit, max(-balance, 0))
        if p_total is not None and paid is not None:
            eq("settlement_amounts.balance_money = total - paid", balance, p_total - paid)
    elif due is not None and p_total is not None and paid is not None:
        eq("settlement_amounts.amount_due_money = max(total - paid, 0)", due, max(p_total - paid, 0))
    if paid is not None and refunded is not None:
        eq("settlement_amounts.net_collected_money = paid - refunded", net, paid - refunded)
        if refunded > paid:
            problems.append(f"{oid}: settlement_amounts.refunded_money {refunded} > paid_money {paid}")
    return problems


@rule("order_arithmetic")
def _order_arithmetic(spec: Spec | None, ex: Exchange) -> Iterator[tuple[str, str]]:
    """order and line amounts follow Flint's arithmetic"""
    body = ex.json()
    if not (200 <= ex.status < 300) or not isinstance(body, dict):
        return
    for path, order in iter_orders(body.get("data"), ["data"]):
        for problem in order_arithmetic(order):
            yield (f"{fmt_path(path)}: {problem}",
                   "order amounts follow Flint's arithmetic (DESIGN.md 'Flint rules'; the spec's descriptions)")


@rule("balance_transaction_net")
def _balance_transaction_net(spec: Spec | None, ex: Exchange) -> Iterator[tuple[str, str]]:
    """every balance transaction has net = amount - fee"""
    body = ex.json()
    if not (200 <= ex.status < 300) or not isinstance(body, dict):
        return
    for path, txn in _iter_dicts_with(body.get("data"), "balance_transaction_id", ["data"]):
        amount, fee, net = _amt(txn, "amount_money"), _amt(txn, "fee_money"), _amt(txn, "net_money")
        if amount is not None and fee is not None and net is not None and net != amount - fee:
            yield (f"{fmt_path(path)} {txn.get('balance_transaction_id')}: net {net} != amount {amount} - fee {fee}",
                   "every balance transaction has net_money = amount_money - fee_money")


def _iter_dicts_with(value: Any, key: str, path: list[str | int]) -> Iterator[tuple[list[str | int], dict[str, Any]]]:
    if isinstance(value, dict):
        if key in value and "net_money" in value:
            yield path, value
        for k, v in value.items():
            if isinstance(v, (dict, list)):
                yield from _iter_dicts_with(v, key, path + [k])
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _iter_dicts_with(v, key, path + [i])
