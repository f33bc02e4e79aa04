"""Single-value fields default (issue 16.1): a required field whose schema allows one value (a one-value `enum` or
`const`, as a discriminated union's variants carry their tag) need not be passed to the model's constructor, its
TypedDict, or a client method; the client fills it in at any depth before validating and sending. Parsing stays
strict (a response or request without it is still refused), and a union's tag is never guessed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.generator.conftest import Package, build, mini_spec
from tests.generator.test_client_runtime import Script, answer, server  # noqa: F401  (server is a fixture)


def _body(ref: str) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}}


OK = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}


def spec() -> dict[str, Any]:
    return mini_spec({
        "Circle": {"type": "object", "required": ["kind", "radius"], "additionalProperties": False,
                   "properties": {"kind": {"type": "string", "enum": ["circle"]}, "radius": {"type": "integer"}}},
        "Square": {"type": "object", "required": ["kind", "side", "version"], "additionalProperties": False,
                   "properties": {"kind": {"const": "square"}, "side": {"type": "integer"},
                                  "version": {"type": "integer", "const": 2}}},
        "Shape": {"oneOf": [{"$ref": "#/components/schemas/Circle"}, {"$ref": "#/components/schemas/Square"}],
                  "discriminator": {"propertyName": "kind"}},
        "Drawing": {"type": "object", "required": ["circles"], "additionalProperties": False, "properties": {
            "circles": {"type": "array", "items": {"$ref": "#/components/schemas/Circle"}},
            "frame": {"$ref": "#/components/schemas/Square"},
            "mode": {"type": "string", "enum": ["draft"]}}},  # optional: no default (absent stays absent)
    }, {
        "/circles": {"post": {"operationId": "createCircle", "tags": ["shapes"], "requestBody": _body("Circle"),
                              "responses": OK}},
        "/drawings": {"post": {"operationId": "createDrawing", "tags": ["shapes"], "requestBody": _body("Drawing"),
                               "responses": OK}},
        "/shapes": {"post": {"operationId": "createShape", "tags": ["shapes"], "requestBody": _body("Shape"),
                             "responses": OK}},
    })


@pytest.fixture(scope="module")
def pkg(tmp_path_factory: pytest.TempPathFactory) -> Package:
    return build(tmp_path_factory.mktemp("defaults"), spec(), name="defaults_gen")


def test_models_default_their_single_value(pkg: Package) -> None:
    m = pkg.models
    assert m.Circle(radius=2).to_dict() == {"kind": "circle", "radius": 2}
    assert m.Square(side=3).to_dict() == {"kind": "square", "side": 3, "version": 2}
    assert m.Drawing(circles=[]).to_dict() == {"circles": []}  # an optional single-value field stays absent
    with pytest.raises(pkg.rt.ValidationError) as info:  # parsing is as strict as the schema
        m.Circle.from_dict({"radius": 2})
    assert info.value.path == "kind"


def test_client_fills_single_values_at_any_depth(pkg: Package, server: tuple[str, Script]) -> None:
    url, script = server
    for path in ("/circles", "/drawings", "/shapes"):
        script.on("POST", path, answer(200, {}))
    with pkg.client.MiniClient(base_url=url) as client:
        client.shapes.create_circle(radius=1)                                  # body keywords
        client.shapes.create_circle({"radius": 4})                             # a TypedDict / dict
        client.shapes.create_drawing(circles=[{"radius": 5}], frame={"side": 6})  # nested dicts and lists
        client.shapes.create_drawing(pkg.models.Drawing(circles=[pkg.models.Circle(radius=7)]))
        client.shapes.create({"kind": "square", "side": 8})              # a union: the tag selects
        with pytest.raises(pkg.errors.RequestValidationError):                 # ...and is never guessed
            client.shapes.create({"side": 8})
    sent = [json.loads(r["body"]) for r in script.seen]
    assert sent == [
        {"kind": "circle", "radius": 1},
        {"kind": "circle", "radius": 4},
        {"circles": [{"kind": "circle", "radius": 5}], "frame": {"kind": "square", "side": 6, "version": 2}},
        {"circles": [{"kind": "circle", "radius": 7}]},
        {"kind": "square", "side": 8, "version": 2},
    ]


USER_CODE = '''
from defaults_gen import models
from defaults_gen.client import MiniClient


def use(client: MiniClient) -> None:
    client.shapes.create_circle(radius=1)
    client.shapes.create_circle({"radius": 4})
    client.shapes.create_drawing(circles=[{"radius": 5}], frame={"side": 6})
    client.shapes.create_drawing(models.Drawing(circles=[models.Circle(radius=7)]))
    models.Square(side=3)
'''


def test_mypy_strict_accepts_calls_without_the_single_value(pkg: Package, tmp_path: Path) -> None:
    user = tmp_path / "user.py"
    user.write_text(USER_CODE)
    proc = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(user)],
                          capture_output=True, text=True, cwd=pkg.root, env={"MYPYPATH": str(pkg.root),
                                                                               "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stdout + proc.stderr
