"""The spec the kit checks against, and an index of what the checks need from it.

The kit ships with its spec: the generated, vendorable `flint_api` package carries the bundled
`openapi.json`, loaded through importlib.resources so an installed kit needs nothing from a working
tree. Only when running from this repository before the generator has produced it do we fall back
to `spec/flint.yaml`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, TypeVar

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
REPO_SPEC = Path(__file__).resolve().parent.parent / "spec" / "flint.yaml"


_T = TypeVar("_T")


class SpecError(Exception):
    """The spec cannot be found, parsed or understood: the kit cannot run (exit 2)."""


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str  # upper case
    path: str  # template, e.g. /v1/orders/{order_id}
    raw: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]
    error_codes: dict[str, frozenset[str]]  # status ("400", "4XX", "default") -> documented codes
    success_status: int | None
    base: Path | None = None

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def parameter_names(self) -> set[str]:
        return {str(p.get("name")) for p in self.parameters if p.get("name")}

    def has_parameter(self, name: str, location: str | None = None) -> bool:
        return any(
            p.get("name") == name and (location is None or p.get("in") == location) for p in self.parameters
        )

    def codes_for(self, status: int) -> frozenset[str] | None:
        """Codes documented for this status: exact, then range (4XX), then default. None = undocumented."""
        for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
            if key in self.error_codes:
                return self.error_codes[key]
        return None


@dataclass
class Spec:
    document: dict[str, Any]
    source: str  # human-readable origin, e.g. "flint_api/openapi.json"
    path: Path  # a file schemathesis can load
    operations: dict[str, Operation] = field(default_factory=dict)
    _external: dict[Path, Any] = field(default_factory=dict)
    # Schema lookups per (schema node identity, base, key): the response rules walk every money field
    # of every response, and a page of 100 orders repeats the same few thousand lookups.
    _lookups: dict[tuple[int, Path | None, str], tuple[Any, Path | None, bool]] = field(default_factory=dict)
    # Facts derived from the whole document once per loaded spec (links, currencies): see derived().
    _derived: dict[str, Any] = field(default_factory=dict)

    def derived(self, name: str, compute: "Callable[[Spec], _T]") -> _T:
        """`compute(self)`, computed once per loaded spec and kept with it."""
        if name not in self._derived:
            self._derived[name] = compute(self)
        value: _T = self._derived[name]
        return value

    def links(self) -> "list[Link]":
        """Every link the spec declares, in document order."""
        return self.derived("links", _links)

    # ---- $ref resolution (internal, and relative files for the unbundled YAML fallback) ----
    def _load_external(self, file: Path) -> Any:
        if file not in self._external:
            text = file.read_text(encoding="utf-8")
            self._external[file] = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
        return self._external[file]

    def deref(self, node: Any, base: Path | None = None) -> tuple[Any, Path | None, bool]:
        """Follow a chain of $ref. Returns (node, base file, signed) where signed is True when any
        schema along the chain carries `x-signed: true` (the spec's marker for signed money)."""
        signed = False
        seen = 0
        while isinstance(node, dict) and "$ref" in node:
            signed = signed or node.get("x-signed") is True
            ref = str(node["$ref"])
            file_part, _, pointer = ref.partition("#")
            if file_part:
                anchor = base if base is not None else self.path
                base = (anchor.parent / file_part).resolve()
                doc = self._load_external(base)
            elif base is not None and base != self.path:
                doc = self._load_external(base)
            else:
                doc = self.document
            node = _follow_pointer(doc, pointer)
            seen += 1
            if seen > 64:
                raise SpecError(f"$ref cycle at {ref}")
        if isinstance(node, dict) and node.get("x-signed") is True:
            signed = True
        return node, base, signed

    def is_signed(self, schema: Any, base: Path | None) -> bool:
        key = (id(schema), base, "signed")
        found = self._lookups.get(key)
        if found is None:
            found = self._lookups[key] = (None, None, self.deref(schema, base)[2])
        return found[2]

    def by_label(self, method: str, path: str) -> Operation | None:
        method = method.upper()
        for op in self.operations.values():
            if op.method == method and op.path == path:
                return op
        return None

    def response_schema(self, op: Operation, status: int) -> tuple[Any, Path | None]:
        responses = op.raw.get("responses") or {}
        for key in (str(status), f"{str(status)[0]}XX", "default"):
            if key in responses:
                resp, base, _ = self.deref(responses[key], op.base)
                content = (resp or {}).get("content") or {}
                media = content.get("application/json") or next(iter(content.values()), None)
                if isinstance(media, dict) and "schema" in media:
                    return media["schema"], base
                return None, base
        return None, op.base

    def request_schema(self, op: Operation) -> tuple[Any, Path | None]:
        body, base, _ = self.deref(op.raw.get("requestBody"), op.base)
        if not isinstance(body, dict):
            return None, base
        media = (body.get("content") or {}).get("application/json")
        if isinstance(media, dict):
            return media.get("schema"), base
        return None, base

    def schema_branches(self, schema: Any, base: Path | None) -> Iterator[tuple[dict[str, Any], Path | None, bool]]:
        """The schema and every allOf/oneOf/anyOf member, each dereferenced."""
        node, base, signed = self.deref(schema, base)
        if not isinstance(node, dict):
            return
        yield node, base, signed
        for key in ("allOf", "oneOf", "anyOf"):
            for member in node.get(key) or []:
                for sub, sub_base, sub_signed in self.schema_branches(member, base):
                    yield sub, sub_base, signed or sub_signed

    def property_schema(self, schema: Any, base: Path | None, name: str) -> tuple[Any, Path | None, bool]:
        """Schema of property `name` of an object schema (through compositions and maps)."""
        key = (id(schema), base, "p:" + name)
        found = self._lookups.get(key)
        if found is None:
            found = self._lookups[key] = self._property_schema(schema, base, name)
        return found

    def _property_schema(self, schema: Any, base: Path | None, name: str) -> tuple[Any, Path | None, bool]:
        fallback: tuple[Any, Path | None, bool] = (None, base, False)
        for node, node_base, _ in self.schema_branches(schema, base):
            props = node.get("properties") or {}
            if name in props:
                sub = props[name]
                _, _, signed = self.deref(sub, node_base)
                return sub, node_base, signed
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) and fallback[0] is None:
                _, _, signed = self.deref(extra, node_base)
                fallback = (extra, node_base, signed)
        return fallback

    def items_schema(self, schema: Any, base: Path | None) -> tuple[Any, Path | None, bool]:
        key = (id(schema), base, "items")
        found = self._lookups.get(key)
        if found is None:
            found = self._lookups[key] = self._items_schema(schema, base)
        return found

    def _items_schema(self, schema: Any, base: Path | None) -> tuple[Any, Path | None, bool]:
        for node, node_base, _ in self.schema_branches(schema, base):
            if "items" in node and isinstance(node["items"], dict):
                _, _, signed = self.deref(node["items"], node_base)
                return node["items"], node_base, signed
        return None, base, False


