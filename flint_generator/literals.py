"""Spec text made safe inside generated Python: literals through repr(), docstrings escaped."""

from __future__ import annotations

import math
from typing import Any


def py(value: Any) -> str:
    """A Python literal for a JSON value; repr() escapes quotes, backslashes and newlines, so spec text can
    never break out of the literal."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({repr(str(value))})"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(py(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py(k)}: {py(v)}" for k, v in value.items()) + "}"
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    raise TypeError(f"not a JSON value: {value!r}")


def docstr(text: str | None) -> str:
    """Text safe inside a triple-quoted docstring."""
    if not text:
        return ""
    text = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"').replace("\r\n", "\n").replace("\r", "\n")
    # a lone surrogate stays visible as text (`\\ud800`): type() refuses a __doc__ that is not valid UTF-8
    if not text.replace("\n", "").replace("\t", "").isprintable():  # rare: the loop below costs per character
        text = "".join(ch if ch == "\n" or ch == "\t" or ch.isprintable() else f"\\x{ord(ch):02x}" if ord(ch) < 256
                       else f"\\\\u{ord(ch):04x}" if 0xD800 <= ord(ch) <= 0xDFFF
                       else f"\\u{ord(ch):04x}" if ord(ch) < 0x10000 else f"\\U{ord(ch):08x}" for ch in text)
    text = text.strip()
    if text.endswith('"'):
        text += " "
    return text
