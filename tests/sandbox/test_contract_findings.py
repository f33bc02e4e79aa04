"""Regressions for what the contract kit found against the sandbox: schema-valid requests the sandbox refused,
expansions that broke the response schema (500), page tokens that did not survive a status filter, and payouts
after the only destination is gone. Real server process, real SQLite file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import httpx
import pytest

from sandbox_harness import Sandbox
from test_http import create_order, error, fresh_merchant, money, pay

SPEC_JSON = Path(__file__).resolve().parents[2] / "generated" / "flint_api" / "openapi.json"
EARLY, LATE = "2000-01-01T00:00:00Z", "2999-01-01T00:00:00Z"


def test_statement_descriptor_takes_any_schema_valid_text(sandbox: Sandbox) -> None:
    # The spec bounds it by length only (1..22); the sandbox must not add a character set of its own.
    with fresh_merchant(sandbox) as c:
        for sd in ("É", "Café Ünïcode ✓", "x" * 22, "<FLINT*SHOP>"):
            r = c.patch("/v1/payout-settings", json={"statement_descriptor": sd})
            assert r.status_code == 200, r.text
            assert r.json()["data"]["statement_descriptor"] == sd
        error(c.patch("/v1/payout-settings", json={"statement_descriptor": "x" * 23}), 400,
              "INVALID_STATEMENT_DESCRIPTOR")
        error(c.patch("/v1/payout-settings", json={"statement_descriptor": ""}), 400, "INVALID_STATEMENT_DESCRIPTOR")
        o = create_order(c, (5000, 1))
        assert pay(c, o["order_id"]).status_code == 200
        r = c.post("/v1/payouts", json={"amount_money": money(100), "statement_descriptor": "Zürich Café"})
        assert r.status_code == 201, r.text
        assert r.json()["data"]["statement_descriptor"] == "Zürich Café"


def test_expand_with_nothing_behind_it_omits_the_field(sandbox: Sandbox) -> None:
    with fresh_merchant(sandbox) as c:
        o = create_order(c, (5000, 1))
        paid = pay(c, o["order_id"]).json()["data"]
        pi_id = paid["payment_attempt"]["payment_intents"][0]["payment_intent_id"]
        po = c.post("/v1/payouts", json={"amount_money": money(1000)}).json()["data"]
        txns = c.get("/v1/balance-transactions", params={"page_size": 100}).json()["data"]
        by_type = {t["type"]: t for t in txns}
        # a payout row has no order: `order` is absent, never null (the schema does not allow null)
        r = c.get(f"/v1/balance-transactions/{by_type['payout']['balance_transaction_id']}", params={"expand": "order"})
        assert r.status_code == 200, r.text
        assert "order" not in r.json()["data"]
        r = c.get(f"/v1/balance-transactions/{by_type['payment']['balance_transaction_id']}", params={"expand": "order"})
        assert r.status_code == 200, r.text
        assert r.json()["data"]["order"]["order_id"] == o["order_id"]
        r = c.get(f"/v1/payment-intents/{pi_id}", params={"expand": "order"})
        assert r.status_code == 200, r.text
        assert r.json()["data"]["order"]["order_id"] == o["order_id"]
        re_ = c.post("/v1/refunds", json={"order_id": o["order_id"], "amount_money": money(10)}).json()["data"]
        r = c.get(f"/v1/refunds/{re_['refund_id']}", params=[("expand", "order"), ("expand", "payment_intent")])
        assert r.status_code == 200, r.text
        assert r.json()["data"]["order"]["order_id"] == o["order_id"]
        assert r.json()["data"]["payment_intent"]["payment_intent_id"] == pi_id
        r = c.get(f"/v1/payouts/{po['payout_id']}", params={"expand": "payout_destination"})
        assert r.status_code == 200, r.text
        assert r.json()["data"]["payout_destination"]["payout_destination_id"] == po["payout_destination_id"]
        # after the destination is deleted, the payout still expands it (deleted, not gone) and never 500s
        assert c.delete(f"/v1/payout-settings/destinations/{po['payout_destination_id']}").status_code == 200
        r = c.get(f"/v1/payouts/{po['payout_id']}", params={"expand": "payout_destination"})
        assert r.status_code == 200, r.text
        assert r.json()["data"]["payout_destination"]["status"] == "deleted"


def test_payouts_after_the_only_destination_is_deleted_are_409(sandbox: Sandbox) -> None:
    with fresh_merchant(sandbox) as c:
        o = create_order(c, (5000, 1))
        assert pay(c, o["order_id"]).status_code == 200
        po = c.post("/v1/payouts", json={"amount_money": money(100)}).json()["data"]
        d_id = po["payout_destination_id"]
        assert c.delete(f"/v1/payout-settings/destinations/{d_id}").status_code == 200
        assert c.delete(f"/v1/payout-settings/destinations/{d_id}").status_code == 200  # twice is harmless
        # no destination named and no default left: DEFAULT_PAYOUT_DESTINATION_REQUIRED; the deleted one named:
        # DESTINATION_NOT_ACTIVE
        error(c.post("/v1/payouts", json={"amount_money": money(100)}), 409, "DEFAULT_PAYOUT_DESTINATION_REQUIRED")
        error(c.post("/v1/payouts", json={"amount_money": money(100), "payout_destination_id": d_id}),
              409, "DESTINATION_NOT_ACTIVE")
        error(c.post("/v1/payouts", json={"amount_money": money(100), "method": "instant"}), 409,
              "DEFAULT_PAYOUT_DESTINATION_REQUIRED")
        error(c.patch("/v1/payout-settings", json={"default_payout_destinations": {"USD": d_id}}),
              409, "DESTINATION_NOT_ACTIVE")
        error(c.patch(f"/v1/payout-settings/destinations/{d_id}", json={"metadata": {"a": "b"}}),
              409, "DESTINATION_NOT_ACTIVE")
        s = c.get("/v1/payout-settings")
        assert s.status_code == 200 and s.json()["data"]["default_payout_destinations"] == {}
        r = c.patch("/v1/payout-settings", json={"interval": "daily", "statement_descriptor": "AFTER DELETE"})
        assert r.status_code == 200, r.text
        # the existing payout is still readable and cancelable
        assert c.get(f"/v1/payouts/{po['payout_id']}").status_code == 200
        r = c.post(f"/v1/payouts/{po['payout_id']}/cancel")
        assert r.status_code == 200 and r.json()["data"]["status"] == "canceled"
        assert c.get("/v1/payouts", params={"status": "pending"}).json()["data"] == []
        assert c.get(f"/v1/payout-settings/destinations/{d_id}").json()["data"]["status"] == "deleted"


# ---------------------------------------------------------------------------------------------- pagination


def _list_query_params() -> dict[str, set[str]]:
    """Every list operation's filter parameters, from the bundled spec (so a new filter shows up here)."""
    spec = json.loads(SPEC_JSON.read_text())
    out: dict[str, set[str]] = {}
    for path, item in spec["paths"].items():
        op = item.get("get")
        if not op or "page_token" not in json.dumps(op.get("parameters", [])):
            continue
        names = set()
        for p in op.get("parameters", []):
            if "$ref" in p:
                p = spec["components"]["parameters"][p["$ref"].rsplit("/", 1)[-1]]
            if p["in"] == "query" and p["name"] not in ("page_size", "page_token"):
                names.add(p["name"])
        out[path] = names
    return out


