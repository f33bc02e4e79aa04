"""Validate a bundled document with openapi-spec-validator; every problem becomes a `SpecError`.

Strict mode: any problem fails the run. Lenient mode (third-party specs): known-recoverable defects are repaired
in the document (a dangling `$ref` becomes `{}` i.e. `Any`; `security: [{oauth2: null}]` becomes `[]` scopes)
and every problem is returned as a warning instead.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from typing import Any, Iterator

from flint_generator.errors import SpecError, join_pointer
from flint_generator.load import follow_exact, is_data, resolve_pointer


_DUPLICATE_OP = re.compile(r"Operation ID '(.*)' for '(.*)' in '(.*)' is not unique")
_BAD_KEY = re.compile(r"""^["'](.*)["'] does not match """)
_UNRESOLVED_PARAM = re.compile(r"Path parameter '(.*)' for '(.*)' operation in '(.*)' was not resolved")


def _resolves(doc: dict[str, Any], ref: str) -> bool:
    try:
        follow_exact(doc, ref[1:])
    except KeyError:
        return False
    return True


_Trail = tuple[Any, object] | None  # (parent trail, key): a node's pointer, spelled out only for a node reported


def _pointer(trail: _Trail) -> str:
    keys: list[object] = []
    while trail is not None:
        trail, key = trail
        keys.append(key)
    return join_pointer("", *reversed(keys))


def _objects(doc: dict[str, Any]) -> Iterator[tuple[_Trail, dict[str, Any]]]:
    """Every object of the document outside literal data (examples, defaults, enums), with its trail."""
    stack: list[tuple[_Trail, Any]] = [(None, doc)]
    while stack:
        trail, node = stack.pop()
        if isinstance(node, dict):
            yield trail, node
            for k, v in node.items():
                if isinstance(v, (dict, list)) and not is_data(k, v):
                    stack.append(((trail, k), v))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                if isinstance(v, (dict, list)):
                    stack.append(((trail, i), v))


def _dangling_refs(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    cache: dict[str, bool] = {}
    for trail, node in _objects(doc):
        ref = node.get("$ref")
        if isinstance(ref, str) and "%" in ref and ref.startswith("#"):
            # a $ref is a URI: `#/paths/~1keys~1%7Bid%7D` means `{id}`; the IR keys components by the decoded
            # pointer, so every reference is written in that one spelling (valid either way: no warning)
            decoded = "#" + urllib.parse.unquote(ref[1:])
            if decoded != ref and not _resolves(doc, ref) and _resolves(doc, decoded):
                node["$ref"] = ref = decoded
        if isinstance(ref, str):
            ok = cache.get(ref)
            if ok is None:
                try:
                    resolve_pointer(doc, ref[1:] if ref.startswith("#") else "\0")
                    ok = ref.startswith("#")
                except KeyError:
                    ok = False
                cache[ref] = ok
            if not ok:
                found.append((_pointer(trail), node))
    return sorted(found, key=lambda t: t[0])


def _null_scopes(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any], str]]:
    found: list[tuple[str, dict[str, Any], str]] = []

    def scan(security: Any, ptr: str) -> None:
        if isinstance(security, list):
            for i, req in enumerate(security):
                if isinstance(req, dict):
                    for name, scopes in req.items():
                        if scopes is None:
                            found.append((join_pointer(ptr, i, name), req, name))

    scan(doc.get("security"), "/security")
    for path, item in (doc.get("paths") or {}).items():
        if isinstance(item, dict):
            for method, op in item.items():
                if isinstance(op, dict):
                    scan(op.get("security"), join_pointer("/paths", path, method, "security"))
    return found


_JSON_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "integer": (int,), "number": (int, float),
                                            "boolean": (bool,), "array": (list,), "object": (dict,)}


def _fits(value: Any, schema: dict[str, Any]) -> bool:
    """The part of a schema a `default` is checked against here: its own `type` and `enum` (nothing nested)."""
    types = schema.get("type")
    names = [types] if isinstance(types, str) else [t for t in types if isinstance(t, str)] if isinstance(
        types, list) else []
    if schema.get("nullable") is True:
        names.append("null")
    if names and not any(
            value is None if t == "null" else isinstance(value, _JSON_TYPES.get(t, (object,)))
            and not (t in ("integer", "number") and isinstance(value, bool))
            and not (t == "integer" and isinstance(value, float) and not value.is_integer()) for t in names):
        return False
    enum = schema.get("enum")
    return not (isinstance(enum, list) and enum and value not in enum)


def _schema_value_defects(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any], str]]:
    """Schemas whose `default` contradicts their own type/enum, and `enum` lists with repeated values: openapi-spec-
    validator reports both without a location. (pointer, message, schema, keyword)."""
    found: list[tuple[str, str, dict[str, Any], str]] = []
    for trail, node in _objects(doc):
        if "default" in node and ("type" in node or "enum" in node) and not _fits(node["default"], node):
            found.append((_pointer((trail, "default")),
                          f"default {node['default']!r} does not match the schema's type/enum", node, "default"))
        enum = node.get("enum")
        if isinstance(enum, list) and len({json.dumps(v, sort_keys=True) for v in enum}) < len(enum):
            found.append((_pointer((trail, "enum")), "enum lists a value twice", node, "enum"))
    return sorted(found, key=lambda t: t[0])


