"""Fidelity tier, responses: official-shaped payloads (tests/fidelity/payloads/, written from Flint's published SDK
declarations; see the README there) must parse into the generated models and serialise back unchanged: required
fields only, every optional field, nulls where the official type allows them, and unknown enum values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from flint_api import models

PAYLOADS = Path(__file__).parent / "payloads"
# official type name -> our component name, where they differ
OUR_NAME = {
    "ErrorEnvelope": "Error",
    "OrderAuthorizationAmounts": "AuthorizationAmounts",
}


def _cases() -> list[tuple[str, int, Any]]:
    out = []
    for path in sorted(PAYLOADS.glob("*.json")):
        doc = json.loads(path.read_text())
        for i, example in enumerate(doc["examples"]):
            out.append((path.stem, i, example))
    return out


CASES = _cases()


def test_every_official_object_has_payloads() -> None:
    names = {name for name, _, _ in CASES}
    for required in ("Order", "OrderLineItem", "SettlementAmounts", "AppliedDiscount", "OrderCharge", "Tip", "OrderTax",
                     "PaymentIntent", "OrderPaymentAttempt", "Refund", "RefundLineItemAllocation", "Balance",
                     "BalanceTransaction", "Payout", "PayoutEntry", "PayoutSettings", "PayoutDestination",
                     "ErrorEnvelope", "OrderActivity", "DiscountPreview"):
        assert required in names, f"no official payload for {required}"


@pytest.mark.parametrize(("name", "index", "payload"), CASES, ids=[f"{n}[{i}]" for n, i, _ in CASES])
def test_official_payload_round_trips(name: str, index: int, payload: Any) -> None:
    cls = getattr(models, OUR_NAME.get(name, name), None)
    assert cls is not None, f"the spec has no schema for the official {name}"
    obj = cls.from_dict(payload)
    assert obj.to_dict() == payload
