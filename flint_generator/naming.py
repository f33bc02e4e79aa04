"""The naming rule (docs/DESIGN.md, "Naming rule"): deterministic, readable, never numbered.

Every name handed out is recorded in the naming report as pointer -> (name, rule).
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Container
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Sequence

from flint_generator import reserved

# words of an identifier: digits stick to the word before them (`V1`, `md5`), acronyms stay whole (`HTTP`)
_WORD = re.compile(r"[A-Z]+[0-9]*(?=[A-Z][a-z]|[^A-Za-z0-9]|$)|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+[a-z]*")
PY_BUILTINS = frozenset(dir(builtins))
# builtin classes: a field named like one would shadow it inside the class body's annotations (`type`, `list`)
PY_BUILTIN_TYPES = frozenset(n for n in dir(builtins) if isinstance(getattr(builtins, n), type)) | {"None"}
# a field name equal to one of these gets a trailing "_": class bodies see models.py's module names
RESERVED_FIELDS = reserved.MODEL_ATTRS | reserved.MODELS_MODULE


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


@lru_cache(maxsize=65536)  # the same property and path words recur across thousands of schemas
def pascal(text: str) -> str:
    name = "".join(w[:1].upper() + w[1:] for w in words(text))
    if not name:
        name = "Schema"
    if name[0].isdigit():
        name = "N" + name
    if keyword.iskeyword(name) or name in PY_BUILTINS or keyword.issoftkeyword(name):
        name += "_"
    return name


@lru_cache(maxsize=65536)
def snake(text: str) -> str:
    name = "_".join(words(text))
    if not name:
        name = "x"
    if name[0].isdigit():
        name = "n" + name
    return name


def safe_identifier(name: str, avoid: Container[str] = frozenset()) -> str:
    """A JSON name as a Python attribute/parameter: kept when valid, else sanitised; keywords and
    builtins get a trailing `_` (`from` -> `from_`, `type` -> `type_`)."""
    if not name.isidentifier() or not name.isascii():
        name = re.sub(r"\W", "_", name.encode("ascii", "backslashreplace").decode()).strip("_") or "field"
        name = re.sub(r"_+", "_", name)
        if name[0].isdigit():
            name = "n" + name
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in PY_BUILTIN_TYPES or name in avoid:
        name += "_"
    elif name.startswith("__"):
        # `__dict__`/`__class__` would replace the object's own machinery, and `__x` is name-mangled inside the
        # class body: renamed like keywords; a leading `__` that would stay private also loses one `_`
        name = name + "_" if name.endswith("__") else name[1:] + "_"
    return name


def unique_fields(json_names: list[str], avoid: Container[str]) -> dict[str, str]:
    """Python names for a class's properties; clashes after sanitising get more trailing `_` in sorted JSON-name
    order, which is deterministic and readable (`foo-bar` -> `foo_bar_` next to a real `foo_bar`)."""
    out: dict[str, str] = {}
    used: set[str] = set()
    exact = {n for n in json_names if n.isidentifier() and n == safe_identifier(n, avoid)}
    used |= exact
    for n in sorted(json_names, key=lambda s: (s not in exact, s)):
        if n in exact:
            out[n] = n
            continue
        cand = safe_identifier(n, avoid)
        while cand in used:
            cand += "_"
        used.add(cand)
        out[n] = cand
    return {n: out[n] for n in json_names}


def singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 3:
        return word[:-3] + "y"
    if word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def method_name(operation_id: str, tag: str) -> str:
    """snake(operationId) minus the tag's words (singular or plural): createOrder in orders -> create."""
    ws = words(operation_id)
    tw = words(tag)
    if not tw:
        return "_".join(ws)
    forms = [tw, tw[:-1] + [singular(tw[-1])]]
    for form in forms:
        n = len(form)
        for i in range(len(ws) - n + 1):
            if ws[i : i + n] == form:
                rest = ws[:i] + ws[i + n :]
                return "_".join(rest)
    # plural form embedded with a singular tag, e.g. listOrders with tag "order"
    for i, w in enumerate(ws):
        if len(tw) == 1 and singular(w) == singular(tw[0]):
            return "_".join(ws[:i] + ws[i + 1 :])
    return "_".join(ws)