def _walk(c: httpx.Client, path: str, query: dict[str, Any], id_field: str) -> list[str]:
    ids: list[str] = []
    token: str | None = None
    for _ in range(200):
        params = {**query, "page_size": 1, **({"page_token": token} if token else {})}
        r = c.get(path, params=params)
        assert r.status_code == 200, (path, params, r.text)
        body = r.json()
        ids += [d[id_field] for d in body["data"]]
        token = body.get("next_page_token")
        if token is None:
            return ids
    raise AssertionError(f"{path} {query}: more than 200 pages")


@pytest.fixture(scope="module")
def populated(sandbox: Sandbox) -> Iterator[tuple[httpx.Client, dict[str, str]]]:
    """One merchant with at least two of everything each filter below selects."""
    with fresh_merchant(sandbox) as c:
        refs: dict[str, str] = {}
        paid = []
        for i in range(3):
            o = create_order(c, (4000 + i, 1))
            r = pay(c, o["order_id"])
            assert r.status_code == 200, r.text
            paid.append((o["order_id"], r.json()["data"]["payment_attempt"]["payment_intents"][0]["payment_intent_id"]))
        create_order(c, (100, 1))
        create_order(c, (200, 1))  # two unpaid
        for order_id, _ in paid[:2]:
            assert c.post(f"/v1/orders/{order_id}/close", json={}).status_code == 200
        refs["order_id"], refs["payment_intent_id"] = paid[2]
        for amount in (10, 20):
            r = c.post("/v1/refunds", json={"order_id": refs["order_id"], "amount_money": money(amount)})
            assert r.status_code == 201, r.text
        pos = []
        for amount in (100, 200, 300):
            r = c.post("/v1/payouts", json={"amount_money": money(amount)})
            assert r.status_code == 201, r.text
            pos.append(r.json()["data"])
        refs["payout_destination_id"] = pos[0]["payout_destination_id"]
        refs["canceled_payout_id"] = pos[0]["payout_id"]
        assert c.post(f"/v1/payouts/{pos[0]['payout_id']}/cancel").status_code == 200
        yield c, refs


