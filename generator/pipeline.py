"""load -> validate -> IR -> render -> black, all in memory; the CLI decides what to do with the result."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator import __version__
from generator.errors import SpecError, SpecErrors
from generator.format import FormatError, format_sources
from generator.ir import Api, build_api
from generator.load import load_spec
from generator.naming import NameEntry
from generator.render import Renderer, spec_json_text, template_fingerprint
from generator.validate import validate


@dataclass
class Result:
    files: dict[str, bytes] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    errors: list[SpecError] = field(default_factory=list)
    warnings: list[SpecError] = field(default_factory=list)
    degraded: list[SpecError] = field(default_factory=list)
    naming: list[NameEntry] = field(default_factory=list)
    api: Api | None = None

    def report(self) -> dict[str, Any]:
        def entries(items: list[SpecError]) -> list[dict[str, str]]:
            return [{"pointer": e.pointer, "message": e.message} for e in items]

        return {
            "generator": f"flint-generator {__version__}",
            "spec": self.meta.get("spec"),
            "spec_sha256": self.meta.get("spec_sha256"),
            "counts": {"errors": len(self.errors), "warnings": len(self.warnings), "degraded": len(self.degraded),
                       "models": len(self.api.models) if self.api else 0,
                       "enums": len(self.api.enums) if self.api else 0,
                       "unions": len(self.api.unions) if self.api else 0,
                       "operations": len(self.api.operations) if self.api else 0},
            "errors": entries(self.errors),
            "warnings": entries(self.warnings),
            "degraded": entries(self.degraded),
            "naming": [{"pointer": n.pointer, "name": n.name, "rule": n.rule} for n in self.naming],
        }


def fingerprint(package: str | None, lenient: bool) -> str:
    h = hashlib.sha256(template_fingerprint().encode())
    h.update(json.dumps([package, lenient]).encode())
    return h.hexdigest()


def input_hashes(spec: Path, files: list[Path]) -> dict[str, str]:
    base = spec.resolve().parent
    out = {}
    for f in files:
        try:
            rel = str(f.relative_to(base))
        except ValueError:
            rel = str(f)
        out[rel] = hashlib.sha256(f.read_bytes()).hexdigest()
    return dict(sorted(out.items()))


def generate(spec: Path, *, package: str | None = None, lenient: bool = False) -> Result:
    res = Result()
    try:
        loaded = load_spec(spec, lenient=lenient)
    except SpecErrors as exc:
        res.errors = exc.errors
        return res
    doc = loaded.document
    errors, warnings = validate(doc, lenient=lenient)
    res.warnings = loaded.warnings + warnings
    if errors:
        res.errors = errors
        return res
    api, errors = build_api(doc, lenient=lenient)
    if api is None:
        res.errors = errors
        return res
    res.api = api
    res.warnings += api.warnings
    res.degraded = api.degraded
    res.naming = api.naming
    pkg = package or api.ext.package_name
    if not pkg.isidentifier():
        res.errors = [SpecError("", f"package name {pkg!r} is not a Python identifier")]
        return res
    renderer = Renderer(api, spec_name=spec.name, spec_sha=loaded.sha256, package=pkg,
                        spec_json=spec_json_text(doc))
    try:
        sources = renderer.files()
    except Exception as exc:  # a template bug must not leave a traceback or a half-written tree
        res.errors = [SpecError("", f"template rendering failed: {type(exc).__name__}: {exc}")]
        return res
    try:
        formatted = format_sources(sources)
    except FormatError as exc:
        res.errors = [SpecError("", f"black could not format {exc.path}: {exc.message}")]
        return res
    res.files = {path: text.encode("utf-8") for path, text in sorted(formatted.items())}
    res.meta = {
        "generator": f"flint-generator {__version__}",
        "fingerprint": fingerprint(package, lenient),
        "spec": spec.name,
        "spec_sha256": loaded.sha256,
        "inputs": input_hashes(spec, loaded.files),
        "package": pkg,
    }
    return res