@dataclass
class NameEntry:
    pointer: str
    name: str
    rule: str


@dataclass
class Namer:
    """Class-level names of one module; components are reserved first so they always win."""

    taken: dict[str, str] = field(default_factory=dict)  # name -> pointer
    report: list[NameEntry] = field(default_factory=list)

    def claim(self, name: str, pointer: str, rule: str) -> str | None:
        if name in self.taken:
            return None
        self.taken[name] = pointer
        self.report.append(NameEntry(pointer, name, rule))
        return name

    def numbered(self, base: str, pointer: str, rule: str) -> str:
        """The last resort, counted in the report: `base2`, `base3`, ... (the first free one in walk order)."""
        n = 2
        while f"{base}{n}" in self.taken:
            n += 1
        name = f"{base}{n}"
        self.taken[name] = pointer
        self.report.append(NameEntry(pointer, name, rule + "; numbered (last resort)"))
        return name

    def components(self, keys: list[str], pointer_of: Callable[[str], str]) -> dict[str, str]:
        """Class names of the component schemas, claimed before any inline name so they always win: PascalCase of
        the key; keys whose PascalCase meets another's keep their separators (`foo.bar` -> `Foo_Bar`); then
        numbered. Returns pointer -> name."""
        by_pascal: dict[str, list[str]] = {}
        for k in keys:
            by_pascal.setdefault(pascal(k), []).append(k)
        out: dict[str, str] = {}
        for k in sorted(keys):
            ptr = pointer_of(k)
            qualified = "_".join(pascal(seg) for seg in re.split(r"[^A-Za-z0-9_]+", k) if seg) or pascal(k)
            if len(by_pascal[pascal(k)]) > 1 and pascal(k) != k:
                got = self.claim(qualified, ptr, "component key, PascalCase per segment (plain PascalCase collided)")
            else:
                got = self.claim(pascal(k), ptr, "component key in PascalCase") or self.claim(
                    qualified, ptr, "component key, PascalCase per segment (plain PascalCase collided)")
            out[ptr] = got or self.numbered(qualified, ptr, f"component key {k!r}")
        return out

    def inline(self, base: str, pointer: str, rule: str) -> str:
        """An inline class: its context name (parent class + property, or union + member word), else +Inline,
        else numbered."""
        got = self.claim(base, pointer, rule)
        if got is None:
            got = self.claim(base + "Inline", pointer, rule + "; +Inline (collided with " + self.taken[base] + ")")
        return got or self.numbered(base + "Inline", pointer, rule)


# ---------------------------------------------------------------- words from content
_TYPE_WORDS = {"string": "String", "integer": "Integer", "number": "Number", "boolean": "Boolean",
               "array": "List", "object": "Object"}


def value_word(values: list[Any]) -> str:
    """`[inf]` -> Inf, `[""]` -> Empty, `[day, week]` -> DayWeek; long or digit-bearing value lists -> Enum."""
    out = []
    for v in values:
        if not isinstance(v, str):
            return ""
        w = pascal(v) if v else "Empty"
        if any(c.isdigit() for c in w) or w.endswith("_"):
            return "Enum"
        out.append(w)
    return "".join(out) if 0 < len(out) <= 3 else "Enum"


