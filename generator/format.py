"""Black, in-process, with one fixed mode (so `check` is stable across machines). Large outputs are formatted in
a small process pool: black is the generator's bottleneck and files are independent."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor

import black
from black.mode import TargetVersion

MODE = black.Mode(line_length=120, target_versions={TargetVersion.PY310}, magic_trailing_comma=False)
PARALLEL_THRESHOLD = 400_000  # characters of Python; below this a pool costs more than it saves


class FormatError(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


def _format_one(item: tuple[str, str]) -> tuple[str, str | None, str | None]:
    path, source = item
    try:
        return path, black.format_str(source, mode=MODE), None
    except Exception as exc:  # black raises several types (InvalidInput, ASTSafetyError...)
        return path, None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:500] if str(exc) else ''}"


def format_sources(files: dict[str, str]) -> dict[str, str]:
    """Format every `*.py` entry; raise FormatError (first failing path, in sorted order) on invalid code."""
    py = sorted((p, s) for p, s in files.items() if p.endswith(".py"))
    total = sum(len(s) for _, s in py)
    workers = min(len(py), os.cpu_count() or 1)
    if total >= PARALLEL_THRESHOLD and workers > 1:
        big_first = sorted(py, key=lambda item: -len(item[1]))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = list(pool.map(_format_one, big_first))
    else:
        results = [_format_one(item) for item in py]
    out = dict(files)
    for path, text, err in sorted(results, key=lambda r: r[0]):
        if err is not None or text is None:
            raise FormatError(path, err or "black failed")
        out[path] = text
    return out