@dataclass(frozen=True)
class Link:
    source: str  # operationId of the response that declares it
    status: str
    name: str
    target: str  # operationId it leads to
    parameters: Mapping[str, Any]  # target parameter -> runtime expression (or constant)
    request_body: Any  # the target's body template, or None

    @property
    def label(self) -> str:
        return f"{self.source} -> {self.name} -> {self.target}"


def _links(spec: Spec) -> list[Link]:
    out: list[Link] = []
    for op in spec.operations.values():
        for status, response in (op.raw.get("responses") or {}).items():
            resp, _, _ = spec.deref(response, op.base)
            for name, link in ((resp or {}).get("links") or {}).items():
                link, _, _ = spec.deref(link, op.base)
                if not isinstance(link, dict) or str(link.get("operationId")) not in spec.operations:
                    continue
                out.append(Link(op.operation_id, str(status), str(name), str(link["operationId"]),
                                dict(link.get("parameters") or {}), link.get("requestBody")))
    return out


def _follow_pointer(doc: Any, pointer: str) -> Any:
    node = doc
    for raw in [p for p in pointer.split("/") if p]:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise SpecError(f"unresolvable $ref pointer #{pointer}")
    return node


def _codes_from_response(spec: Spec, response: Any, base: Path | None) -> set[str]:
    """Error codes a response object documents: `x-error-codes-returned`, the enum of `error.code`
    in its schema, and the codes its examples show."""
    resp, base, _ = spec.deref(response, base)
    codes: set[str] = set()
    if not isinstance(resp, dict):
        return codes
    listed = resp.get("x-error-codes-returned") or resp.get("x-error-codes") or []
    if isinstance(listed, dict):
        listed = list(listed)
    for item in listed:
        if isinstance(item, str):
            codes.add(item)
        elif isinstance(item, dict) and isinstance(item.get("code"), str):
            codes.add(item["code"])
    for media in (resp.get("content") or {}).values():
        if not isinstance(media, dict):
            continue
        examples = []
        if "example" in media:
            examples.append(media["example"])
        for ex in (media.get("examples") or {}).values():
            ex, _, _ = spec.deref(ex, base)
            if isinstance(ex, dict) and "value" in ex:
                examples.append(ex["value"])
        for value in examples:
            if isinstance(value, dict) and isinstance(value.get("error"), dict):
                code = value["error"].get("code")
                if isinstance(code, str):
                    codes.add(code)
        schema = media.get("schema")
        if schema is not None:
            err, err_base, _ = spec.property_schema(schema, base, "error")
            if err is not None:
                code_schema, code_base, _ = spec.property_schema(err, err_base, "code")
                for node, _, _ in spec.schema_branches(code_schema, code_base):
                    for value in node.get("enum") or []:
                        if isinstance(value, str):
                            codes.add(value)
                    if isinstance(node.get("const"), str):
                        codes.add(node["const"])
    return codes


