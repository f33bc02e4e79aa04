"""The peer generators, installed in their own venv so they never touch .venv.

`python bench/peers.py` creates (once) `bench/.peers/venv` with pinned openapi-python-client and
datamodel-code-generator, and prints the versions. Other bench scripts import `ensure_peers()`,
`opc_config()` and `square_for_opc()` from here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PEERS_DIR = BENCH / ".peers"
VENV = PEERS_DIR / "venv"
SPECS = (ROOT / ".." / "shared" / "specs").resolve()

# Pinned: the numbers in docs/bench.md and anchors.md are for these versions.
REQUIREMENTS = [
    "openapi-python-client==0.29.1",
    "datamodel-code-generator[http]==0.89.0",
    "black>=24,<27",
    "isort>=5.13,<7",
    "pydantic==2.*",
    "stripe==16.1.0",  # stripe-python's objects, timed on the same invoice (models section)
]

# openapi-python-client's default config crashes on Stripe (duplicate enum key GMT0); literal enums avoid it.
OPC_CONFIG = "literal_enums: true\n"

# Square's one line that openapi-python-client rejects: a security requirement whose scopes are null.
SQUARE_BAD = '"oauth2": null'
SQUARE_FIXED = '"oauth2": []'


def venv_python() -> Path:
    return VENV / "bin" / "python"


def venv_bin(name: str) -> Path:
    return VENV / "bin" / name


def ensure_peers(quiet: bool = False) -> Path:
    """Create the peers venv on first use; reinstall when the pinned list changes."""
    stamp = VENV / ".bench-requirements"
    wanted = "\n".join(REQUIREMENTS) + "\n"
    if venv_python().exists() and stamp.exists() and stamp.read_text() == wanted:
        return venv_python()
    PEERS_DIR.mkdir(parents=True, exist_ok=True)
    if not venv_python().exists():
        print(f"[peers] creating {VENV.relative_to(ROOT)}", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    print(f"[peers] installing {', '.join(REQUIREMENTS)} from PyPI (first use only)", flush=True)
    pip = [str(venv_python()), "-m", "pip", "install", "--disable-pip-version-check"]
    if quiet:
        pip.append("-q")
    subprocess.run(pip + REQUIREMENTS, check=True)
    stamp.write_text(wanted)
    return venv_python()


def opc_config(tmp: Path) -> Path:
    path = tmp / "opc-config.yaml"
    path.write_text(OPC_CONFIG)
    return path


def square_for_opc(square: Path, tmp: Path, announce: bool = True) -> Path:
    """A copy of Square's spec with `security: [{oauth2: null}]` made `[{oauth2: []}]`.

    The copy lives in `tmp` (never committed); the original file is not modified.
    """
    text = square.read_text(encoding="utf-8")
    count = text.count(SQUARE_BAD)
    fixed = text.replace(SQUARE_BAD, SQUARE_FIXED)
    out = tmp / "square-fixed-for-opc.json"
    out.write_text(fixed, encoding="utf-8")
    if announce:
        print(
            f"[peers] openapi-python-client rejects Square's original file: gave it a copy with "
            f"{count} `{SQUARE_BAD}` -> `{SQUARE_FIXED}` (security of POST /oauth2/revoke), in {out}",
            flush=True,
        )
    return out


def versions() -> dict[str, str]:
    py = ensure_peers()
    code = (
        "import importlib.metadata as m, json;"
        "print(json.dumps({n: m.version(n) for n in "
        "['openapi-python-client','datamodel-code-generator','pydantic','black','isort']}))"
    )
    out = subprocess.run([str(py), "-c", code], check=True, capture_output=True, text=True).stdout
    result: dict[str, str] = json.loads(out)
    return result


def main() -> int:
    ensure_peers()
    print(json.dumps(versions(), indent=2))
    print(f"specs folder: {SPECS} ({'present' if SPECS.is_dir() else 'ABSENT'})")
    return 0


if __name__ == "__main__":
    os.chdir(ROOT)
    raise SystemExit(main())
