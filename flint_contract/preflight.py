"""Preflight: prove the URL and keys work before fuzzing (schemathesis alone exits 0 on a bad key),
then seed the objects every id-scoped operation needs so each can reach a 2xx (cookbook P7)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .flows import TOKEN_THREEDS, Flows, get_id, path_of, usd
from .probe_client import ProbeClient, Reply, Unreachable


class CannotRun(Exception):
    """The kit cannot judge this server (unreachable, key rejected): exit 2."""


def check_access(client: ProbeClient, who: str) -> None:
    try:
        reply = client.request("GET", path_of(client.spec, "listOrders"), op="listOrders", params={"page_size": 1}, check_response_rules=False)
    except Unreachable as exc:
        raise CannotRun(f"server unreachable: {exc}") from exc
    if reply.status in (401, 403):
        raise CannotRun(f"{who} rejected: GET /v1/orders?page_size=1 -> {reply.brief()}")
    if reply.status != 200:
        raise CannotRun(f"preflight GET /v1/orders?page_size=1 with {who} -> {reply.brief()} (expected 200)")


@dataclass
class Seed:
    pins: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    stateful_refund_order: str | None = None
    # Root steps of the stateful phase get objects of their own: the unit phases learn pinned ids from
    # responses and pay or close those orders, after which every order-building root step is a 409.
    stateful_pins: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # Operations the run must not fuzz, because they destroy what the kit did not create and cannot re-create.
    protected: list[str] = field(default_factory=list)

    def pin(self, op_id: str, *, path: dict[str, Any] | None = None, body: dict[str, Any] | None = None) -> None:
        entry = self.pins.setdefault(op_id, {})
        if path:
            entry.setdefault("path", {}).update(path)
        if body:
            entry.setdefault("body", {}).update(body)


def _first(items: Any, key: str) -> str:
    if isinstance(items, list):
        for item in items:
            if isinstance(item, dict) and isinstance(item.get(key), str):
                return str(item[key])
    return ""


def seed(client: ProbeClient, *, destructive: bool = False, run_tag: str = "") -> Seed:
    """Create the objects each id-scoped operation is pinned to. Every operation that mutates state
    gets its own object, so one operation's fuzzing cannot starve another's."""
    f = Flows(client)
    s = Seed()

    def order(lines: int = 1) -> tuple[str, Reply]:
        r = f.create_order([f.line(name=f"Seed item {i}", unit=1250 + i, qty=2) for i in range(lines)])
        oid = get_id(r, "order_id")
        if not oid:
            client.fail("seed_data", f"createOrder -> {r.brief()}", "201 with data.order_id", r, "createOrder")
        return oid, r

    def line_id(r: Reply, index: int = 0) -> str:
        data = r.data if isinstance(r.data, dict) else {}
        items = data.get("line_items") or []
        return str(items[index].get("order_line_item_id", "")) if len(items) > index else ""

    oid, _ = order()
    s.pin("getOrder", path={"order_id": oid})
    s.pin("updateOrder", path={"order_id": order()[0]})
    s.pin("addOrderLineItems", path={"order_id": order()[0]})
    oid, r = order()
    s.pin("updateOrderLineItem", path={"order_id": oid, "order_line_item_id": line_id(r)})
    oid, r = order(lines=2)
    s.pin("deleteOrderLineItem", path={"order_id": oid, "order_line_item_id": line_id(r, 1)})
    s.pin("addOrderCharge", path={"order_id": order()[0]})
    s.pin("applyOrderDiscount", path={"order_id": order()[0]})
    s.pin("previewOrderDiscounts", path={"order_id": order()[0]})
    s.pin("repriceOrderDiscounts", path={"order_id": order()[0]})
    s.pin("listOrderActivities", path={"order_id": order()[0]})
    s.pin("closeOrder", path={"order_id": order()[0]})
    s.pin("payOrder", path={"order_id": order()[0]})
    s.pin("createOrderPaymentIntent", path={"order_id": order()[0]})

    # (addOrderCharge's is the one seen paid: its charges feed the update/delete-charge links)
    s.stateful_pins["addOrderCharge"] = {"path": {"order_id": order()[0]}}

    # A charge to delete and a discount to remove, created with the spec's own example bodies.
    oid, _ = order()
    charge = client.post(path_of(client.spec, "addOrderCharge", order_id=oid), _charge_body(f), op="addOrderCharge")
    charges = None
    if isinstance(charge.data, dict):
        charges = charge.data.get("charges") or charge.data.get("applied_charges")
    s.pin("deleteOrderCharge", path={"order_id": oid, "order_charge_id": _first(charges, "order_charge_id")})
    oid, _ = order()
    charge = client.post(path_of(client.spec, "addOrderCharge", order_id=oid), _charge_body(f), op="addOrderCharge")
    charges = charge.data.get("charges") if isinstance(charge.data, dict) else None
    s.pin("updateOrderCharge", path={"order_id": oid, "order_charge_id": _first(charges, "order_charge_id")})
    oid, _ = order()
    disc = client.post(path_of(client.spec, "applyOrderDiscount", order_id=oid), _discount_body(f), op="applyOrderDiscount")
    discounts = None
    if isinstance(disc.data, dict):
        discounts = disc.data.get("applied_discounts") or disc.data.get("discounts")
    s.pin("removeOrderDiscounts", path={"order_id": oid}, body={"order_discount_ids": [_first(discounts, "order_discount_id")]})

    # Authorized manual-capture intents: one to capture, one to cancel.
    for op_id in ("captureOrderPayment", "cancelOrderPayment"):
        oid, _ = order()
        pi = get_id(f.manual_intent(oid), "payment_intent_id")
        attempt = f.pay(oid)
        # the authorization belongs to the attempt, which the request must name (PAYMENT_ATTEMPT_ID_REQUIRED)
        s.pin(op_id, path={"order_id": oid, "payment_intent_id": pi},
              body={"order_payment_attempt_id": get_id(attempt, "payment_attempt_id")})

    # Payment attempts: a finished one to read and list, and one waiting for a buyer action (3-D Secure)
    # to cancel.
    oid, paid_attempt = f.paid_order()
    s.pin("listOrderPaymentAttempts", path={"order_id": oid})
    s.pin("getOrderPaymentAttempt", path={"order_id": oid, "payment_attempt_id": get_id(paid_attempt, "payment_attempt_id")})
    oid, _ = order()
    pending = f.pay(oid, token=TOKEN_THREEDS)
    s.pin(
        "cancelOrderPaymentAttempt",
        path={"order_id": oid, "payment_attempt_id": get_id(pending, "payment_attempt_id")},
    )

    # Standalone payment intents: one to update and one to confirm (both unconfirmed), an authorized
    # manual-capture one to capture and one to cancel.
    s.pin("updatePaymentIntent", path={"payment_intent_id": get_id(f.standalone_intent(), "payment_intent_id")})
    s.pin("confirmPaymentIntent", path={"payment_intent_id": get_id(f.standalone_intent(), "payment_intent_id")})
    for op_id in ("capturePaymentIntent", "cancelPaymentIntent"):
        pi = get_id(f.standalone_intent(capture_method="manual"), "payment_intent_id")
        if pi:
            f.confirm_intent(pi)
        s.pin(op_id, path={"payment_intent_id": pi})

    # Funds for every payout the run will try (fuzzed amounts stay small next to this).
    f.paid_order(unit=1_000_000, qty=10)
    # Refunded one cent at a time by root createRefund steps of the stateful phase (case_steering._steer_stateful).
    s.stateful_refund_order = f.paid_order(unit=1_000_000, qty=1)[0]
    # A paid order: refunds, the payment intent, the ledger and the balance payouts draw on.
    paid_id, paid = f.paid_order(unit=5000, qty=4)
    s.pin("createRefund", body={"order_id": paid_id})
    got = f.get_order(paid_id)
    intents = (got.data or {}).get("payment_intent_ids") if isinstance(got.data, dict) else None
    pi_id = get_id(paid, "payment_intent_id") or (intents[0] if isinstance(intents, list) and intents else "")
    if not pi_id:
        listed = client.get(path_of(client.spec, "listPaymentIntents"), op="listPaymentIntents", params={"page_size": 1})
        pi_id = _first(listed.data, "payment_intent_id")
    s.pin("getPaymentIntent", path={"payment_intent_id": pi_id})
    refund = f.refund(paid_id, 100)
    refund_id = get_id(refund, "refund_id")
    if not refund_id:
        client.fail("seed_data", f"createRefund -> {refund.brief()}", "201 with data.refund_id", refund, "createRefund")
    s.pin("getRefund", path={"refund_id": refund_id})
    s.pin("updateRefund", path={"refund_id": refund_id})

    txns = client.get(path_of(client.spec, "listBalanceTransactions"), op="listBalanceTransactions", params={"page_size": 1})
    s.pin("getBalanceTransaction", path={"balance_transaction_id": _first(txns.data, "balance_transaction_id")})

    dests = client.get(path_of(client.spec, "listPayoutDestinations"), op="listPayoutDestinations", params={"page_size": 100})
    dest_list = [d for d in (dests.data or []) if isinstance(d, dict) and "payout_destination_id" in d]
    # Payouts and the destination reads go to an *active* destination: an earlier --destructive run
    # (or the merchant) may have deleted some, and a deleted one answers 409 DESTINATION_NOT_ACTIVE.
    active = [str(d["payout_destination_id"]) for d in dest_list if d.get("status", "active") == "active"]
    dest_ids = active or [str(d["payout_destination_id"]) for d in dest_list]
    if dest_ids:
        s.pin("getPayoutDestination", path={"payout_destination_id": dest_ids[0]})
        s.pin("updatePayoutDestination", path={"payout_destination_id": dest_ids[0]})
        s.pin("createPayout", body={"payout_destination_id": dest_ids[0]})
        if destructive:
            # deletePayoutDestination runs last (engine.LAST_PASS): its stateful pass reaches it through the
            # link without pins, then its unit phases get this id (deleting twice is a harmless 200 in Flint;
            # without an id they only reach 404, which schemathesis rightly flags as missing test data).
            s.pin("deletePayoutDestination", path={"payout_destination_id": dest_ids[0]})
    else:
        s.notes.append("no payout destination dest_list: destination operations cannot reach 2xx")
    if not destructive:
        # The contract has no operation that creates a payout destination, so the kit cannot make one of its
        # own to delete: deleting the merchant's would break every later payout (and every later run).
        s.protected.append("deletePayoutDestination")
        s.notes.append(
            "deletePayoutDestination not fuzzed: the API cannot create a payout destination, so the kit would "
            "delete the merchant's own (pass --destructive against a throwaway server, as `make contract` does)"
        )
    if not active and dest_list:
        s.notes.append("no active payout destination: payouts will be refused (409 DESTINATION_NOT_ACTIVE)")

    payouts = []
    for _ in range(2):
        body: dict[str, Any] = {"amount_money": usd(100)}
        if dest_ids:
            body["payout_destination_id"] = dest_ids[0]
        p = client.post(path_of(client.spec, "createPayout"), body, op="createPayout")
        payouts.append(get_id(p, "payout_id"))
        if not payouts[-1]:
            client.fail("seed_data", f"createPayout -> {p.brief()}", "201 with data.payout_id", p, "createPayout")
    s.pin("getPayout", path={"payout_id": payouts[0]})
    s.pin("listPayoutEntries", path={"payout_id": payouts[0]})
    s.pin("cancelPayout", path={"payout_id": payouts[1]})
    # Drop pins whose id could not be seeded; the 2xx coverage report names those operations.
    for op_id in list(s.pins):
        for where in ("path", "body"):
            vals = s.pins[op_id].get(where, {})
            for k in [k for k, v in vals.items() if not v or v == [""]]:
                del vals[k]
    return s


def _charge_body(f: Flows) -> dict[str, Any]:
    from .flows import example_body

    body = example_body(f.spec, "addOrderCharge")
    if isinstance(body, dict):
        return body
    return {"charge": {"name": "Delivery", "type": "delivery_fee", "amount_money": usd(500)}}


def _discount_body(f: Flows) -> dict[str, Any]:
    from .flows import example_body

    body = example_body(f.spec, "applyOrderDiscount")
    if isinstance(body, dict) and "manual" in body:
        return body
    return {"manual": {"name": "Seed discount", "amount_money": usd(100)}}
