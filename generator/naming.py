"""The naming rule (docs/DESIGN.md, "Naming rule"): deterministic, readable, never numbered.

Every name handed out is recorded in the naming report as pointer -> (name, rule).
"""

from __future__ import annotations

import builtins
import keyword
import re
from dataclasses import dataclass, field

# words of an identifier: digits stick to the word before them (`V1`, `md5`), acronyms stay whole (`HTTP`)
_WORD = re.compile(r"[A-Z]+[0-9]*(?=[A-Z][a-z]|[^A-Za-z0-9]|$)|[A-Z]?[a-z]+[0-9]*|[A-Z]+[0-9]*|[0-9]+[a-z]*")
PY_BUILTINS = frozenset(dir(builtins))
# builtin classes: a field named like one would shadow it inside the class body's annotations (`type`, `list`)
PY_BUILTIN_TYPES = frozenset(n for n in dir(builtins) if isinstance(getattr(builtins, n), type)) | {"None"}
# names the generated modules use themselves; a spec-derived name equal to one of these gets a trailing "_"
RESERVED_FIELDS = frozenset({"from_dict", "to_dict", "additional_properties", "self", "cls", "__slots__", "__init__",
                             "__eq__", "__repr__",
                             # module-level names of models.py that class bodies can see
                             "_rt", "_dt", "_t", "_enum", "_U", "_C", "_codec", "_Model", "_Parser", "_T",
                             # the class machinery of _codec.Model
                             "_defaults_", "_model_", "_fields_", "_unknown_"})


def words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def pascal(text: str) -> str:
    name = "".join(w[:1].upper() + w[1:] for w in words(text))
    if not name:
        name = "Schema"
    if name[0].isdigit():
        name = "N" + name
    if keyword.iskeyword(name) or name in PY_BUILTINS or keyword.issoftkeyword(name):
        name += "_"
    return name


def snake(text: str) -> str:
    name = "_".join(words(text))
    if not name:
        name = "x"
    if name[0].isdigit():
        name = "n" + name
    return name


def safe_identifier(name: str, avoid: frozenset[str] | set[str] = frozenset()) -> str:
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


def unique_fields(json_names: list[str], avoid: frozenset[str] | set[str]) -> dict[str, str]:
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

    def component(self, key: str, pointer: str, qualified: bool) -> str | None:
        if qualified:  # two keys with the same PascalCase: keep the segment separators visible
            name = "_".join(pascal(seg) for seg in re.split(r"[^A-Za-z0-9_]+", key) if seg) or pascal(key)
            return self.claim(name, pointer, "component key, PascalCase per segment (plain PascalCase collided)")
        return self.claim(pascal(key), pointer, "component key in PascalCase")

    def inline(self, base: str, pointer: str, rule: str) -> str | None:
        got = self.claim(base, pointer, rule)
        if got is None:
            got = self.claim(base + "Inline", pointer, rule + "; +Inline (collided with " + self.taken[base] + ")")
        return got