def variant_word(v: Any, siblings: Sequence[Any] = ()) -> str:
    """Name suffix for a union member, from its content, never its position (docs/DESIGN.md, naming rule):
    its title (up to 3 words: Stripe's titles are long internal schema names); else its `$ref`'s key; else its const/enum values; else the property an object pins with a
    const/one-value enum (`TypeCard`), or the first required property only it has (`WithIban`); else its type
    (`Integer`, `String`, `List`, `Object`); else `Value`. Siblings that still collide take the +Inline rule."""
    if not isinstance(v, dict):
        return "Value"
    if isinstance(v.get("title"), str) and pascal(v["title"]).strip("_") and len(words(v["title"])) <= 3:
        return pascal(v["title"])
    if isinstance(v.get("$ref"), str):
        return pascal(v["$ref"].rsplit("/", 1)[-1])
    if "const" in v:
        w = value_word([v["const"]])
        if w:
            return w
    if isinstance(v.get("enum"), list):
        w = value_word([x for x in v["enum"] if x is not None])
        if w:
            return w
    props = v.get("properties")
    if isinstance(props, dict):
        for k, p in props.items():
            vals = [p["const"]] if isinstance(p, dict) and "const" in p else (
                p.get("enum") if isinstance(p, dict) and isinstance(p.get("enum"), list) else None)
            if vals is not None and len(vals) == 1 and value_word(vals) not in ("", "Enum"):
                return pascal(str(k)).rstrip("_") + value_word(vals)
        req = [r for r in v.get("required") or [] if isinstance(r, str)]
        if req:
            # when a sibling requires the same first property the words would meet: a required property, else
            # any property, that no sibling declares tells this member apart
            if any(isinstance(o, dict) and req[0] in (o.get("required") or []) for o in siblings):
                declared = {k for o in siblings if isinstance(o, dict) and isinstance(o.get("properties"), dict)
                            for k in o["properties"]}
                own = [k for k in [*req, *props] if isinstance(k, str) and k not in declared]
                if own:
                    return "With" + pascal(own[0]).rstrip("_")
            return "With" + pascal(req[0]).rstrip("_")
    t = v.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t == "array" and isinstance(v.get("items"), dict):
        inner = variant_word(v["items"])
        return (inner if inner != "Value" else "") + "List"
    return _TYPE_WORDS.get(str(t), "Object" if isinstance(props, dict) else "Value")

_MEMBER_CHAR = {"+": "PLUS", "-": "MINUS", ".": "DOT", "/": "SLASH", "*": "STAR", "@": "AT", ":": "COLON",
                " ": "SPACE", "_": "UNDERSCORE"}


def enum_member_names(values: list[str]) -> list[str]:
    """UPPER_SNAKE of each value; when two collide, spell their punctuation (`GMT+0` -> `GMT_PLUS_0`)."""

    def plain(v: str) -> str:
        n = "_".join(w.upper() for w in words(v)) or "EMPTY"
        return ("V_" + n) if n[0].isdigit() else n

    def spelled(v: str) -> str:
        parts: list[str] = []
        for ch in v:
            if ch.isascii() and ch.isalnum():
                parts.append(ch.upper())
            else:
                parts.append("_" + _MEMBER_CHAR.get(ch, f"U{ord(ch):04X}") + "_")
        n = re.sub(r"_+", "_", "".join(parts)).strip("_") or "EMPTY"
        return ("V_" + n) if n[0].isdigit() else n

    names = [plain(v) for v in values]
    counts: dict[str, int] = {}
    for n in names:
        counts[n] = counts.get(n, 0) + 1
    names = [spelled(v) if counts[n] > 1 else n for v, n in zip(values, names)]
    # values that still meet (`a-b` and `A-B`) are numbered in order: the last resort
    seen: set[str] = set()
    out = []
    for n in names:
        if n in seen:
            k = 2
            while f"{n}_{k}" in seen or f"{n}_{k}" in names:
                k += 1
            n = f"{n}_{k}"
        seen.add(n)
        out.append(n)
    return out


# ---------------------------------------------------------------- operation-level names
def clash_key(op_id: str) -> str:
    """Two operationIds clash when their method names do (`getJobs`, `get_jobs`)."""
    return safe_identifier(snake(op_id), reserved.SERVICE_METHOD_ARGS)


def operation_names(ops: list[tuple[str | None, str, str]]) -> list[tuple[str, str, str | None]]:
    """(operationId, Service method name, why it was renamed or None) for each (declared id, method, path), in
    order. Declared ids that clash with nothing keep their name; an operation without one, or whose id clashes
    with an earlier one, is named from its method and path (`get /jobs/` -> `get_jobs`), then numbered."""
    taken: set[str] = set()
    out: list[tuple[str, str, str | None]] = []
    claimed_declared: set[str] = set()
    for declared, method, path in ops:
        if declared is not None and clash_key(declared) not in claimed_declared:
            claimed_declared.add(clash_key(declared))
            taken.add(clash_key(declared))
            out.append((declared, clash_key(declared), None))
            continue
        out.append(("", "", None if declared is None else "is not unique"))
    for i, (declared, method, path) in enumerate(ops):
        if out[i][0]:
            continue
        base = snake(method + " " + path)
        name, n = base, 1
        while clash_key(name) in taken:
            n += 1
            name = f"{base}_{n}"
        taken.add(clash_key(name))
        out[i] = (name, clash_key(name), out[i][2])
    return out


