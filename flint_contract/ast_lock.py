"""A process-wide lock around `ast.parse`, installed by st_hooks in the schemathesis subprocess.

Its own module so tests can import it without registering st_hooks' run-level check in the pytest process.
"""

from __future__ import annotations

import ast
import functools
import threading
from typing import Any


def serialise_ast_parse() -> None:
    """CPython 3.11 keeps the AST constructor's recursion counter in shared state, so two threads
    parsing at once can fail with `SystemError: AST constructor recursion depth mismatch`
    (python/cpython#106905). schemathesis' workers are threads and hypothesis parses lambda sources
    to describe filters, which made about one contract run in three end with a Runtime Error and
    exit 1. One lock around `ast.parse` in the schemathesis process removes the race."""
    if getattr(ast.parse, "_flint_locked", False):
        return
    original = ast.parse
    lock = threading.RLock()

    @functools.wraps(original)
    def parse(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return original(*args, **kwargs)

    parse._flint_locked = True  # type: ignore[attr-defined]
    ast.parse = parse
