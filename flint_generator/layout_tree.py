"""The bracket tree of one logical line and black's rules for splitting it (layout.py drives it line by line)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flint_generator.black_rules import LINE_LENGTH, string_literal, str_width

_OPEN = {"(": ")", "[": "]", "{": "}"}
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
            buf.append(string_literal(tok))
            after_open = False
        elif kind == "t":
            tok = tok.lstrip(" ") if after_open else tok
            if tok:
                buf.append(tok)
                after_open = False
        elif kind == "o":
            before = "".join(buf).rstrip()
            flush(after_open, False)
            # `f(x)(y)` and `a[0][1]`: right after a group, a bracket is a call or subscript, never a display
            follows_group = not before and bool(cur) and isinstance(cur[-1], _Group)
            literal = not follows_group and (not before or not (before[-1].isalnum() or before[-1] in "_)]"))
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
    wrapped = _wrapped_call(seq, depth, flat) if statement else None
    if wrapped is not None:
        return wrapped
    is_def = statement and isinstance(seq[0], str) and bool(_DEF.match(seq[0]))
    _check_splittable(seq, statement)
    k = groups[0] if is_def else groups[-1]
    return _split_at(seq, k, depth, suffix, is_def)


_CALL_ASSIGN = re.compile(r"([A-Za-z_][\w.]*) = [A-Za-z_][\w.]*")


def _wrapped_call(seq: list[_Part], depth: int, flat: str) -> list[str] | None:
    """`name = Callee(args)` whose split at the call's parenthesis would leave a head too long: black wraps the
    right-hand side in parentheses when it fits on a line of its own (client.py's `self.<group> = <Group>Resource(
    self)` with AWS's long group names). None otherwise: the usual split applies."""
    if len(seq) != 2 or not isinstance(seq[0], str) or not isinstance(seq[1], _Group) or seq[1].open != "(":
        return None
    m = _CALL_ASSIGN.fullmatch(seq[0])
    if m is None or _fits(depth, seq[0] + "("):
        return None
    target = m.group(1)
    rhs = flat[len(target) + 3 :]
    if not (_fits(depth + 1, rhs) and _fits(depth, target + " = (")):
        return None
    pad = " " * 4 * depth
    return [pad + target + " = (", pad + "    " + rhs, pad + ")"]


def _split_at(seq: list[_Part], k: int, depth: int, suffix: str, is_def: bool) -> list[str]:
    group = seq[k]
    assert isinstance(group, _Group)
    if not group.items:
        raise _Unsupported("split at empty brackets")
    head = _flat(seq[:k]) + group.open
    tail = group.close + _flat(seq[k + 1 :]) + suffix
    # `class <name too long>(_Model):` has one bracket pair, so black splits there however long the head is
    only_bases = len(seq) == 3 and k == 1 and isinstance(seq[0], str) and re.fullmatch(r"class \w+", seq[0])
    if not (_fits(depth, head) or only_bases) or not _fits(depth, tail):
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
    bare_name = re.fullmatch(r"(\w+): ([\w.]+)", bare)
    if bare_name is not None:
        # `name: OneLongName`: black wraps the name in parentheses when that fits, or when it is `module.Name` (two
        # leaves it could split), and otherwise leaves the line too long (AWS SageMaker's 100-character names)
        name, annotation = bare_name.groups()
        pad = " " * 4 * depth
        if _fits(depth + 1, annotation) or re.fullmatch(r"\w+\.\w+", annotation):
            if _fits(depth, name + ": ("):
                return [pad + name + ": (", pad + "    " + annotation, pad + ")"]
        elif "." not in annotation:
            return [pad + flat]
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
    if len(operands) == 1 and len(parts) == 1 and isinstance(parts[0], str) and re.fullmatch(r"[\w.]+", parts[0]):
        # one dotted name: black has nothing to split and leaves the line too long (AWS EC2's long model names)
        return [" " * 4 * depth + _flat(item) + suffix]
    if len(operands) == 1 and not default and len(parts) == 2 and isinstance(parts[0], str) and isinstance(
            parts[1], _Group) and parts[1].open == "[" and re.fullmatch(r"[\w.]+", parts[0]):
        # `name: list[<one long name>]`: the subscript is the only bracket, black splits there
        inner = parts[1].items
        pad = " " * 4 * depth
        if (len(inner) == 1 and len(inner[0]) == 1 and isinstance(inner[0][0], str)
                and re.fullmatch(r"[\w.]+", inner[0][0]) and _fits(depth + 1, inner[0][0])
                and _fits(depth, m.group(1) + ": " + parts[0] + "[")):
            return [pad + m.group(1) + ": " + parts[0] + "[", pad + "    " + inner[0][0], pad + "]" + suffix]
    if len(operands) < 2 or any(not o or any(isinstance(p, str) and (" " in p or "|" in p) for p in o) for o in operands):
        raise _Unsupported(f"long annotation black would split otherwise {_flat(item)[:70]}")
    pad = " " * 4 * depth
    joined = " | ".join(_flat(o) for o in operands)
    body = [pad + "    " + joined] if _fits(depth + 1, joined) else _lay_operands(operands, depth + 1)
    head, tail = m.group(1) + ": (", ")" + default + suffix
    if not (_fits(depth, head) and _fits(depth, tail)):
        raise _Unsupported("annotation head or tail too long")
    return [pad + head, *body, pad + tail]
