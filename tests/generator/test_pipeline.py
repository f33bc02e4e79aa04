"""The pipeline runs openapi-spec-validator in a forked child next to the IR, templates and black."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from flint_generator import pipeline
from tests.generator.conftest import mini_spec


def write(tmp_path: Path, doc: dict[str, object]) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


def test_validator_findings_win_over_what_the_ir_made_of_an_invalid_spec(tmp_path: Path) -> None:
    # `properties: 5` is nonsense the IR cannot walk; the user must see the validator's pointer, not a traceback
    spec = write(tmp_path, mini_spec({"Thing": {"type": "object", "properties": 5}}))
    res = pipeline.generate(spec)
    assert res.errors and not res.files and res.api is None
    assert any(e.pointer == "/components/schemas/Thing/properties" for e in res.errors), res.errors


def test_validation_in_place_gives_the_same_findings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = write(tmp_path, mini_spec({"Thing": {"type": "object", "required": "id",
                                               "properties": {"id": {"type": "strin"}}}}))
    forked = pipeline.generate(spec, lenient=False)
    assert forked.errors
    monkeypatch.setattr(pipeline.sys, "platform", "darwin")  # no fork: the validator runs in this process
    calls: list[int] = []
    real = pipeline.schema_problems
    monkeypatch.setattr(pipeline, "schema_problems", lambda doc: calls.append(1) or real(doc))
    in_place = pipeline.generate(spec, lenient=False)
    assert calls == [1]
    assert in_place.errors == forked.errors


def test_a_valid_spec_still_generates(tmp_path: Path) -> None:
    spec = write(tmp_path, mini_spec({"Thing": {"type": "object", "properties": {"id": {"type": "string"}}}}))
    res = pipeline.generate(spec)
    assert not res.errors and any(p.endswith("/models.py") for p in res.files)