def repair(doc: dict[str, Any], *, lenient: bool) -> tuple[list[SpecError] | None, list[SpecError]]:
    """Our own checks (fast): (fatal errors or None, defects repaired in place). The document the IR reads is the
    repaired one, so this runs before the IR; `schema_problems` can then run next to it."""
    problems: list[SpecError] = []
    repaired: list[SpecError] = []
    version = str(doc.get("openapi", ""))
    if not (version.startswith("3.0") or version.startswith("3.1")):
        return [SpecError("/openapi", f"unsupported OpenAPI version {version!r} (need 3.0.x or 3.1.x)")], []

    dangling = _dangling_refs(doc)
    for ptr, node in dangling:
        msg = f"$ref {node['$ref']!r} does not resolve"
        if lenient:
            ref = node.pop("$ref")
            node["x-generator-degraded"] = f"dangling $ref {ref}"
            repaired.append(SpecError(ptr, msg + "; degraded to Any"))
        else:
            problems.append(SpecError(ptr, msg))
    for ptr, req, name in _null_scopes(doc):
        msg = f"security requirement {name!r} has null instead of a list of scopes"
        if lenient:
            req[name] = []
            repaired.append(SpecError(ptr, msg + "; treated as []"))
        else:
            problems.append(SpecError(ptr, msg))
    for ptr, msg, node, keyword in _schema_value_defects(doc):
        if lenient:
            if keyword == "default":
                node.pop("default")
                repaired.append(SpecError(ptr, msg + "; dropped"))
            else:
                seen: dict[str, Any] = {}
                for v in node["enum"]:
                    seen.setdefault(json.dumps(v, sort_keys=True), v)
                node["enum"] = list(seen.values())
                repaired.append(SpecError(ptr, msg + "; kept once"))
        else:
            problems.append(SpecError(ptr, msg))
    if problems and not lenient:
        # the validator raises on dangling refs; report what we found ourselves instead
        return sorted(problems), []
    return None, repaired


_TOP_LEVEL = {"openapi", "info", "jsonSchemaDialect", "servers", "paths", "webhooks", "components", "security",
              "tags", "externalDocs"}


def _locate(doc: dict[str, Any], relative: list[Any], instance: Any) -> str | None:
    """openapi-spec-validator reports an error inside a schema relative to that schema (`/properties`): find the
    first place in document order where that relative path leads to the offending value itself."""
    container = isinstance(instance, (dict, list))
    stack: list[tuple[str, Any]] = [("", doc)]
    while stack:
        ptr, node = stack.pop()
        target: Any = node
        for key in relative:
            if isinstance(target, dict) and key in target:
                target = target[key]
            elif isinstance(target, list) and isinstance(key, int) and 0 <= key < len(target):
                target = target[key]
            else:
                target = _MISSING
                break
        if target is not _MISSING and (target is instance if container else
                                       (type(target) is type(instance) and target == instance)):
            return join_pointer(ptr, *relative)
        children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        stack.extend(reversed([(join_pointer(ptr, k), v) for k, v in children if isinstance(v, (dict, list))]))
    return None


_MISSING = object()


def schema_problems(doc: dict[str, Any]) -> list[SpecError]:
    """openapi-spec-validator's findings (slow: about 2.5 s on Stripe), each with its JSON pointer."""
    from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    version = str(doc.get("openapi", ""))
    cls: Any = OpenAPIV30SpecValidator if version.startswith("3.0") else OpenAPIV31SpecValidator
    found: list[SpecError] = []
    try:
        for err in cls(doc).iter_errors():
            path = getattr(err, "absolute_path", None) or getattr(err, "path", None) or ()
            message = str(getattr(err, "message", err)).splitlines()[0]
            if len(message) > 300:
                message = message[:300] + "..."
            pointer = join_pointer("", *path)
            if path and path[0] not in _TOP_LEVEL:
                pointer = _locate(doc, list(path), getattr(err, "instance", None)) or pointer
            key = _BAD_KEY.match(message)
            if key and path:  # a key of the object at `path` is refused (`propertyNames`): point at that key
                try:
                    if key.group(1) in resolve_pointer(doc, pointer):
                        pointer = join_pointer(pointer, key.group(1))
                except (KeyError, TypeError):
                    pass
            dup = _DUPLICATE_OP.match(message)
            if dup and not pointer:  # the validator gives no location for this one
                pointer = join_pointer("/paths", dup.group(3), dup.group(2), "operationId")
            unresolved = _UNRESOLVED_PARAM.match(message)
            if unresolved and not pointer:
                pointer = join_pointer("/paths", unresolved.group(3), unresolved.group(2))
            found.append(SpecError(pointer, message))
    except Exception as exc:  # the validator has its own failure modes; never show a traceback
        found.append(SpecError("", f"openapi-spec-validator failed: {type(exc).__name__}: {str(exc)[:300]}"))
    return found


def combine(found: list[SpecError], repaired: list[SpecError], *, lenient: bool) -> tuple[list[SpecError], list[SpecError]]:
    """(errors, warnings) from the validator's findings and our repairs."""
    found = sorted(set(found))
    if lenient:
        return [], sorted(set(repaired + found))
    return found, []

