"""Black's layout for the plain subset of Python the templates emit, without black's parser (issue 12: speed).

Black costs most of a cold generation, and nearly all of it goes to parsing code whose layout follows a few rules:
a line that fits stays on one line; otherwise a `def` splits at its parameters and any other line at its last
bracket pair, the body going on its own line if it fits, else one item per line with a trailing comma; a
collection literal that splits always puts one item per line. `relayout` applies those rules (and black's
string-quote and docstring rules, through black's own string functions) to a chunk. A statement outside that
subset (operators where a split is needed, lambdas, f-strings, nested splits) is laid out by black alone, at its
depth; what shapes blank lines or needs its neighbours (comments, imports, decorators, unusual blank lines) makes
`relayout` return None, and black formats the whole chunk. Tests and `bench/corpus.py --verify-layout` check that
every chunk `relayout` returns is exactly what black makes of it.
"""

from __future__ import annotations

import re
import typing as _t
from functools import lru_cache

from flint_generator.black_rules import LINE_LENGTH, format_once, multiline_docstring, string_literal
from flint_generator.layout_tree import (
    _BLOCK,
    _STRING,
    _fits,
    _lay,
    _long_annotation,
    _parse,
    _Unsupported,
)

__all__ = ["relayout"]


def _bare(text: str) -> str:
    """`text` with every string literal emptied (most lines hold none: skip the regex then)."""
    return _STRING.sub('""', text) if "'" in text or '"' in text else text


def _black_strings(text: str) -> str:
    """`text` with every string literal in black's quotes and prefix."""
    return _STRING.sub(lambda m: string_literal(m.group(0)), text) if "'" in text or '"' in text else text


# a number is a token starting with a digit; `_1L` inside a name is not one
_REWRITTEN = re.compile(r"[^(,\s]\s*\*\*|(?<![\w.])(?:\d[\w.]*[A-Z]|0[xX]\w*[a-f])")
_ODD_SPACING = re.compile(r"\S  +\S| [,:)\]}]|[(\[{] ")
_LINE_BREAK = re.compile(r"\s*\n\s*")


def _check_spacing(bare: str) -> None:
    """Black normalises the spacing inside a line; the templates already emit it, so anything else goes to black."""
    if _REWRITTEN.search(bare):
        raise _Unsupported("power operator or numeric literal black rewrites")
    if _ODD_SPACING.search(_LINE_BREAK.sub("", bare) if "\n" in bare else bare):
        raise _Unsupported("spacing black would change")


_PLAIN_FSTRING = re.compile(r"(?<![\w\"'])f\"[^\"\\\n]*\"")
_NEEDS_PARSE = re.compile(r",\s*[)\]}]|(^|[^\w)\]])\(|#|\\|[fFtT]$")


def _one_line(text: str, depth: int) -> list[str] | None:
    """Most lines fit as they are: then only their strings change (black's quotes), no tree is needed."""
    if "\n" in text:
        return None
    # an f-string black leaves alone (double quotes, no backslash: nothing to normalise) is a literal here too
    probe = _PLAIN_FSTRING.sub('""', text) if 'f"' in text else text
    pieces = _STRING.split(probe)  # text, literal body, text, ...: a prefix letter stays with the text before
    if any(_NEEDS_PARSE.search(t) for t in pieces[::2]):
        return None
    line = _black_strings(text)
    if not _fits(depth, line):
        return None
    return [" " * 4 * depth + line]


_DEF_HEAD = re.compile(r"(async )?def \w+\($")
_DEF_TAIL = re.compile(r"\)( -> [^()]+)?:$")
# a call or display, an inner trailing comma (inside a string, either only costs the fast path)
_PARAM_RISK = re.compile(r"[({]|,\s*[\])]")


