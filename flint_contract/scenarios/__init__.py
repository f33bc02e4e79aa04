"""Scenario probes: targeted multi-request checks the kit runs itself over HTTP, reported like the
fuzzer's findings (check name, expected, curl). One module per subject."""

from __future__ import annotations

from . import idempotency, pagination, rejection, resources, sequences, tenancy
from .base import Probe, ProbeContext

PROBES: dict[str, Probe] = {
    **rejection.PROBES,
    **idempotency.PROBES,
    **pagination.PROBES,
    **sequences.PROBES,
    **tenancy.PROBES,
    **resources.PROBES,
}

# Which check names each probe can report (for --checks selection and the fault table).
PROBE_CHECKS: dict[str, tuple[str, ...]] = {
    "bad_money_input": ("reject_float_amount", "reject_string_amount", "reject_negative_amount", "reject_currency"),
    "unicode_text_accepted": ("unicode_text_accepted",),
    "idempotency": ("idempotency_replay", "idempotency_key_conflict"),
    "idempotency_tenant_scope": ("idempotency_tenant_scope",),
    "page_size_bounds": ("pagination_page_size_bounds",),
    "pagination_walk": ("pagination_walk", "list_includes_created"),
    "refund_updates_order": ("refund_updates_order",),
    "refund_limits": ("refund_limits",),
    "ledger_reconciles": ("ledger_reconciles",),
    "payout_within_available": ("payout_within_available",),
    "tenant_isolation": ("tenant_isolation",),
    **resources.CHECKS,
}

__all__ = ["PROBES", "PROBE_CHECKS", "Probe", "ProbeContext"]
