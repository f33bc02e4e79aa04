"""Writes the hostile specs that are too repetitive to write by hand (run once; output is committed).

    .venv/bin/python tests/realworld/hostile/make_generated.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _doc(title: str, package: str, schemas: dict[str, Any], root: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": "1"},
        "x-package-name": package,
        "paths": {
            "/x": {
                "post": {
                    "operationId": "postX",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{root}"}}},
                    },
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{root}"}}},
                        }
                    },
                }
            }
        },
        "components": {"schemas": schemas},
    }


def huge_enum() -> dict[str, Any]:
    # 5,000 values, some of which only differ after the generator turns them into member names
    values = [f"value_{i:04d}" for i in range(4990)]
    values += ["value-0001", "VALUE_0001", "Value 0001", "0", "-1", "", "None", "class", "__init__", "名前"]
    assert len(values) == 5000 and len(set(values)) == 5000
    schemas = {
        "Huge": {"type": "string", "enum": values, "x-flint-enum": "closed"},
        "Holder": {
            "type": "object",
            "required": ["huge"],
            "properties": {"huge": {"$ref": "#/components/schemas/Huge"}},
        },
    }
    return _doc("Huge enum", "hostile_huge_enum", schemas, "Holder")


def deep_nesting(depth: int) -> dict[str, Any]:
    # inline objects nested `depth` levels deep, and an array of arrays as deep
    inner: dict[str, Any] = {"type": "object", "properties": {"leaf": {"type": "integer"}}}
    for i in range(depth):
        inner = {"type": "object", "properties": {f"l{depth - 1 - i}": inner}}
    arrays: dict[str, Any] = {"type": "integer"}
    for _ in range(depth):
        arrays = {"type": "array", "items": arrays}
    schemas = {"Deep": {"type": "object", "properties": {"nest": inner, "grid": arrays}}}
    return _doc("Deep nesting", f"hostile_deep_{depth}", schemas, "Deep")


def control_chars() -> dict[str, Any]:
    # NUL, CR, lone surrogate, line/paragraph separators, escape, BOM, form feed: in descriptions, names, enums
    nasty = "a\u0000b\rc\u2028d\u2029e\u001bf\ufeffg\x0ch\x85i"
    schemas = {
        "Ctrl": {
            "type": "object",
            "description": nasty + " and a lone surrogate \ud800 here",
            "properties": {
                "a\u0000b": {"type": "string", "description": "NUL in the property name"},
                "c\u2028d": {"type": "string", "description": "line separator in the name \u2028"},
                "plain": {
                    "type": "string",
                    "enum": ["ok", "nul\u0000", "cr\r", "ls\u2028", "surrogate\udfff", "esc\u001b"],
                    "description": "enum values with control characters",
                },
            },
        }
    }
    doc = _doc("Control \u0000 characters\r", "hostile_control", schemas, "Ctrl")
    doc["info"]["description"] = nasty
    return doc


def main() -> None:
    # depth 50 is valid and must generate; depth 400 also breaks openapi-spec-validator (RecursionError),
    # which the generator has to turn into a clear message or survive
    for name, doc in (("huge_enum.json", huge_enum()), ("deep_nesting.json", deep_nesting(50)),
                      ("very_deep_nesting.json", deep_nesting(400)), ("control_chars.json", control_chars())):
        # ensure_ascii keeps the lone surrogates representable as JSON escapes
        (HERE / name).write_text(json.dumps(doc, indent=1, ensure_ascii=True) + "\n", encoding="ascii")


if __name__ == "__main__":
    main()
