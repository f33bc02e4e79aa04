"""Read a spec (YAML or JSON, possibly split over several files) into one document with local `$ref`s only.

External references (`common.yaml#/components/schemas/Money`) are bundled: a target under `/components/<section>/<name>`
is hoisted into the root document's components (so recursion across files keeps working); any other target is
inlined, with a cycle guard. Every problem is collected as a `SpecError` naming a JSON pointer.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flint_generator.errors import SpecError, SpecErrors, join_pointer, unescape_pointer


# values under these keys are data, not OpenAPI: a "$ref" key inside an example is just a key
DATA_KEYS = frozenset({"example", "default", "const", "enum"})


def is_data(key: str, value: Any) -> bool:
    """True when `value` (found under `key`) is literal data whose `$ref`s must not be followed."""
    return key in DATA_KEYS or (key == "examples" and isinstance(value, list))


@dataclass
class LoadedSpec:
    document: dict[str, Any]
    path: Path
    sha256: str
    files: list[Path] = field(default_factory=list)
    warnings: list[SpecError] = field(default_factory=list)


def _normalise(node: Any) -> Any:
    """YAML 1.1 turns `200:` into an int key and bare dates into `date`; OpenAPI wants strings there."""
    if isinstance(node, dict):
        return {str(k) if not isinstance(k, str) else k: _normalise(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_normalise(v) for v in node]
    if isinstance(node, (datetime.date, datetime.datetime)):
        return node.isoformat()
    return node


def read_document(path: Path) -> tuple[Any, bytes]:
    raw = path.read_bytes()
    if path.suffix.lower() == ".json":
        return json.loads(raw), raw
    import yaml  # only YAML specs pay for importing it

    # the C loader is several times faster on multi-megabyte specs
    loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return _normalise(yaml.load(raw, Loader=loader)), raw
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from exc


def resolve_pointer(doc: Any, pointer: str) -> Any:
    """Follow a JSON pointer (`/a/b~1c`); KeyError when it leads nowhere. A `$ref` fragment is a URI fragment, so a
    pointer that leads nowhere as written is tried once more percent-decoded (`%7Bid%7D` -> `{id}`, RFC 6901 §6);
    validate.repair rewrites such references to the decoded spelling before the IR reads them."""
    try:
        return follow_exact(doc, pointer)
    except KeyError:
        if "%" not in pointer:
            raise
        return follow_exact(doc, urllib.parse.unquote(pointer))


def follow_exact(doc: Any, pointer: str) -> Any:
    """Follow a JSON pointer exactly as written (no percent-decoding); KeyError when it leads nowhere."""
    node = doc
    if pointer in ("", "/"):
        return doc
    for token in pointer.lstrip("/").split("/"):
        token = unescape_pointer(token)
        if isinstance(node, dict) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise KeyError(pointer)
    return node


class _Bundler:
    def __init__(self, root_path: Path, lenient: bool = False) -> None:
        self.root_path = root_path.resolve()
        self.lenient = lenient
        self.warnings: list[SpecError] = []
        self.docs: dict[Path, Any] = {}
        self.raw: dict[Path, bytes] = {}
        self.errors: list[SpecError] = []
        self.hoisted: dict[tuple[Path, str], str] = {}  # (file, pointer) -> local ref
        self.extra: dict[str, dict[str, Any]] = {}  # hoisted components by section
        self.root_components: dict[str, Any] = {}

    def doc(self, path: Path, where: str) -> Any:
        if path not in self.docs:
            try:
                self.docs[path], self.raw[path] = read_document(path)
            except FileNotFoundError:
                if path == self.root_path:
                    raise
                (self.warnings if self.lenient else self.errors).append(
                    SpecError(where, f"referenced file {path.name} does not exist"
                              + ("; degraded to Any" if self.lenient else "")))
                self.docs[path] = None
            except ValueError as exc:  # read_document's YAML errors included
                self.errors.append(SpecError(where, f"{path.name} is not valid YAML/JSON: {exc}".splitlines()[0]))
                self.docs[path] = None
        return self.docs[path]

    def bundle(self) -> dict[str, Any]:
        doc = self.doc(self.root_path, "")
        if not isinstance(doc, dict):
            if doc is not None:
                self.errors.append(SpecError("", "the document is not a mapping"))
            raise SpecErrors(self.errors)
        if not any(self._has_external(doc)):
            return doc  # the common case: one file, nothing to copy
        comps = doc.get("components")
        self.root_components = comps if isinstance(comps, dict) else {}
        out: dict[str, Any] = self.walk(doc, self.root_path, "", ())
        if self.extra:
            components = out.setdefault("components", {})
            for section, entries in sorted(self.extra.items()):
                components.setdefault(section, {}).update(entries)
        return out

    def _has_external(self, node: Any) -> Any:
        stack = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, dict):
                ref = n.get("$ref")
                if isinstance(ref, str) and not ref.startswith("#"):
                    yield True
                    return
                stack.extend(v for k, v in n.items() if not is_data(k, v))
            elif isinstance(n, list):
                stack.extend(n)

    def walk(self, node: Any, file: Path, pointer: str, stack: tuple[tuple[Path, str], ...]) -> Any:
        if isinstance(node, list):
            return [self.walk(v, file, join_pointer(pointer, i), stack) for i, v in enumerate(node)]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and (file != self.root_path or not ref.startswith("#")):
            return self.external(node, ref, file, pointer, stack)
        return {k: v if is_data(k, v) else self.walk(v, file, join_pointer(pointer, k), stack)
                for k, v in node.items()}

    def external(self, node: dict[str, Any], ref: str, file: Path, pointer: str,
                 stack: tuple[tuple[Path, str], ...]) -> Any:
        file_part, _, frag = ref.partition("#")
        target_file = (file.parent / file_part).resolve() if file_part else file
        target_doc = self.doc(target_file, pointer)
        if target_doc is None:
            return {}
        try:
            target = resolve_pointer(target_doc, frag)
        except KeyError:
            (self.warnings if self.lenient else self.errors).append(SpecError(pointer, f"$ref {ref!r} points nowhere"))
            return {}
        key = (target_file, frag)
        if target_file == self.root_path:
            return {**node, "$ref": "#" + frag}
        parts = frag.lstrip("/").split("/")
        if len(parts) == 3 and parts[0] == "components":
            local = self.hoisted.get(key)
            if local is None:
                section = self.extra.setdefault(parts[1], {})
                name = unescape_pointer(parts[2])
                local = "#" + join_pointer("/components", parts[1], name)
                if name in section or name in (self.root_components.get(parts[1]) or {}):
                    self.errors.append(SpecError(pointer, f"$ref {ref!r}: components/{parts[1]}/{name} exists twice"))
                    return {}
                self.hoisted[key] = local
                section[name] = {}
                section[name] = self.walk(target, target_file, frag, stack + (key,))
            return {**{k: v for k, v in node.items() if k != "$ref"}, "$ref": local}
        if key in stack:
            self.errors.append(SpecError(pointer, f"$ref {ref!r} is circular and cannot be inlined"))
            return {}
        return self.walk(target, target_file, frag, stack + (key,))


def load_spec(path: Path, *, lenient: bool = False) -> LoadedSpec:
    """Load and bundle; raises SpecErrors listing every problem (lenient: missing files and targets become
    warnings and `{}`, i.e. Any)."""
    bundler = _Bundler(path, lenient)
    try:
        document = bundler.bundle()
    except FileNotFoundError as exc:
        raise SpecErrors([SpecError("", f"cannot read {path}: {exc.strerror}")]) from None
    if bundler.errors:
        raise SpecErrors(bundler.errors)
    files = sorted(bundler.raw)
    digest = hashlib.sha256()
    if len(files) == 1:
        digest.update(bundler.raw[files[0]])
    else:
        for f in files:
            digest.update(f.name.encode() + b"\0" + hashlib.sha256(bundler.raw[f]).digest())
    return LoadedSpec(document=document, path=path, sha256=digest.hexdigest(), files=files,
                      warnings=bundler.warnings)
