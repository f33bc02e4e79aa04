"""Our own lint for the Flint contract. Every check takes a loaded OpenAPI document and returns a list of problems
(human-readable strings); an empty list means the rule holds. The tests run each rule on the real spec and on small
broken documents, so a rule that silently stops finding problems fails too."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import referencing
import referencing.jsonschema

Doc = dict[str, Any]

METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
MUTATING = ("post", "put", "patch", "delete")
MONEY_SCHEMAS = frozenset(
    "#/components/schemas/" + n
    for n in ("Money", "SignedMoney", "MoneyInput", "UnitPriceMoneyInput", "TipMoneyInput")
)
UNPAGINATED_LISTS = frozenset({"listBalances"})
# POSTs that change nothing (official `_SdkWithoutIdempotency`): no Idempotency-Key, no 409, no write statuses.
NON_IDEMPOTENT_WRITES = frozenset({"previewOrderDiscounts"})
# Every operation may be rate limited; writes may also meet an unavailable or timed-out backend. 500 is never
# declared (an unexpected failure is not part of any operation's contract).
ALWAYS_DECLARED = ("401", "403", "429")
WRITE_DECLARED = ("409", "503", "504")
NEVER_DECLARED = ("500",)


def _money_ref(schema: Any) -> Any:
    """The $ref of a money property: direct, or the non-null branch of a nullable anyOf/oneOf."""
    if not isinstance(schema, dict):
        return None
    if "$ref" in schema:
        return schema["$ref"]
    for key in ("anyOf", "oneOf"):
        branches = schema.get(key)
        if isinstance(branches, list):
            refs = [b.get("$ref") for b in branches if isinstance(b, dict) and b.get("type") != "null"]
            nulls = [b for b in branches if isinstance(b, dict) and b.get("type") == "null"]
            if len(refs) == 1 and len(refs) + len(nulls) == len(branches):
                return refs[0]
    return None


def iter_operations(doc: Doc) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """(path, method, operation, path item) for every operation."""
    for path, item in (doc.get("paths") or {}).items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method], item


def resolve(doc: Doc, node: Any) -> Any:
    """Follow local $refs (possibly chained) to the referenced object."""
    seen = 0
    # A Reference Object may carry summary/description next to $ref (OpenAPI 3.1); the target wins otherwise.
    while isinstance(node, dict) and "$ref" in node and set(node) <= {"$ref", "summary", "description"}:
        pointer = node["$ref"]
        if not pointer.startswith("#/"):
            raise ValueError(f"only local refs are supported: {pointer}")
        target: Any = doc
        for part in pointer[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target
        seen += 1
        if seen > 50:
            raise ValueError(f"ref cycle at {pointer}")
    return node


def operation_parameters(doc: Doc, op: dict[str, Any], item: dict[str, Any]) -> list[dict[str, Any]]:
    """Path-item and operation parameters, resolved; operation-level ones override by (name, in)."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for raw in list(item.get("parameters", [])) + list(op.get("parameters", [])):
        p = resolve(doc, raw)
        merged[(p["name"], p["in"])] = p
    return list(merged.values())


def _label(path: str, method: str, op: dict[str, Any]) -> str:
    return op.get("operationId") or f"{method.upper()} {path}"


def _media_examples(media: dict[str, Any], doc: Doc | None = None) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if "example" in media:
        out.append(("example", media["example"]))
    for name, ex in (media.get("examples") or {}).items():
        if doc is not None:
            ex = resolve(doc, ex)
        if isinstance(ex, dict) and "value" in ex:
            out.append((name, ex["value"]))
    return out


