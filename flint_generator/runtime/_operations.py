"""The operations table, `_operations.json` (written by the generator's tables.py): one entry per operation, read by
the client (what a call sends: parameters, body, how the answer is parsed) and by the server (its routes).

Data rather than code: a client method only declares its typed signature and hands its arguments to the engine
(`self._client.call(operation_id, locals())`), so a spec with thousands of operations does not repeat each request's
description in the sync client, the async client and the server. Parsers are named by attribute paths from `_m`
(models) or `_rt` (runtime), never evaluated as code.
"""

from __future__ import annotations

import functools
import importlib
import importlib.resources as _resources
import json
import typing as _t

from . import _runtime as _rt

Entry = _t.Dict[str, _t.Any]


def package_file(name: str) -> bytes:
    """A data file of this package, also when it is vendored inside a zip file (zipapp, PyInstaller)."""
    return _resources.files(__package__ or "").joinpath(name).read_bytes()


@functools.lru_cache(maxsize=None)
def table() -> tuple[Entry, ...]:
    """Every entry, in routing order (literal path segments first); read once, at first use."""
    return tuple(json.loads(package_file("_operations.json").decode("utf-8")))


@functools.lru_cache(maxsize=None)
def by_id() -> dict[str, Entry]:
    return {e["id"]: e for e in table()}


@functools.lru_cache(maxsize=None)
def lookup(path: str) -> _t.Any:
    """The object a dotted path names, from `_m` (this package's models, imported at first use: the models import
    the runtime) or `_rt` (`_m.Order` -> the class)."""
    root, *attrs = path.split(".")
    obj: _t.Any = importlib.import_module(".models", __package__) if root == "_m" else _rt
    for attr in attrs:
        obj = getattr(obj, attr)
    return obj


@functools.lru_cache(maxsize=None)
def _helper(name: str) -> _t.Callable[[_t.Any, str], _t.Any]:
    helper: _t.Callable[[_t.Any, str], _t.Any] = lookup("_m._C").lazy("h_" + name)
    return helper


def resolve(ref: str) -> _t.Callable[[_t.Any, str], _t.Any]:
    """The parser `ref` names (`_m.Order.from_dict`, `_m._parse_Shape`, `_rt.p_str`, or `h:<name>`, a helper of
    _codecs.json), looked up now: a model's compiled from_dict replaces the generic one on first use, so callers
    that keep a parser look it up per call (see the server's `_FromDict`)."""
    if ref.startswith("h:"):
        return _helper(ref[2:])
    head, _, last = ref.rpartition(".")
    fn: _t.Callable[[_t.Any, str], _t.Any] = getattr(lookup(head), last)
    return fn
