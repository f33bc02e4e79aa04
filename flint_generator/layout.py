"""Black's layout for the plain subset of Python the templates emit, without black's parser (issue 12: speed).

Black costs most of a cold generation, and nearly all of it goes to parsing code whose layout follows a few rules:
a line that fits stays on one line; otherwise a `def` splits at its parameters and any other line at its last
bracket pair, the body going on its own line if it fits, else one item per line with a trailing comma; a
collection literal that splits always puts one item per line. `relayout` applies those rules (and black's
string-quote and docstring rules, through black's own string functions) to a chunk and returns None as soon as
the chunk holds anything outside that subset: comments, operators where a split is needed, lambdas, f-strings,
backslashes, unusual blank lines. Those chunks go to black. Tests and `bench/corpus.py --verify-layout` check
that every chunk `relayout` accepts is exactly what black makes of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import black
from black.mode import TargetVersion
from black.strings import fix_multiline_docstring, normalize_string_prefix, normalize_string_quotes, str_width

# the one black mode of the generator (format.py formats with it; `check` depends on it staying fixed)
MODE = black.Mode(line_length=120, target_versions={TargetVersion.PY310}, magic_trailing_comma=False)
LINE_LENGTH = MODE.line_length
_OPEN = {"(": ")", "[": "]", "{": "}"}
_CLOSE = {")", "]", "}"}
# a string literal with an optional prefix (no f-strings: their nested quotes are black's business)
_STRING = re.compile(r"""(?i:[rub]{0,2})('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")""")
_SIMPLE_TEXT = re.compile(r"[A-Za-z0-9_. :\-*>=]*")  # what may sit next to a split without being a delimiter
_KEYWORDS = re.compile(r"\b(and|or|not|in|is|if|else|for|lambda|yield|from|as|with|del|assert|global|raise|import)\b")
_DEF = re.compile(r"(async )?def \w+$")
_BLOCK = re.compile(r"(async def|def|class) ")


class _Unsupported(Exception):
    """Outside the subset: black formats the chunk."""


@dataclass
class _Group:
    open: str
    items: list[list[_Part]] = field(default_factory=list)
    literal: bool = False  # a collection display: always one item per line when split
    _flat: str | None = None

    @property
    def close(self) -> str:
        return _OPEN[self.open]

    def flat(self) -> str:
        if self._flat is None:  # laying out a line asks for the same subtrees many times
            self._flat = self.open + ", ".join(_flat(i) for i in self.items) + self.close
        return self._flat


_Part = str | _Group


def _flat(seq: list[_Part]) -> str:
    return "".join([p if isinstance(p, str) else p.flat() for p in seq])


_TOKEN = re.compile(
    r"""(?P<s>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")|(?P<o>[(\[{])|(?P<c>[)\]}])|(?P<k>,)|(?P<n>\n *)"""
    r"""|(?P<t>[^'"()\[\]{},\n#\\]+)|(?P<x>.)"""
)


def _parse(text: str) -> list[_Part]:
    """One logical line -> text and bracket groups; whitespace around brackets and commas normalised as black does."""
    stack: list[tuple[_Group, list[_Part]]] = []
    top: list[_Part] = []
    cur = top
    buf: list[str] = []

    def flush(strip_left: bool, strip_right: bool) -> None:
        s = "".join(buf)
        buf.clear()
        if strip_left:
            s = s.lstrip()
        if strip_right:
            s = s.rstrip()
        if s:
            cur.append(s)

    after_open = False
    newline = False  # a line break is only allowed after an opening bracket or a comma, or before a closing one
    for m in _TOKEN.finditer(text):
        kind, tok = m.lastgroup, m.group()
        if newline and kind != "c":
            raise _Unsupported("line break inside an expression")
        newline = False
        if kind == "s":
            if buf and (buf[-1][-1:].isalnum() or buf[-1][-1:] == "_"):
                raise _Unsupported("prefixed string (f-strings are black's business)")
            buf.append(normalize_string_quotes(tok))
            after_open = False
        elif kind == "t":
            tok = tok.lstrip(" ") if after_open else tok
            if tok:
                buf.append(tok)
                after_open = False
        elif kind == "o":
            before = "".join(buf).rstrip()
            flush(after_open, False)
            literal = not before or not (before[-1].isalnum() or before[-1] in "_)]")
            if literal and before.endswith(("def", "class", "print")):
                literal = False
            group = _Group(tok, literal=literal)
            cur.append(group)
            stack.append((group, cur))
            cur = []
            group.items.append(cur)
            after_open = True
        elif kind == "k":
            if not stack:
                raise _Unsupported("comma outside brackets (tuple)")
            flush(after_open, True)
            cur = []
            stack[-1][0].items.append(cur)
            after_open = True
        elif kind == "c":
            if not stack or stack[-1][0].close != tok:
                raise _Unsupported("unbalanced brackets")
            flush(after_open, True)
            group, cur = stack.pop()
            if not group.items[-1]:
                group.items.pop()  # trailing comma: black drops it when the line joins (magic_trailing_comma off)
                if group.open == "(" and group.literal and len(group.items) == 1:
                    raise _Unsupported("one-element tuple")
            elif group.open == "(" and group.literal and len(group.items) == 1:
                raise _Unsupported("parenthesised expression (black may drop the parentheses)")
            after_open = False
        elif kind == "n":
            newline = not after_open
        else:
            raise _Unsupported(f"{tok!r} outside the subset (a comment, a backslash, an unterminated string)")
    if stack or newline:
        raise _Unsupported("unclosed bracket")
    flush(False, False)
    return top


def _check_spacing(text: str) -> None:
    """Black normalises the spacing inside a line; the templates already emit it, so anything else goes to black."""
    bare = _STRING.sub('""', text)
    if re.search(r"[^(,\s]\s*\*\*|\b0[XOB]|\d[EJL]\b", bare):
        raise _Unsupported("power operator or numeric literal black rewrites")
    if re.search(r"\S  +\S| [,:)\]}]|[(\[{] ", re.sub(r"\s*\n\s*", "", bare)):
        raise _Unsupported("spacing black would change")


_NEEDS_PARSE = re.compile(r",\s*[)\]}]|(^|[^\w)\]])\(|#|\\|[fFtT]$")


def _one_line(text: str, depth: int) -> list[str] | None:
    """Most lines fit as they are: then only their strings change (black's quotes), no tree is needed."""
    if "\n" in text:
        return None
    pieces = _STRING.split(text)  # text, literal body, text, ...: a prefix letter stays with the text before
    if any(_NEEDS_PARSE.search(t) for t in pieces[::2]):
        return None
    line = _STRING.sub(lambda m: normalize_string_quotes(normalize_string_prefix(m.group(0), MODE)), text)
    if not _fits(depth, line):
        return None
    return [" " * 4 * depth + line]


def _fits(depth: int, text: str) -> bool:
    return 4 * depth + str_width(text) <= LINE_LENGTH


def _check_splittable(seq: list[_Part], statement: bool) -> None:
    """Black splits at brackets only when nothing else at this level is a delimiter (operators, keywords...)."""
    for n, p in enumerate(seq):
        if isinstance(p, str):
            bare = _STRING.sub('""', p)
            if n == 0:  # an operand of a split annotation, a lambda's body: black splits after these
                bare = re.sub(r"^(\| |lambda \w+: )", "", bare)
            if statement:  # the head of a statement: `r: T = `, `return `, `def f`
                bare = re.sub(r"^(return |await |(\w+(\[[^\]]*\])?)(: [\w.\[\], |]+)? = )", "", bare)
            if _KEYWORDS.search(bare.replace("await ", "")) or not _SIMPLE_TEXT.fullmatch(bare):
                raise _Unsupported(f"delimiter in {p!r}")
            if "==" in bare or "<" in bare or re.search(r"[^\s(,]\*|-(?!>)", bare):
                raise _Unsupported(f"operator in {p!r}")


def _lay(seq: list[_Part], depth: int, suffix: str, statement: bool = False) -> list[str]:
    flat = _flat(seq) + suffix
    if _fits(depth, flat):
        return [" " * 4 * depth + flat]
    groups = [k for k, p in enumerate(seq) if isinstance(p, _Group)]
    if statement and isinstance(seq[0], str) and re.match(r"\w+: ", seq[0]):
        annotated = _long_annotated(seq, depth, flat)
        if annotated is not None:
            return annotated
    if not groups:
        # an item that is one name, number or string (maybe a keyword argument): black has nowhere to split it
        if not statement and re.fullmatch(r"(\w+=)?([\w.]+|\"\")", _STRING.sub('""', _flat(seq))):
            return [" " * 4 * depth + flat]
        # `NAME = "long value"` (an enum member): black wraps the value in parentheses when that makes it fit
        m = re.fullmatch(r"(\w+ = )(.+)", flat) if statement else None
        if m is not None and re.fullmatch(r"[\w.]+|\"\"", _STRING.sub('""', m.group(2))):
            pad = " " * 4 * depth
            if not _fits(depth + 1, m.group(2)):
                return [pad + flat]
            if _fits(depth, m.group(1) + "("):
                return [pad + m.group(1) + "(", pad + "    " + m.group(2), pad + ")"]
        raise _Unsupported("a line too long with nothing to split")
    is_def = statement and isinstance(seq[0], str) and bool(_DEF.match(seq[0]))
    _check_splittable(seq, statement)
    k = groups[0] if is_def else groups[-1]
    return _split_at(seq, k, depth, suffix, is_def)


def _split_at(seq: list[_Part], k: int, depth: int, suffix: str, is_def: bool) -> list[str]:
    group = seq[k]
    assert isinstance(group, _Group)
    if not group.items:
        raise _Unsupported("split at empty brackets")
    head = _flat(seq[:k]) + group.open
    tail = group.close + _flat(seq[k + 1 :]) + suffix
    if not _fits(depth, head) or not _fits(depth, tail):
        raise _Unsupported("head or tail of a split too long")
    pad = " " * 4 * depth
    return [pad + head, *_body(group, depth + 1, is_def), pad + tail]


def _body(group: _Group, depth: int, is_def: bool) -> list[str]:
    items = group.items
    if len(items) == 1:
        if group.literal and group.open == "(":
            raise _Unsupported("parenthesised expression")
        operands = _split_bars(items[0])
        if len(operands) > 1 and not _fits(depth, _flat(items[0])):
            if is_def:
                raise _Unsupported("a lone long parameter")
            return _lay_operands(operands, depth)
        return _lay(items[0], depth, "," if is_def else "")
    if not group.literal:
        joined = ", ".join(_flat(i) for i in items)
        if _fits(depth, joined):
            return [" " * 4 * depth + joined]
    out: list[str] = []
    for item in items:
        flat = _flat(item) + ","
        if is_def and not _fits(depth, flat):
            out.extend(_long_annotation(item, depth, ","))
        else:
            out.extend(_lay(item, depth, ","))
    return out


def _long_annotated(seq: list[_Part], depth: int, flat: str) -> list[str] | None:
    """A class-level `name: A | B [= value]` too long for its line, split as black splits it (None: an assignment
    of a call, which splits like any other statement)."""
    bare = _STRING.sub('""', flat)
    m = re.fullmatch(r"(\w+: [^=]+ = )([\w.]+|\"\")", bare)
    if m is not None:
        # black wraps the value in parentheses when `name: annotation = (` fits, however long the value
        if _fits(depth, m.group(1) + "("):
            pad = " " * 4 * depth
            return [pad + flat[: len(m.group(1))] + "(", pad + "    " + flat[len(m.group(1)) :], pad + ")"]
    elif "=" in bare:
        return None
    if len(_split_bars(seq)) > 1:
        return _long_annotation(seq, depth, "")  # else the annotation's own parentheses take the split
    if m is not None:
        raise _Unsupported("long annotated assignment of a name")
    _check_splittable(seq, True)
    groups = [k for k, p in enumerate(seq) if isinstance(p, _Group)]
    if not groups:
        raise _Unsupported("a long annotation with nothing to split")
    return _split_at(seq, groups[-1], depth, "", False)


def _split_bars(seq: list[_Part]) -> list[list[_Part]]:
    """`seq` cut at its top-level ` | ` (a union type's operands)."""
    operands: list[list[_Part]] = [[]]
    for p in seq:
        if isinstance(p, str):
            for k, piece in enumerate(p.split(" | ")):
                if k:
                    operands.append([])
                if piece:
                    operands[-1].append(piece)
        else:
            operands[-1].append(p)
    return operands


def _lay_operands(operands: list[list[_Part]], depth: int) -> list[str]:
    """A union split at its `|`s, as black's delimiter split leaves it: one operand per line, `| ` leading."""
    if any(not o for o in operands):
        raise _Unsupported("empty union operand")
    out: list[str] = []
    for k, o in enumerate(operands):
        seq: list[_Part] = list(o)
        if k:
            seq[0:1] = ["| " + seq[0]] if isinstance(seq[0], str) else ["| ", seq[0]]
        out.extend(_lay(seq, depth, ""))
    return out


def _long_annotation(item: list[_Part], depth: int, suffix: str) -> list[str]:
    """`name: A | B = default` too long: black wraps the annotation in parentheses and splits it at the `|`s."""
    first = item[0]
    if not isinstance(first, str) or (m := re.match(r"(\w+): ", first)) is None:
        raise _Unsupported("long parameter without an annotation")
    parts: list[_Part] = [first[m.end() :], *item[1:]]
    default = ""
    tail_text = parts[-1]
    if isinstance(tail_text, str):
        d = re.search(r" = [\w.]+$", tail_text)
        if d is not None:
            default, parts[-1] = d.group(0), tail_text[: d.start()]
    operands = _split_bars(parts)
    if len(operands) < 2 or any(not o or any(isinstance(p, str) and (" " in p or "|" in p) for p in o) for o in operands):
        raise _Unsupported(f"long annotation black would split otherwise {_flat(item)[:70]}")
    pad = " " * 4 * depth
    joined = " | ".join(_flat(o) for o in operands)
    body = [pad + "    " + joined] if _fits(depth + 1, joined) else _lay_operands(operands, depth + 1)
    head, tail = m.group(1) + ": (", ")" + default + suffix
    if not (_fits(depth, head) and _fits(depth, tail)):
        raise _Unsupported("annotation head or tail too long")
    return [pad + head, *body, pad + tail]


def _docstring(text: str, depth: int) -> str:
    """black's docstring rules (linegen.visit_STRING, default mode), through black's own string helpers."""
    if re.search(r"\\\s*\n", text):
        raise _Unsupported("backslash newline in a docstring")
    doc = normalize_string_quotes(normalize_string_prefix(text.strip(), MODE))
    prefix = doc[: len(doc) - len(doc.lstrip("rRuU"))]
    if prefix:
        raise _Unsupported("prefixed docstring")
    quote_char = doc[0]
    quote_len = 1 if doc[1] != quote_char else 3
    body = doc[quote_len:-quote_len]
    started_empty = not body
    indent = " " * 4 * depth
    body = fix_multiline_docstring(body, indent) if "\n" in body else body.strip()
    trailing_backslash = False
    if body:
        if body[0] == quote_char:
            body = " " + body
        if body[-1] == quote_char:
            body += " "
        if body[-1] == "\\" and (len(body) - len(body.rstrip("\\"))) % 2:
            body += " "
            trailing_backslash = True
    elif not started_empty:
        body = " "
    quote = quote_char * quote_len
    if quote_len == 3:
        lines = body.splitlines()
        last = len(lines[-1]) if body and not body.endswith("\n") else 0
        if len(lines) > 1 and last + quote_len > LINE_LENGTH and len(indent) + quote_len <= LINE_LENGTH:
            if not trailing_backslash:
                if doc[-1 - quote_len] == "\n":
                    return indent + quote + body + quote
                return indent + quote + body + "\n" + indent + quote
    return indent + quote + body + quote


def _depth(line: str) -> int:
    bare = _STRING.sub('""', line)
    if '"""' in bare or "'''" in bare:
        raise _Unsupported("triple-quoted string inside code")
    return sum(bare.count(c) for c in "([{") - sum(bare.count(c) for c in ")]}")


def _logical_lines(chunk: str) -> list[tuple[int, str]]:
    """(indent, text) per logical line; -1 for a blank line. Raises _Unsupported for odd indentation."""
    out: list[tuple[int, str]] = []
    lines = chunk.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            out.append((-1, ""))
            i += 1
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent % 4 or "\t" in line[:indent]:
            raise _Unsupported("indentation")
        body = line[indent:]
        if body.startswith(('"""', "'''", 'r"""')):
            quote = body.lstrip("r")[:3]
            text = body
            while text.count(quote) < 2:
                i += 1
                if i >= len(lines):
                    raise _Unsupported("unterminated docstring")
                text += "\n" + lines[i]
            if not text.rstrip().endswith(quote) or text.count(quote) != 2:
                raise _Unsupported("text after a docstring")
            out.append((indent // 4, "\x00" + text))
            i += 1
            continue
        parts = [body]
        depth = _depth(body)
        while depth > 0 and i + 1 < len(lines):
            i += 1
            parts.append(lines[i])
            depth += _depth(lines[i])
        if depth:
            raise _Unsupported("unbalanced brackets")
        text = "\n".join(parts)
        out.append((indent // 4, text))
        i += 1
    return out


def relayout(chunk: str) -> str | None:
    """`chunk` as black would format it, or None when it is outside the subset this module handles."""
    try:
        return _relayout(chunk)
    except _Unsupported:
        return None


def _relayout(chunk: str) -> str:
    out: list[str] = []
    blank = 0
    prev_text, prev_depth, prev_after = "", -1, 0
    defs: list[int] = []  # depths of the enclosing def/class lines (black's `previous_defs`)
    for depth, text in _logical_lines(chunk.strip("\n")):
        if depth < 0:
            blank += 1
            continue
        is_doc = text.startswith("\x00")
        if is_doc:
            text = text[1:]
        is_block = bool(_BLOCK.match(text)) or text.startswith("@")
        if text.startswith(("import ", "from ")) or prev_text.startswith(("import ", "from ")):
            raise _Unsupported("imports (black's blank-line rules around them)")
        if prev_text.endswith(":") and (blank or depth != prev_depth + 1):
            raise _Unsupported("blank line or odd indent at a block start")
        left_def = False
        while defs and defs[-1] >= depth:
            defs.pop()
            left_def = True
        if is_block and not text.startswith("@"):
            defs.append(depth)
        opener = prev_text.endswith(":") and bool(_BLOCK.match(prev_text))
        if not out:
            want = 0
        elif is_doc:
            if not opener:
                raise _Unsupported("docstring outside a def or class")
            want = 0
        elif is_block:
            if prev_text.startswith("@"):
                want = 0
            elif prev_depth < depth and opener:
                want = 0
            elif prev_text.endswith(": ..."):
                raise _Unsupported("stub def")
            else:
                want = 1 if depth else 2
        elif left_def:
            if not depth and text.endswith(":"):
                raise _Unsupported("top-level clause after a def")
            want = 1 if depth else 2
        else:
            want = min(blank, 1 if depth else 2)
        want = max(want, prev_after)
        out.extend([""] * want)
        blank = 0
        if is_doc:
            out.append(_docstring(text, depth))
            prev_after = 1 if prev_text.startswith("class ") else 0
        else:
            _check_spacing(text)
            out.extend(_one_line(text, depth) or _lay(_parse(text), depth, "", statement=True))
            prev_after = 0
        prev_text, prev_depth = text, depth
    return "\n".join(out) + "\n"
