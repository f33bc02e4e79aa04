"""Payouts, payout settings and payout destinations.

Payout lifecycle (documented in the spec): `pending` when created; `in_transit` once the sandbox clock is one
day past creation; `paid` two days past (its `arrival_at`); `canceled` by a cancel call while still `pending`.
A payout posts a `payout` balance transaction (-amount) at once, so it can only spend the available balance;
a cancel posts a `payout_cancellation` (+amount). Its entries are those balance transactions.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping

from flint_api import Unset, models

from . import ledger
from .errors import conflict, found, invalid, not_found, reject_reserved_metadata
from .ids import new_id
from .listing import normalize_times, page, params_filters
from .money import amount_of, check_currency, check_request_currencies, money, read_money
from .order_inputs import merge_metadata
from .request_models import opt, wire
from .store import Doc, Filter, Tx, format_time, parse_time

IN_TRANSIT_AFTER = timedelta(days=1)
PAID_AFTER = timedelta(days=2)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")  # official: payouts run on business days


# ---------------------------------------------------------------------------------------------------- payouts


def render(doc: Doc, now: datetime) -> Doc:
    out = {k: v for k, v in doc.items() if k != "canceled_at"}  # canceled_at is not an official field
    if out["status"] == "pending":
        created = out["created_at"]
        if created <= format_time(now - PAID_AFTER):
            out["status"] = "paid"
        elif created <= format_time(now - IN_TRANSIT_AFTER):
            out["status"] = "in_transit"
    return out


def _entry(tx: Tx, merchant_id: str, payout_id: str, txn: Doc) -> None:
    entry = {
        "payout_entry_id": new_id("poe"),
        "payout_id": payout_id,  # storage only (the list's filter column), like created_at
        "balance_transaction_id": txn["balance_transaction_id"],
        "amount_money": txn["net_money"],
        "occurred_at": txn["occurred_at"],
        "type": txn["type"],
        "created_at": txn["created_at"],
    }
    tx.insert("payout_entries", merchant_id, entry["payout_entry_id"], entry,
              payout_id=payout_id, balance_transaction_id=txn["balance_transaction_id"])


def _destination(tx: Tx, merchant_id: str, dest_id: str | None, currency: str) -> Doc:
    if dest_id is None:
        settings = get_settings(tx, merchant_id)
        dest_id = (settings.get("default_payout_destinations") or {}).get(currency)
        dest = tx.get("payout_destinations", merchant_id, dest_id) if dest_id is not None else None
        if dest is None:
            raise conflict("DEFAULT_PAYOUT_DESTINATION_REQUIRED",
                           f"Name a payout_destination_id: {currency} has no default payout destination",
                           "payout_destination_id")
    else:
        dest = found(tx.get("payout_destinations", merchant_id, dest_id), "payout destination", dest_id,
                     "payout_destination_id")
    if dest["status"] != "active":
        raise conflict("DESTINATION_NOT_ACTIVE", f"Payout destination {dest['payout_destination_id']} is {dest['status']}",
                       "payout_destination_id")
    if dest["currency"] != currency:
        raise invalid("CURRENCY_MISMATCH", "The destination takes another currency", "amount_money.currency")
    return dest


def create_payout(tx: Tx, merchant_id: str, body: models.CreatePayoutRequest) -> Doc:
    now = tx.now()
    check_request_currencies(body)
    reject_reserved_metadata(opt(body.metadata))
    amount = read_money(body.amount_money, "amount_money", positive=True)
    cur = body.amount_money.currency
    dest = _destination(tx, merchant_id, opt(body.payout_destination_id), cur)
    available = ledger.available_balance(tx, merchant_id, cur)  # read under the write lock: no double spend
    if amount > available:
        raise invalid(
            "INSUFFICIENT_AVAILABLE_BALANCE",
            f"Payout of {amount} exceeds the available balance of {max(available, 0)}",
            "amount_money.amount",
        )
    payout_id = new_id("po")
    method = "standard" if isinstance(body.method, Unset) else wire(body.method)
    source = "card" if isinstance(body.balance_source_type, Unset) else wire(body.balance_source_type)
    doc: Doc = {
        "payout_id": payout_id,
        "merchant_id": merchant_id,
        "amount_money": money(amount, cur),
        "fee_money": money(0, cur),
        "net_money": money(amount, cur),
        "held_money": money(0, cur),
        "fee_amount_status": "final",
        "initiated_by": "manual",
        "reversal_status": "none",
        "currency": cur,
        "method": method,
        "status": "pending",
        "balance_source_type": source,
        "payout_destination_id": dest["payout_destination_id"],
        "arrival_at": format_time(now + PAID_AFTER),
        "metadata": dict(opt(body.metadata) or {}),
        "created_at": format_time(now),
        "updated_at": format_time(now),
    }
    texts = {"description": body.description, "statement_descriptor": body.statement_descriptor,
             "external_reference_id": body.external_reference_id}
    doc.update({k: v for k, v in texts.items() if not isinstance(v, Unset)})
    txn = ledger.post(tx, merchant_id, type="payout", amount=-amount, fee=0, currency=cur, related=("payout", payout_id))
    tx.insert("payouts", merchant_id, payout_id, doc, status="pending", currency=cur, amount=amount,
              payout_destination_id=dest["payout_destination_id"], method=method)
    _entry(tx, merchant_id, payout_id, txn)
    return render(doc, now)


def _load(tx: Tx, merchant_id: str, payout_id: str) -> Doc:
    return found(tx.get("payouts", merchant_id, payout_id), "payout", payout_id)


def get_payout(tx: Tx, merchant_id: str, payout_id: str, expand: list[str] | None = None) -> Doc:
    out = render(_load(tx, merchant_id, payout_id), tx.now())
    for path in expand or []:
        if path == "payout_destination":
            dest = tx.get("payout_destinations", merchant_id, out["payout_destination_id"])
            if dest is not None:  # absent (never null) when there is nothing to embed
                out["payout_destination"] = {k: dest[k] for k in DEST_SUMMARY_FIELDS if dest.get(k) is not None}
    return out


DEST_SUMMARY_FIELDS = ("payout_destination_id", "type", "status", "currency", "default_for_currency", "bank_name",
                       "last4", "country")


def cancel_payout(tx: Tx, merchant_id: str, payout_id: str, body: Mapping[str, Any] | None = None) -> Doc:
    doc = _load(tx, merchant_id, payout_id)
    now = tx.now()
    status = render(doc, now)["status"]
    if status != "pending":
        raise conflict("PAYOUT_NOT_CANCELABLE", f"A payout in status {status} can't be canceled")
    amount = amount_of(doc["amount_money"])
    txn = ledger.post(tx, merchant_id, type="payout_cancellation", amount=amount, fee=0, currency=doc["currency"],
                      related=("payout", payout_id))
    _entry(tx, merchant_id, payout_id, txn)
    doc["status"] = "canceled"
    doc["updated_at"] = format_time(now)
    tx.update("payouts", merchant_id, payout_id, doc, status="canceled")
    return render(doc, now)


PAYOUT_FILTERS: dict[str, tuple[str, str]] = {
    "currency": ("currency", "="),
    "payout_destination_id": ("payout_destination_id", "="),
    "method": ("method", "="),
    "created_after": ("created_at", ">="),
    "created_before": ("created_at", "<="),
}


def list_payouts(tx: Tx, merchant_id: str, params: Mapping[str, Any]) -> tuple[list[Doc], str | None]:
    p = normalize_times(params)
    filters = params_filters(p, PAYOUT_FILTERS)
    now = tx.now()
    day1, day2 = format_time(now - IN_TRANSIT_AFTER), format_time(now - PAID_AFTER)
    status = p.get("status")
    if status == "canceled":
        filters.append(Filter("status", "=", "canceled"))
    elif status in ("pending", "in_transit", "paid"):
        filters.append(Filter("status", "=", "pending"))
        if status == "pending":
            filters.append(Filter("created_at", ">", day1))
        elif status == "in_transit":
            filters += [Filter("created_at", "<=", day1), Filter("created_at", ">", day2)]
        else:
            filters.append(Filter("created_at", "<=", day2))
    elif status is not None:
        filters.append(Filter("id", "=", ""))  # the sandbox never fails a payout
    # arrival_at is created_at + 2 days for every sandbox payout
    for name, op in (("arrival_after", ">="), ("arrival_before", "<=")):
        if p.get(name) is not None:
            try:
                bound = format_time(parse_time(p[name]) - PAID_AFTER)
            except OverflowError:
                bound = "0000"  # before year 1: every payout arrives later
            filters.append(Filter("created_at", op, bound))
    if p.get("balance_source_type") not in (None, "card"):
        filters.append(Filter("id", "=", ""))  # every sandbox payout draws on the card balance
    docs, token = page(tx, "payouts", merchant_id, filters, p)
    return [render(d, now) for d in docs], token


def list_entries(tx: Tx, merchant_id: str, payout_id: str, params: Mapping[str, Any]) -> tuple[list[Doc], str | None]:
    _load(tx, merchant_id, payout_id)
    return page(tx, "payout_entries", merchant_id, [Filter("payout_id", "=", payout_id)],
                {**params, "payout_id": payout_id}, render_entry, oldest_first=True)


def render_entry(doc: Doc) -> Doc:
    return {k: v for k, v in doc.items() if k not in ("payout_id", "created_at")}


# ---------------------------------------------------------------------------------------------------- settings


def seed_merchant(tx: Tx, merchant_id: str) -> None:
    """Every merchant starts with payout settings and one active test bank account for USD."""
    now = format_time(tx.now())
    dest_id = new_id("pd")
    dest: Doc = {
        "payout_destination_id": dest_id,
        "merchant_id": merchant_id,
        "currency": "USD",
        "type": "bank_account",
        "status": "active",
        "status_updated_at": now,
        "disabled_reason": None,
        "default_for_currency": True,
        "available_payout_methods": ["standard", "instant"],
        "bank_name": "Flint Test Bank",
        "country": "US",
        "last4": "6789",
        "metadata": {},
        "created_at": now,
        "updated_at": now,
        "disabled_at": None,
    }
    tx.insert("payout_destinations", merchant_id, dest_id, dest, status="active", currency="USD", type="bank_account")
    settings: Doc = {
        "payout_settings_id": new_id("pset"),
        "merchant_id": merchant_id,
        "delay_days": 0,
        "delay_days_override": None,
        "interval": "manual",
        "status": "enabled",
        "default_payout_destinations": {"USD": dest_id},
        "minimum_balance_by_currency": {},
        "monthly_payout_days": [],
        "weekly_payout_days": [],
        "created_at": now,
        "updated_at": now,
    }
    tx.insert("payout_settings", merchant_id, settings["payout_settings_id"], settings)


def _settings_row(tx: Tx, merchant_id: str) -> Doc:
    rows = tx.list_docs("payout_settings", merchant_id, limit=1)
    if not rows:
        raise not_found("payout settings", merchant_id)
    return rows[0][1]


def get_settings(tx: Tx, merchant_id: str) -> Doc:
    doc = _settings_row(tx, merchant_id)
    doc.setdefault("merchant_id", merchant_id)
    override = doc.get("delay_days_override")
    doc["delay_days"] = override if override is not None else 0
    return doc


def update_settings(tx: Tx, merchant_id: str, body: models.UpdatePayoutSettingsRequest) -> Doc:
    check_request_currencies(body)
    doc = _settings_row(tx, merchant_id)
    # delay (0..30), interval, weekly (business days) and monthly (1..31) payout days: ranges and enums the
    # schema checks, with their own codes
    if not isinstance(body.delay_days_override, Unset):  # null: back to the default delay
        doc["delay_days_override"] = body.delay_days_override
    if not isinstance(body.interval, Unset):
        doc["interval"] = wire(body.interval)
    if not isinstance(body.weekly_payout_days, Unset):
        doc["weekly_payout_days"] = sorted({wire(d) for d in body.weekly_payout_days}, key=WEEKDAYS.index)
    if not isinstance(body.monthly_payout_days, Unset):
        doc["monthly_payout_days"] = sorted(set(body.monthly_payout_days))
    # A schedule without days gets a documented default rather than an error.
    if doc["interval"] == "weekly" and not doc.get("weekly_payout_days"):
        doc["weekly_payout_days"] = ["monday"]
    if doc["interval"] == "monthly" and not doc.get("monthly_payout_days"):
        doc["monthly_payout_days"] = [1]
    # The spec (and the Flint docs) constrain statement_descriptor by length only (1..22, checked by the stub):
    # the sandbox accepts any schema-valid text rather than inventing a character set.
    if not isinstance(body.statement_descriptor, Unset):
        doc["statement_descriptor"] = body.statement_descriptor
    if not isinstance(body.default_payout_destinations, Unset):
        defaults = dict(doc.get("default_payout_destinations") or {})
        for cur, dest_id in body.default_payout_destinations.items():
            param = f"default_payout_destinations.{cur}"
            check_currency(cur, param)
            dest = found(tx.get("payout_destinations", merchant_id, dest_id), "payout destination", dest_id, param)
            if dest["status"] != "active":
                raise conflict("DESTINATION_NOT_ACTIVE", f"Payout destination {dest_id} is {dest['status']}", param)
            if dest["currency"] != cur:
                raise invalid("CURRENCY_MISMATCH", "The destination takes another currency", param)
            defaults[cur] = dest_id
        doc["default_payout_destinations"] = defaults
    if not isinstance(body.minimum_balance_by_currency, Unset):
        mins = dict(doc.get("minimum_balance_by_currency") or {})
        for cur, m in body.minimum_balance_by_currency.items():
            param = f"minimum_balance_by_currency.{cur}"
            check_currency(cur, param)
            if m is None:
                mins.pop(cur, None)
            else:
                mins[cur] = money(read_money(m, param, currency=cur), cur)
        doc["minimum_balance_by_currency"] = mins
    doc["updated_at"] = format_time(tx.now())
    tx.update("payout_settings", merchant_id, doc["payout_settings_id"], doc)
    return get_settings(tx, merchant_id)


# ---------------------------------------------------------------------------------------------------- destinations


def _dest(tx: Tx, merchant_id: str, dest_id: str) -> Doc:
    return found(tx.get("payout_destinations", merchant_id, dest_id), "payout destination", dest_id)


def render_destination(doc: Doc) -> Doc:
    out = dict(doc)
    out.setdefault("status_updated_at", out.get("disabled_at") or out["created_at"])
    out.setdefault("disabled_reason", "disabled_by_merchant_request" if out["status"] == "deleted" else None)
    return out


def get_destination(tx: Tx, merchant_id: str, dest_id: str) -> Doc:
    return render_destination(_dest(tx, merchant_id, dest_id))


def update_destination(tx: Tx, merchant_id: str, dest_id: str, body: models.UpdatePayoutDestinationRequest) -> Doc:
    doc = _dest(tx, merchant_id, dest_id)
    if doc["status"] == "deleted":
        raise conflict("DESTINATION_NOT_ACTIVE", "A deleted payout destination can't be changed")
    if not isinstance(body.metadata, Unset):  # absent: unchanged; null: every key cleared
        reject_reserved_metadata(body.metadata)
        doc["metadata"] = merge_metadata(doc.get("metadata"), body.metadata)
    doc["updated_at"] = format_time(tx.now())
    tx.update("payout_destinations", merchant_id, dest_id, doc, status=doc["status"])
    return render_destination(doc)


def delete_destination(tx: Tx, merchant_id: str, dest_id: str, body: Mapping[str, Any] | None = None) -> Doc:
    doc = _dest(tx, merchant_id, dest_id)
    if doc["status"] == "deleted":
        return render_destination(doc)  # deleting twice is harmless
    now = format_time(tx.now())
    doc.update(status="deleted", default_for_currency=False, disabled_at=now, updated_at=now, status_updated_at=now,
               disabled_reason="disabled_by_merchant_request")
    tx.update("payout_destinations", merchant_id, dest_id, doc, status="deleted")
    settings = _settings_row(tx, merchant_id)
    defaults = {c: d for c, d in (settings.get("default_payout_destinations") or {}).items() if d != dest_id}
    if defaults != settings.get("default_payout_destinations"):
        settings["default_payout_destinations"] = defaults
        settings["updated_at"] = now
        tx.update("payout_settings", merchant_id, settings["payout_settings_id"], settings)
    return render_destination(doc)


DEST_FILTERS: dict[str, tuple[str, str]] = {
    "currency": ("currency", "="),
    "type": ("type", "="),
    "status": ("status", "="),
}


def _all_destinations(tx: Tx, merchant_id: str) -> list[tuple[str, Doc]]:
    out: list[tuple[str, Doc]] = []
    after = None
    while True:
        rows = tx.list_docs("payout_destinations", merchant_id, (), after, 100)
        out += [(c.id, d) for c, d in rows]
        if len(rows) < 100:
            return out
        after = rows[-1][0]


def list_destinations(tx: Tx, merchant_id: str, params: Mapping[str, Any]) -> tuple[list[Doc], str | None]:
    filters = params_filters(dict(params), DEST_FILTERS)
    if params.get("status") is None and not params.get("include_deleted"):
        filters.append(Filter("status", "!=", "deleted"))
    if params.get("available_payout_method") is not None:
        # a JSON array in the document, not a column: the few destinations of a merchant are matched here
        ids = [d_id for d_id, d in _all_destinations(tx, merchant_id)
               if params["available_payout_method"] in (d.get("available_payout_methods") or [])]
        filters.append(Filter("id", "in", ids))
    if params.get("default_for_currency") is not None:
        settings = _settings_row(tx, merchant_id)
        ids = list((settings.get("default_payout_destinations") or {}).values())
        filters.append(Filter("id", "in" if params["default_for_currency"] else "not_in", ids))
    return page(tx, "payout_destinations", merchant_id, filters, params, render_destination)
