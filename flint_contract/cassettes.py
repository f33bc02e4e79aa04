"""schemathesis' own recordings of what it sent and got, passed through: HAR (an HTTP Archive that browser
dev tools and HAR viewers open) and VCR (a YAML cassette, the format `st replay`-style tools and VCR
libraries read). The engine runs schemathesis once per pass, each pass writes its own file into the
workdir, and the run's file is all of them merged in pass order. Credentials are masked by
schemathesis' output sanitization (engine.write_config); the kit's own probe requests are not in them."""

from __future__ import annotations

import json
from pathlib import Path

FORMATS = ("har", "vcr")


def pass_path(workdir: Path, name: str, fmt: str) -> Path:
    return workdir / (f"{name}.har" if fmt == "har" else f"{name}-vcr.yaml")


def merge_har(parts: list[Path], out: Path) -> int:
    """One HAR of every pass's entries, in order; the number of entries."""
    merged: dict[str, object] | None = None
    entries: list[object] = []
    for part in parts:
        if not part.is_file() or not part.stat().st_size:
            continue  # a pass that died before it wrote anything
        doc = json.loads(part.read_text(encoding="utf-8"))
        log = doc.get("log") if isinstance(doc, dict) else None
        if not isinstance(log, dict):
            continue
        if merged is None:
            merged = {k: v for k, v in log.items() if k != "entries"}
        entries.extend(log.get("entries") or [])
    log_out: dict[str, object] = dict(merged or {"version": "1.2", "creator": {"name": "flint-contract", "version": "0"}})
    log_out["entries"] = entries
    _write(out, json.dumps({"log": log_out}, indent=1))
    return len(entries)


_LIST_KEY = "http_interactions:"


def merge_vcr(parts: list[Path], out: Path) -> int:
    """One cassette: the first pass's header (command, schemathesis version, seed), then every pass's
    interactions in order; the number of interactions. Text-level, as schemathesis streams them: each
    interaction is a top-level list item (`- id: ...`) after the `http_interactions:` line."""
    header: str | None = None
    items: list[str] = []
    count = 0
    for part in parts:
        if not part.is_file():
            continue
        text = part.read_text(encoding="utf-8")
        head, sep, body = text.partition(_LIST_KEY)
        if not sep:
            continue
        if header is None:
            header = head
        body = body.strip("\n")
        if body.strip() and body.strip() != "[]":
            items.append(body)
            count += sum(1 for line in body.splitlines() if line.startswith("- id:"))
    text = (header or "") + _LIST_KEY + ("\n" + "\n".join(items) + "\n" if items else " []\n")
    _write(out, text)
    return count


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
