"""The schemathesis subprocess serialises `ast.parse` (CPython 3.11 AST constructor race, see st_hooks)."""

from __future__ import annotations

import ast
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from flint_contract import ast_lock


def test_hooks_module_installs_the_lock() -> None:
    # In a child interpreter, as schemathesis loads it: importing st_hooks into pytest would register its run-level
    # check here, and schemathesis' pytest plugin would then run it after every test function.
    code = (
        "import ast, flint_contract.st_hooks\n"
        "assert getattr(ast.parse, '_flint_locked', False) is True\n"
        "assert isinstance(ast.parse('x = 1').body[0], ast.Assign)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=Path(ast_lock.__file__).parent.parent,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_concurrent_parses_never_overlap(monkeypatch: pytest.MonkeyPatch) -> None:
    state = {"inside": 0, "most": 0}
    guard = threading.Lock()

    def slow_parse(*args: Any, **kwargs: Any) -> str:
        with guard:
            state["inside"] += 1
            state["most"] = max(state["most"], state["inside"])
        time.sleep(0.01)
        with guard:
            state["inside"] -= 1
        return "parsed"

    monkeypatch.setattr(ast, "parse", slow_parse)
    ast_lock.serialise_ast_parse()
    assert ast.parse is not slow_parse, "the hook must wrap whatever ast.parse it finds"
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(ast.parse("y"))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["parsed"] * 6
    assert state["most"] == 1