@lru_cache(maxsize=65536)
def _param(line: str) -> str | None:
    """One parameter line of a template-written `def` (`name: T = default,`), its strings in black's quotes; None
    when it needs the tree. Cached: the same lines recur in every method (AWS's seven signing headers, `self`...)."""
    param = line.strip()
    if not param.endswith(",") or _PARAM_RISK.search(param):
        return None
    param = param[:-1]
    try:
        if _depth(param):
            return None
        _check_spacing(_bare(param))
    except _Unsupported:
        return None
    for m in _STRING.finditer(param):
        if m.group(0)[0] not in "'\"" or param[m.start() - 1 : m.start()].isalnum():
            return None  # a prefixed string (b'', f''): black's business
    return _black_strings(param)


def _def_lines(text: str, depth: int) -> list[str] | None:
    """A `def` as the templates write it, one parameter per line with its comma, laid out from its lines without a
    tree or a pass over the whole text (the lines are checked one by one, and cached): joined when it fits, else the
    parameters on one line of their own when they fit, else one per line. None for anything else: `_lay` decides."""
    lines = text.split("\n")
    head, tail = lines[0], lines[-1].strip()
    if len(lines) < 3 or not _DEF_HEAD.match(head) or not _DEF_TAIL.match(tail):
        return None
    params = [_param(line) for line in lines[1:-1]]
    if None in params:
        return None
    try:
        _check_spacing(_bare(tail))
    except _Unsupported:
        return None
    tail = _black_strings(tail)
    texts = _t.cast(list[str], params)  # no None among them
    pad = " " * 4 * depth
    joined = ", ".join(texts)
    if _fits(depth, head + joined + tail):
        return [pad + head + joined + tail]
    if not (_fits(depth, head) and _fits(depth, tail)):
        return None
    if len(texts) > 1 and _fits(depth + 1, joined):
        return [pad + head, pad + "    " + joined, pad + tail]
    out = [pad + head]
    for p in texts:
        if _fits(depth + 1, p + ","):
            out.append(pad + "    " + p + ",")
        else:  # `name: A | B = default` too long: black wraps the annotation in parentheses
            out.extend(_long_param(p, depth + 1))
    out.append(pad + tail)
    return out


def _long_param(param: str, depth: int) -> list[str]:
    """A parameter too long for its line, as black splits it: by `_long_annotation`, else by black on a def of just
    it (black lays out each line of an exploded parameter list on its own), not on the whole def: EC2's
    RunInstances has 50 parameters."""
    try:
        return _long_annotation(_parse(param), depth, ",")
    except _Unsupported:
        pass
    pad = " " * 4 * (depth - 1)
    lines = _black_statement(f"def _(_, {param}) -> None:", depth - 1)
    if lines[:2] != [pad + "def _(", pad + "    _,"] or lines[-1] != pad + ") -> None:" or len(lines) < 4:
        raise _Unsupported("black laid out the parameter's def otherwise")
    return lines[2:-1]


