"""The corpus sweep's inspections of one generated package, each run by corpus.py in a fresh subprocess
(`--inspect-ast`, `--inspect-import`): names bound twice or hash-suffixed (ast), and importing every module and
compiling every model's codec.
"""

from __future__ import annotations

import ast
import collections
import re
import sys
import time
from pathlib import Path
from typing import Any

HASH_SUFFIX = re.compile(r"_(?=[0-9a-f]*[a-f])[0-9a-f]{8,}(?![0-9A-Za-z])")


def _module_bindings(tree: ast.Module) -> list[tuple[str, str]]:
    """(name, kind) for every name a module-level statement binds (not inside if/try: those may be alternatives)."""
    out: list[tuple[str, str]] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            out.append((node.name, "class"))
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out.append((node.name, "def"))
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                for n in ast.walk(t):
                    if isinstance(n, ast.Name):
                        out.append((n.id, "assign"))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out.append((node.target.id, "assign"))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for a in node.names:
                out.append(((a.asname or a.name).split(".")[0], "import"))
    return out


def inspect_ast(pkg: Path) -> dict[str, Any]:
    dup_classes: list[str] = []
    dup_other: list[str] = []
    hashed: list[str] = []
    classes = 0
    for f in sorted(pkg.glob("*.py")):
        try:
            tree = ast.parse(f.read_text(encoding="utf-8"), str(f))
        except SyntaxError as exc:
            return {"ast_error": f"{f.name}: {exc}"}
        binds = _module_bindings(tree)
        kinds: dict[str, list[str]] = collections.defaultdict(list)
        for name, kind in binds:
            kinds[name].append(kind)
        for name, ks in sorted(kinds.items()):
            if len(ks) > 1:
                (dup_classes if "class" in ks else dup_other).append(f"{f.name}:{name} ({'+'.join(ks)})")
        classes += sum(1 for _, k in binds if k == "class")
        names = {n for n, _ in binds}
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names.add(node.name)
        hashed += sorted(f"{f.name}:{n}" for n in names if HASH_SUFFIX.search(n))
        del tree
    return {"classes": classes, "dup_classes": dup_classes, "dup_other": dup_other, "hash_names": hashed}


def inspect_import(out: Path, package: str) -> dict[str, Any]:
    import importlib
    import traceback

    sys.path.insert(0, str(out))
    res: dict[str, Any] = {"modules": [], "import_error": None, "codec_errors": [], "models_compiled": 0}
    t0 = time.perf_counter()
    try:
        importlib.import_module(package)
        for f in sorted((out / package).glob("*.py")):
            if f.stem != "__init__":
                importlib.import_module(f"{package}.{f.stem}")
                res["modules"].append(f.stem)
    except BaseException as exc:  # noqa: BLE001 - anything, reported
        tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
        res["import_error"] = f"{type(exc).__name__}: {str(exc)[:400]}"
        res["import_traceback"] = "".join(tb[-4:])[-2000:]
        return res
    res["import_s"] = round(time.perf_counter() - t0, 3)
    models = sys.modules.get(f"{package}.models")
    codec = sys.modules.get(f"{package}._codec")
    runtime = sys.modules.get(f"{package}._runtime")
    base = getattr(codec, "Model", None)
    verr = getattr(runtime, "ValidationError", ())
    if models is None or base is None:
        return res
    t0 = time.perf_counter()
    for name, obj in sorted(vars(models).items()):
        if not (isinstance(obj, type) and issubclass(obj, base) and obj.__module__ == models.__name__):
            continue
        try:
            try:
                inst = getattr(obj, "from_dict")({})
            except verr:
                pass
            else:
                inst.to_dict()
            res["models_compiled"] += 1
        except BaseException as exc:  # noqa: BLE001
            res["codec_errors"].append(f"{name}: {type(exc).__name__}: {str(exc)[:300]}")
    res["codec_s"] = round(time.perf_counter() - t0, 3)
    return res