def _success_media(doc: Doc, op: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    out = []
    for status, resp in (op.get("responses") or {}).items():
        if str(status).startswith("2"):
            resp = resolve(doc, resp)
            for ctype, media in (resp.get("content") or {}).items():
                out.append((f"{status} {ctype}", media))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------------------------------------------
def check_operation_basics(doc: Doc) -> list[str]:
    """operationId, summary, exactly one declared tag, a request example when there is a body, a 2xx example."""
    problems: list[str] = []
    declared_tags = {t["name"] for t in doc.get("tags", [])}
    ids: set[str] = set()
    for path, method, op, _ in iter_operations(doc):
        label = _label(path, method, op)
        if not op.get("operationId"):
            problems.append(f"{method.upper()} {path}: missing operationId")
        elif op["operationId"] in ids:
            problems.append(f"{label}: duplicate operationId")
        else:
            ids.add(op["operationId"])
        if not op.get("summary"):
            problems.append(f"{label}: missing summary")
        tags = op.get("tags") or []
        if len(tags) != 1:
            problems.append(f"{label}: expected exactly one tag, got {tags}")
        elif tags[0] not in declared_tags:
            problems.append(f"{label}: tag {tags[0]!r} is not declared in the top-level tags")
        body = resolve(doc, op.get("requestBody")) if op.get("requestBody") else None
        if body:
            for ctype, media in (body.get("content") or {}).items():
                if not _media_examples(media, doc):
                    problems.append(f"{label}: request body {ctype} has no example")
        success = _success_media(doc, op)
        if not success:
            problems.append(f"{label}: no 2xx response with content")
        for where, media in success:
            if not _media_examples(media, doc):
                problems.append(f"{label}: response {where} has no example")
    return problems


def _iter_properties(doc: Doc, node: Any, pointer: str) -> Iterator[tuple[str, str, Any]]:
    """(pointer, property name, property schema) for every property anywhere under node (no ref following)."""
    if isinstance(node, dict):
        props = node.get("properties")
        if isinstance(props, dict):
            for name, sub in props.items():
                yield f"{pointer}/properties/{name}", name, sub
        for key, value in node.items():
            yield from _iter_properties(doc, value, f"{pointer}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _iter_properties(doc, value, f"{pointer}/{i}")


def check_money_fields(doc: Doc) -> list[str]:
    """Every property named *_money must $ref one of the Money schemas (directly, or as the array item)."""
    problems: list[str] = []
    for pointer, name, schema in _iter_properties(doc, doc, "#"):
        if not name.endswith("_money") or "/examples/" in pointer or "/example/" in pointer:
            continue
        target = schema
        if isinstance(target, dict) and target.get("type") == "array":
            target = target.get("items")
        if _money_ref(target) not in MONEY_SCHEMAS:
            problems.append(f"{pointer}: money-like property does not $ref a Money schema")
    return problems


def check_signed_money(doc: Doc) -> list[str]:
    """SignedMoney is used exactly where x-signed: true marks it."""
    problems: list[str] = []
    for pointer, name, schema in _iter_properties(doc, doc, "#"):
        if not isinstance(schema, dict) or "/examples/" in pointer:
            continue
        signed_ref = _money_ref(schema) == "#/components/schemas/SignedMoney"
        if signed_ref != bool(schema.get("x-signed")):
            problems.append(f"{pointer}: SignedMoney and x-signed: true must go together")
    return problems


def check_idempotency(doc: Doc) -> list[str]:
    """Every mutating operation (but the read-only POSTs) declares the Idempotency-Key header parameter."""
    problems: list[str] = []
    for path, method, op, item in iter_operations(doc):
        if method not in MUTATING or op.get("operationId") in NON_IDEMPOTENT_WRITES:
            continue
        params = operation_parameters(doc, op, item)
        if not any(p["in"] == "header" and p["name"].lower() == "idempotency-key" for p in params):
            problems.append(f"{_label(path, method, op)}: mutating operation lacks the Idempotency-Key header")
    return problems


def _is_list_operation(doc: Doc, op: dict[str, Any]) -> bool:
    for _, media in _success_media(doc, op):
        schema = resolve(doc, media.get("schema") or {})
        data = resolve(doc, (schema.get("properties") or {}).get("data") or {})
        if data.get("type") == "array":
            return True
    return False


def check_pagination(doc: Doc) -> list[str]:
    """Every list operation (2xx body with an array `data`), except the unpaginated ones, takes page_size/page_token."""
    problems: list[str] = []
    for path, method, op, item in iter_operations(doc):
        if method != "get" or not _is_list_operation(doc, op) or op.get("operationId") in UNPAGINATED_LISTS:
            continue
        names = {p["name"] for p in operation_parameters(doc, op, item) if p["in"] == "query"}
        for required in ("page_size", "page_token"):
            if required not in names:
                problems.append(f"{_label(path, method, op)}: list operation lacks {required}")
    return problems


def check_error_responses(doc: Doc) -> list[str]:
    """401, 403 and 429 everywhere; 400 with a body or any parameter; 404 with a path parameter; 413/415 with a
    body; 409, 503 and 504 on writes (mutating operations but the read-only POSTs); 500 nowhere."""
    problems: list[str] = []
    for path, method, op, item in iter_operations(doc):
        label = _label(path, method, op)
        responses = {str(k) for k in (op.get("responses") or {})}
        params = operation_parameters(doc, op, item)
        needed = set(ALWAYS_DECLARED)
        if op.get("requestBody") or params:
            needed.add("400")
        if any(p["in"] == "path" for p in params):
            needed.add("404")
        if op.get("requestBody"):
            needed |= {"413", "415"}
        if method in MUTATING and op.get("operationId") not in NON_IDEMPOTENT_WRITES:
            needed |= set(WRITE_DECLARED)
        for status in sorted(needed - responses):
            problems.append(f"{label}: missing documented {status} response")
        for status in sorted(responses & set(NEVER_DECLARED)):
            problems.append(f"{label}: declares a {status} response (never part of an operation's contract)")
    return problems


def check_error_codes(doc: Doc) -> list[str]:
    """Each 4xx/5xx response lists x-error-codes-returned; each code is in x-error-catalog with that status."""
    problems: list[str] = []
    catalog = doc.get("x-error-catalog") or {}
    for path, method, op, _ in iter_operations(doc):
        label = _label(path, method, op)
        for status, resp in (op.get("responses") or {}).items():
            status = str(status)
            if not status[0] in "45":
                continue
            codes = resp.get("x-error-codes-returned") if isinstance(resp, dict) else None
            if not codes:
                problems.append(f"{label} {status}: missing x-error-codes-returned")
                continue
            for code in codes:
                entry = catalog.get(code)
                if entry is None:
                    problems.append(f"{label} {status}: code {code} is not in x-error-catalog")
                elif str(entry.get("status")) != status:
                    problems.append(f"{label} {status}: code {code} is cataloged with status {entry.get('status')}")
    return problems


def _is_strict_integer(checker: Any, instance: Any) -> bool:
    # Flint rejects 2500.0 for an integer field (INVALID_JSON), although JSON Schema counts it as an integer.
    return isinstance(instance, int) and not isinstance(instance, bool)


def _decimal_multiple_of(validator: Any, divisor: Any, instance: Any, schema: Any) -> Iterator[Any]:
    # jsonschema divides floats (40.12 / 0.01 = 4011.9999...) and rejects valid two-decimal percents; Flint converts
    # percents exactly (Decimal(str(x))), so the check is done the same way here.
    if not validator.is_type(instance, "number"):
        return
    if Decimal(str(instance)) % Decimal(str(divisor)) != 0:
        yield jsonschema.ValidationError(f"{instance!r} is not a multiple of {divisor}")


StrictValidator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    validators={"multipleOf": _decimal_multiple_of},
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_strict_integer),
)


