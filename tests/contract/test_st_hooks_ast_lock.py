"""The schemathesis subprocess serialises `ast.parse` (CPython 3.11 AST constructor race, see st_hooks)."""

from __future__ import annotations

import ast
import threading
import time
from typing import Any

import pytest

from flint_contract import st_hooks


def test_hooks_module_installs_the_lock() -> None:
    assert getattr(ast.parse, "_flint_locked", False) is True
    assert isinstance(ast.parse("x = 1").body[0], ast.Assign)


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
    st_hooks._serialise_ast_parse()
    assert ast.parse is not slow_parse, "the hook must wrap whatever ast.parse it finds"
    results: list[str] = []
    threads = [threading.Thread(target=lambda: results.append(ast.parse("y"))) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == ["parsed"] * 6
    assert state["most"] == 1