def _cases(refs: dict[str, str]) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    cur = {"currency": "USD"}
    return {
        "/v1/orders": ("order_id", [
            {}, {"status": "open"}, {"status": "closed"}, {"payment_status": "paid"}, {"payment_status": "unpaid"},
            {"refund_status": "none"}, {"created_after": EARLY}, {"created_before": LATE}, cur,
            {"min_amount": 150, **cur}, {"max_amount": 4001, **cur},
        ]),
        "/v1/payment-intents": ("payment_intent_id", [
            {}, {"status": "succeeded"}, {"created_after": EARLY}, {"created_before": LATE},
            {"order_id": refs["order_id"], "created_after": EARLY},
        ]),
        "/v1/refunds": ("refund_id", [
            {}, {"status": "pending"}, {"order_id": refs["order_id"]}, {"payment_intent_id": refs["payment_intent_id"]},
            {"created_after": EARLY}, {"created_before": LATE},
        ]),
        "/v1/balance-transactions": ("balance_transaction_id", [
            {}, cur, {"type": "payment"}, {"status": "available"}, {"related_object_type": "payout"},
            {"related_object_id": refs["canceled_payout_id"]}, {"created_after": EARLY}, {"created_before": LATE},
            {"available_after": EARLY}, {"available_before": LATE},
        ]),
        "/v1/payouts": ("payout_id", [
            {}, {"status": "pending"}, {"status": "pending", **cur}, cur, {"method": "standard"},
            {"balance_source_type": "card"}, {"payout_destination_id": refs["payout_destination_id"]},
            {"created_after": EARLY}, {"created_before": LATE}, {"arrival_after": EARLY}, {"arrival_before": LATE},
        ]),
        f"/v1/payouts/{refs['canceled_payout_id']}/entries": ("payout_entry_id", [{}]),
        "/v1/payout-settings/destinations": ("payout_destination_id", [
            {}, cur, {"type": "bank_account"}, {"status": "active"}, {"available_payout_method": "instant"},
            {"default_for_currency": "true"}, {"include_deleted": "true"},
        ]),
    }


def test_every_list_with_every_filter_pages_each_item_exactly_once(
    populated: tuple[httpx.Client, dict[str, str]]
) -> None:
    c, refs = populated
    cases = _cases(refs)
    spec_params = _list_query_params()
    for template, names in spec_params.items():
        path = template.replace("{payout_id}", refs["canceled_payout_id"])
        assert path in cases, f"no pagination case for {template}"
        covered = {k for q in cases[path][1] for k in q}
        assert covered == names, f"{template}: filters not walked: {sorted(names - covered)}"
    for path, (id_field, queries) in cases.items():
        for query in queries:
            r = c.get(path, params={**query, "page_size": 100})
            assert r.status_code == 200, (path, query, r.text)
            assert r.json().get("next_page_token") is None
            everything = [d[id_field] for d in r.json()["data"]]
            assert everything, f"{path} {query} selects nothing: the case does not exercise paging"
            walked = _walk(c, path, query, id_field)
            assert len(walked) == len(set(walked)), f"{path} {query}: an item came twice"
            assert walked == everything, f"{path} {query}: paging lost or reordered items"


