"""Cursor pagination: opaque page tokens over (created_at, id), bound to the list they came from."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from datetime import datetime, timezone
from typing import Any, Callable, Mapping, Sequence

from .errors import invalid
from .store import Cursor, Doc, Filter, Tx, format_time

DEFAULT_PAGE_SIZE = 20
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


PAGING_PARAMS = ("page_token", "page_size")


def _query_hash(table: str, query: Mapping[str, Any]) -> str:
    """The token is bound to the query the client sent (its filter parameters), not to the SQL filters derived
    from it: those can depend on the sandbox clock (status filters of payouts, refunds, ledger rows), which moves
    between two page requests. page_size may change from page to page."""
    q = {k: v for k, v in query.items() if k not in PAGING_PARAMS and v is not None}
    raw = json.dumps([table, q], default=str, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


# Page tokens are signed: HMAC-SHA256 (truncated to 128 bits) with this database's own random secret (made when
# the database is created, table sandbox_secrets), over the merchant, the list, the path it hangs off and the
# cursor. A token another merchant got, an edited or made-up token, or one from before signing is 400
# INVALID_PAGE_TOKEN, never a query with a forged cursor; tokens survive restarts (the secret is in the file).
SECRET_NAME = "page_token"
_SIG_BYTES = 16


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _scope(merchant_id: str, table: str, filters: Sequence[Filter]) -> bytes:
    """What a token is bound to besides the query: the merchant, the list, and the parent object of a nested list
    (the order of /orders/{id}/payment-attempts, the payout of /payouts/{id}/entries)."""
    parents = sorted(str(f.value) for f in filters if f.op == "=" and f.column in ("order_id", "payout_id"))
    return json.dumps([merchant_id, table, parents], separators=(",", ":")).encode()


def _sign(secret: bytes, scope: bytes, payload: bytes) -> bytes:
    return hmac.new(secret, scope + b"\n" + payload, hashlib.sha256).digest()[:_SIG_BYTES]


def encode_token(table: str, query: Mapping[str, Any], cursor: Cursor, *, secret: bytes = b"",
                 scope: bytes = b"") -> str:
    raw = json.dumps([_query_hash(table, query), cursor.created_at, cursor.id], separators=(",", ":")).encode()
    return f"{_b64(raw)}.{_b64(_sign(secret, scope, raw))}"


def decode_token(table: str, query: Mapping[str, Any], token: str, *, secret: bytes = b"",
                 scope: bytes = b"") -> Cursor:
    """A token from another list or another query is rejected: "keep the query identical" across pages."""
    bad = invalid("INVALID_PAGE_TOKEN", "page_token is not a token this list returned", "page_token")
    try:
        body, _, sig = token.partition(".")
        raw, given = _unb64(body), _unb64(sig)
    except (ValueError, binascii.Error):
        raise bad from None
    if not hmac.compare_digest(given, _sign(secret, scope, raw)):
        raise bad
    try:
        qhash, created_at, id = json.loads(raw)
        if not (isinstance(qhash, str) and isinstance(created_at, str) and isinstance(id, str)):
            raise ValueError
    except (ValueError, UnicodeDecodeError, TypeError):
        raise bad from None
    if qhash != _query_hash(table, query):
        raise invalid("INVALID_PAGE_TOKEN", "page_token belongs to a different list or query", "page_token")
    return Cursor(created_at, id)


def page(
    tx: Tx,
    table: str,
    merchant_id: str,
    filters: Sequence[Filter],
    query: Mapping[str, Any],
    render: Callable[[Doc], Doc] = lambda d: d,
    oldest_first: bool = False,
) -> tuple[list[Doc], str | None]:
    """One page of `table` under `filters`; `query` is the request's parameters (page_size and page_token are read
    from it; the rest is what the page token is bound to)."""
    page_size, page_token = query.get("page_size"), query.get("page_token")
    size = DEFAULT_PAGE_SIZE if page_size is None else page_size  # 1..100: the parameter's schema
    secret, scope = tx.secret(SECRET_NAME), _scope(merchant_id, table, filters)
    after = decode_token(table, query, page_token, secret=secret, scope=scope) if page_token else None
    # One extra row tells whether another page exists, so next_page_token is present exactly when it does.
    rows = tx.list_docs(table, merchant_id, filters, after, size + 1, oldest_first)
    more = len(rows) > size
    rows = rows[:size]
    token = encode_token(table, query, rows[-1][0], secret=secret, scope=scope) if more else None
    docs = [render(doc) for _, doc in rows]
    return docs, token


TIME_PARAMS = ("created_after", "created_before", "available_after", "available_before", "arrival_after",
               "arrival_before")


def normalize_times(params: Mapping[str, Any]) -> dict[str, Any]:
    """RFC 3339 query values (datetime or text) -> the fixed-width UTC text the store sorts by."""
    out = dict(params)
    for name in TIME_PARAMS:
        v = out.get(name)
        if v is None:
            continue
        if isinstance(v, str):
            try:
                v = datetime.fromisoformat(v.replace("Z", "+00:00").replace("z", "+00:00"))
            except ValueError:
                raise invalid("INVALID_QUERY_PARAMETER", f"{name} must be an RFC 3339 timestamp", name) from None
        if isinstance(v, datetime):
            if v.tzinfo is None:
                v = v.replace(tzinfo=timezone.utc)
            out[name] = format_time(v)
    return out


def params_filters(params: dict[str, Any], mapping: dict[str, tuple[str, str]]) -> list[Filter]:
    """Query parameters -> filters; mapping is param name -> (column, op)."""
    out: list[Filter] = []
    for name, (column, op) in mapping.items():
        value = params.get(name)
        if value is None:
            continue
        if isinstance(value, int) and not isinstance(value, bool) and not INT64_MIN <= value <= INT64_MAX:
            raise invalid("INVALID_QUERY_PARAMETER", f"{name} must fit a signed 64-bit integer", name)
        if op == "in" and not isinstance(value, (list, tuple)):
            value = [value]
        out.append(Filter(column, op, list(value) if op == "in" else value))
    return out