def _validator(doc: Doc, schema: Any) -> jsonschema.protocols.Validator:
    resource = referencing.Resource.from_contents(doc, default_specification=referencing.jsonschema.DRAFT202012)
    registry: referencing.Registry[Any] = referencing.Registry().with_resource("urn:flint-spec", resource)
    wrapped = {"$ref": "urn:flint-spec#" + schema["$ref"][1:]} if "$ref" in schema and len(schema) == 1 else schema
    if wrapped is schema:
        # Inline schema: rewrite its local refs to point into the registered document.
        wrapped = _rebase_refs(schema)
    validator: jsonschema.protocols.Validator = StrictValidator(
        wrapped, registry=registry, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return validator


def _rebase_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: ("urn:flint-spec" + v if k == "$ref" and isinstance(v, str) and v.startswith("#") else _rebase_refs(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase_refs(v) for v in node]
    return node


def _schema_errors(doc: Doc, schema: Any, instance: Any) -> list[str]:
    validator = _validator(doc, schema)
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message[:200]}"
        for e in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))
    ]


def iter_examples(doc: Doc) -> Iterator[tuple[str, Any, Any]]:
    """(where, schema, example value) for every request/response/parameter example."""
    for path, method, op, item in iter_operations(doc):
        label = _label(path, method, op)
        if op.get("requestBody"):
            body = resolve(doc, op["requestBody"])
            for ctype, media in (body.get("content") or {}).items():
                for name, value in _media_examples(media, doc):
                    yield f"{label} request {ctype} {name}", media.get("schema", {}), value
        for status, resp in (op.get("responses") or {}).items():
            resp = resolve(doc, resp)
            for ctype, media in (resp.get("content") or {}).items():
                for name, value in _media_examples(media, doc):
                    yield f"{label} {status} {ctype} {name}", media.get("schema", {}), value
        for p in operation_parameters(doc, op, item):
            if "example" in p:
                yield f"{label} parameter {p['name']} example", p.get("schema", {}), p["example"]


def check_examples(doc: Doc) -> list[str]:
    """Every example validates against its schema (Draft 2020-12, refs resolved in the document, formats checked,
    integers must be JSON integers: 2500.0 is not one)."""
    problems: list[str] = []
    for where, schema, value in iter_examples(doc):
        for error in _schema_errors(doc, schema, value):
            problems.append(f"{where}: {error}")
    return problems


