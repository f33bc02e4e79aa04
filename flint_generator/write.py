"""Incremental, atomic writes of a generated tree plus its MANIFEST.json.

- unchanged files are not touched (mtime preserved);
- files listed in the previous manifest that are no longer generated are removed;
- files not in the manifest are never touched;
- new contents go to temporary files first and are moved into place with os.replace.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

MANIFEST = "MANIFEST.json"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_manifest(out: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("files"), dict) else None


def manifest_text(meta: dict[str, Any], files: dict[str, bytes]) -> bytes:
    doc = {**meta, "files": {p: sha256(files[p]) for p in sorted(files)}}
    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode("utf-8")


def tree_is_current(out: Path, manifest: dict[str, Any]) -> bool:
    """Every file the manifest lists exists with the recorded hash."""
    for rel, digest in manifest["files"].items():
        try:
            if sha256((out / rel).read_bytes()) != digest:
                return False
        except OSError:
            return False
    return True


@dataclass
class Plan:
    write: dict[str, bytes] = field(default_factory=dict)
    remove: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def plan(out: Path, files: dict[str, bytes], manifest: bytes) -> Plan:
    result = Plan()
    everything = {**files, MANIFEST: manifest}
    for rel in sorted(everything):
        try:
            current = (out / rel).read_bytes()
        except OSError:
            current = None
        if current == everything[rel]:
            result.unchanged.append(rel)
        else:
            result.write[rel] = everything[rel]
    old = read_manifest(out)
    if old is not None:
        for rel in sorted(old["files"]):
            if rel not in files and _inside(out, rel) and (out / rel).is_file():
                result.remove.append(rel)
    return result


def _inside(out: Path, rel: str) -> bool:
    try:
        (out / rel).resolve().relative_to(out.resolve())
    except ValueError:
        return False
    return not Path(rel).is_absolute()


def apply(out: Path, p: Plan) -> None:
    """Temp files for everything first, then os.replace each (manifest last), then removals."""
    staged: list[tuple[str, Path]] = []
    try:
        for rel in sorted(p.write, key=lambda r: (r == MANIFEST, r)):
            target = out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(p.write[rel])
            os.chmod(tmp_name, 0o644)
            staged.append((rel, Path(tmp_name)))
    except BaseException:
        for _, tmp_path in staged:
            tmp_path.unlink(missing_ok=True)
        raise
    for rel, tmp_path in staged:
        os.replace(tmp_path, out / rel)
    for rel in p.remove:
        target = out / rel
        target.unlink(missing_ok=True)
        parent = target.parent
        while parent != out and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def diff(out: Path, files: dict[str, bytes], manifest: bytes) -> str:
    """Unified diff between the tree on disk and what would be generated ('' when identical)."""
    p = plan(out, files, manifest)
    chunks: list[str] = []
    for rel in sorted(p.write):
        try:
            old = (out / rel).read_bytes().decode("utf-8", "replace").splitlines(keepends=True)
            old_name = f"a/{rel}"
        except OSError:
            old, old_name = [], "/dev/null"
        new = p.write[rel].decode("utf-8", "replace").splitlines(keepends=True)
        chunks.extend(difflib.unified_diff(old, new, old_name, f"b/{rel}"))
    for rel in p.remove:
        old = (out / rel).read_bytes().decode("utf-8", "replace").splitlines(keepends=True)
        chunks.extend(difflib.unified_diff(old, [], f"a/{rel}", "/dev/null"))
    return "".join(c if c.endswith("\n") else c + "\n" for c in chunks)
