"""Loading: multi-file specs with relative $refs are bundled into one document."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from flint_generator.errors import SpecErrors
from flint_generator.load import load_spec
from tests.generator.conftest import build


def write(path: Path, doc: dict[str, object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def split_spec(tmp_path: Path) -> Path:
    write(tmp_path / "schemas" / "common.yaml", {"components": {"schemas": {
        "Money": {"type": "object", "required": ["amount"], "properties": {
            "amount": {"type": "integer"}, "next": {"$ref": "#/components/schemas/Money"},
            "tag": {"$ref": "../shared.yaml#/Tag"}}}}}})
    write(tmp_path / "shared.yaml", {"Tag": {"type": "string", "enum": ["a", "b"]}})
    write(tmp_path / "paths.yaml", {"price": {"get": {"operationId": "getPrice", "responses": {"200": {
        "description": "ok", "content": {"application/json": {"schema": {
            "$ref": "schemas/common.yaml#/components/schemas/Money"}}}}}}}})
    return write(tmp_path / "main.yaml", {"openapi": "3.1.0", "info": {"title": "Split", "version": "1"},
                                          "paths": {"/price": {"$ref": "paths.yaml#/price"}}})


def test_relative_refs_are_bundled(tmp_path: Path) -> None:
    loaded = load_spec(split_spec(tmp_path))
    doc = loaded.document
    assert doc["paths"]["/price"]["get"]["operationId"] == "getPrice"
    money = doc["components"]["schemas"]["Money"]
    assert money["properties"]["next"] == {"$ref": "#/components/schemas/Money"}  # recursion kept as a local ref
    assert money["properties"]["tag"]["enum"] == ["a", "b"]  # a non-component target is inlined
    assert len(loaded.files) == 4
    assert "$ref" not in json.dumps(doc).replace('"$ref": "#/', "")


def test_split_spec_generates_and_round_trips(tmp_path: Path) -> None:
    pkg = build(tmp_path / "out", split_spec(tmp_path))
    value = {"amount": 1, "next": {"amount": 2, "tag": "b"}}
    assert pkg.models.Money.from_dict(value).to_dict() == value


def test_missing_file_and_bad_pointer_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "main.yaml", {"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {
        "/a": {"$ref": "nowhere.yaml#/a"}, "/b": {"$ref": "other.yaml#/missing"}}})
    write(tmp_path / "other.yaml", {"present": {}})
    with pytest.raises(SpecErrors) as info:
        load_spec(tmp_path / "main.yaml")
    messages = {e.pointer: e.message for e in info.value.errors}
    assert "nowhere.yaml does not exist" in messages["/paths/~1a"]
    assert "points nowhere" in messages["/paths/~1b"]


def test_refs_inside_examples_are_data(tmp_path: Path) -> None:
    spec = write(tmp_path / "main.yaml", {
        "openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {},
        "components": {"schemas": {"A": {"type": "object", "properties": {"s": {"type": "object"}},
                                         "example": {"s": {"$ref": "elsewhere.json#/x"}}}}}})
    loaded = load_spec(spec)
    assert loaded.document["components"]["schemas"]["A"]["example"] == {"s": {"$ref": "elsewhere.json#/x"}}
    pkg = build(tmp_path / "out", spec)
    assert pkg.models.A.from_dict({"s": {"$ref": "kept"}}).to_dict() == {"s": {"$ref": "kept"}}


def test_lenient_load_degrades_missing_files(tmp_path: Path) -> None:
    spec = write(tmp_path / "main.yaml", {
        "openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": {},
        "components": {"schemas": {"A": {"type": "object", "properties": {"s": {"$ref": "gone.yaml#/S"}}}}}})
    loaded = load_spec(spec, lenient=True)
    assert [w.pointer for w in loaded.warnings] == ["/components/schemas/A/properties/s"]
    assert loaded.document["components"]["schemas"]["A"]["properties"]["s"] == {}


def test_undeclared_path_parameters_are_synthesised(tmp_path: Path) -> None:
    spec = write(tmp_path / "main.yaml", {
        "openapi": "3.1.0", "info": {"title": "x", "version": "1"},
        "paths": {"/things/{thing_id}": {"get": {"operationId": "getThing", "responses": {"204": {
            "description": "none"}}}}}})
    pkg = build(tmp_path / "out", spec, lenient=True)
    import inspect

    assert "thing_id" in inspect.signature(pkg.server.Service.get_thing).parameters
