"""Regressions for generator bugs found on real-world and hostile specs (tests/realworld)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.generator.conftest import build, mini_spec


def test_dunder_property_names_are_renamed_and_round_trip(tmp_path: Path) -> None:
    spec = mini_spec({"Obj": {"type": "object", "required": ["__class__"], "properties": {
        "__class__": {"type": "string"}, "__dict__": {"type": "string"}, "__init__": {"type": "string"},
        "__secret": {"type": "string"}, "_private": {"type": "string"}}}})
    pkg = build(tmp_path, spec)
    data: dict[str, Any] = {"__class__": "a", "__dict__": "b", "__init__": "c", "__secret": "d", "_private": "e"}
    obj = pkg.models.Obj.from_dict(dict(data))
    assert obj.to_dict() == data
    assert obj.__class__ is pkg.models.Obj
    assert getattr(obj, "__class___") == "a" and getattr(obj, "__dict___") == "b"
    assert getattr(obj, "_secret_") == "d" and obj._private == "e"
    assert pkg.models.Obj(__class___="x").to_dict() == {"__class__": "x"}


def test_lone_surrogates_are_escaped_and_enum_values_round_trip(tmp_path: Path) -> None:
    spec = mini_spec({"Ctrl": {"type": "object", "description": "lone \ud800 here", "properties": {
        "plain": {"type": "string", "enum": ["ok", "surrogate\udfff"], "description": "x \udc00"}}}},
        info={"title": "Mini \ud801", "version": "1", "description": "d \udbff"})
    path = tmp_path / "spec.json"
    # json.dumps escapes lone surrogates (ensure_ascii), as they appear in a real JSON spec
    path.write_text(json.dumps(spec), encoding="ascii")
    pkg = build(tmp_path, path)
    value = pkg.models.Ctrl.from_dict({"plain": "surrogate\udfff"})
    assert value.to_dict() == {"plain": "surrogate\udfff"}
    served = (pkg.root / pkg.name / "openapi.json").read_bytes().decode("utf-8")
    assert json.loads(served)["components"]["schemas"]["Ctrl"]["description"] == "lone \ud800 here"


def test_every_component_schema_gets_a_public_name(tmp_path: Path) -> None:
    spec = mini_spec({
        "mandate_multi_use": {"type": "object", "properties": {}, "title": "mandate_multi_use"},
        "Labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "Code": {"type": "string", "maxLength": 3, "nullable": True},
        "Holder": {"type": "object", "properties": {"m": {"$ref": "#/components/schemas/mandate_multi_use"}}},
    })
    pkg = build(tmp_path, spec)
    m = pkg.models
    assert m.MandateMultiUse == "dict[str, _t.Any]" and m.Labels == "dict[str, str]" and m.Code == "str | None"
    for data in ({"m": {}}, {"m": {"anything": [1, {"x": None}]}}):
        assert m.Holder.from_dict(data).to_dict() == data


def test_union_members_are_named_from_their_content_never_by_position(tmp_path: Path) -> None:
    spec = mini_spec({"Plan": {"type": "object", "properties": {
        "up_to": {"anyOf": [{"type": "string", "enum": ["inf"]}, {"type": "integer"}]},
        "url": {"anyOf": [{"type": "string", "enum": [""]}, {"type": "object", "properties": {"a": {"type": "string"}}}]},
        "source": {"oneOf": [
            {"type": "object", "required": ["iban"], "properties": {"iban": {"type": "string"}}},
            {"type": "object", "properties": {"kind": {"type": "string", "enum": ["card"]}, "n": {"type": "string"}}},
            {"type": "object", "title": "bank thing", "properties": {"b": {"type": "string"}}}]}}}})
    pkg = build(tmp_path, spec)
    m = pkg.models
    for name in ("PlanUpToInf", "PlanUrlEmpty", "PlanUrlObject", "PlanSourceWithIban", "PlanSourceKindCard",
                 "PlanSourceBankThing"):
        assert hasattr(m, name), name
    assert not [n for n in dir(m) if "Option" in n]
    data = {"up_to": "inf", "url": {"a": "x"}, "source": {"iban": "DE00"}}
    assert m.Plan.from_dict(dict(data)).to_dict() == data
    assert m.Plan.from_dict({"up_to": 5}).to_dict() == {"up_to": 5}


def test_union_components_have_a_public_parser(tmp_path: Path) -> None:
    spec = mini_spec({
        "Card": {"type": "object", "required": ["object", "last4"], "properties": {
            "object": {"type": "string", "enum": ["card"]}, "last4": {"type": "string"}}},
        "BankAccount": {"type": "object", "required": ["object", "bank"], "properties": {
            "object": {"type": "string", "enum": ["bank_account"]}, "bank": {"type": "string"}}},
        "external_account": {"oneOf": [{"$ref": "#/components/schemas/Card"},
                                       {"$ref": "#/components/schemas/BankAccount"}],
                             "discriminator": {"propertyName": "object"}},
    })
    pkg = build(tmp_path, spec)
    parse = pkg.models.parse_external_account
    card = parse({"object": "card", "last4": "4242"})
    assert isinstance(card, pkg.models.Card)
    assert pkg.rt.dump(card) == {"object": "card", "last4": "4242"}
    assert isinstance(parse({"object": "bank_account", "bank": "x"}), pkg.models.BankAccount)
    try:
        parse({"object": "card"}, "data")
    except pkg.rt.ValidationError as e:
        assert e.path == "data.last4"
    else:
        raise AssertionError("a card without last4 parsed")