def test_page_token_of_another_query_is_rejected(populated: tuple[httpx.Client, dict[str, str]]) -> None:
    c, _ = populated
    r = c.get("/v1/payouts", params={"status": "pending", "page_size": 1})
    token = r.json()["next_page_token"]
    # the same query with another page size is the same list
    assert c.get("/v1/payouts", params={"status": "pending", "page_size": 5, "page_token": token}).status_code == 200
    r = c.get("/v1/payouts", params={"status": "canceled", "page_size": 1, "page_token": token})
    assert error(r, 400, "INVALID_PAGE_TOKEN")["param"] == "page_token"
    r = c.get("/v1/refunds", params={"status": "pending", "page_size": 1, "page_token": token})
    error(r, 400, "INVALID_PAGE_TOKEN")


# ---------------------------------------------------------------------------------------------- int64 balances

INT64_MAX = 2**63 - 1


def test_payments_past_int64_are_refused_and_payouts_never_500(sandbox: Sandbox) -> None:
    # The contract kit's 500s on createPayout: two paid orders near int64 made SQLite's SUM of the merchant's
    # ledger overflow ("integer overflow") in the available-balance check, and in GET /v1/balances.
    with fresh_merchant(sandbox) as c:
        big = 6 * 10**18
        first = create_order(c, (big, 1))
        r = pay(c, first["order_id"])
        assert r.status_code == 200 and r.json()["data"]["order"]["payment_status"] == "paid", r.text
        second = create_order(c, (big, 1))
        r = pay(c, second["order_id"])
        assert error(r, 400, "AMOUNT_TOO_LARGE")
        assert c.get(f"/v1/orders/{second['order_id']}").json()["data"]["payment_status"] == "unpaid"
        r = c.get("/v1/balances")
        assert r.status_code == 200, r.text
        available = r.json()["data"][0]["available_money"]["amount"]
        assert 0 < available <= INT64_MAX
        po = c.post("/v1/payouts", json={"amount_money": money(available)})
        assert po.status_code == 201, po.text
        error(c.post("/v1/payouts", json={"amount_money": money(1)}), 400, "INSUFFICIENT_AVAILABLE_BALANCE")
        assert c.post(f"/v1/payouts/{po.json()['data']['payout_id']}/cancel").status_code == 200
        # a manual capture is the other way money comes in
        third = create_order(c, (big, 1))
        assert c.post(f"/v1/orders/{third['order_id']}/payment-intents", json={"capture_method": "manual"}).status_code == 201
        r = pay(c, third["order_id"])
        assert r.status_code == 200, r.text
        aid = r.json()["data"]["payment_attempt"]["payment_attempt_id"]
        pi_id = c.get(f"/v1/orders/{third['order_id']}").json()["data"]["payment_intent_ids"][-1]
        error(c.post(f"/v1/orders/{third['order_id']}/payment-intents/{pi_id}/capture",
                     json={"order_payment_attempt_id": aid}), 400, "AMOUNT_TOO_LARGE")
        for path in ("/v1/balances", "/v1/balance-transactions", "/v1/payouts", "/v1/orders"):
            assert c.get(path).status_code == 200, path
        r = c.post("/v1/payouts", json={"amount_money": money(available)})
        assert r.status_code == 201, r.text


def test_metadata_patches_cannot_grow_past_50_keys(sandbox: Sandbox) -> None:
    # MetadataPatch merges into the stored map; 50 stored keys + 1 new one broke the response schema (500).
    fifty = {f"k{i}": "v" for i in range(50)}
    with fresh_merchant(sandbox) as c:
        o = create_order(c, (5000, 1))
        assert pay(c, o["order_id"]).status_code == 200
        re_ = c.post("/v1/refunds", json={"order_id": o["order_id"], "amount_money": money(10)}).json()["data"]
        d_id = c.get("/v1/payout-settings/destinations").json()["data"][0]["payout_destination_id"]
        for path in (f"/v1/orders/{o['order_id']}", f"/v1/refunds/{re_['refund_id']}",
                     f"/v1/payout-settings/destinations/{d_id}"):
            assert c.patch(path, json={"metadata": fifty}).status_code == 200, path
            r = c.patch(path, json={"metadata": {"one_more": "x"}})
            assert error(r, 400, "METADATA_TOO_MANY_KEYS")["param"] == "metadata", path
            assert len(c.get(path).json()["data"]["metadata"]) == 50, path
            r = c.patch(path, json={"metadata": {"k0": None, "one_more": "x"}})  # replace one: still 50
            assert r.status_code == 200 and len(r.json()["data"]["metadata"]) == 50, (path, r.text)
