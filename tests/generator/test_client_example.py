"""Issue 16's user-side example project (tests/client_example): it vendors only the client part of the generated
package (server.py and _server*.py left out), is type-checked by mypy --strict with no server dependency on the
path (site-packages off; only httpx and its own dependencies), and runs against a real sandbox process with
starlette made unimportable."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.generator.conftest import REPO

EXAMPLE = REPO / "tests" / "client_example" / "example.py"
CLIENT_DEPS = ("httpx", "httpcore", "anyio", "h11", "certifi", "idna", "sniffio")  # typing_extensions: mypy ships it
BLOCK_SERVER = (
    "import sys, runpy\n"
    "class Block:\n"
    "    def find_spec(self, name, path=None, target=None):\n"
    "        if name.split('.')[0] in ('starlette', 'uvicorn'):\n"
    "            raise ImportError('server dependency ' + name + ' is not installed here')\n"
    "sys.meta_path.insert(0, Block())\n"
    "runpy.run_path(sys.argv[1], run_name='__main__')\n"
)


def vendor(tmp: Path) -> Path:
    """The user's tree: the package without its server modules, and the example."""
    root = tmp / "project"
    shutil.copytree(REPO / "generated" / "flint_api", root / "flint_api",
                    ignore=shutil.ignore_patterns("server.py", "_server*.py", "__pycache__"))
    shutil.copy(EXAMPLE, root / "example.py")
    return root


def test_client_only_vendoring_type_checks_without_server_dependencies(tmp_path: Path) -> None:
    root = vendor(tmp_path)
    # an environment holding only httpx and what it needs: a bare venv whose site-packages links them
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    for name in CLIENT_DEPS:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:  # not a dependency of this httpx version
            continue
        src = Path(spec.origin).parent if spec.submodule_search_locations else Path(spec.origin)
        (site / src.name).symlink_to(src)
    assert importlib.util.find_spec("starlette") is not None and not (site / "starlette").exists()
    env = {**os.environ, "MYPYPATH": str(root)}
    mypy = [sys.executable, "-m", "mypy", "--strict", "--python-executable", str(venv / "bin" / "python"),
            "--cache-dir", str(tmp_path / "cache")]
    out = subprocess.run(mypy + ["--python-version", "3.10", "example.py"], cwd=root, env=env, capture_output=True,
                         text=True)
    assert out.returncode == 0, out.stdout + out.stderr
    # and a misuse is caught: an enum parameter takes only its values
    bad = root / "bad.py"
    bad.write_text("from flint_api.client import FlintClient\n"
                   "FlintClient().orders.list(status='opened')\n")
    out = subprocess.run(mypy + ["bad.py"], cwd=root, env=env, capture_output=True, text=True)
    assert out.returncode == 1 and "status" in out.stdout, out.stdout


def test_the_example_runs_against_a_sandbox_without_starlette(tmp_path: Path) -> None:
    sys.path.insert(0, str(REPO / "tests" / "sandbox"))
    from sandbox_harness import KEY1, Sandbox

    root = vendor(tmp_path)
    sb = Sandbox(tmp_path / "s.db", [f"m1:{KEY1}"])
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLINT_")}
        env.update(FLINT_API_KEY=KEY1, FLINT_BASE_URL=sb.url, PYTHONPATH=str(root))
        runner = tmp_path / "run.py"
        runner.write_text(BLOCK_SERVER)
        out = subprocess.run([sys.executable, str(runner), str(root / "example.py")], cwd=root, env=env,
                             capture_output=True, text=True, timeout=120)
    finally:
        sb.stop()
    assert out.returncode == 0, out.stdout + out.stderr
    assert "refused before sending: line_items[0].quantity" in out.stdout
    assert "not found: " in out.stdout and "paid:" in out.stdout
    assert "flint_api" in out.stderr and KEY1 not in out.stderr  # the logger, never the key
