"""Compare one step's outcome on two servers, field by field.

Each server's responses are first made comparable on their own (`Canon`): ids become labels in order of first
appearance on that server (the oracle's first order id and the target's first order id are both `<id 1>`), so an
id is compared by what it refers to rather than by its spelling; timestamps, request ids and page cursors are
compared by presence only. Then the two trees are walked together; where the spec's `x-flint-diff-allowances`
leave a choice (an order not specified, a field the server may omit, text that is not part of the contract),
a difference there is forgiven and the allowance is counted.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..spec import Spec

ALLOWANCES_KEY = "x-flint-diff-allowances"
KINDS = ("ignore", "optional", "unordered", "id")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_ABSENT: Any = object()


@dataclass(frozen=True)
class Allowance:
    name: str
    # ignore: never compared; optional: may be absent on one side; unordered: a list in any order;
    # id: a server-chosen identifier whose name does not say so (compared by what it refers to, like `*_id`)
    kind: str
    pattern: tuple[str, ...]  # path segments; "*" one segment (fnmatch), "**" any number
    reason: str
    where: str  # "document" or the operationId

    def matches(self, path: tuple[str, ...]) -> bool:
        return _match(self.pattern, path)


def _match(pattern: tuple[str, ...], path: tuple[str, ...]) -> bool:
    if not pattern:
        return not path
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(_match(rest, path[i:]) for i in range(len(path) + 1))
    return bool(path) and fnmatch.fnmatchcase(path[0], head) and _match(rest, path[1:])


class AllowanceError(ValueError):
    pass


def load_allowances(spec: Spec) -> dict[str, list[Allowance]]:
    """operationId -> the allowances that apply to it (the document's, then its own). Malformed entries raise."""
    def parse(entries: Any, where: str) -> list[Allowance]:
        if entries is None:
            return []
        if not isinstance(entries, list):
            raise AllowanceError(f"{where}: {ALLOWANCES_KEY} must be a list")
        out = []
        for i, entry in enumerate(entries):
            if not isinstance(entry, dict) or entry.get("kind") not in KINDS or not isinstance(entry.get("path"), str) \
                    or not isinstance(entry.get("name"), str) or not isinstance(entry.get("reason"), str):
                raise AllowanceError(f"{where}: {ALLOWANCES_KEY}[{i}] needs name, kind ({'|'.join(KINDS)}), path, reason")
            pattern = tuple(p for p in entry["path"].split("/") if p)
            out.append(Allowance(entry["name"], entry["kind"], pattern, entry["reason"], where))
        return out

    common = parse(spec.document.get(ALLOWANCES_KEY), "document")
    return {op_id: common + parse(op.raw.get(ALLOWANCES_KEY), op_id) for op_id, op in spec.operations.items()}


class Canon:
    """One server's responses made comparable: ids -> `<id n>` by first appearance on this server."""

    def __init__(self, cursor_keys: frozenset[str] = frozenset({"next_page_token"})) -> None:
        self.labels: dict[str, str] = {}
        self.cursor_keys = cursor_keys
        self.used: Counter[str] = Counter()  # `id` allowances applied

    def label(self, value: str) -> str:
        if value not in self.labels:
            self.labels[value] = f"<id {len(self.labels) + 1}>"
        return self.labels[value]

    def __call__(self, node: Any, allowances: Sequence[Allowance] = ()) -> Any:
        return self._walk(node, "", (), [a for a in allowances if a.kind == "id"])

    def _walk(self, node: Any, key: str, path: tuple[str, ...], ids: list[Allowance]) -> Any:
        if isinstance(node, dict):
            # Label in sorted key order, so two servers that serialise keys differently still agree.
            labelled = {k: self._walk(node[k], k, path + (k,), ids) for k in sorted(node)}
            return {k: labelled[k] for k in node}
        if isinstance(node, list):
            item_key = key[:-1] if key.endswith("_ids") else key
            return [self._walk(v, item_key, path + (str(i),), ids) for i, v in enumerate(node)]
        if isinstance(node, str):
            if key == "request_id":
                return "<request id>"
            if key in self.cursor_keys:
                return "<cursor>"
            if key == "id" or key.endswith("_id"):
                return self.label(node)
            for a in ids:
                if a.matches(path):
                    self.used[a.name] += 1
                    return self.label(node)
            if _TIMESTAMP.match(node):
                return "<timestamp>"
        return node


@dataclass
class Difference:
    path: tuple[str, ...]
    oracle: Any
    target: Any
    what: str

    @property
    def where(self) -> str:
        return "/" + "/".join(self.path)


@dataclass
class Comparison:
    allowances: list[Allowance]
    used: Counter[str] = field(default_factory=Counter)  # allowance name -> differences it forgave
    differences: list[Difference] = field(default_factory=list)

    def _allowed(self, kind: str, path: tuple[str, ...]) -> Allowance | None:
        for a in self.allowances:
            if a.kind == kind and a.matches(path):
                return a
        return None

    def walk(self, o: Any, t: Any, path: tuple[str, ...]) -> None:
        if len(self.differences) >= 8:
            return
        if isinstance(o, dict) and isinstance(t, dict):
            for key in list(o) + [k for k in t if k not in o]:
                sub = path + (key,)
                ov, tv = o.get(key, _ABSENT), t.get(key, _ABSENT)
                ignore = self._allowed("ignore", sub)
                if ignore is not None:
                    if not same(ov, tv):
                        self.used[ignore.name] += 1
                    continue
                if ov is _ABSENT or tv is _ABSENT:
                    optional = self._allowed("optional", sub)
                    if optional is not None:
                        self.used[optional.name] += 1
                    else:
                        self.differences.append(Difference(sub, ov, tv, "absent on the target" if tv is _ABSENT
                                                           else "absent on the oracle"))
                    continue
                self.walk(ov, tv, sub)
            return
        if isinstance(o, list) and isinstance(t, list):
            unordered = self._allowed("unordered", path)
            if unordered is not None and not same(o, t) and same(_sorted(o), _sorted(t)):
                self.used[unordered.name] += 1
                return
            if len(o) != len(t):
                self.differences.append(Difference(path, o, t, f"{len(o)} item(s) on the oracle, {len(t)} on the target"
                                                   + _missing(o, t)))
                return
            for i, (ov, tv) in enumerate(zip(o, t)):
                self.walk(ov, tv, path + (str(i),))
            return
        if not same(o, t):
            self.differences.append(Difference(path, o, t, "differs"))


def same(a: Any, b: Any) -> bool:
    """Equal as JSON: 1 and 1.0 and True differ."""
    return json.dumps(a, sort_keys=True, default=repr) == json.dumps(b, sort_keys=True, default=repr)


def _sorted(items: list[Any]) -> list[Any]:
    return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=repr))