def check_links(doc: Doc) -> list[str]:
    """Each link names an existing operationId, and each parameter it sets exists on the target operation."""
    problems: list[str] = []
    ops: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {}
    for _, _, op, item in iter_operations(doc):
        if op.get("operationId"):
            ops[op["operationId"]] = (op, item)
    for path, method, op, _ in iter_operations(doc):
        label = _label(path, method, op)
        for status, resp in (op.get("responses") or {}).items():
            resp = resolve(doc, resp)
            for name, link in (resp.get("links") or {}).items():
                link = resolve(doc, link)
                where = f"{label} {status} link {name}"
                target_id = link.get("operationId")
                if target_id is None:
                    problems.append(f"{where}: no operationId")
                    continue
                if target_id not in ops:
                    problems.append(f"{where}: unknown operationId {target_id}")
                    continue
                target_op, target_item = ops[target_id]
                target_params = {(p["in"], p["name"]) for p in operation_parameters(doc, target_op, target_item)}
                link_params = link.get("parameters") or {}
                for pname in link_params:
                    location, _, bare = pname.rpartition(".")
                    if location and (location, bare) not in target_params:
                        problems.append(f"{where}: {target_id} has no {location} parameter {bare}")
                    elif not location and not any(n == bare for _, n in target_params):
                        problems.append(f"{where}: {target_id} has no parameter {bare}")
                missing = [
                    n
                    for (loc, n) in target_params
                    if loc == "path" and n not in link_params and f"path.{n}" not in link_params
                ]
                if missing:
                    problems.append(f"{where}: does not supply path parameter(s) {missing} of {target_id}")
                if "requestBody" in link and not target_op.get("requestBody"):
                    problems.append(f"{where}: sets requestBody but {target_id} takes no body")
                if not link_params and "requestBody" not in link:
                    problems.append(f"{where}: names neither parameters nor requestBody")
    return problems


def check_enums(doc: Doc) -> list[str]:
    """Every schema with an enum carries x-flint-enum: open|closed."""
    problems: list[str] = []

    def walk(node: Any, pointer: str) -> None:
        if isinstance(node, dict):
            if "enum" in node and isinstance(node["enum"], list) and "/examples/" not in pointer:
                if node.get("x-flint-enum") not in ("open", "closed"):
                    problems.append(f"{pointer}: enum without x-flint-enum open|closed")
            for key, value in node.items():
                walk(value, f"{pointer}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{pointer}/{i}")

    walk(doc.get("paths"), "#/paths")
    walk(doc.get("components"), "#/components")
    return problems


def check_request_ids(doc: Doc) -> list[str]:
    """Every response declares the required X-Request-Id header (header names are case-insensitive)."""
    problems: list[str] = []
    for path, method, op, _ in iter_operations(doc):
        for status, resp in (op.get("responses") or {}).items():
            resp = resolve(doc, resp)
            headers = {str(k).lower(): v for k, v in (resp.get("headers") or {}).items()}
            header = resolve(doc, headers.get("x-request-id"))
            if not (isinstance(header, dict) and header.get("required") is True):
                problems.append(f"{_label(path, method, op)} {status}: no required X-Request-Id header")
    return problems


def _annotated_codes(doc: Doc, node: Any, seen: set[str] | None = None) -> set[str]:
    """Every x-error-code / x-error-codes value reachable from a schema (refs followed)."""
    seen = set() if seen is None else seen
    codes: set[str] = set()
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            if node["$ref"] not in seen:
                seen.add(node["$ref"])
                codes |= _annotated_codes(doc, resolve(doc, {"$ref": node["$ref"]}), seen)
        if isinstance(node.get("x-error-code"), str):
            codes.add(node["x-error-code"])
        if isinstance(node.get("x-error-codes"), dict):
            codes |= set(node["x-error-codes"].values())
        for key, value in node.items():
            if key not in ("$ref", "examples", "example"):
                codes |= _annotated_codes(doc, value, seen)
    elif isinstance(node, list):
        for value in node:
            codes |= _annotated_codes(doc, value, seen)
    return codes


def check_annotated_codes_documented(doc: Doc) -> list[str]:
    """Codes that a request's schemas assign to validation failures (x-error-code, x-error-codes) are listed in that
    operation's documented 400 response, so a server following the annotations never returns an undocumented code."""
    problems: list[str] = []
    for path, method, op, item in iter_operations(doc):
        schemas: list[Any] = [p.get("schema") for p in operation_parameters(doc, op, item)]
        if op.get("requestBody"):
            body = resolve(doc, op["requestBody"])
            schemas += [media.get("schema") for media in (body.get("content") or {}).values()]
        annotated = set().union(*(_annotated_codes(doc, s) for s in schemas)) if schemas else set()
        if not annotated:
            continue
        documented = set(resolve(doc, (op.get("responses") or {}).get("400") or {}).get("x-error-codes-returned") or [])
        for code in sorted(annotated - documented):
            problems.append(f"{_label(path, method, op)}: schema code {code} is not documented on its 400 response")
    return problems


ALL_RULES = (
    check_operation_basics,
    check_money_fields,
    check_signed_money,
    check_idempotency,
    check_pagination,
    check_error_responses,
    check_error_codes,
    check_examples,
    check_links,
    check_enums,
    check_request_ids,
    check_annotated_codes_documented,
)


def lint(doc: Doc) -> list[str]:
    """All rules."""
    return [problem for rule in ALL_RULES for problem in rule(doc)]
