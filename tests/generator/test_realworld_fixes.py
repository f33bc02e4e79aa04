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

