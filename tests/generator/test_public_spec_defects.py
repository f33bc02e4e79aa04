"""What public specs get wrong, in small specs of our own (one per defect class the corpus sweep found): the default
mode generates them with a warning at a true JSON pointer; --strict refuses them; names never repeat or carry hex.

`make corpus` (bench/corpus.py) runs the same over the APIs.guru directory; these keep the classes in `make test`."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from flint_generator.pipeline import generate
from tests.generator.conftest import Package, build, mini_spec

OBJ = {"type": "object", "properties": {"id": {"type": "string"}}}


def ok(schema: str = "Thing") -> dict[str, Any]:
    return {"200": {"description": "ok", "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}}


def defects_spec() -> dict[str, Any]:
    return mini_spec(
        {
            "Thing": {"type": "object", "properties": {
                "id": {"type": "string", "pattern": r"^[\p{L}\p{M}]+$"},  # not a Python regex
                "kind": {"type": "string", "enum": ["a", "b", "a"], "default": 7},  # duplicate value, bad default
                "size": {"type": "integer", "example": "big"},
                "tags": {"type": "array"},  # no items
                "note": {"type": "string", "nullable": True},  # 3.0 nullable in a 3.1 document
                "when": {"type": "string", "format": "timestamp-ish"},  # unknown format
            }},
            "boolean": {"type": "boolean"},
            "Boolean": {"type": "object", "properties": {"on": {"$ref": "#/components/schemas/boolean"}}},
            "Key {x}": OBJ,
        },
        {
            "/jobs": {"get": {"responses": ok()}},
            "/jobs/": {"get": {"responses": ok()}},  # both synthesise get_jobs
            "/things/{thing_id}": {
                "parameters": [{"name": "thing_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "get": {"operationId": "getThing", "responses": ok(),
                        "security": [{"oauth": None}]},  # null instead of a scope list
                "delete": {"operationId": "getThing", "responses": {"204": {"description": "gone"}}},  # duplicate id
            },
            "/keys": {"get": {"operationId": "listKeys", "responses": ok("Key%20%7Bx%7D")}},  # percent-encoded ref
            "/gone": {"get": {"operationId": "gone", "responses": ok("Missing")}},  # dangling ref
        },
        components_extra={"securitySchemes": {"oauth": {"type": "oauth2", "flows": {"clientCredentials": {
            "tokenUrl": "https://x/token", "scopes": {}}}}}},
    )


def collisions_spec() -> dict[str, Any]:
    member = {"type": "object", "required": ["type"], "properties": {"type": {"type": "string"}}}
    return mini_spec({
        # three union members whose content words are the same (`WithType`): they must get three names
        "Channel": {"type": "object", "properties": {"from": {"oneOf": [
            {**member, "properties": {"type": {"type": "string"}, "a": {"type": "string"}}},
            {**member, "properties": {"type": {"type": "string"}, "b": {"type": "integer"}}},
            {**member, "properties": {"type": {"type": "string"}, "c": {"type": "boolean"}}},
        ]}}},
        # inline names that meet: Foo + BarBaz and FooBar + Baz, three times over
        "Foo": {"type": "object", "properties": {"barBaz": OBJ, "bar_baz": OBJ, "BarBaz": OBJ}},
        "FooBar": {"type": "object", "properties": {"baz": OBJ}},
        "FooBarBaz": OBJ,
        "FooBarBazInline": OBJ,
    }, {"/c": {"get": {"operationId": "getC", "responses": ok("Channel")}},
        "/f": {"get": {"operationId": "getF", "responses": ok("Foo")}},
        "/g": {"get": {"operationId": "getG", "responses": ok("FooBar")}}})


def _with_components(spec: dict[str, Any]) -> dict[str, Any]:
    extra = spec.pop("components_extra", None)
    if extra:
        spec["components"].update(extra)
    return spec


def _write(tmp: Path, spec: dict[str, Any]) -> Path:
    import yaml

    path = tmp / "spec.yaml"
    path.write_text(yaml.safe_dump(_with_components(spec), sort_keys=False), encoding="utf-8")
    return path


def _class_names(pkg: Package) -> list[str]:
    tree = ast.parse((pkg.root / pkg.name / "models.py").read_text())
    return [n.name for n in tree.body if isinstance(n, ast.ClassDef)] + [
        n.target.id for n in tree.body if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)]


def test_default_mode_generates_public_spec_defects_with_pointed_warnings(tmp_path: Path) -> None:
    path = _write(tmp_path, defects_spec())
    res = generate(path)
    assert not res.errors, res.errors
    pointers = [w.pointer for w in res.warnings]
    assert all(p.startswith("/") and "{" not in p.split("/")[1] for p in pointers), pointers
    assert "/paths/~1things~1{thing_id}/get/security/0/oauth" in pointers
    assert "/paths/~1gone/get/responses/200/content/application~1json/schema" in pointers
    assert any(p == "/paths/~1things~1{thing_id}/delete/operationId" for p in pointers), pointers
    assert any(p == "/paths/~1jobs/get" for p in pointers) and any(p == "/paths/~1jobs~1/get" for p in pointers)
    degraded = [d.pointer for d in res.degraded]
    assert "/components/schemas/Thing/properties/id/pattern" in degraded

    pkg = build(tmp_path / "a", path)
    api = res.api
    assert api is not None
    ids = [o.operation_id for o in api.operations]
    assert len(ids) == len(set(ids)) == 6, ids  # nothing dropped, every id unique
    assert {"get_jobs", "get_jobs_2", "getThing"} <= set(ids)
    # the percent-encoded reference is the component itself, not a copy under another name
    keys = next(o for o in api.operations if o.operation_id == "listKeys")
    assert keys.success is not None and keys.success.name == "KeyX"
    names = _class_names(pkg)
    assert len(names) == len(set(names)), names
    assert pkg.models.Thing.from_dict({"kind": "b"}).kind.value == "b"


def test_strict_mode_refuses_the_same_defects_at_the_same_pointers(tmp_path: Path) -> None:
    path = _write(tmp_path, defects_spec())
    res = generate(path, lenient=False)
    pointers = {e.pointer for e in res.errors}
    assert "/paths/~1things~1{thing_id}/get/security/0/oauth" in pointers, pointers
    assert "" not in pointers and all(p.startswith("/") for p in pointers), pointers


def test_colliding_names_follow_the_rule_without_hex_or_repeats(tmp_path: Path) -> None:
    path = _write(tmp_path, collisions_spec())
    res = generate(path)
    assert not res.errors, res.errors
    pkg = build(tmp_path / "b", path)
    names = _class_names(pkg)
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
    assert not [n for n in names if re.search(r"_[0-9a-f]{6,}$", n)], names
    assert not any("{" in e.pointer or '"' in e.pointer for e in res.api.naming), res.api.naming  # type: ignore
    numbered = [e for e in res.api.naming if "numbered" in e.rule]  # type: ignore[union-attr]
    assert numbered, "the fixture needs the last resort at least once"
    numbered_names = {e.name for e in numbered}
    assert all(n in numbered_names for n in names if re.search(r"\d$", n)), names
    # members told apart by a property only they declare
    assert {"ChannelFromWithA", "ChannelFromWithB", "ChannelFromWithC"} <= set(names), names


def shadowing_spec() -> dict[str, Any]:
    """GitHub's shape: a resource method named `list` (operationId `gists/list`) next to methods whose annotations
    subscript `list`, and page-number pagination whose items field is optional."""
    gists = {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}
    page = [{"name": "per_page", "in": "query", "schema": {"type": "integer"}},
            {"name": "page", "in": "query", "schema": {"type": "integer"}}]
    wrapped = {"type": "object", "properties": {"total_count": {"type": "integer"}, "environments": gists}}
    return mini_spec(
        {"Thing": OBJ, "Wrapped": wrapped},
        {
            "/gists": {"get": {"operationId": "gists/list", "tags": ["gists"], "parameters": page, "responses": {
                "200": {"description": "ok", "content": {"application/json": {"schema": gists}}}}}},
            "/gists/public": {"get": {"operationId": "gists/list-public", "tags": ["gists"], "parameters": page,
                                      "responses": {"200": {"description": "ok", "content": {
                                          "application/json": {"schema": gists}}}}}},
            "/envs": {"get": {"operationId": "gists/list-envs", "tags": ["gists"], "parameters": page,
                              "responses": {"200": {"description": "ok", "content": {"application/json": {
                                  "schema": {"$ref": "#/components/schemas/Wrapped"}}}}}}},
        },
    )


@pytest.mark.parametrize("which", ["defects", "collisions", "shadowing"])
def test_generated_from_defective_specs_passes_mypy_strict(tmp_path: Path, which: str) -> None:
    spec = {"defects": defects_spec, "collisions": collisions_spec, "shadowing": shadowing_spec}[which]()
    pkg = build(tmp_path, _write(tmp_path, spec))
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--cache-dir",
                           str(tmp_path / ".mypy"), pkg.name], cwd=pkg.root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout[-3000:]


def test_keywords_for_another_type_are_ignored_as_json_schema_says(tmp_path: Path) -> None:
    """apisetu.gov.in's `number: {type: integer, minLength: 1}`: compiled as len(int), every valid document failed
    with a TypeError. A keyword whose type the schema does not declare is ignored; the ones that apply still hold."""
    pkg = build(tmp_path, mini_spec({"Cert": {"type": "object", "required": ["number"], "properties": {
        "number": {"type": "integer", "minLength": 1, "maxLength": 9, "pattern": "^[0-9]+$", "minimum": 1},
        "name": {"type": "string", "minimum": 3, "minItems": 1, "maxLength": 4},
        "tags": {"type": "array", "items": {"type": "string"}, "minLength": 2, "maxItems": 2},
        "either": {"type": ["string", "integer"], "minLength": 2},
    }}}))
    cert = pkg.models.Cert
    ok = cert.from_dict({"number": 12, "name": "ab", "tags": ["x"], "either": 7})
    assert ok.number == 12 and ok.to_dict() == {"number": 12, "name": "ab", "tags": ["x"], "either": 7}
    with pytest.raises(pkg.module("_runtime").ValidationError):
        cert.from_dict({"number": 0})  # minimum applies to an integer
    with pytest.raises(pkg.module("_runtime").ValidationError):
        cert.from_dict({"number": 1, "name": "abcde"})  # maxLength applies to a string
    with pytest.raises(pkg.module("_runtime").ValidationError):
        cert.from_dict({"number": 1, "tags": ["a", "b", "c"]})  # maxItems applies to an array
    with pytest.raises(pkg.module("_runtime").ValidationError):
        cert.from_dict({"number": 1, "either": "a"})  # minLength applies to the string side
