"""Black, imported only when a chunk needs its parser, and the string rules layout.py applies to every chunk.

Importing black costs about 70 ms, a seventh of generating a small spec, and most generations never need its parser
(layout.py lays out what the templates emit). What every chunk does need are three of black's string rules: quotes,
docstring indentation and display width. Each has a fast path here for the plain text generated code is made of
(no string prefix, no backslash, ASCII, no tabs), which gives what black gives (tests/generator/test_black_rules.py
checks them against black); anything else goes to black's own function.
"""

from __future__ import annotations

import re
import sys
from functools import cache, lru_cache
from typing import Any

LINE_LENGTH = 120
# the one black mode of the generator (format.py formats with it; `check` depends on it staying fixed)
MODE_SETTINGS = {"line_length": LINE_LENGTH, "target_versions": "py310", "magic_trailing_comma": False}


@cache
def black_module() -> Any:
    import black

    return black


@cache
def black_mode() -> Any:
    """black.Mode for MODE_SETTINGS."""
    black = black_module()
    from black.mode import TargetVersion

    return black.Mode(line_length=LINE_LENGTH, target_versions={TargetVersion.PY310}, magic_trailing_comma=False)


def format_once(source: str) -> str:
    """black's text for `source` in one pass: black.format_str runs a second full pass whenever the first changed
    anything (a guard for optional trailing commas meeting optional parentheses, which magic_trailing_comma=False
    rules out); tests/generator check that the output is a black fixed point."""
    black = black_module()
    once = getattr(black, "_format_str_once", None) or black.format_str
    return str(once(source, mode=black_mode()))


@cache
def black_version() -> str:
    """For the format cache's key, without importing black (importlib.metadata: 12 ms)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("black")
    except PackageNotFoundError:
        return str(getattr(black_module(), "__version__", ""))


@lru_cache(maxsize=4096)
def string_literal(literal: str) -> str:
    """One string literal in black's prefix and quotes. Fast path: no prefix, and a triple double quote or no
    backslash nor triple single quote. Black never changes a triple double quote (docstrings are layout.py's), and
    prefers double quotes unless they would need escaping: a single-quoted body without a double quote turns
    double-quoted, anything else stays."""
    if literal[:3] == '"""':
        return literal
    if literal[:1] == "'" and literal[:3] != "'''" and "\\" not in literal:
        return literal if '"' in literal else '"' + literal[1:-1] + '"'
    if literal[:1] == '"' and "\\" not in literal:
        return literal
    from black.strings import normalize_string_prefix, normalize_string_quotes

    return str(normalize_string_quotes(normalize_string_prefix(literal, black_mode())))


# characters str.lstrip/strip/splitlines treat as whitespace or line breaks beyond " " and "\n" (ASCII ones; any
# non-ASCII text takes black's path anyway)
_ODD_WHITESPACE = re.compile(r"[\t\r\x0b\x0c\x1c-\x1f]")


def multiline_docstring(docstring: str, prefix: str) -> str:
    """PEP 257's indentation rule as black applies it (black.strings.fix_multiline_docstring): the first line
    stripped, the common indentation of the others removed and `prefix` put in its place, inner blank lines
    emptied, trailing spaces dropped. Fast path for ASCII text whose only whitespace is spaces and newlines."""
    if not docstring.isascii() or _ODD_WHITESPACE.search(docstring):
        from black.strings import fix_multiline_docstring

        return str(fix_multiline_docstring(docstring, prefix))
    lines = docstring.split("\n")
    indent = sys.maxsize
    for line in lines[1:]:
        stripped = line.lstrip(" ")
        if stripped:
            indent = min(indent, len(line) - len(stripped))
    trimmed = [lines[0].strip(" ")]
    if indent < sys.maxsize:
        last = len(lines) - 2
        for i, line in enumerate(lines[1:]):
            kept = line[indent:].rstrip(" ")
            trimmed.append(prefix + kept if kept or i == last else "")
    return "\n".join(trimmed)


def str_width(text: str) -> int:
    """Display width (black counts East Asian wide characters twice): len() for ASCII."""
    if text.isascii():
        return len(text)
    from black.strings import str_width as width

    return int(width(text))
