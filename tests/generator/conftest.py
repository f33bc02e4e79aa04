"""Shared helpers: generate a package from a spec into a temp dir and import it under a unique name."""

from __future__ import annotations

import importlib
import os
import sys
import uuid
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from flint_generator import write
from flint_generator.pipeline import generate

HERE = Path(__file__).resolve().parent
SPECS = HERE / "specs"
REPO = HERE.parent.parent


class Package:
    def __init__(self, root: Path, name: str) -> None:
        self.root = root
        self.name = name
        sys.path.insert(0, str(root))
        self.pkg = importlib.import_module(name)

    def module(self, sub: str) -> ModuleType:
        return importlib.import_module(f"{self.name}.{sub}")

    @property
    def models(self) -> ModuleType:
        return self.module("models")

    @property
    def server(self) -> ModuleType:
        return self.module("server")

    @property
    def client(self) -> ModuleType:
        return self.module("client")

    @property
    def errors(self) -> ModuleType:
        return self.module("errors")

    @property
    def rt(self) -> ModuleType:
        return self.module("_runtime")


# FLINT_TEST_CODECS=source runs the tests on packages generated with --codecs=source (test_codec_source.py does)
CODECS = os.environ.get("FLINT_TEST_CODECS", "exec")


def build(tmp: Path, spec: Path | dict[str, Any], *, lenient: bool = True, name: str | None = None,
          codecs: str | None = None) -> Package:
    """Generate `spec` (a path or an inline dict) into `tmp/out` as a uniquely named package and import it."""
    if isinstance(spec, dict):
        path = tmp / "spec.yaml"
        path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
        spec = path
    name = name or f"gen_{uuid.uuid4().hex[:10]}"
    res = generate(spec, package=name, lenient=lenient, codecs=codecs or CODECS)
    assert not res.errors, res.errors
    out = tmp / "out"
    write.apply(out, write.plan(out, res.files, write.manifest_text(res.meta, res.files)))
    return Package(out, name)


def mini_spec(schemas: dict[str, Any], paths: dict[str, Any] | None = None, **root: Any) -> dict[str, Any]:
    return {"openapi": "3.1.0", "info": {"title": "Mini", "version": "1"}, "paths": paths or {},
            "components": {"schemas": schemas}, **root}


@pytest.fixture(scope="session")
def rich(tmp_path_factory: pytest.TempPathFactory) -> Package:
    return build(tmp_path_factory.mktemp("rich"), SPECS / "rich.yaml", name="rich_api_gen")
