"""The pieces of `flint-contract diff` that need no server: id mapping, allowances read from the spec, the
comparison, references and shrinking's re-pointing, the curl sequence."""

from __future__ import annotations

from typing import Any

import pytest

from flint_contract.diff.compare import (
    Allowance, AllowanceError, Canon, Outcome, category, compare, load_allowances)
from flint_contract.diff.execute import SequenceRun
from flint_contract.diff.generate import Generator, mutate, sequence_rng, value_pool
from flint_contract.diff.sequence import Ref, Step, curl_script, subsequence
from flint_contract.diff.shrink import aliases, build
from flint_contract.spec import load_spec


def outcome(canon: Canon, status: int, body: Any, allowances: list[Allowance] | None = None) -> Outcome:
    return Outcome(status, canon(body, allowances or []))


def test_ids_are_compared_by_what_they_refer_to_not_by_spelling() -> None:
    o, t = Canon(), Canon()
    a = outcome(o, 201, {"data": {"order_id": "ord_A", "created_at": "2026-01-01T00:00:00Z", "line_items": [
        {"order_line_item_id": "li_A"}]}, "request_id": "r1"})
    b = outcome(t, 201, {"data": {"order_id": "ord_9", "created_at": "2026-05-05T10:00:00Z", "line_items": [
        {"order_line_item_id": "li_9"}]}, "request_id": "r2"})
    assert not compare(a, b, []).differences
    # the same id later must refer to the same object on both sides
    same = compare(outcome(o, 200, {"data": {"order_id": "ord_A"}}), outcome(t, 200, {"data": {"order_id": "ord_9"}}), [])
    assert not same.differences
    swapped = compare(outcome(o, 200, {"data": {"order_id": "li_A"}}), outcome(t, 200, {"data": {"order_id": "ord_9"}}), [])
    assert [d.where for d in swapped.differences] == ["/data/order_id"]


def test_money_status_and_json_types_are_compared_exactly() -> None:
    o, t = Canon(), Canon()
    money = compare(outcome(o, 200, {"amount_money": {"amount": 5000, "currency": "USD"}}),
                    outcome(t, 200, {"amount_money": {"amount": 5001, "currency": "USD"}}), [])
    assert [(d.where, d.oracle, d.target) for d in money.differences] == [("/amount_money/amount", 5000, 5001)]
    assert category(Outcome(200, {}), Outcome(200, {}), money.differences[0]) == "diff_money"
    floats = compare(Outcome(200, {"amount": 1}), Outcome(200, {"amount": 1.0}), [])
    assert floats.differences
    accepts = compare(Outcome(400, {"error": {"code": "X"}}), Outcome(201, {"data": {}}), [])
    assert category(Outcome(400, {}), Outcome(201, {}), accepts.differences[0]) == "diff_accepts"
    rejects = compare(Outcome(201, {}), Outcome(400, {"error": {"code": "X", "param": "p"}}), [])
    assert category(Outcome(201, {}), Outcome(400, {}), rejects.differences[0]) == "diff_rejects"
    short = compare(Outcome(200, {"data": [{"order_id": "<id 1>"}, {"order_id": "<id 2>"}]}),
                    Outcome(200, {"data": [{"order_id": "<id 1>"}]}), [])
    assert "missing on the target: <id 2>" in short.differences[0].what


def test_allowances_forgive_only_where_they_say_and_are_counted() -> None:
    ignore = Allowance("msg", "ignore", ("error", "message"), "prose", "document")
    unordered = Allowance("ord", "unordered", ("data",), "no order", "listX")
    optional = Allowance("meta", "optional", ("meta",), "may be omitted", "document")
    o = Outcome(400, {"error": {"code": "C", "message": "a"}, "meta": {"v": 1}})
    t = Outcome(400, {"error": {"code": "C", "message": "b"}})
    cmp = compare(o, t, [ignore, optional])
    assert not cmp.differences and cmp.used == {"msg": 1, "meta": 1}
    assert compare(o, t, [ignore]).differences  # without the allowance, a missing meta is a difference
    lo, lt = Outcome(200, {"data": [1, 2, 3]}), Outcome(200, {"data": [3, 1, 2]})
    assert compare(lo, lt, []).differences
    ok = compare(lo, lt, [unordered])
    assert not ok.differences and ok.used == {"ord": 1}
    assert compare(lo, Outcome(200, {"data": [3, 1]}), [unordered]).differences  # order only, not contents


def test_the_spec_carries_the_allowances_each_with_a_reason() -> None:
    spec = load_spec()
    per_op = load_allowances(spec)
    assert set(per_op) == set(spec.operations)
    names = {a.name for a in per_op["getOrder"]}
    assert {"error-message-text", "support-reference"} <= names
    assert "balances-order" in {a.name for a in per_op["listBalances"]} - names
    assert all(a.reason.strip() for allowances in per_op.values() for a in allowances)
    broken = load_spec()
    broken.document["x-flint-diff-allowances"] = [{"name": "x", "kind": "sometimes", "path": "/a", "reason": "r"}]
    with pytest.raises(AllowanceError):
        load_allowances(broken)


