"""Unit: naming rule and IR construction."""

from __future__ import annotations

from typing import Any

import pytest

from flint_generator.ir import Api, build_api, enum_member_names
from flint_generator.naming import method_name, pascal, safe_identifier, snake, unique_fields
from tests.generator.conftest import mini_spec


def api_of(schemas: dict[str, Any], paths: dict[str, Any] | None = None, version: str = "3.1.0",
           **root: Any) -> Api:
    spec = mini_spec(schemas, paths, **root)
    spec["openapi"] = version
    api, errors = build_api(spec, lenient=False)
    assert api is not None, errors
    return api


def model(api: Api, name: str) -> Any:
    return next(m for m in api.models if m.name == name)


def field(api: Api, cls: str, prop: str) -> Any:
    return next(f for f in model(api, cls).fields if f.json_name == prop)


@pytest.mark.parametrize(("op", "tag", "expected"), [
    ("createOrder", "orders", "create"), ("addOrderLineItems", "orders", "add_line_items"),
    ("listPayoutEntries", "payouts", "list_entries"), ("listPaymentIntents", "payment_intents", "list"),
    ("getPayoutSettings", "payout_settings", "get"), ("createOrderPaymentIntent", "orders", "create_payment_intent"),
    ("listBalanceTransactions", "balance_transactions", "list"), ("GetV1Customers", "customers", "get_v1"),
    ("ping", "", "ping"),
])
def test_method_names(op: str, tag: str, expected: str) -> None:
    assert method_name(op, tag) == expected


def test_identifiers() -> None:
    assert pascal("order_line_item") == "OrderLineItem" and pascal("issuing.card") == "IssuingCard"
    assert pascal("3d_secure") == "N3dSecure" and pascal("none") == "None_"
    assert snake("createOrderHTTPRequest") == "create_order_http_request"
    assert safe_identifier("from") == "from_" and safe_identifier("type") == "type_"
    assert safe_identifier("id") == "id" and safe_identifier("x-rate") == "x_rate"
    assert unique_fields(["foo-bar", "foo_bar", "class"], set()) == {
        "foo-bar": "foo_bar_", "foo_bar": "foo_bar", "class": "class_"}


def test_enum_member_names_never_numbered() -> None:
    assert enum_member_names(["Etc/GMT+0", "Etc/GMT-0", "Etc/GMT0"]) == ["ETC_SLASH_GMT_PLUS_0", "ETC_SLASH_GMT_MINUS_0",
                                                                         "ETC_GMT0"]
    assert enum_member_names(["a b", "A_B"]) == ["A_SPACE_B", "A_UNDERSCORE_B"]


def test_inline_names_and_collision_rule() -> None:
    api = api_of({
        "Order": {"type": "object", "properties": {
            "line_items": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "string"}}}},
            "tip": {"type": "object", "properties": {"z": {"type": "string"}}},
            "twin": {"type": "object", "properties": {"x": {"type": "string"}}}}},
        "OrderTip": {"type": "object", "properties": {"y": {"type": "string"}}},
    })
    names = {m.name: m.pointer for m in api.models}
    assert names["OrderLineItemsItem"] == "/components/schemas/Order/properties/line_items/items"
    assert names["OrderTip"] == "/components/schemas/OrderTip"  # components win
    assert names["OrderTipInline"] == "/components/schemas/Order/properties/tip"
    report = {n.pointer: n for n in api.naming}
    assert "collided" in report["/components/schemas/Order/properties/tip"].rule
    # an identical inline shape shares the first one's class, and the report says so
    assert report["/components/schemas/Order/properties/twin"].name == "OrderLineItemsItem"
    assert "identical to /components/schemas/Order/properties/line_items/items" in report[
        "/components/schemas/Order/properties/twin"].rule


def test_component_keys_that_collide_keep_their_separators() -> None:
    api = api_of({"issuing.card": {"type": "object", "properties": {"a": {"type": "string"}}},
                  "issuing_card": {"type": "object", "properties": {"b": {"type": "string"}}}})
    assert sorted(m.name for m in api.models) == ["Issuing_Card", "IssuingCard"] or sorted(
        m.name for m in api.models) == ["IssuingCard", "Issuing_Card"]


def test_nullable_both_dialects() -> None:
    api30 = api_of({"A": {"type": "object", "properties": {
        "s": {"type": "string", "nullable": True},
        "e": {"type": "string", "enum": ["a", "b"], "nullable": True},
        "r": {"allOf": [{"$ref": "#/components/schemas/B"}], "nullable": True}}},
        "B": {"type": "object", "properties": {"x": {"type": "integer"}}}}, version="3.0.3")
    for prop in ("s", "e", "r"):
        assert field(api30, "A", prop).type.nullable, prop
    api31 = api_of({"A": {"type": "object", "properties": {
        "s": {"type": ["string", "null"]},
        "e": {"type": ["string", "null"], "enum": ["a", "b", None]},
        "u": {"anyOf": [{"$ref": "#/components/schemas/B"}, {"type": "null"}]},
        "c": {"const": "fixed"}}},
        "B": {"type": "object", "properties": {"x": {"type": "integer"}}}})
    for prop in ("s", "e", "u"):
        assert field(api31, "A", prop).type.nullable, prop
    assert field(api31, "A", "e").type.kind == "enum"
    assert field(api31, "A", "u").type.kind == "model"  # a one-member anyOf plus null is just nullable
    assert field(api31, "A", "c").type.checks[0].value == ["fixed"]


