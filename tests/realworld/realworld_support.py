"""Helpers for the real-world tier: run the generator CLI, load generated packages under an alias, walk specs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[2]
SPECS = (ROOT / ".." / "shared" / "specs").resolve()
STRIPE = SPECS / "stripe-2023-08-16.json"
SQUARE = SPECS / "square-2025-08-19.json"
STRIPE_FIXTURES = SPECS / "stripe-fixtures-2023-08-16.json"
HOSTILE = Path(__file__).resolve().parent / "hostile"
FLINT_SPEC = ROOT / "spec" / "flint.yaml"
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MARKER_PREFIX = "PWNED"


def run_generator(
    spec: Path,
    out: Path,
    *,
    lenient: bool = False,
    report: Path | None = None,
    cwd: Path | None = None,
    timeout: float = 600,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """The generator's CLI exactly as a user runs it (a subprocess, so a crash is a traceback on stderr)."""
    cmd = [sys.executable, "-m", "flint_generator", "generate", str(spec), "--out", str(out)]
    if not lenient:
        cmd.append("--strict")
    if report is not None:
        cmd += ["--report", str(report)]
    run_env = dict(os.environ if env is None else env)
    # the generator must be importable whatever the cwd (hostile specs run in an empty tmp dir)
    run_env["PYTHONPATH"] = str(ROOT) + (os.pathsep + run_env["PYTHONPATH"] if run_env.get("PYTHONPATH") else "")
    return subprocess.run(cmd, cwd=cwd or ROOT, capture_output=True, text=True, timeout=timeout, env=run_env)


def describe(proc: subprocess.CompletedProcess[str]) -> str:
    return f"exit {proc.returncode}\n--- stdout ---\n{proc.stdout[-3000:]}\n--- stderr ---\n{proc.stderr[-5000:]}"


def find_packages(out: Path) -> list[Path]:
    return sorted(p.parent for p in out.glob("*/__init__.py"))


_loaded: dict[Path, ModuleType] = {}


def load_package(pkg_dir: Path, alias: str) -> ModuleType:
    """Import a generated package under `alias`, so several `api_client` packages can live in one process.

    Works because generated packages use relative imports only (DESIGN.md).
    """
    pkg_dir = pkg_dir.resolve()
    if pkg_dir in _loaded:
        return _loaded[pkg_dir]
    spec = importlib.util.spec_from_file_location(
        alias, pkg_dir / "__init__.py", submodule_search_locations=[str(pkg_dir)]
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    _loaded[pkg_dir] = module
    return module


def submodule(package: ModuleType, name: str) -> ModuleType:
    return importlib.import_module(f"{package.__name__}.{name}")


def snapshot(folder: Path) -> dict[str, str]:
    """Relative path -> sha256 of every file (and '<dir>' for directories) under folder."""
    result: dict[str, str] = {}
    if not folder.exists():
        return result
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        result[rel] = "<dir>" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return result


def markers(tmp: Path) -> list[Path]:
    """Payload markers under the test's tmp dir (recursively) or at the top of the repo and of /tmp."""
    found = list(tmp.rglob(f"{MARKER_PREFIX}*"))
    for folder in (ROOT, Path("/tmp")):
        found.extend(folder.glob(f"{MARKER_PREFIX}*"))
    return found


def load_spec(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    import yaml

    return yaml.safe_load(text)


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in (doc.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                yield path, method, op


def pointer_escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def resolve(doc: Any, ref: str) -> Any:
    node = doc
    for token in ref.lstrip("#/").split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node


def traceback_in(text: str) -> bool:
    return "Traceback (most recent call last)" in text


POINTER_RE = re.compile(r"(#?/(paths|components|info|openapi|servers|tags|x-[\w-]+)\b[^\s'\"]*)|(^|\s)#(\s|:|$)")


# Why here and not in conftest.py: every tier has a conftest, so `from conftest import` is ambiguous
# when pytest collects several tiers at once.
@dataclass
class Generated:
    spec_path: Path
    spec: dict[str, Any]
    out: Path
    package_dir: Path
    report: dict[str, Any]
    seconds: float
    alias: str

    def package(self) -> ModuleType:
        return load_package(self.package_dir, self.alias)


# Specs whose generation failed this session, with the message the tests report.
FAILED: dict[str, str] = {}