def _ids(items: list[Any]) -> set[str]:
    return {str(v.get(k)) for v in items if isinstance(v, dict) for k in v if k.endswith("_id")}


def _missing(o: list[Any], t: list[Any]) -> str:
    ids = _ids
    gone, extra = sorted(ids(o) - ids(t)), sorted(ids(t) - ids(o))
    out = f"; missing on the target: {', '.join(gone[:4])}" if gone else ""
    return out + (f"; only on the target: {', '.join(extra[:4])}" if extra else "")


@dataclass
class Outcome:
    """What a step did on one server: status and canonical body (None when the request could not be built)."""

    status: int
    body: Any
    raw: str = ""

    @property
    def error(self) -> tuple[Any, Any]:
        err = self.body.get("error") if isinstance(self.body, dict) else None
        return (err.get("code"), err.get("param")) if isinstance(err, dict) else (None, None)


def compare(o: Outcome, t: Outcome, allowances: list[Allowance]) -> Comparison:
    cmp = Comparison(allowances)
    if o.status != t.status:
        cmp.differences.append(Difference(("(status)",), o.status, t.status, "status code differs"))
    if o.error != t.error:
        cmp.differences.append(Difference(("error",), o.error, t.error, "error code/param differ"))
    if not cmp.differences:
        cmp.walk(o.body, t.body, ())
    return cmp


def category(o: Outcome, t: Outcome, d: Difference) -> str:
    """The report's check name for a difference: what kind of behaviour differs."""
    if d.path == ("(status)",):
        if (200 <= o.status < 300) != (200 <= t.status < 300):
            return "diff_accepts" if 200 <= t.status < 300 else "diff_rejects"
        return "diff_status_code"
    if d.path == ("error",) or (d.path and d.path[0] == "error"):
        return "diff_error"
    if d.path and d.path[-1] in ("amount", "currency") or any(p.endswith("_money") for p in d.path):
        return "diff_money"
    if d.path and d.path[-1] in ("status", "state") or d.path[-1:] and d.path[-1].endswith("_status"):
        return "diff_state"
    if isinstance(d.oracle, list) or isinstance(d.target, list):
        return "diff_list"
    return "diff_field"