def param_names(names: list[str]) -> list[str]:
    """Python argument names for an operation's parameters, in order: snake_case (`pageSize` -> `page_size`,
    `X-Request-Id` -> `x_request_id`; the wire name is kept beside it); a name the templates bind in the same scope
    (reserved.py) or an earlier parameter took gets a trailing "_"."""
    used = set(reserved.OPERATION_PARAM_AVOID)
    out = []
    for name in names:
        cand = safe_identifier(snake(name), used)
        while cand in used:
            cand += "_"
        used.add(cand)
        out.append(cand)
    return out


def env_prefix(client_name: str) -> str:
    """The prefix of the environment variables a generated client reads (`<PREFIX>_API_KEY`, `<PREFIX>_BASE_URL`,
    `<PREFIX>_LOG`): the client class name without a trailing "Client", in upper snake case (FlintClient -> FLINT,
    AcmePaymentsClient -> ACME_PAYMENTS, Client -> API)."""
    base = client_name[:-6] if client_name.endswith("Client") and len(client_name) > 6 else client_name
    if base == "Client":
        base = "Api"
    return snake(base).upper()


def group_name(tags: Any, path: str) -> tuple[str, str]:
    """(client attribute, source text) of an operation's resource group: its first tag, else the first path
    segment that is not a version or a parameter (/v1/customers/{id} -> customers)."""
    if isinstance(tags, list) and tags and isinstance(tags[0], str):
        source = tags[0]
    else:
        segs = [g for g in path.strip("/").split("/") if g and not g.startswith("{")
                and not re.fullmatch(r"v\d+|api", g)]
        source = segs[0] if segs else "default"
    group = snake(source)
    if group in reserved.CLIENT_ATTRS or keyword.iskeyword(group):
        group += "_"
    return group, source


def client_method_names(wanted: list[str], operation_ids: list[str]) -> list[str]:
    """Method names of one resource group: each operation's wish (x-method-name, else operationId minus the tag);
    a wish two operations share, or that a resource class binds, falls back to snake(operationId)."""
    out = []
    for wish, op_id in zip(wanted, operation_ids):
        name = wish
        if not name or wanted.count(name) > 1 or name in reserved.RESOURCE_ATTRS or name == "with_options" \
                or name in reserved.SHADOWING_METHOD_NAMES:
            name = snake(op_id)
        name = safe_identifier(name, {"self"} | reserved.RESOURCE_ATTRS) if name != "list" else "list"
        if name in reserved.SHADOWING_METHOD_NAMES:
            name += "_"
        out.append(name)
    return out


def helper_names(wanted: list[str]) -> list[str]:
    """Names of the parse helpers models.py defines for parameters, bodies and responses, derived from their first
    use (`_h_Op_<service>_<param>`); unique without numbering, by suffixing "_"."""
    used: set[str] = set()
    out = []
    for n in wanted:
        while n in used:
            n += "_"
        used.add(n)
        out.append(n)
    return out


# builtins the generated annotations subscript; a class binding one of these names (a resource method called `list`)
# would make `list[...]` in its own annotations mean the method, so there they are written through typing instead
_SUBSCRIPTED_BUILTINS = {"list": "_t.List", "dict": "_t.Dict", "tuple": "_t.Tuple"}


def unshadow(annotation: str, bound: list[str]) -> str:
    """`annotation` as written inside a class that binds the names `bound` (its method names)."""
    for name in bound:
        alias = _SUBSCRIPTED_BUILTINS.get(name)
        if alias is not None:
            annotation = re.sub(rf"(?<![\w.]){name}\[", alias + "[", annotation)
    return annotation