def _index(spec: Spec) -> None:
    paths = spec.document.get("paths")
    if not isinstance(paths, dict) or not paths:
        raise SpecError(f"{spec.source}: no paths")
    for path, item in paths.items():
        item, base, _ = spec.deref(item)
        if not isinstance(item, dict):
            continue
        shared = [spec.deref(p, base)[0] for p in item.get("parameters") or []]
        for method in HTTP_METHODS:
            raw = item.get(method)
            if not isinstance(raw, dict):
                continue
            op_id = raw.get("operationId") or f"{method.upper()} {path}"
            own = [spec.deref(p, base)[0] for p in raw.get("parameters") or []]
            names = {(p.get("name"), p.get("in")) for p in own}
            params = tuple(own + [p for p in shared if (p.get("name"), p.get("in")) not in names])
            error_codes: dict[str, frozenset[str]] = {}
            success: int | None = None
            for status, response in (raw.get("responses") or {}).items():
                status = str(status)
                if status.startswith("2") and status.isdigit() and success is None:
                    success = int(status)
                if status[0] in "45" or status == "default":
                    error_codes[status] = frozenset(_codes_from_response(spec, response, base))
            spec.operations[op_id] = Operation(
                operation_id=op_id,
                method=method.upper(),
                path=path,
                raw=raw,
                parameters=params,
                error_codes=error_codes,
                success_status=success,
                base=base,
            )


def _packaged_spec() -> tuple[dict[str, Any], Path, str] | None:
    try:
        ref = resources.files("flint_api").joinpath("openapi.json")
    except ModuleNotFoundError:
        return None
    if not ref.is_file():
        return None
    # The package is a plain directory (pip or editable install), so the resource has a real path.
    path = Path(str(ref))
    if not path.is_file():
        return None
    return json.loads(ref.read_text(encoding="utf-8")), path, "flint_api/openapi.json"


def load_spec(path: str | Path | None = None) -> Spec:
    """Load the spec: an explicit path, else the packaged flint_api/openapi.json, else the repo's YAML."""
    try:
        if path is not None:
            p = Path(path).resolve()
            text = p.read_text(encoding="utf-8")
            doc = json.loads(text) if p.suffix == ".json" else yaml.safe_load(text)
            spec = Spec(document=doc, source=str(p), path=p)
        else:
            found = _packaged_spec()
            if found is not None:
                doc, p, source = found
                spec = Spec(document=doc, source=source, path=p)
            elif REPO_SPEC.is_file():
                doc = yaml.safe_load(REPO_SPEC.read_text(encoding="utf-8"))
                spec = Spec(document=doc, source="spec/flint.yaml (repository fallback)", path=REPO_SPEC)
            else:
                raise SpecError("no spec: flint_api/openapi.json is not installed and spec/flint.yaml is absent")
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise SpecError(f"cannot read spec: {exc}") from exc
    if not isinstance(spec.document, dict) or not str(spec.document.get("openapi", "")).startswith("3."):
        raise SpecError(f"{spec.source}: not an OpenAPI 3 document")
    _index(spec)
    return spec


_PARAM_SEGMENT = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def param_path(param: str) -> list[str | int]:
    """`line_items[0].unit_price_money.currency` -> ["line_items", 0, "unit_price_money", "currency"]."""
    out: list[str | int] = []
    for name, index in _PARAM_SEGMENT.findall(param):
        out.append(int(index) if index else name)
    return out
