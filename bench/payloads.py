"""Realistic payloads built from Stripe's fixtures file (one example object per resource).

The large invoice mirrors the one in anchors.md section 4: 20 line items, each with its price and an expanded
tax rate, plus an expanded customer, charge and payment intent: about 45 KB of JSON. Nothing random: the same
bytes every run, so numbers are comparable across runs and tools.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SPECS = (ROOT / ".." / "shared" / "specs").resolve()
STRIPE = SPECS / "stripe-2023-08-16.json"
SQUARE = SPECS / "square-2025-08-19.json"
STRIPE_FIXTURES = SPECS / "stripe-fixtures-2023-08-16.json"


def load_fixtures(path: Path = STRIPE_FIXTURES) -> dict[str, Any]:
    data = json.loads(path.read_text(encoding="utf-8"))
    resources: dict[str, Any] = data["resources"]
    return resources


def big_invoice(fixtures: dict[str, Any], line_count: int = 20) -> dict[str, Any]:
    f = copy.deepcopy(fixtures)
    inv: dict[str, Any] = f["invoice"]
    tax_rate = f["tax_rate"]
    template_line = inv["lines"]["data"][0]
    lines = []
    total = 0
    total_tax = 0
    for i in range(line_count):
        line = copy.deepcopy(template_line)
        unit = 1000 + 125 * i
        qty = 1 + i % 4
        amount = unit * qty
        tax = (amount * 850 * 2 + 10000) // 20000
        total += amount
        total_tax += tax
        line["id"] = f"il_1NnmX3GPxmnHQRkJdRHcT{i:03d}"
        line["invoice_item"] = f"ii_1NnmX3GPxmnHQRkJZXGAZ{i:03d}"
        line["description"] = f"Line {i}: consulting hours, tier {i % 3}"
        line["amount"] = amount
        line["amount_excluding_tax"] = amount
        line["quantity"] = qty
        line["unit_amount_excluding_tax"] = str(unit)
        line["metadata"] = {"sku": f"SKU-{i:04d}", "position": str(i)}
        price = copy.deepcopy(f["price"])
        price["id"] = f"price_1NnlpWGPxmnHQRkJl3Isx{i:03d}"
        price["unit_amount"] = unit
        price["unit_amount_decimal"] = str(unit)
        price["nickname"] = f"Hourly rate {i}"
        line["price"] = price
        line["tax_rates"] = [copy.deepcopy(tax_rate)]
        line["tax_amounts"] = [
            {
                "amount": tax,
                "inclusive": False,
                "tax_rate": copy.deepcopy(tax_rate),
                "taxability_reason": "standard_rated",
                "taxable_amount": amount,
            }
        ]
        lines.append(line)
    inv["lines"]["data"] = lines
    inv["lines"]["has_more"] = False
    inv["customer"] = f["customer"]
    inv["charge"] = f["charge"]
    inv["payment_intent"] = f["payment_intent"]
    inv["default_tax_rates"] = [copy.deepcopy(tax_rate)]
    inv["total_tax_amounts"] = [
        {"amount": total_tax, "inclusive": False, "tax_rate": tax_rate["id"], "taxability_reason": None,
         "taxable_amount": total}
    ]
    inv["subtotal"] = total
    inv["subtotal_excluding_tax"] = total
    inv["tax"] = total_tax
    inv["total"] = total + total_tax
    inv["total_excluding_tax"] = total
    inv["amount_due"] = total + total_tax
    inv["amount_remaining"] = total + total_tax
    inv["status"] = "open"
    return inv


def big_invoice_bytes() -> bytes:
    return json.dumps(big_invoice(load_fixtures())).encode()


if __name__ == "__main__":
    data = big_invoice_bytes()
    print(f"{len(data)} bytes, {len(json.loads(data)['lines']['data'])} line items")
