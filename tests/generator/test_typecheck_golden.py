"""Types and golden output: mypy --strict (3.10 target) on a package generated from the richest fixture, and the
committed generated/ tree is current (what `make check` also runs)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from flint_generator.cli import main
from tests.generator.conftest import REPO, Package


def test_rich_package_passes_mypy_strict(rich: Package, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--python-version", "3.10", "--cache-dir", str(tmp_path / "c"),
         "--no-incremental", rich.name],
        cwd=rich.root, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_committed_output_is_current(capsys: pytest.CaptureFixture[str]) -> None:
    spec = REPO / "spec" / "flint.yaml"
    if not spec.exists():
        pytest.skip("spec/flint.yaml not present")
    code = main(["check", str(spec), "--out", str(REPO / "generated"), "--force", "--strict"])  # as `make check`
    assert code == 0, capsys.readouterr().out[:5000]


def test_packages_import_with_only_their_dependencies(rich: Package) -> None:
    # models must not pull httpx or starlette in; the client must not pull starlette in
    code = ("import sys; sys.path.insert(0, %r); import %s.models; "
            "assert 'httpx' not in sys.modules and 'starlette' not in sys.modules, sorted(sys.modules); "
            "import %s.client; assert 'starlette' not in sys.modules") % (str(rich.root), rich.name, rich.name)
    subprocess.run([sys.executable, "-c", code], check=True)
