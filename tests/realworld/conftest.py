"""Session fixtures of the real-world tier: Stripe, Square and Flint generated once each into a tmp dir."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from realworld_support import (
    FAILED as _FAILED,
    Generated,
    FLINT_SPEC,
    ROOT,
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


# Generator bugs found by this tier and still open, by test id (file::test[param]). Marked xfail(strict=True) at
# collection so the suite stays green while the failure stays recorded; when a bug is fixed its test XPASSes,
# which fails the run until the entry is removed here. Each reason says what happens and what should.
KNOWN_BUGS: dict[str, str] = {
    "test_realworld_specs.py::test_stripe_fixture_round_trips[treasury.outbound_payment]": (
        "from_dict rejects Stripe's own fixture: destination_payment_method_details.billing_details is required "
        "by /components/schemas/outbound_payments_payment_method_details but absent from the fixture. A spec/"
        "fixture conflict, kept as a decision: a required field typed non-optional cannot hold UNSET without "
        "lying to every caller's type checker, so response models stay strict about `required`"),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        key = item.nodeid.split("tests/realworld/", 1)[-1]
        reason = KNOWN_BUGS.get(key)
        if reason is not None:
            item.add_marker(pytest.mark.xfail(strict=True, reason=reason))


def _require(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"{path} is absent: the real-world specs live in ../shared/specs/ next to the repo")


def _inputs_key(spec_path: Path, lenient: bool) -> str:
    """Hash of everything the output depends on: the spec, the generator's code and templates, the mode."""
    h = hashlib.sha256(spec_path.read_bytes())
    h.update(b"lenient" if lenient else b"strict")
    for folder in (ROOT / "flint_generator",):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                h.update(str(path.relative_to(ROOT)).encode())
                h.update(path.read_bytes())
    return h.hexdigest()[:16]


# name -> (Generated or None, failure message)


def _generate(factory: pytest.TempPathFactory, spec_path: Path, name: str, lenient: bool) -> Generated:
    """Generate once per session. With FLINT_REALWORLD_CACHE=DIR, outputs are kept in DIR and reused while the
    spec, the generator and the templates are unchanged (the generator is deterministic), for quick re-runs."""
    if name in _FAILED:
        pytest.skip(_FAILED[name])
    cache = os.environ.get("FLINT_REALWORLD_CACHE")
    if cache:
        base = Path(cache) / f"{name}-{_inputs_key(spec_path, lenient)}"
        base.mkdir(parents=True, exist_ok=True)
    else:
        base = factory.mktemp(f"gen-{name}")
    out = base / "out"
    report = base / "report.json"
    stamp = base / "ok"
    t0 = time.perf_counter()
    if not stamp.exists():
        proc = run_generator(spec_path, out, lenient=lenient, report=report)
        if proc.returncode != 0:
            _FAILED[name] = (f"the generator failed on {spec_path.name} (lenient={lenient}); "
                             f"see test_realworld_generates[{name}]:\n{describe(proc)}")
            pytest.skip(_FAILED[name])
        stamp.write_text("")
    seconds = time.perf_counter() - t0
    packages = find_packages(out)
    if len(packages) != 1:
        pytest.fail(f"expected one package in {out}, found {packages}")
    data = json.loads(report.read_text()) if report.exists() else {}
    return Generated(spec_path, load_spec(spec_path), out, packages[0], data, seconds, f"realworld_{name}")


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
