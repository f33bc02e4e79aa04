"""Golden record of the compiled model code: `python -m <package>._codec` for the rich fixture, byte for byte.

The models' behaviour is compiled at run time from `_codecs.json` by the runtime's `_codec.py`; this file makes
that compiled text a reviewable artifact, so a change to the compiler or to the tables shows up as a diff here.
Refresh after a deliberate change with `UPDATE_GOLDEN=1 pytest tests/generator/test_codec_golden.py`."""

from __future__ import annotations

import difflib
import os
import subprocess
import sys
from pathlib import Path

from flint_generator import write
from flint_generator.pipeline import generate
from tests.generator.conftest import SPECS

GOLDEN = Path(__file__).resolve().parent / "golden" / "rich_codecs.py"


def _dump(out: Path, seed: str) -> str:
    env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(out)}
    proc = subprocess.run([sys.executable, "-m", "rich_golden._codec"], cwd=out, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_compiled_code_matches_the_golden_record(tmp_path: Path) -> None:
    res = generate(SPECS / "rich.yaml", package="rich_golden")
    assert not res.errors, res.errors
    out = tmp_path / "out"
    write.apply(out, write.plan(out, res.files, write.manifest_text(res.meta, res.files)))
    text = _dump(out, "1")
    assert _dump(out, "4242") == text, "the compiled text depends on the hash seed"
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    want = GOLDEN.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(want.splitlines(True), text.splitlines(True), "golden", "compiled", n=2))
    assert text == want, f"compiled model code changed (UPDATE_GOLDEN=1 to accept):\n{diff[:6000]}"


def test_every_compiled_function_has_its_own_source_and_identity(tmp_path: Path) -> None:
    """Helpers of one kind used to share one linecache name, so getsource showed another helper's body."""
    res = generate(SPECS / "rich.yaml", package="rich_ident")
    out = tmp_path / "out"
    write.apply(out, write.plan(out, res.files, write.manifest_text(res.meta, res.files)))
    script = (
        "import inspect, linecache\n"
        "import rich_ident.models as m\n"
        "from rich_ident._codec import dump\n"
        "dump(m)\n"
        "names = list(m._C.sources)\n"
        "assert len(names) == len(set(names))\n"
        "for name, text in m._C.sources.items():\n"
        "    assert ''.join(linecache.getlines(name)) == text, name\n"
        "fns = [v for v in m._C.ns.values() if hasattr(v, '__code__')]\n"
        "for name in sorted(m._C.data['models']):\n"
        "    cls = getattr(m, name)\n"
        "    fns += [m._C.compile_from_dict(name), m._C.compile_to_dict(name),\n"
        "            m._C.compile_init(name, cls.__slots__, cls._defaults_)]\n"
        "assert len(fns) > 3\n"
        "for f in fns:\n"
        "    assert f.__module__ == 'rich_ident.models', f\n"
        "    assert inspect.getsource(f) == m._C.sources[f.__code__.co_filename]\n"
        "    assert f.__doc__\n"
        "print(len(fns))\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], cwd=out, env={**os.environ, "PYTHONPATH": str(out)},
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert int(proc.stdout) > 3
