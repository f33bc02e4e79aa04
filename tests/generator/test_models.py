"""Functional: models generated from tests/generator/specs/rich.yaml, parsed and serialized for real."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests.generator.conftest import Package

WIDGET: dict[str, Any] = {
    "id": "w_1",
    "name": "Tote",
    "status": "active",
    "created_at": "2024-05-01T12:30:00Z",
    "parts": [{"sku": "ABC-1", "quantity": 2, "price_money": {"amount": 1250, "currency": "USD"}}],
    "total_money": {"amount": 2500, "currency": "USD"},
    "note": None,
    "priority": 2,
    "dims": {"width": 1.5, "height": 2},
    "history": [{"at": "2024-05-01T12:30:00.123Z", "state": "made"}],
    "metadata": {"a": {"nested": [1, 2]}},
    "shape": {"kind": "circle", "radius": 2.5},
    "parent": {"id": "w_0", "name": "Parent", "status": "retired", "created_at": "2024-01-01T00:00:00+02:00",
               "parts": [], "total_money": {"amount": 0, "currency": "USD"}},
    "tree": {"value": 1, "children": [{"value": 2, "other": {"trees": [{"value": 3}]}}]},
    "id_or_count": 7,
    "const_kind": "widget",
}


def err(rich: Package, fn: Any, *args: Any) -> Any:
    with pytest.raises(rich.rt.ValidationError) as info:
        fn(*args)
    return info.value


def test_round_trip_keeps_every_field(rich: Package) -> None:
    w = rich.models.Widget.from_dict(copy.deepcopy(WIDGET))
    assert w.to_dict() == WIDGET
    assert isinstance(w.created_at, dt.datetime) and w.created_at.tzinfo is not None
    assert w.parts[0].price_money.currency is rich.models.CurrencyCode.USD
    assert w.tree.children[0].other.trees[0].value == 3  # mutual recursion TreeNode <-> Forest
    assert w.parent.parent is rich.rt.UNSET


def test_unset_and_null_stay_distinct(rich: Package) -> None:
    w = rich.models.Widget.from_dict(copy.deepcopy(WIDGET))
    assert w.note is None and w.color is rich.rt.UNSET and not rich.rt.UNSET
    out = w.to_dict()
    assert "note" in out and out["note"] is None
    assert "color" not in out


def test_unknown_response_fields_are_kept_and_written_back(rich: Package) -> None:
    data = {**copy.deepcopy(WIDGET), "brand_new_field": {"x": 1}}
    w = rich.models.Widget.from_dict(data)
    assert rich.rt.undeclared_fields(w) == {"brand_new_field": {"x": 1}}
    assert w.to_dict() == data
    assert "brand_new_field" not in repr(w)
    assert w == rich.models.Widget.from_dict(copy.deepcopy(data))
    assert w != rich.models.Widget.from_dict(copy.deepcopy(WIDGET))
    assert rich.rt.replace(w).to_dict() == data
    assert rich.rt.undeclared_fields(rich.models.Widget.from_dict(copy.deepcopy(WIDGET))) == {}


@pytest.mark.parametrize(
    ("mutate", "path", "kind", "keyword"),
    [
        (lambda d: d["parts"][0].__setitem__("quantity", True), "parts[0].quantity", "type", "type"),
        (lambda d: d["parts"][0].__setitem__("quantity", 2.0), "parts[0].quantity", "type", "type"),
        (lambda d: d["total_money"].__setitem__("amount", "2500"), "total_money.amount", "type", "type"),
        (lambda d: d.pop("name"), "name", "required", "required"),
        (lambda d: d.__setitem__("color", "purple"), "color", "value", "enum"),
        (lambda d: d.__setitem__("created_at", "yesterday"), "created_at", "value", "format"),
        (lambda d: d.__setitem__("created_at", "2024-05-01T12:30:00"), "created_at", "value", "format"),
        (lambda d: d["parts"][0].__setitem__("sku", "abc"), "parts[0].sku", "value", "pattern"),
        (lambda d: d["parts"][0].__setitem__("quantity", 0), "parts[0].quantity", "value", "minimum"),
        (lambda d: d["parts"][0].__setitem__("percent", 12.345), "parts[0].percent", "value", "multipleOf"),
        (lambda d: d["parts"][0].__setitem__("extra", 1), "parts[0].extra", "unknown_field", "additionalProperties"),
        (lambda d: d.__setitem__("priority", 4), "priority", "value", "enum"),
        (lambda d: d.__setitem__("id_or_count", 1.5), "id_or_count", "value", "oneOf"),
        (lambda d: d["tree"]["children"][0].__setitem__("value", None), "tree.children[0].value", "type", "type"),
    ],
)
def test_strict_rejections_say_where(rich: Package, mutate: Any, path: str, kind: str, keyword: str) -> None:
    data = copy.deepcopy(WIDGET)
    mutate(data)
    e = err(rich, rich.models.Widget.from_dict, data)
    assert (e.path, e.kind, e.keyword) == (path, kind, keyword)


def test_multiple_of_is_exact_decimal(rich: Package) -> None:
    part = {"sku": "ABC-1", "quantity": 1, "percent": 0.07}
    assert rich.models.Part.from_dict(part).percent == Decimal("0.07")  # `type: number` is exact (issue 20.3)


def test_error_codes_follow_precedence(rich: Package) -> None:
    base = {"sku": "ABC-1", "quantity": 1, "price_money": {"amount": 1, "currency": "USD"}}
    cases = {("amount", -1): ("price_money.amount", "NEGATIVE_AMOUNT"),  # innermost x-error-codes wins
             ("currency", "usd"): ("price_money.currency", "INVALID_CURRENCY"),
             ("currency", "EUR"): ("price_money.currency", "UNSUPPORTED_CURRENCY"),
             ("currency", 5): ("price_money.currency", "INVALID_CURRENCY"),
             ("amount", 1.0): ("price_money.amount", None)}
    for (field, value), expected in cases.items():
        data = copy.deepcopy(base)
        data["price_money"][field] = value
        e = err(rich, rich.models.Part.from_dict, data, "")
        assert (e.path, e.code) == expected, (field, value)


def test_outer_codes_fill_what_inner_leaves_open(rich: Package) -> None:
    # price_money declares x-error-codes {minimum: LINE_ITEM_NEGATIVE_PRICE}; Money.amount's own NEGATIVE_AMOUNT is
    # a keyword code and stays; a missing field inside Money has no code and none from outside either
    data = {"sku": "ABC-1", "quantity": 1, "price_money": {"currency": "USD"}}
    e = err(rich, rich.models.Part.from_dict, data, "line_items[3]")
    assert (e.path, e.kind, e.code) == ("line_items[3].price_money.amount", "required", None)


def test_open_enum_keeps_unknown_values(rich: Package) -> None:
    data = {**copy.deepcopy(WIDGET), "status": "melted"}
    w = rich.models.Widget.from_dict(data)
    assert isinstance(w.status, rich.rt.UnknownEnumValue) and w.status == "melted"
    assert w.to_dict()["status"] == "melted" and type(w.to_dict()["status"]) is str


def test_closed_enum_rejects_unknown_values(rich: Package) -> None:
    e = err(rich, rich.models.CreateWidgetRequest.from_dict,
            {"name": "x", "parts": [{"sku": "ABC-1", "quantity": 1}], "color": "purple"})
    assert (e.path, e.keyword) == ("color", "enum")


def test_discriminated_union_with_mapping_and_unknown_variant(rich: Package) -> None:
    m = rich.models
    holder = m.NullableEnumHolder.from_dict({"maybe_pet": {"pet_type": "dog", "good": True}})
    assert isinstance(holder.maybe_pet, m.Dog) and holder.maybe_pet.good is True
    raw = {"pet_type": "axolotl", "gills": 6}
    holder = m.NullableEnumHolder.from_dict({"maybe_pet": raw})
    assert isinstance(holder.maybe_pet, rich.rt.UnknownVariant)
    assert holder.to_dict() == {"maybe_pet": raw}
    assert m.NullableEnumHolder.from_dict({"maybe_pet": None}).maybe_pet is None


def test_inferred_discriminator_from_const_and_single_enum(rich: Package) -> None:
    m = rich.models
    assert isinstance(m.Widget.from_dict({**WIDGET, "shape": {"kind": "square", "side": 3}}).shape, m.Square)
    e = err(rich, m.Widget.from_dict, {**WIDGET, "shape": {"kind": "square", "side": "3"}})
    assert e.path == "shape.side"


def test_union_without_discriminator_tries_variants(rich: Package) -> None:
    m = rich.models
    assert m.NullableEnumHolder.from_dict({"mixed": "cus_123"}).mixed == "cus_123"
    expanded = m.NullableEnumHolder.from_dict({"mixed": copy.deepcopy(WIDGET)}).mixed
    assert isinstance(expanded, m.Widget)
    e = err(rich, m.NullableEnumHolder.from_dict, {"mixed": 5})
    assert (e.path, e.keyword) == ("mixed", "oneOf")


def test_nullable_enum_both_dialects(rich: Package) -> None:
    m = rich.models
    assert m.NullableEnumHolder.from_dict({"level": None}).level is None
    assert m.NullableEnumHolder.from_dict({"level": "high"}).level is m.NullableEnumHolderLevel.HIGH
    assert m.Widget.from_dict({**WIDGET, "priority": None}).priority is None


def test_maps_and_keyword_fields(rich: Package) -> None:
    req = rich.models.CreateWidgetRequest.from_dict(
        {"name": "x", "parts": [{"sku": "ABC-1", "quantity": 1}], "labels": {"a": "b"}, "from": "here", "class": 3})
    assert req.labels == {"a": "b"} and req.from_ == "here" and req.class_ == 3
    assert req.to_dict()["from"] == "here"
    e = err(rich, rich.models.CreateWidgetRequest.from_dict,
            {"name": "x", "parts": [{"sku": "ABC-1", "quantity": 1}], "labels": {"a": 1}})
    assert e.path == "labels.a"


def test_allof_merges_properties_and_required(rich: Package) -> None:
    a = rich.models.Animal.from_dict({"pet_type": "cat", "name": "Tom", "lives": 9})
    assert (a.pet_type, a.name, a.lives) == ("cat", "Tom", 9)
    assert err(rich, rich.models.Animal.from_dict, {"pet_type": "cat"}).path == "name"


def test_datetime_round_trip_forms(rich: Package) -> None:
    m = rich.models
    for text in ("2024-05-01T12:30:00Z", "2024-05-01T12:30:00.123Z", "2024-05-01T12:30:00.123456Z",
                 "2024-05-01T12:30:00+05:30"):
        item = m.WidgetHistoryItem.from_dict({"at": text})
        assert item.to_dict()["at"] == text


def test_path_prefix_and_top_level_type_error(rich: Package) -> None:
    e = err(rich, rich.models.Widget.from_dict, [1, 2], "body")
    assert (e.path, e.kind) == ("body", "type")


def test_models_behave_like_dataclasses(rich: Package) -> None:
    m, rt = rich.models, rich.rt
    a = m.Money(amount=1, currency=m.CurrencyCode.USD)
    assert a == m.Money(amount=1, currency=m.CurrencyCode.USD) and a != m.Money(amount=2, currency=m.CurrencyCode.USD)
    assert repr(a) == "Money(amount=1, currency=<CurrencyCode.USD: 'USD'>)"
    assert rt.replace(a, amount=5).amount == 5 and a.amount == 1
    with pytest.raises(TypeError):
        m.Money(1, m.CurrencyCode.USD)  # keyword-only
    with pytest.raises(AttributeError):
        a.unknown = 1  # __slots__
    assert m.Forest() == m.Forest() and m.Forest().to_dict() == {}
    assert m.Empty.from_dict({}) == m.Empty() and m.Empty().to_dict() == {}
    assert rt.ValidationError and pytest.raises(rt.ValidationError, m.Empty.from_dict, {"x": 1})


@pytest.mark.parametrize(("extra", "path", "keyword"), [
    ({"tags": ["a", "b", "a"]}, "tags", "uniqueItems"),
    ({"labels": {"a": "1", "b": "2", "c": "3", "d": "4"}}, "labels", "maxProperties"),
    ({"labels": {"Bad": "1"}}, "labels.Bad", "propertyNames"),
    ({"labels": {"abcdefghijk": "1"}}, "labels.abcdefghijk", "propertyNames"),
])
def test_collection_keywords(rich: Package, extra: dict[str, Any], path: str, keyword: str) -> None:
    data = {"name": "x", "parts": [{"sku": "ABC-1", "quantity": 1}], **extra}
    e = err(rich, rich.models.CreateWidgetRequest.from_dict, data)
    assert (e.path, e.keyword) == (path, keyword)


def test_min_properties_on_an_object(rich: Package) -> None:
    assert err(rich, rich.models.UpdateWidgetBody.from_dict, {}).keyword == "minProperties"
    assert rich.models.UpdateWidgetBody.from_dict({"note": None}).note is None