def _docstring(text: str, depth: int) -> str:
    """black's docstring rules (linegen.visit_STRING, default mode), through black's own string helpers."""
    doc = string_literal(text.strip())
    if re.search(r"\\\s*\n", text):
        # black leaves such a docstring as it is (re-indenting it would change the string), quotes aside
        return " " * 4 * depth + doc
    prefix = doc[: len(doc) - len(doc.lstrip("rRuU"))]
    if prefix:
        raise _Unsupported("prefixed docstring")
    quote_char = doc[0]
    quote_len = 1 if doc[1] != quote_char else 3
    body = doc[quote_len:-quote_len]
    started_empty = not body
    indent = " " * 4 * depth
    body = multiline_docstring(body, indent) if "\n" in body else body.strip()
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
    bare = _bare(line)
    if '"""' in bare or "'''" in bare:
        raise _Unsupported("triple-quoted string inside code")
    count = bare.count
    return count("(") + count("[") + count("{") - count(")") - count("]") - count("}")


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
        if body.startswith("#"):  # a comment line: its brackets and quotes are text
            out.append((indent // 4, body))
            i += 1
            continue
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
    # the previous logical line: its text (comments aside), depth, kind, and the blank lines black puts after it
    prev_text, prev_depth, prev_kind, prev_after = "", -1, "", 0
    comment_depth = -1  # a comment's depth, until the line it belongs to comes
    code_seen = False  # anything but comments so far (a docstring before it is the module's)
    defs: list[int] = []  # depths of the enclosing def/class lines (black's `previous_defs`)
    for depth, text in _logical_lines(chunk.strip("\n")):
        if depth < 0:
            blank += 1
            continue
        is_doc = text.startswith("\x00")
        if is_doc:
            text = text[1:]
        is_comment = text.startswith("#")
        is_import = text.startswith(("import ", "from "))
        is_block = bool(_BLOCK.match(text)) or text.startswith("@")
        if comment_depth >= 0 and not is_comment and depth != comment_depth:
            raise _Unsupported("a comment at another depth than its line (black moves it)")
        if prev_kind != "comment" and prev_text.endswith(":") and (blank or depth != prev_depth + 1):
            raise _Unsupported("blank line or odd indent at a block start")
        left_def = False
        while defs and defs[-1] >= depth:
            defs.pop()
            left_def = True
        if is_block and not text.startswith("@"):
            defs.append(depth)
        opener = prev_kind == "block" and prev_text.endswith(":")
        if opener and text == "...":
            raise _Unsupported("a body that is only `...`: black joins it to its def or class line")
        cap = 1 if depth else 2
        if is_block and prev_kind in ("comment", "import", "module docstring"):
            # black moves the blank lines before a def above the comments leading it, and has rules of its own
            # for a def after an import or a module docstring
            raise _Unsupported("a def or class right after a comment, an import or the module docstring")
        if not out:
            want = 0
        elif is_doc:
            if code_seen or depth:
                if not opener:
                    raise _Unsupported("docstring outside a def or class")
                want = 0
            else:
                want = min(blank, cap)  # the module docstring, after comments
        elif is_block:
            if prev_text.startswith("@"):
                want = 0
            elif prev_depth < depth and opener:
                want = 0
            elif prev_text.endswith(": ..."):
                raise _Unsupported("stub def")
            else:
                want = cap
        elif prev_text.startswith("@"):
            raise _Unsupported("a comment after a decorator")
        elif left_def:
            if not depth and text.endswith(":") and not is_comment:
                raise _Unsupported("top-level clause after a def")
            want = cap
        elif prev_kind == "module docstring":
            want = 1  # black: always one empty line after the module docstring
        elif prev_kind == "import" and not is_import:
            # black: after the imports, one empty line at the top level; one at least inside a block
            want = 1 if depth == prev_depth == 0 else min(blank, cap) or (1 if depth == prev_depth else 0)
        else:
            want = min(blank, cap)
        want = max(want, prev_after)
        out.extend([""] * want)
        blank = 0
        if is_comment:
            if not _COMMENT.fullmatch(text) or _DIRECTIVE.match(text):
                raise _Unsupported("a comment black rewrites, or a directive")
            out.append(" " * 4 * depth + text)
            comment_depth = depth
            prev_kind, prev_after = "comment", 0
            continue  # for what follows, the line before the comment still counts (decorators, block openers)
        comment_depth = -1
        if is_doc:
            out.append(_docstring(text, depth))
            kind = "docstring" if code_seen or depth else "module docstring"
            prev_after = 1 if prev_text.startswith("class ") else 0
        elif is_import:
            out.extend(_import(text, depth))
            kind, prev_after = "import", 0
        else:
            # one-line statements recur (model fields): cached; a multi-line one (a def) is all but unique
            out.extend(_statement(text, depth) if "\n" in text else _statement_lines(text, depth))
            kind, prev_after = ("block" if is_block else "statement"), 0
        code_seen = True
        prev_text, prev_depth, prev_kind = text, depth, kind
    if comment_depth >= 0:
        raise _Unsupported("a comment ending the chunk")
    return "\n".join(out) + "\n"


# a comment black leaves as it is (make_comment: `#` alone, or `# ` and text without trailing spaces)
_COMMENT = re.compile(r"#(?: .*\S)?")
_DIRECTIVE = re.compile(r"#\s*(fmt|type|yapf)\s*:")


_IMPORT_NAME = re.compile(r"[\w.]+(?: as \w+)?")
_FROM_HEAD = re.compile(r"from \.*[\w.]*")


def _import(text: str, depth: int) -> list[str]:
    """An import as black lays it out: `import a` as it is; `from m import a, b as c` on one line when it fits,
    else one name per line in parentheses with a trailing comma (whether or not the names would fit on one)."""
    pad = " " * 4 * depth
    if text.startswith("import "):
        names = text[len("import ") :].split(", ")
        if "\n" in text or not all(_IMPORT_NAME.fullmatch(n) for n in names):
            raise _Unsupported("an import black would respace")
        return [pad + text]
    head, sep, rest = text.partition(" import ")
    rest = rest.strip()
    if rest.startswith("(") and rest.endswith(")"):
        rest = rest[1:-1]
    names = [n.strip() for n in rest.split(",")]
    if names and not names[-1]:
        names.pop()  # the trailing comma of an exploded import
    if not sep or not _FROM_HEAD.fullmatch(head) or not names or not all(_IMPORT_NAME.fullmatch(n) for n in names):
        raise _Unsupported("an import outside the subset (a star, a comment, odd spacing)")
    joined = f"{head} import {', '.join(names)}"
    if _fits(depth, joined):
        return [pad + joined]
    return [f"{pad}{head} import (", *(f"{pad}    {n}," for n in names), pad + ")"]


@lru_cache(maxsize=65536)
def _statement_lines(text: str, depth: int) -> tuple[str, ...]:
    """`_statement`, cached: models repeat the same field lines (`DryRun: bool | _rt.Unset = _U`) thousands of times."""
    return tuple(_statement(text, depth))


def _statement(text: str, depth: int) -> list[str]:
    try:
        if "\n" in text and (lines := _def_lines(text, depth)) is not None:
            return lines
        _check_spacing(_bare(text))
        return _one_line(text, depth) or _lay(_parse(text), depth, "", statement=True)
    except _Unsupported:
        if re.match(r"#|@|(else|elif|except|finally)\b", text):
            raise  # comments and decorators weigh on blank lines; clauses need their block: the chunk is black's
        return _black_statement(text, depth)


def _black_statement(text: str, depth: int) -> list[str]:
    """One logical line black's rules are too many for here, laid out by black alone at its own depth.

    Black lays out a statement by its text and depth only (no magic trailing commas, no comments here), so formatting
    it inside `depth` empty class wrappers gives the lines it has in the whole chunk; blank lines stay this module's
    business. Without this, one such line sent its whole chunk to black: on Azure's WebApps, a 1.3 MB class."""
    pad = "    " * depth
    block = text.rstrip().endswith(":")
    wrappers = "".join("    " * level + "class _:\n" for level in range(depth))
    source = wrappers + pad + text + ("\n" + pad + "    pass" if block else "") + "\n"
    try:
        lines = format_once(source).split("\n")
    except Exception as exc:  # black raises several types (InvalidInput, ASTSafetyError...)
        raise _Unsupported(f"black refused a statement: {type(exc).__name__}") from exc
    if lines[:depth] != [w for w in wrappers.split("\n") if w] or lines[-1] != "":
        raise _Unsupported("black moved the wrappers")
    body = lines[depth:-1]
    while body and not body[0]:
        body.pop(0)
    if block:
        if not body or body[-1] != pad + "    pass":
            raise _Unsupported("black changed the block's body")
        body.pop()
    if not body or not body[0].startswith(pad) or body[0][len(pad) : len(pad) + 1] in (" ", "") or "" in body:
        raise _Unsupported("black's statement is not one run of lines at its depth")
    return body