def test_an_id_allowance_maps_a_field_not_named_id() -> None:
    ref = Allowance("sr", "id", ("**", "support_reference"), "server-chosen", "document")
    o, t = Canon(), Canon()
    a = outcome(o, 201, {"data": {"payment_intent": {"support_reference": "SR-1"}}}, [ref])
    b = outcome(t, 201, {"data": {"payment_intent": {"support_reference": "SR-X"}}}, [ref])
    assert not compare(a, b, []).differences and o.used == {"sr": 1}
    assert compare(Outcome(201, Canon()({"support_reference": "SR-1"})),
                   Outcome(201, Canon()({"support_reference": "SR-X"})), []).differences


def test_dropping_a_step_drops_what_refers_to_it_and_renumbers() -> None:
    steps = [Step("createOrder", body={}), Step("createOrder", body={}),
             Step("getOrder", {"order_id": Ref(1, "/data/order_id")}),
             Step("createRefund", body={"order_id": Ref(0, "/data/order_id")})]
    kept = subsequence(steps, {0, 2, 3})
    assert [s.op for s in kept] == ["createOrder", "createRefund"]
    assert kept[1].body == {"order_id": Ref(0, "/data/order_id")}
    kept = subsequence(steps, {1, 2, 3})
    assert [s.op for s in kept] == ["createOrder", "getOrder"] and kept[1].path == {"order_id": Ref(0, "/data/order_id")}


def test_shrinking_re_points_a_reference_to_an_earlier_step_with_the_same_id() -> None:
    steps = [Step("createOrder", body={}), Step("addOrderLineItems", {"order_id": Ref(0, "/data/order_id")}, body={}),
             Step("closeOrder", {"order_id": Ref(1, "/data/order_id")}, body={})]
    raws = ['{"data": {"order_id": "ord_1"}}', '{"data": {"order_id": "ord_1", "x": 1}}', '{"data": {}}']
    run = SequenceRun(steps, [Outcome(200, None, r) for r in raws], [])
    alias = aliases(steps, run)
    built, kept = build(steps, [0, 2], alias)
    assert kept == [0, 2] and built[1].path == {"order_id": Ref(0, "/data/order_id")}
    assert build(steps, [1, 2], alias)[1] == []  # nothing left to take the order id from


def test_the_curl_sequence_reads_each_id_from_the_earlier_response() -> None:
    spec = load_spec()
    script = curl_script(spec, [
        Step("createOrder", body={"line_items": [{"name": "Bob's bag", "quantity": 1}]}),
        Step("createRefund", body={"order_id": Ref(0, "/data/order_id")}),
        Step("getOrder", {"order_id": Ref(0, "/data/order_id")}, {"expand": "payment_intents"})])
    lines = script.splitlines()
    assert len(lines) == 3 and all('$FLINT_API_KEY' in line and '"$FLINT_BASE_URL/v1/' in line for line in lines)
    assert lines[0].startswith("S0=$(curl") and "-X POST" in lines[0] and "Bob'\"'\"'s bag" in lines[0]
    assert "\"$(printf '%s' \"$S0\" | jq -r '.data.order_id')\"" in lines[1]
    assert "/v1/orders/$(printf '%s' \"$S0\" | jq -r '.data.order_id')?expand=payment_intents" in lines[2]


def test_generation_is_a_function_of_the_seed() -> None:
    spec = load_spec()

    def draw(seed: int) -> list[str]:
        gen = Generator(spec, sequence_rng(seed, 0))
        steps: list[Step] = []
        bodies: list[Any] = []
        for _ in range(8):
            steps.append(gen.next(steps, bodies, [True] * len(steps)))
            bodies.append({"data": {"order_id": "ord_1", "payment_intent_id": "pi_1"}})
        return [repr(s) for s in steps]

    assert draw(7) == draw(7)
    assert draw(7) != draw(8)
    pool = value_pool(spec)
    assert "tok_card_declined" in pool["token"] and "manual" in pool["capture_method"]
    body = {"line_items": [{"name": "n", "quantity": 2, "unit_price_money": {"amount": 1250, "currency": "USD"}}]}
    varied = [mutate(sequence_rng(1, i), body, pool) for i in range(200)]
    assert any(v["line_items"][0]["quantity"] == 0 for v in varied)
    assert all(v["line_items"][0]["unit_price_money"]["currency"] == "USD" for v in varied)


def test_diff_cannot_run_without_a_server_or_with_bad_allowances(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from flint_contract import cli

    assert cli.main(["diff", "--base-url", "", "--api-key", ""]) == 2
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens there
    assert cli.main(["diff", "--oracle", closed, "--base-url", closed, "--api-key", "k", "--quiet"]) == 2
    assert "cannot run" in capsys.readouterr().out
    import copy
    import json

    doc = copy.deepcopy(load_spec().document)
    doc["x-flint-diff-allowances"] = [{"name": "x", "kind": "ignore", "path": "/a"}]  # no reason
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    assert cli.main(["diff", "--spec", str(bad), "--base-url", closed, "--api-key", "k", "--quiet"]) == 2
    assert "x-flint-diff-allowances[0] needs name, kind" in capsys.readouterr().out
