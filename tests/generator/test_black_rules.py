"""black_rules' fast paths give what black's own string functions give, on generated and on random text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hypothesis import given, settings
from hypothesis import strategies as st

from flint_generator.black_rules import black_mode, multiline_docstring, str_width, string_literal

from tests.generator.conftest import SPECS

ROOT = Path(__file__).resolve().parents[2]
# quotes, backslashes, spaces, tabs, line breaks and wide characters: what decides each rule
TEXT = st.text(alphabet=st.sampled_from(list("ab '\"\\\t\n\r\x0c{}é漢 ")) | st.characters(), max_size=40)


def black_literal(literal: str) -> str:
    from black.strings import normalize_string_prefix, normalize_string_quotes

    return str(normalize_string_quotes(normalize_string_prefix(literal, black_mode())))


def literals(body: str) -> list[str]:
    """Valid one-line literals holding `body`: repr's choice, and each quote with whatever escaping it needs."""
    if "\n" in body or "\r" in body:
        return [repr(body)]
    escaped = body.replace("\\", "\\\\")
    return [repr(body), "'" + escaped.replace("'", "\\'") + "'", '"' + escaped.replace('"', '\\"') + '"',
            "b" + repr(body.encode("ascii", "replace"))[1:], "u" + repr(body), "R" + repr(body.replace("\\", ""))]


@settings(max_examples=400, deadline=None)
@given(TEXT)
def test_string_literal_is_blacks(body: str) -> None:
    for literal in literals(body):
        assert string_literal(literal) == black_literal(literal), literal


def test_string_literal_on_the_shapes_templates_emit() -> None:
    for literal in ["''", '""', "'x'", "'it''s'", "'say \"hi\"'", '"it\'s"', "'a\\'b'", "'''doc'''", '"""doc"""',
                    "'{\"k\": 1}'", "'tab\\tend'", "B'x'", "f'{x}'", "rb'\\d'"]:
        assert string_literal(literal) == black_literal(literal), literal


@settings(max_examples=400, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=6), st.sampled_from(["", "    ", "        "]))
def test_multiline_docstring_is_blacks(lines: list[str], prefix: str) -> None:
    from black.strings import fix_multiline_docstring

    doc = "\n".join(lines)
    if doc:
        assert multiline_docstring(doc, prefix) == fix_multiline_docstring(doc, prefix)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_str_width_is_blacks(text: str) -> None:
    from black.strings import str_width as black_width

    assert str_width(text) == black_width(text)


@pytest.mark.parametrize("spec", ["pages.yaml", "flint.yaml"])
def test_generating_never_imports_black(spec: str) -> None:
    """Black's import is 70 ms of a small spec's generation: only a chunk outside layout.py's subset pays it, and
    the templates emit none (headers with comments, imports and module docstrings included)."""
    path = ROOT / "spec" / spec if spec == "flint.yaml" else SPECS / spec
    code = ("import sys\nfrom pathlib import Path\nfrom flint_generator.pipeline import generate\n"
            f"res = generate(Path({str(path)!r}))\n"
            "assert not res.errors and res.files, res.errors\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'black'))\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT,
                         env={**os.environ, "FLINT_GENERATOR_CACHE": "", "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"
