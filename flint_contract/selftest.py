"""Self-test by mutation: for each fault the sandbox can plant (FLINT_SANDBOX_FAULTS), the quick
targeted kit run that must catch it and the check that must report it. Used by
tests/contract/test_mutations.py and the table in docs/contract-kit.md."""

from __future__ import annotations

import io
from dataclasses import dataclass

from .localserver import Sandbox
from .report import print_result
from .runner import RunOptions, RunResult, execute


@dataclass(frozen=True)
class Target:
    fault: str
    check: str  # the check that must report it
    probes: tuple[str, ...]
    operations: tuple[str, ...] = ()  # schemathesis operations; empty = probes only
    bug: str = ""
    # Checks whose findings the targeted run drops (none today: kept so a target can name one with a reason).
    exclude_checks: tuple[str, ...] = ()

    def options(self, base_url: str, api_key: str, peer_api_key: str | None) -> RunOptions:
        return RunOptions(
            base_url=base_url,
            api_key=api_key,
            peer_api_key=peer_api_key,
            max_examples=3,
            quick=True,
            probes=self.probes,
            operations=self.operations,
            # examples alone skip getOrder (no example values in the spec for it); fuzzing with the
            # seeded ids reaches it. No coverage phase: its undeclared-method probes are not the point here.
            phases=("examples", "fuzzing"),
            fuzz=bool(self.operations),
            exclude_checks=self.exclude_checks,
        )


TARGETS: tuple[Target, ...] = (
    Target("float_amounts", "money_amount_is_integer", ("unicode_text_accepted",), ("createOrder", "getOrder"),
           "money serialized as floats (2500.0)"),
    Target("total_off_by_one", "order_arithmetic", ("unicode_text_accepted",), ("createOrder", "getOrder"),
           "pricing_amounts.total_money one cent high"),
    Target("negative_amount_due", "order_arithmetic", ("refund_updates_order", "refund_limits"), (),
           "amount_due_money = balance_money instead of max(balance, 0)"),
    Target("ignore_idempotency", "idempotency_replay", ("idempotency",), (), "Idempotency-Key ignored"),
    Target("page_boundary_loss", "pagination_walk", ("pagination_walk",), (), "first item of each later page dropped"),
    Target("cross_tenant_read", "tenant_isolation", ("tenant_isolation",), (), "orders readable by another merchant"),
    Target("non_ascii_500", "unicode_text_accepted", ("unicode_text_accepted",), (), "500 on a non-ASCII name"),
    Target("missing_request_id", "envelope_request_id", ("unicode_text_accepted",), ("createOrder", "getOrder"),
           "request_id missing from the envelope"),
    Target("clamp_page_size", "pagination_page_size_bounds", ("page_size_bounds",), (), "page_size 101 clamped to 100"),
    Target("refund_skips_settlement_check", "refund_limits", ("refund_limits",), (),
           "refund over the refundable amount accepted"),
    Target("stale_order_after_refund", "refund_updates_order", ("refund_updates_order",), (),
           "order not updated after a refund"),
    Target("delete_keeps_resource", "use_after_delete", ("use_after_delete",), (),
           "deleting a line item or charge answers 200 but keeps it (updates on it still succeed)"),
    Target("foreign_parent", "resource_hierarchy", ("resource_hierarchy",), (),
           "nested routes act on the child's own order, whatever order the path names"),
    Target("leak_rejected_create", "leaked_create", ("leaked_create",), (),
           "createOrder/createPaymentIntent store the object before the currency/amount rules refuse it"),
    Target("long_id_500", "invalid_dynamic_id", ("invalid_dynamic_id",), (),
           "an id longer than 255 characters is a bare 500"),
)


def run_target(target: Target, faults: tuple[str, ...]) -> tuple[RunResult, str]:
    """Start a sandbox with `faults`, run the target's quick kit run, return (result, printed output)."""
    with Sandbox(faults=faults) as sandbox:
        result = execute(target.options(sandbox.base_url, sandbox.api_key, sandbox.peer_api_key))
    out = io.StringIO()
    print_result(result, out)
    return result, out.getvalue()


def markdown_table(caught: dict[str, list[str]] | None = None) -> str:
    rows = ["| fault (`FLINT_SANDBOX_FAULTS=`) | planted bug | targeted run | check that catches it |", "|---|---|---|---|"]
    for t in TARGETS:
        run = "probes " + ", ".join(f"`{p}`" for p in t.probes)
        if t.operations:
            run += "; schemathesis examples + fuzzing on " + ", ".join(f"`{o}`" for o in t.operations)
        if t.exclude_checks:
            run += " (without " + ", ".join(f"`{c}`" for c in t.exclude_checks) + ")"
        names = caught.get(t.fault) if caught else None
        also = f" (also: {', '.join(sorted(set(names) - {t.check}))})" if names and set(names) - {t.check} else ""
        rows.append(f"| `{t.fault}` | {t.bug} | {run} | `{t.check}`{also} |")
    return "\n".join(rows)
