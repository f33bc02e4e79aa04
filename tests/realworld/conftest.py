"""Session fixtures of the real-world tier: Stripe, Square and Flint generated once each into a tmp dir."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from realworld_support import (
    FLINT_SPEC,
    SPECS,
    SQUARE,
    STRIPE,
    STRIPE_FIXTURES,
    describe,
    find_packages,
    load_package,
    load_spec,
    run_generator,
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "realworld_slow: mypy --strict over the generated Stripe and Square packages and a second full "
        "generation (minutes; opt in with FLINT_REALWORLD_SLOW=1)",
    )


@dataclass
class Generated:
    spec_path: Path
    spec: dict[str, Any]
    out: Path
    package_dir: Path
    report: dict[str, Any]
    seconds: float
    stderr: str
    alias: str

    def package(self) -> ModuleType:
        return load_package(self.package_dir, self.alias)


def _require(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is absent: the real-world specs live in ../shared/specs/ next to the repo")


def _generate(factory: pytest.TempPathFactory, spec_path: Path, name: str, lenient: bool) -> Generated:
    out = factory.mktemp(f"gen-{name}") / "out"
    report = out.parent / "report.json"
    t0 = time.perf_counter()
    proc = run_generator(spec_path, out, lenient=lenient, report=report)
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        pytest.fail(f"the generator failed on {spec_path.name} (lenient={lenient}):\n{describe(proc)}")
    packages = find_packages(out)
    if len(packages) != 1:
        pytest.fail(f"expected one package in {out}, found {packages}")
    data = json.loads(report.read_text()) if report.exists() else {}
    return Generated(spec_path, load_spec(spec_path), out, packages[0], data, seconds, proc.stderr,
                     f"realworld_{name}")


@pytest.fixture(scope="session")
def stripe(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    _require(STRIPE)
    return _generate(tmp_path_factory, STRIPE, "stripe", False)


@pytest.fixture(scope="session")
def square(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    _require(SQUARE)
    return _generate(tmp_path_factory, SQUARE, "square", True)


@pytest.fixture(scope="session")
def flint(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    if not FLINT_SPEC.exists():
        pytest.skip(f"{FLINT_SPEC} is absent")
    return _generate(tmp_path_factory, FLINT_SPEC, "flint", False)


@pytest.fixture(scope="session")
def stripe_fixtures() -> dict[str, Any]:
    _require(STRIPE_FIXTURES)
    data: dict[str, Any] = json.loads(STRIPE_FIXTURES.read_text())["resources"]
    return data


__all__ = ["Generated", "SPECS"]