def test_allof_merge_and_scalar_allof_codes() -> None:
    api = api_of({
        "Base": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
        "Child": {"allOf": [{"$ref": "#/components/schemas/Base"},
                            {"type": "object", "required": ["n"], "properties": {"n": {"type": "integer"}}}]},
        "Code": {"type": "string", "enum": ["USD", "EUR"], "x-error-code": "BAD"},
        "Holder": {"type": "object", "properties": {"c": {"allOf": [
            {"$ref": "#/components/schemas/Code"}, {"enum": ["USD"], "x-error-code": "UNSUPPORTED"}]}}},
    })
    child = model(api, "Child")
    assert [(f.json_name, f.required) for f in child.fields] == [("id", True), ("n", True)]
    c = field(api, "Holder", "c").type
    assert (c.kind, c.name, c.value_code, c.type_code) == ("enum", "Code", "BAD", "BAD")
    assert [(k.keyword, k.value, k.code) for k in c.checks] == [("enum", ["USD"], "UNSUPPORTED")]


def test_an_annotated_reference_is_the_referenced_class() -> None:
    """`allOf: [{$ref}, {description}]` is how OpenAPI 3.0 specs annotate a reference (every property of AWS's):
    the referenced class itself, not a copy of it per property. Anything more than annotations still composes."""
    ref = {"$ref": "#/components/schemas/B"}
    api = api_of({
        "B": {"type": "object", "properties": {"x": {"type": "integer", "minimum": 0}}},
        "E": {"type": "string", "enum": ["a", "b"]},
        "A": {"type": "object", "properties": {
            "b": {"allOf": [ref, {"description": "the B", "xml": {"name": "b"}}]},
            "e": {"allOf": [{"$ref": "#/components/schemas/E"}], "description": "an E", "x-note": 1},
            "coded": {"allOf": [ref], "x-error-codes": {"minimum": "B_NEGATIVE"}},
            "extended": {"allOf": [ref, {"properties": {"y": {"type": "string"}}}]},
            "member_code": {"allOf": [ref, {"x-error-code": "ONLY_HERE"}]},
            "two_refs": {"allOf": [ref, {"$ref": "#/components/schemas/E"}]},
        }},
    }, version="3.0.3")
    assert [(f.type.kind, f.type.name) for f in model(api, "A").fields[:3]] == [
        ("model", "B"), ("enum", "E"), ("model", "B")]
    coded = field(api, "A", "coded").type
    assert coded.recode is not None and coded.recode.by_keyword == {"minimum": "B_NEGATIVE"}
    assert field(api, "A", "extended").type.name == "AExtended"
    assert field(api, "A", "member_code").type.name == "AMemberCode"  # a member's code is that member's own
    assert sorted(m.name for m in api.models) == ["A", "AExtended", "AMemberCode", "ATwoRefs", "B"]


def test_discriminators_explicit_and_inferred() -> None:
    api = api_of({
        "Cat": {"type": "object", "properties": {"kind": {"type": "string", "const": "cat"}}},
        "Dog": {"type": "object", "properties": {"kind": {"type": "string", "enum": ["dog"]}}},
        "Inferred": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}]},
        "Explicit": {"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                     "discriminator": {"propertyName": "kind"}},
        "Plain": {"anyOf": [{"type": "string"}, {"$ref": "#/components/schemas/Cat"}]},
    })
    unions = {u.name: u for u in api.unions}
    assert unions["Inferred"].discriminator == "kind"
    assert [v.tags for v in unions["Inferred"].variants] == [["cat"], ["dog"]]
    assert [v.tags for v in unions["Explicit"].variants] == [["cat"], ["dog"]]
    assert unions["Plain"].discriminator is None


def test_recursion_is_finite() -> None:
    api = api_of({
        "Node": {"type": "object", "properties": {"kids": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                                                  "other": {"$ref": "#/components/schemas/Other"}}},
        "Other": {"type": "object", "properties": {"back": {"$ref": "#/components/schemas/Node"}}},
        "Loop": {"$ref": "#/components/schemas/Loop2"}, "Loop2": {"$ref": "#/components/schemas/Loop"},
    })
    assert field(api, "Node", "kids").type.item.name == "Node"
    assert field(api, "Other", "back").type.name == "Node"


def test_enum_openness_defaults_by_usage() -> None:
    paths = {"/x": {"post": {"operationId": "makeX", "requestBody": {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/In"}}}}, "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Out"}}}}}}}}
    api = api_of({
        "In": {"type": "object", "properties": {"e": {"type": "string", "enum": ["a"]}}},
        "Out": {"type": "object", "properties": {"e": {"type": "string", "enum": ["a"]},
                                                 "f": {"type": "string", "enum": ["a"], "x-flint-enum": "closed"}}},
    }, paths)
    assert sorted(e.name for e in api.enums) == ["InE", "OutF"]  # Out.e is identical to In.e: one class
    assert api.enum_open == {"/components/schemas/In/properties/e": False,
                             "/components/schemas/Out/properties/e": True,
                             "/components/schemas/Out/properties/f": False}


def test_duplicate_operation_ids_are_errors() -> None:
    op = {"operationId": "same", "responses": {"200": {"description": "ok"}}}
    spec = mini_spec({}, {"/a": {"get": op}, "/b": {"get": op}})
    api, errors = build_api(spec, lenient=False)
    assert api is None and errors[0].pointer == "/paths/~1b/get/operationId"


def test_additional_properties_false_only_enforced_on_requests() -> None:
    paths = {"/x": {"post": {"operationId": "makeX", "requestBody": {"content": {"application/json": {
        "schema": {"$ref": "#/components/schemas/In"}}}}, "responses": {"200": {"description": "ok", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Out"}}}}}}}}
    closed = {"type": "object", "additionalProperties": False, "properties": {"a": {"type": "string"}}}
    api = api_of({"In": dict(closed), "Out": {**closed, "properties": {"b": {"type": "string"}}}}, paths)
    assert model(api, "In").reject_unknown and not model(api, "Out").reject_unknown
