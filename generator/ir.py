"""The typed intermediate representation: one pass over the (validated) document builds every model, enum,
union and operation the templates need. Nothing downstream looks at the raw document again.

Error codes are resolved here, statically, following DESIGN.md's precedence: for each check the chain of schemas
that encloses it inside one class is known, so its code is `x-error-codes[keyword]` of the innermost schema that
has one, else `x-error-code` of the innermost schema that has one, else None. When a class is used under a
property that itself declares codes, the reference carries `recode` so the outer codes fill in what the inner
class left open.
"""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass, field, replace
from typing import Any

from generator.errors import SpecError, escape_pointer, join_pointer
from generator.load import resolve_pointer
from generator.naming import (
    RESERVED_FIELDS,
    Namer,
    NameEntry,
    method_name,
    pascal,
    safe_identifier,
    singular,
    snake,
    unique_fields,
    words,
)

# attributes of the generated client classes: a resource group with one of these names gets a trailing "_"
CLIENT_ATTRS = frozenset({"api_key", "base_url", "timeout", "max_retries", "default_headers", "last_response",
                          "last_request_id", "mode", "close", "request", "_http", "_owns_http", "_prepare"})
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ANNOTATION_KEYS = frozenset(
    {"description", "title", "example", "examples", "default", "readOnly", "writeOnly", "deprecated",
     "externalDocs", "xml", "$comment", "$schema", "$id", "discriminator", "nullable", "format", "contentMediaType",
     "contentEncoding"}
)
SCALAR_KINDS = ("str", "int", "float", "bool", "datetime", "date", "any", "none")
SUPPORTED_CHECKS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength",
                    "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties",
                    "propertyNames", "enum")


@dataclass
class Check:
    keyword: str
    value: Any
    code: str | None
    from_keyword: bool = False  # the code came from an x-error-codes entry (outer x-error-code must not replace it)


@dataclass
class Codes:
    """The x-error-codes / x-error-code pair of one schema."""

    by_keyword: dict[str, str]
    code: str | None

    @property
    def empty(self) -> bool:
        return not self.by_keyword and self.code is None


def resolve_code(chain: list[Codes], keyword: str) -> str | None:
    for c in reversed(chain):
        if keyword in c.by_keyword:
            return c.by_keyword[keyword]
    for c in reversed(chain):
        if c.code is not None:
            return c.code
    return None


def merge_chain(chain: list[Codes]) -> Codes | None:
    """Flatten a chain into one Codes with the same precedence (used for `recode`)."""
    if all(c.empty for c in chain):
        return None
    by_kw: dict[str, str] = {}
    code = None
    for c in chain:
        by_kw.update(c.by_keyword)
        if c.code is not None:
            code = c.code
    return Codes(dict(sorted(by_kw.items())), code)


@dataclass
class TypeRef:
    kind: str  # str int float bool datetime date any none enum model union list map
    nullable: bool = False
    checks: list[Check] = field(default_factory=list)
    type_code: str | None = None
    name: str | None = None  # enum / model / union class name
    item: TypeRef | None = None  # list item or map value
    enum_open: bool = False
    recode: Codes | None = None
    helper: str | None = None  # name of a generated parse helper (filled by render)
    degraded: str | None = None
    enum_ptr: str | None = None  # enum kind: pointer of the place it is used (decides open/closed there)
    value_code: str | None = None  # enum kind: code when the value is not a member

    @property
    def simple(self) -> bool:
        """A scalar that needs nothing but its type check."""
        return self.kind in SCALAR_KINDS and not self.checks and not self.nullable


@dataclass
class EnumDef:
    name: str
    pointer: str
    members: list[tuple[str, str]]  # (python name, value)
    description: str
    open: bool | None  # None until build_api decides the default (closed if any request uses it)
    pointers: list[str] = field(default_factory=list)  # every place this (deduplicated) enum is used


@dataclass
class Field:
    json_name: str
    py_name: str
    type: TypeRef
    required: bool
    description: str


@dataclass
class ModelDef:
    name: str
    pointer: str
    description: str
    fields: list[Field] = field(default_factory=list)
    extra: TypeRef | None = None  # typed additionalProperties kept in `additional_properties`
    reject_unknown: bool = False
    codes: Codes = field(default_factory=lambda: Codes({}, None))
    done: bool = False
    pointers: list[str] = field(default_factory=list)  # every place this (possibly shared) class is used
    # `oneOf`/`anyOf` of `{required: [...]}` members next to properties: (keyword, groups of field names)
    presence: list[tuple[str, list[list[str]]]] = field(default_factory=list)
    size_checks: list[Check] = field(default_factory=list)  # minProperties / maxProperties on the object itself

    def code(self, keyword: str) -> str | None:
        return resolve_code([self.codes], keyword)


@dataclass
class Variant:
    type: TypeRef
    tags: list[str]  # discriminator values selecting this variant


@dataclass
class UnionDef:
    name: str
    pointer: str
    description: str
    variants: list[Variant] = field(default_factory=list)
    discriminator: str | None = None
    nullable: bool = False
    codes: Codes = field(default_factory=lambda: Codes({}, None))
    pointers: list[str] = field(default_factory=list)  # every other place this (possibly shared) union is used
    # an unknown discriminator value is rejected where a request can carry the union; responses keep it
    reject_unknown: bool = False


@dataclass
class Param:
    name: str
    py_name: str
    location: str  # path query header cookie
    required: bool
    type: TypeRef
    description: str


@dataclass
class Operation:
    operation_id: str
    service_name: str
    method: str
    path: str
    pointer: str
    group: str
    client_name: str
    summary: str
    description: str
    params: list[Param]
    body: TypeRef | None
    body_required: bool
    body_media: str
    success_status: int
    success: TypeRef | None
    security: list[dict[str, list[str]]] | None
    scopes: list[str]
    idempotent: bool
    paginated: bool
    page_item: TypeRef | None = None
    page_items_attr: str = ""
    page_next_attr: str = ""
    idempotency_type: TypeRef | None = None  # schema of the declared idempotency header (checked by the stub)


@dataclass
class Extensions:
    client_name: str
    package_name: str
    idempotency_header: str | None
    replayed_pointer: str | None
    cursor_param: str | None
    size_param: str | None
    next_cursor: str | None
    items_field: str | None
    request_id_header: str
    request_id_pointer: str | None
    validation_error_type: str
    validation_codes: dict[str, str]
    max_body_bytes: int
    max_depth: int
    auth_header: str = "Authorization"
    auth_prefix: str = "Bearer "
    base_url: str = "http://localhost"
    # x-error-envelope: error `type` by "<status>" / "<digit>xx" / "default" (always has "default")
    error_types: dict[str, str] = field(default_factory=dict)
    # type of the stub's own idempotency-conflict 409; None: the 409 entry of error_types
    conflict_error_type: str | None = "idempotency_error"
    doc_url: str | None = None  # "{code}" is replaced by the error code; None: no doc_url field
    error_source: dict[str, str] = field(default_factory=dict)  # same keys as error_types; {}: no error_source
    omit_null: list[str] = field(default_factory=list)  # envelope fields left out instead of sent as null
    replayed_header: str | None = None  # x-idempotency: response header set to "true" on a replay
    echo_idempotency_key: bool = False  # x-idempotency.echo_key_header
    echo_request_id: bool = False  # x-request-id.echo_caller


DEFAULT_CODES = {
    "malformed_body": "MALFORMED_BODY", "type": "INVALID_TYPE", "required": "FIELD_REQUIRED",
    "unknown_field": "UNKNOWN_FIELD", "value": "INVALID_VALUE", "parameter": "INVALID_PARAMETER",
    "body_too_large": "PAYLOAD_TOO_LARGE", "unsupported_media_type": "UNSUPPORTED_MEDIA_TYPE",
    # not in DESIGN's table but overridable the same way: unknown route, wrong method, unexpected exception
    "not_found": "RESOURCE_NOT_FOUND", "method_not_allowed": "METHOD_NOT_ALLOWED", "internal": "INTERNAL_ERROR",
}
# the generic error `type` by status (x-error-envelope.types_by_status replaces it; "400" is
# x-request-validation.error_type); keys are "<status>", "<digit>xx" or "default"
def default_error_types(validation_error_type: str) -> dict[str, str]:
    return {"400": validation_error_type, "401": "authentication_error", "403": "authorization_error",
            "404": "not_found_error", "405": "invalid_request_error", "409": "conflict_error",
            "413": "invalid_request_error", "415": "invalid_request_error", "429": "rate_limit_error",
            "500": "api_error", "5xx": "api_error", "default": "invalid_request_error"}


# the fields of the stub's error envelope, in the order it writes them (x-error-envelope.omit_null names these)
ENVELOPE_FIELDS = ("type", "code", "message", "doc_url", "error_source", "param", "request_id", "details")
_STATUS_KEY = re.compile(r"[1-5](?:[0-9][0-9]|xx)|default")
_HEADER_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def _status_order(key: str) -> tuple[int, str]:
    return (2, key) if key == "default" else (1, key) if key.endswith("xx") else (0, key)


# JSON-Schema keywords the models do not enforce: reported as degraded where they appear
UNENFORCED = ("not", "prefixItems", "patternProperties", "if", "dependentRequired", "dependentSchemas",
              "contains", "unevaluatedProperties")


@dataclass
class Api:
    title: str
    version: str
    description: str
    ext: Extensions
    models: list[ModelDef]
    enums: list[EnumDef]
    unions: list[UnionDef]
    operations: list[Operation]
    groups: list[tuple[str, list[Operation]]]
    naming: list[NameEntry]
    warnings: list[SpecError]
    degraded: list[SpecError]
    enum_open: dict[str, bool] = field(default_factory=dict)  # enum use-site pointer -> open?
    # components that are neither a class nor a union (free-form objects, maps, scalars, lists): a TypeAlias
    aliases: list[tuple[str, TypeRef]] = field(default_factory=list)


def _text(v: Any) -> str:
    return v if isinstance(v, str) else ""


_TYPE_WORDS = {"string": "String", "integer": "Integer", "number": "Number", "boolean": "Boolean",
               "array": "List", "object": "Object"}


def _value_word(values: list[Any]) -> str:
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


def _variant_word(v: Any) -> str:
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
        w = _value_word([v["const"]])
        if w:
            return w
    if isinstance(v.get("enum"), list):
        w = _value_word([x for x in v["enum"] if x is not None])
        if w:
            return w
    props = v.get("properties")
    if isinstance(props, dict):
        for k, p in props.items():
            vals = [p["const"]] if isinstance(p, dict) and "const" in p else (
                p.get("enum") if isinstance(p, dict) and isinstance(p.get("enum"), list) else None)
            if vals is not None and len(vals) == 1 and _value_word(vals) not in ("", "Enum"):
                return pascal(str(k)).rstrip("_") + _value_word(vals)
        req = [r for r in v.get("required") or [] if isinstance(r, str)]
        if req:
            return "With" + pascal(req[0]).rstrip("_")
    t = v.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    if t == "array" and isinstance(v.get("items"), dict):
        inner = _variant_word(v["items"])
        return (inner if inner != "Value" else "") + "List"
    return _TYPE_WORDS.get(str(t), "Object" if isinstance(props, dict) else "Value")


def _codes(schema: dict[str, Any]) -> Codes:
    by = schema.get("x-error-codes")
    code = schema.get("x-error-code")
    return Codes(
        {str(k): str(v) for k, v in sorted(by.items())} if isinstance(by, dict) else {},
        str(code) if isinstance(code, str) else None,
    )


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
                if parts and parts[-1].isalnum() and not parts[-1].isupper() == ch.isupper():
                    pass
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
    seen: set[str] = set()
    out = []
    for v, n in zip(values, names):
        if n in seen or n in ("name", "value", "mro") or n.startswith("_"):
            n = n + "_" + v.encode().hex().upper()
        seen.add(n)
        out.append(n)
    return out


class Builder:
    def __init__(self, doc: dict[str, Any], *, lenient: bool) -> None:
        self.doc = doc
        self.lenient = lenient
        self.errors: list[SpecError] = []
        self.warnings: list[SpecError] = []
        self.degraded: list[SpecError] = []
        self.namer = Namer()
        self.models: dict[str, ModelDef] = {}  # by pointer
        self.enums: dict[str, EnumDef] = {}
        self.unions: dict[str, UnionDef] = {}
        self.named: dict[str, str] = {}  # component pointer -> reserved class name
        self.by_pointer: dict[str, TypeRef] = {}  # component pointer -> finished type (for non-class components)
        self.expanding: set[str] = set()
        self.variant_names: set[str] = set()  # ctx names handed to union members (naming report rule)
        self.request_side = True  # which side is being walked: decides enum openness defaults
        self.request_ptrs: set[str] = set()
        self.response_ptrs: set[str] = set()
        self.ext = self._extensions()
        # identical inline schemas share one class (Stripe repeats request shapes per operation): key -> pointer
        self.shapes: dict[str, str] = {}

    # ---------------------------------------------------------------- extensions
    def _extensions(self) -> Extensions:
        d = self.doc
        info = d.get("info") or {}
        idem = d.get("x-idempotency") or {}
        pag = d.get("x-pagination") or {}
        rid = d.get("x-request-id") or {}
        rv = d.get("x-request-validation") or {}
        codes = dict(DEFAULT_CODES)
        if isinstance(rv.get("codes"), dict):
            codes.update({str(k): str(v) for k, v in rv["codes"].items()})
        client = d.get("x-client-name")
        if not _usable_name(client, {"T", "DEFAULT_BASE_URL", "httpx", "json", "time", "random", "uuid", "asyncio",
                                     "email"}):
            if client is not None:
                self.warnings.append(SpecError("/x-client-name", f"{client!r} is not a usable class name; "
                                                                 "using the default"))
            client = pascal(_text(info.get("title")) or "Api") + "Client"
        auth_header, auth_prefix = "Authorization", "Bearer "
        schemes = (d.get("components") or {}).get("securitySchemes") or {}
        for req in d.get("security") or []:
            for name in req if isinstance(req, dict) else []:
                sch = schemes.get(name) if isinstance(schemes, dict) else None
                if isinstance(sch, dict) and sch.get("type") == "apiKey" and sch.get("in") == "header":
                    auth_header, auth_prefix = str(sch.get("name") or "X-API-Key"), ""
                break
            break
        base_url = "http://localhost"
        for srv in d.get("servers") or []:
            if isinstance(srv, dict) and isinstance(srv.get("url"), str) and srv["url"].startswith("http"):
                base_url = srv["url"].rstrip("/")
                break
        pkg = d.get("x-package-name")
        if not _usable_name(pkg, set()):
            if pkg is not None:
                self.warnings.append(SpecError("/x-package-name", f"{pkg!r} is not a usable package name; "
                                                                  "using api_client"))
            pkg = "api_client"
        return Extensions(
            client_name=str(client),
            package_name=str(pkg),
            idempotency_header=idem.get("header") if isinstance(idem, dict) else None,
            replayed_pointer=idem.get("replayed_pointer") if isinstance(idem, dict) else None,
            cursor_param=pag.get("cursor_param"),
            size_param=pag.get("size_param"),
            next_cursor=pag.get("next_cursor"),
            items_field=pag.get("items"),
            request_id_header=str(rid.get("header") or "x-request-id"),
            request_id_pointer=rid.get("pointer"),
            validation_error_type=str(rv.get("error_type") or "invalid_request"),
            validation_codes=codes,
            max_body_bytes=int(rv.get("max_body_bytes") or 1048576),
            max_depth=int(rv.get("max_depth") or 32),
            auth_header=auth_header, auth_prefix=auth_prefix, base_url=base_url,
            **self._envelope_settings(idem, rid, str(rv.get("error_type") or "invalid_request")),
        )

    def _envelope_settings(self, idem: Any, rid: Any, validation_error_type: str) -> dict[str, Any]:
        """x-error-envelope, and the response-header keys of x-idempotency / x-request-id, checked: a malformed
        value is a spec error at its pointer (lenient: a warning, and the generic default is used)."""
        out: dict[str, Any] = {"error_types": default_error_types(validation_error_type)}
        if isinstance(idem, dict):
            if "replayed_header" in idem:
                h = idem["replayed_header"]
                if isinstance(h, str) and _HEADER_TOKEN.fullmatch(h):
                    out["replayed_header"] = h
                else:
                    self.fail("/x-idempotency/replayed_header", f"{h!r} is not an HTTP header name")
            out["echo_idempotency_key"] = self._flag(idem, "/x-idempotency", "echo_key_header")
        if isinstance(rid, dict):
            out["echo_request_id"] = self._flag(rid, "/x-request-id", "echo_caller")
        if "x-error-envelope" not in self.doc:
            return out
        env = self.doc["x-error-envelope"]
        if not isinstance(env, dict):
            self.fail("/x-error-envelope", "must be an object")
            return out
        for k in env:
            if k not in ("types_by_status", "doc_url", "error_source", "omit_null"):
                self.fail(join_pointer("/x-error-envelope", k),
                          "unknown key (expected types_by_status, doc_url, error_source, omit_null)")
        if "types_by_status" in env:
            types = self._status_table(env["types_by_status"], "/x-error-envelope/types_by_status")
            if types is not None:
                if "default" not in types:  # what the table leaves open falls back to the generic types
                    types.setdefault("5xx", "api_error")
                    types["default"] = "invalid_request_error"
                out["error_types"] = dict(sorted(types.items(), key=lambda kv: _status_order(kv[0])))
                out["conflict_error_type"] = None  # the type is fixed by status: a conflict is the 409 entry
        if "doc_url" in env:
            url = env["doc_url"]
            if isinstance(url, str) and url and url.isprintable():
                out["doc_url"] = url
            else:
                self.fail("/x-error-envelope/doc_url", 'must be a non-empty string ("{code}" is replaced by the code)')
        if "error_source" in env:
            sources = self._status_table(env["error_source"], "/x-error-envelope/error_source")
            if sources is not None:
                out["error_source"] = dict(sorted(sources.items(), key=lambda kv: _status_order(kv[0])))
        if "omit_null" in env:
            names = env["omit_null"]
            if not isinstance(names, list):
                self.fail("/x-error-envelope/omit_null", "must be a list of envelope field names")
            else:
                keep: list[str] = []
                for i, n in enumerate(names):
                    if n not in ENVELOPE_FIELDS:
                        self.fail(join_pointer("/x-error-envelope/omit_null", i),
                                  f"{n!r} is not an envelope field ({', '.join(ENVELOPE_FIELDS)})")
                    elif n not in keep:
                        keep.append(n)
                out["omit_null"] = sorted(keep, key=ENVELOPE_FIELDS.index)
        return out

    def _flag(self, ext: dict[str, Any], pointer: str, key: str) -> bool:
        v = ext.get(key, False)
        if not isinstance(v, bool):
            self.fail(join_pointer(pointer, key), f"must be true or false, not {v!r}")
            return False
        return v

    def _status_table(self, table: Any, pointer: str) -> dict[str, str] | None:
        """`{"400": x, "4xx": y, default: z}` (YAML may give 400 as an integer) -> {str: str}; None if unusable."""
        if not isinstance(table, dict) or not table:
            self.fail(pointer, 'must be a non-empty object of "<status>", "<digit>xx" or default -> string')
            return None
        out: dict[str, str] = {}
        for k, v in table.items():
            key = str(k).lower() if not isinstance(k, bool) else ""
            ptr = join_pointer(pointer, k)
            if not _STATUS_KEY.fullmatch(key):
                self.fail(ptr, f'{k!r} is not a status ("404"), a status class ("5xx") or default')
            elif not isinstance(v, str) or not v:
                self.fail(ptr, f"must be a non-empty string, not {v!r}")
            elif key in out:
                self.fail(ptr, f"{k!r} is given twice")
            else:
                out[key] = v
        return out or None

    # ---------------------------------------------------------------- helpers
    def fail(self, pointer: str, message: str) -> None:
        (self.warnings if self.lenient else self.errors).append(SpecError(pointer, message))

    def degrade(self, pointer: str, message: str) -> TypeRef:
        self.degraded.append(SpecError(pointer, message))
        return TypeRef("any", degraded=message)

    def deref(self, schema: Any, pointer: str) -> tuple[Any, str]:
        seen = 0
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str) and len(schema) == 1:
            ref = schema["$ref"]
            try:
                schema, pointer = resolve_pointer(self.doc, ref[1:]), ref[1:]
            except KeyError:
                return {}, pointer
            seen += 1
            if seen > 64:
                return {}, pointer
        return schema, pointer

    # ---------------------------------------------------------------- names
    def reserve_components(self) -> None:
        schemas = (self.doc.get("components") or {}).get("schemas") or {}
        keys = sorted(schemas)
        by_name: dict[str, list[str]] = {}
        for k in keys:
            by_name.setdefault(pascal(k), []).append(k)
        for k in keys:
            ptr = join_pointer("/components/schemas", k)
            qualified = len(by_name[pascal(k)]) > 1 and pascal(k) != k
            name = self.namer.component(k, ptr, qualified)
            if name is None:
                name = self.namer.component(k, ptr, True)
            if name is None:
                self.fail(ptr, f"class name for component {k!r} collides with {self.namer.taken.get(pascal(k))}")
                name = self.namer.claim(pascal(k) + "_" + k.encode().hex(), ptr, "hex-suffixed (lenient)") or k
            self.named[ptr] = name

    def shape_key(self, kind: str, s: dict[str, Any], chain: list[Codes]) -> str:
        return kind + json.dumps([s, [[c.by_keyword, c.code] for c in chain]], sort_keys=True, default=str)

    def same_shape(self, key: str, pointer: str, name: str) -> None:
        self.namer.report.append(NameEntry(pointer, name, f"identical to {self.shapes[key]}: shares its class"))

    def inline_name(self, base: str, pointer: str, rule: str) -> str:
        if base in self.variant_names:  # a union member's class: say how its suffix was chosen
            rule = "union member: union name + word from the member's content (title, $ref, const/enum, " \
                   "pinned or first required property, type)"
        name = self.namer.inline(base, pointer, rule)
        if name is None:
            self.fail(pointer, f"inline schema name {base!r} collides twice")
            name = self.namer.claim(base + "_" + escape_pointer(pointer).encode().hex()[:12], pointer, "hex") or base
        return name

    # ---------------------------------------------------------------- schemas
    def schema_type(self, schema: Any, pointer: str, ctx_name: str, chain: list[Codes]) -> TypeRef:
        """Type of a schema used at `pointer`; `ctx_name` names inline classes; `chain` are the enclosing codes."""
        if schema is True or schema is None:
            return TypeRef("any")
        if schema is False or not isinstance(schema, dict):
            return self.degrade(pointer, "boolean false / non-object schema")
        if "x-generator-degraded" in schema and "$ref" not in schema:
            return self.degrade(pointer, str(schema["x-generator-degraded"]))
        ref = schema.get("$ref")
        if isinstance(ref, str):
            try:
                target = resolve_pointer(self.doc, ref[1:])
            except KeyError:
                return self.degrade(pointer, f"dangling $ref {ref}")
            siblings = {k: v for k, v in schema.items() if k != "$ref" and k not in ANNOTATION_KEYS
                        and not k.startswith("x-")}
            nullable = schema.get("nullable") is True
            here = _codes(schema)
            inner_chain = chain + [here] if not here.empty else chain
            if siblings:
                merged = {"allOf": [{"$ref": ref}, siblings]}
                for k in ("x-error-code", "x-error-codes"):
                    if k in schema:
                        merged[k] = schema[k]
                t = self.schema_type(merged, pointer, ctx_name, chain)
            else:
                t = self.ref_type(ref[1:], target, inner_chain)
            if nullable and not t.nullable:
                t = _copy(t, nullable=True)
            return t
        return self.build(schema, pointer, ctx_name, chain)

    def ref_type(self, ptr: str, target: Any, chain: list[Codes]) -> TypeRef:
        name = self.named.get(ptr)
        t = self.by_pointer.get(ptr)
        if t is None:
            if ptr in self.expanding:
                if name is None or not self._is_class(target):
                    return self.degrade(ptr, "recursive schema that is not an object or union; degraded to Any")
            self.expanding.add(ptr)
            try:
                t = self.build(target, ptr, name or pascal(ptr.rsplit("/", 1)[-1]), [], own_name=name)
            finally:
                self.expanding.discard(ptr)
            self.by_pointer[ptr] = t
        (self.request_ptrs if self.request_side else self.response_ptrs).add(ptr)
        if t.kind in ("model", "union") and chain:
            outer = merge_chain(chain)
            if outer is not None:
                t = _copy(t, recode=outer)
        elif chain and t.kind not in ("model", "union"):
            # scalar components: re-resolve their codes with the outer chain in front
            t = self.build(target, ptr, name or "X", chain, own_name=name, reuse=t)
        return t

    def _is_class(self, s: Any) -> bool:
        if not isinstance(s, dict):
            return False
        return bool(s.get("properties") or s.get("oneOf") or s.get("anyOf") or s.get("allOf")
                    or s.get("type") == "object")

    def build(self, s: dict[str, Any], pointer: str, ctx_name: str, chain: list[Codes],
              own_name: str | None = None, reuse: TypeRef | None = None) -> TypeRef:
        for kw in UNENFORCED:
            if kw in s and reuse is None:
                self.degraded.append(SpecError(join_pointer(pointer, kw), f"{kw} is not enforced by the models"))
        here = _codes(s)
        chain = chain + [here] if not here.empty else chain
        nullable = s.get("nullable") is True
        types = s.get("type")
        if isinstance(types, list):
            if "null" in types:
                nullable = True
            types = [t for t in types if t != "null"]
            if len(types) == 1:
                types = types[0]
            elif not types:
                types = "null"
        enum = s.get("enum")
        if isinstance(enum, list) and None in enum:
            nullable = True
            enum = [v for v in enum if v is not None]
            if not enum:
                return TypeRef("none")
        if "const" in s and s["const"] is None:
            return TypeRef("none")

        # unions
        for key in ("oneOf", "anyOf"):
            variants = s.get(key)
            if isinstance(variants, list) and variants:
                non_null = [v for v in variants if not (isinstance(v, dict) and (v.get("type") == "null" or
                                                        v.get("enum") == [None]))]
                if len(non_null) < len(variants):
                    nullable = True
                rest = {k: v for k, v in s.items() if k not in (key, "nullable", "discriminator") and
                        k not in ANNOTATION_KEYS and not k.startswith("x-")}
                if len(non_null) == 1 and not rest:
                    t = self.schema_type(non_null[0], join_pointer(pointer, key, variants.index(non_null[0])),
                                         ctx_name, chain)
                    return _copy(t, nullable=True) if nullable and not t.nullable else t
                if _presence_only(variants):
                    break  # a constraint on which properties are present; fill_model checks it
                if not rest or set(rest) <= {"type"}:
                    return self.union(s, key, non_null, pointer, ctx_name, chain, nullable, own_name)
                # union next to properties: treat the properties as the model and ignore the union (reported)
                self.degraded.append(SpecError(pointer, f"{key} next to other keywords: {key} ignored"))
                break

        if isinstance(s.get("allOf"), list) and s["allOf"]:
            return self.all_of(s, pointer, ctx_name, chain, nullable, own_name)

        if isinstance(types, list):  # several non-null JSON types: a union of scalars
            members = [{**{k: v for k, v in s.items() if k != "type"}, "type": t} for t in types]
            return self.union({"oneOf": members}, "oneOf", members, pointer, ctx_name, chain, nullable, own_name)

        if types == "object" or ("properties" in s and types is None) or (
                types is None and "additionalProperties" in s):
            return self.object(s, pointer, ctx_name, chain, nullable, own_name)
        if types == "array" or (types is None and "items" in s):
            item = self.schema_type(s.get("items", True), join_pointer(pointer, "items"), ctx_name + "Item", chain)
            return TypeRef("list", nullable=nullable, item=item, checks=self.checks(s, chain, pointer),
                           type_code=resolve_code(chain, "type"))
        if types == "null":
            return TypeRef("none")

        kind = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}.get(str(types))
        if kind is None and "const" in s:
            kind = _kind_of_value(s["const"])
        if kind is None and isinstance(enum, list) and enum:
            kinds = {_kind_of_value(v) for v in enum}
            kind = kinds.pop() if len(kinds) == 1 else None
        if kind is None:
            if types is not None:
                return self.degrade(pointer, f"unknown type {types!r}")
            return TypeRef("any", nullable=nullable)
        if kind == "str" and s.get("format") == "date-time":
            kind = "datetime"
        elif kind == "str" and s.get("format") == "date":
            kind = "date"
        if kind == "str" and isinstance(enum, list) and enum and all(isinstance(v, str) for v in enum):
            return self.enum(s, enum, pointer, ctx_name, chain, nullable, own_name, reuse)
        checks = self.checks(s, chain, pointer)
        if "const" in s:
            checks.insert(0, Check("enum", [s["const"]], resolve_code(chain, "const") or resolve_code(chain, "enum")))
        return TypeRef(kind, nullable=nullable, checks=checks, type_code=resolve_code(chain, "type"))

    def checks(self, s: dict[str, Any], chain: list[Codes], pointer: str) -> list[Check]:
        out: list[Check] = []
        for kw in SUPPORTED_CHECKS:
            if kw not in s:
                continue
            v = s[kw]
            if kw in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(v, bool):
                if v:  # 3.0 boolean form modifies minimum/maximum
                    base = "minimum" if kw == "exclusiveMinimum" else "maximum"
                    if base in s:
                        out = [c for c in out if c.keyword != base]
                        out.append(Check(kw, s[base], resolve_code(chain, base)))
                continue
            if kw == "pattern":
                try:
                    re.compile(v)
                except (re.error, TypeError):
                    self.degraded.append(SpecError(join_pointer(pointer, "pattern"),
                                                   "pattern is not a Python regex; not checked"))
                    continue
            if kw == "uniqueItems":
                if v is True:
                    out.append(Check(kw, True, resolve_code(chain, kw), any(kw in c.by_keyword for c in chain)))
                continue
            if kw == "propertyNames":
                names, _ = self.deref(v, pointer)
                if not isinstance(names, dict):
                    continue
                spec = {k: names[k] for k in ("pattern", "minLength", "maxLength") if k in names}
                if "pattern" in spec:
                    try:
                        re.compile(spec["pattern"])
                    except (re.error, TypeError):
                        self.degraded.append(SpecError(join_pointer(pointer, kw), "pattern is not a Python regex"))
                        spec.pop("pattern")
                if spec:
                    code = resolve_code(chain + [_codes(names)], kw)
                    out.append(Check(kw, spec, code, any(kw in c.by_keyword for c in chain)))
                continue
            if kw == "enum" and not isinstance(v, list):
                continue
            if kw == "enum":
                v = [x for x in v if x is not None]
            if isinstance(v, bool) and kw != "enum":
                continue
            if kw != "enum" and kw != "pattern" and not isinstance(v, (int, float)):
                continue
            out.append(Check(kw, v, resolve_code(chain, kw), any(kw in c.by_keyword for c in chain)))
        return out

    def enum(self, s: dict[str, Any], values: list[str], pointer: str, ctx_name: str, chain: list[Codes],
             nullable: bool, own_name: str | None, reuse: TypeRef | None) -> TypeRef:
        ext = s.get("x-flint-enum")
        site = pointer
        if reuse is not None and reuse.kind == "enum" and reuse.name:
            name = reuse.name
        elif pointer in self.enums:
            name = self.enums[pointer].name
        elif not own_name and (key := self.shape_key("enum", s, chain)) in self.shapes:
            first = self.enums[self.shapes[key]]
            name = first.name
            first.pointers.append(pointer)
            self.same_shape(key, pointer, name)
        else:
            name = own_name or self.inline_name(ctx_name, pointer, "inline enum: parent class + property")
            vals = list(dict.fromkeys(values))
            self.enums[pointer] = EnumDef(name, pointer, list(zip(enum_member_names(vals), vals)),
                                          _text(s.get("description")), ext == "open", [pointer])
            if ext not in ("open", "closed"):
                self.enums[pointer].open = None  # decided after the walk
            if not own_name:
                self.shapes[self.shape_key("enum", s, chain)] = pointer
        checks = [c for c in self.checks(s, chain, pointer) if c.keyword != "enum"]
        return TypeRef("enum", nullable=nullable, name=name, checks=checks,
                       type_code=resolve_code(chain, "type"), enum_ptr=site,
                       value_code=resolve_code(chain, "enum"))

    def object(self, s: dict[str, Any], pointer: str, ctx_name: str, chain: list[Codes], nullable: bool,
               own_name: str | None) -> TypeRef:
        props = s.get("properties") or {}
        addl = s.get("additionalProperties", True)
        if not props and addl is not False:
            value = TypeRef("any") if addl in (True, None) or addl == {} else (
                self.schema_type(addl, join_pointer(pointer, "additionalProperties"), ctx_name + "Value", chain)
                if isinstance(addl, dict) else TypeRef("any"))
            return TypeRef("map", nullable=nullable, item=value, type_code=resolve_code(chain, "type"),
                           checks=self.checks(s, chain, pointer))
        model = self.models.get(pointer)
        key = self.shape_key("object", s, chain) if not own_name else ""
        if model is None and key in self.shapes:
            model = self.models[self.shapes[key]]
            model.pointers.append(pointer)
            self.same_shape(key, pointer, model.name)
        if model is None:
            if key:
                self.shapes[key] = pointer
            name = own_name or self.inline_name(ctx_name, pointer, "inline object: parent class + property")
            model = ModelDef(name, pointer, _text(s.get("description")) or _text(s.get("title")),
                             codes=merge_chain(chain) or Codes({}, None))
            self.models[pointer] = model
            self.fill_model(model, [(s, pointer)], chain)
        return TypeRef("model", nullable=nullable, name=model.name, type_code=model.code("type"))

    def fill_model(self, model: ModelDef, parts: list[tuple[dict[str, Any], str]], chain: list[Codes]) -> None:
        props: dict[str, tuple[Any, str]] = {}
        required: list[str] = []
        addl: Any = None
        for s, ptr in parts:
            for k, v in (s.get("properties") or {}).items():
                props[str(k)] = (v, join_pointer(ptr, "properties", k))
            req = s.get("required")
            if isinstance(req, list):
                required += [str(r) for r in req if r not in required]
            if "additionalProperties" in s:
                addl = (s["additionalProperties"], join_pointer(ptr, "additionalProperties"))
            for kw in ("minProperties", "maxProperties"):
                if isinstance(s.get(kw), int) and not isinstance(s.get(kw), bool):
                    model.size_checks.append(Check(kw, s[kw], model.code(kw), kw in model.codes.by_keyword))
            for key in ("oneOf", "anyOf"):
                if _presence_only(s.get(key)):
                    model.presence.append((key, [[str(r) for r in v.get("required") or []] for v in s[key]]))
        avoid = RESERVED_FIELDS | set(self.namer.taken)
        names = unique_fields(list(props), avoid)
        fields = []
        for json_name, (ps, pptr) in props.items():
            t = self.schema_type(ps, pptr, model.name + pascal(json_name), [])
            desc = _text(ps.get("description")) if isinstance(ps, dict) else ""
            fields.append(Field(json_name, names[json_name], t, json_name in required, desc))
        for r in required:
            if r not in props:  # required but undeclared: keep it required and untyped
                py = safe_identifier(r, avoid)
                while py in names.values() or any(f.py_name == py for f in fields):
                    py += "_"
                fields.append(Field(r, py, TypeRef("any"), True, ""))
        model.fields = fields
        if addl is not None:
            a, aptr = addl
            if a is False:
                model.reject_unknown = True
            elif isinstance(a, dict) and a:
                model.extra = self.schema_type(a, aptr, model.name + "Value", [])
        model.done = True

    def all_of(self, s: dict[str, Any], pointer: str, ctx_name: str, chain: list[Codes], nullable: bool,
               own_name: str | None) -> TypeRef:
        parts: list[tuple[dict[str, Any], str, list[Codes], str | None]] = []

        def flatten(node: Any, ptr: str, ch: list[Codes], depth: int, comp: str | None = None) -> None:
            if depth > 32 or not isinstance(node, dict):
                return
            node_codes = _codes(node)
            ch2 = ch + [node_codes] if not node_codes.empty else ch
            ref = node.get("$ref")
            if isinstance(ref, str):
                try:
                    target = resolve_pointer(self.doc, ref[1:])
                except KeyError:
                    self.degraded.append(SpecError(ptr, f"dangling $ref {ref} in allOf"))
                    return
                flatten(target, ref[1:], ch2, depth + 1, self.named.get(ref[1:]))
                return
            own = {k: v for k, v in node.items() if k != "allOf"}
            parts.append((own, ptr, ch2, comp))
            for i, m in enumerate(node.get("allOf") or []):
                flatten(m, join_pointer(ptr, "allOf", i), ch2, depth + 1)

        flatten(s, pointer, chain[:-1] if chain and not _codes(s).empty else chain, 0)
        is_object = any(p.get("properties") or p.get("type") == "object" or "additionalProperties" in p
                        for p, _, _, _ in parts)
        if is_object:
            model = self.models.get(pointer)
            if model is None:
                name = own_name or self.inline_name(ctx_name, pointer, "inline allOf object: parent class + property")
                model = ModelDef(name, pointer, _text(s.get("description")),
                                 codes=merge_chain(chain) or Codes({}, None))
                self.models[pointer] = model
                self.fill_model(model, [(p, ptr) for p, ptr, _, _ in parts], [])
            return TypeRef("model", nullable=nullable, name=model.name, type_code=model.code("type"))
        unions = [p for p in parts if p[0].get("oneOf") or p[0].get("anyOf")]
        if unions:
            p, ptr, ch, comp = unions[0]
            return self.build(p, ptr, ctx_name, ch[:-1] if ch and not _codes(p).empty else ch, comp or own_name)
        # scalar allOf: the first member with a type is the base; every other member adds its checks in order,
        # each with the code its own chain resolves to
        typed = [i for i, (p, _, _, _) in enumerate(parts) if any(k in p for k in ("type", "enum", "const", "format"))]
        result: TypeRef | None = None
        checks: list[Check] = []
        for i, (p, ptr, ch, comp) in enumerate(parts):
            if typed and i == typed[0]:
                result = self.build(p, ptr, ctx_name, ch[:-1] if ch and not _codes(p).empty else ch,
                                    own_name=comp or own_name)
                continue
            if isinstance(p.get("enum"), list):
                checks.append(Check("enum", [v for v in p["enum"] if v is not None], resolve_code(ch, "enum")))
            if "const" in p:
                checks.append(Check("enum", [p["const"]], resolve_code(ch, "const") or resolve_code(ch, "enum")))
            checks += self.checks({k: v for k, v in p.items() if k != "enum"}, ch, ptr)
        if result is None:
            return TypeRef("any", nullable=nullable)
        out = _copy(result, checks=result.checks + checks)
        if nullable and not out.nullable:
            out.nullable = True
        return out

    def union(self, s: dict[str, Any], key: str, variants: list[Any], pointer: str, ctx_name: str,
              chain: list[Codes], nullable: bool, own_name: str | None) -> TypeRef:
        if pointer in self.unions:
            u = self.unions[pointer]
            return TypeRef("union", nullable=nullable or u.nullable, name=u.name)
        key = self.shape_key("union" + key, s, chain) if not own_name else ""
        if key in self.shapes:
            u = self.unions[self.shapes[key]]
            u.pointers.append(pointer)
            self.same_shape(key, pointer, u.name)
            return TypeRef("union", nullable=nullable, name=u.name)
        if key:
            self.shapes[key] = pointer
        name = own_name or self.inline_name(ctx_name, pointer, f"inline {key}: parent class + property")
        u = UnionDef(name, pointer, _text(s.get("description")), codes=merge_chain(chain) or Codes({}, None))
        self.unions[pointer] = u
        disc = s.get("discriminator") if isinstance(s.get("discriminator"), dict) else None
        mapping: dict[str, str] = {}
        if disc and isinstance(disc.get("mapping"), dict):
            mapping = {str(k): str(v) for k, v in disc["mapping"].items()}
        for i, v in enumerate(variants):
            vptr = join_pointer(pointer, key, i)
            vname = name + _variant_word(v)
            self.variant_names.add(vname)
            t = self.schema_type(v, vptr, vname, [])
            u.variants.append(Variant(t, []))
        prop = disc.get("propertyName") if disc else None
        if isinstance(prop, str):
            u.discriminator = prop
            for var, raw in zip(u.variants, variants):
                ref = raw.get("$ref") if isinstance(raw, dict) else None
                tags = [k for k, target in mapping.items() if target == ref or
                        target == (ref or "").rsplit("/", 1)[-1]]
                if not tags:
                    tags = self._const_tags(raw, prop)
                if not tags and isinstance(ref, str) and not mapping:
                    tags = [ref.rsplit("/", 1)[-1]]
                var.tags = tags
        else:
            self._infer_discriminator(u, variants)
        return TypeRef("union", nullable=nullable, name=name)

    def _const_tags(self, raw: Any, prop: str) -> list[str]:
        """Values a variant pins its discriminator property to (via const or a one-value enum)."""
        node, _ = self.deref(raw, "")
        if not isinstance(node, dict):
            return []
        stack = [node]
        while stack:
            n, _ = self.deref(stack.pop(), "")
            if not isinstance(n, dict):
                continue
            p = (n.get("properties") or {}).get(prop)
            p, _ = self.deref(p, "")
            if isinstance(p, dict):
                if isinstance(p.get("const"), str):
                    return [p["const"]]
                e = p.get("enum")
                if isinstance(e, list) and len(e) == 1 and isinstance(e[0], str):
                    return [e[0]]
            stack.extend(n.get("allOf") or [])
        return []

    def _infer_discriminator(self, u: UnionDef, variants: list[Any]) -> None:
        models = [(v, raw) for v, raw in zip(u.variants, variants) if v.type.kind == "model"]
        if len(models) < 2:
            return
        first, _ = self.deref(models[0][1], "")
        candidates = list((first.get("properties") or {}) if isinstance(first, dict) else {})
        for prop in candidates:
            tags = [self._const_tags(raw, prop) for _, raw in models]
            flat = [t[0] for t in tags if t]
            if len(flat) == len(models) and len(set(flat)) == len(flat):
                u.discriminator = prop
                for (var, _), t in zip(models, tags):
                    var.tags = t
                return

    # ---------------------------------------------------------------- operations
    def operations(self) -> list[Operation]:
        ops: list[Operation] = []
        seen_ids: dict[str, str] = {}
        seen_service: dict[str, str] = {}
        root_security = self.doc.get("security")
        for path, item in (self.doc.get("paths") or {}).items():
            if not isinstance(item, dict):
                continue
            ipointer = join_pointer("/paths", path)
            for method in HTTP_METHODS:
                op = item.get(method)
                if not isinstance(op, dict):
                    continue
                ptr = join_pointer(ipointer, method)
                op_id = op.get("operationId")
                if not isinstance(op_id, str) or not op_id:
                    op_id = snake(method + " " + path)
                    self.warnings.append(SpecError(ptr, f"no operationId; using {op_id!r}"))
                if op_id in seen_ids:
                    self.fail(join_pointer(ptr, "operationId"), f"duplicate operationId {op_id!r} "
                                                                 f"(also at {seen_ids[op_id]})")
                    continue
                seen_ids[op_id] = ptr
                service = safe_identifier(snake(op_id), {"ctx", "self"})
                if service in seen_service:
                    self.fail(join_pointer(ptr, "operationId"), f"operationId {op_id!r} gives the same method name "
                                                                 f"as {seen_service[service]}")
                    continue
                seen_service[service] = op_id
                ops.append(self.operation(path, method, op, item, ptr, op_id, service, root_security))
        return ops

    def operation(self, path: str, method: str, op: dict[str, Any], item: dict[str, Any], ptr: str, op_id: str,
                  service: str, root_security: Any) -> Operation:
        base = pascal(op_id)
        self.request_side = True
        params: dict[tuple[str, str], Param] = {}
        raw_params = list(item.get("parameters") or []) + list(op.get("parameters") or [])
        idempotent = False
        idem_type: TypeRef | None = None
        for i, rp in enumerate(raw_params):
            pp = join_pointer(ptr, "parameters", i)
            p, pp2 = self.deref(rp, pp)
            if not isinstance(p, dict) or "name" not in p or p.get("in") not in ("path", "query", "header", "cookie"):
                self.degraded.append(SpecError(pp, "unusable parameter skipped"))
                continue
            loc = p["in"]
            name = str(p["name"])
            if loc == "header" and self.ext.idempotency_header and name.lower() == self.ext.idempotency_header.lower():
                idempotent = True
                if isinstance(p.get("schema"), dict):
                    idem_type = self.schema_type(p["schema"], join_pointer(pp2, "schema"), base + "IdempotencyKey", [])
                continue
            if loc == "cookie":
                self.degraded.append(SpecError(pp, "cookie parameter not supported; skipped"))
                continue
            if "schema" in p:
                t = self.schema_type(p["schema"], join_pointer(pp2, "schema"), base + pascal(name), [])
            else:
                t = self.degrade(pp, "parameter without schema (content) treated as Any")
            params[(loc, name)] = Param(name, name, loc, bool(p.get("required")) or loc == "path", t,
                                        _text(p.get("description")))
        for name in re.findall(r"{([^}]+)}", path):
            if ("path", name) not in params:  # the template names it but no parameter declares it
                self.degraded.append(SpecError(ptr, f"path parameter {name!r} is not declared; treated as a string"))
                params[("path", name)] = Param(name, name, "path", True, TypeRef("str"), "")
        plist = list(params.values())
        used = {"self", "ctx", "body", "timeout", "max_retries", "idempotency_key", "extra_headers", "extra_query",
                "httpx", "r", "q", "h", "options", "cursor", "page"}
        for p in plist:
            cand = safe_identifier(snake(p.name) if not p.name.isidentifier() else p.name, used)
            while cand in used:
                cand += "_"
            used.add(cand)
            p.py_name = cand
        path_order = re.findall(r"{([^}]+)}", path)
        plist.sort(key=lambda p: (0 if p.location == "path" else 1,
                                  path_order.index(p.name) if p.name in path_order else 0))

        body: TypeRef | None = None
        body_required = False
        media = "application/json"
        rb, rbp = self.deref(op.get("requestBody"), join_pointer(ptr, "requestBody"))
        if isinstance(rb, dict):
            content = rb.get("content") or {}
            pick = None
            for m in content:
                if m == "application/json" or m.endswith("+json"):
                    pick = m
                    break
            if pick is None and "application/x-www-form-urlencoded" in content:
                pick = "application/x-www-form-urlencoded"
            if pick is None and content:
                pick = sorted(content)[0]
                self.degraded.append(SpecError(join_pointer(rbp, "content"),
                                               f"request media {pick} sent as JSON-like data"))
            if pick is not None:
                media = pick
                sch = (content[pick] or {}).get("schema", True)
                body = self.schema_type(sch, join_pointer(rbp, "content", pick, "schema"), base + "Body", [])
                body_required = bool(rb.get("required"))

        self.request_side = False
        responses = op.get("responses") or {}
        success_codes = sorted(int(c) for c in responses if str(c).isdigit() and 200 <= int(c) < 300)
        status = success_codes[0] if success_codes else (200 if method != "delete" else 204)
        success: TypeRef | None = None
        if success_codes:
            rsp, rptr = self.deref(responses.get(str(status), responses.get(status)),
                                   join_pointer(ptr, "responses", status))
            content = (rsp or {}).get("content") or {} if isinstance(rsp, dict) else {}
            for m in content:
                if m == "application/json" or m.endswith("+json"):
                    sch = (content[m] or {}).get("schema", True)
                    rname = base + "Response" + (str(status) if len(success_codes) > 1 else "")
                    success = self.schema_type(sch, join_pointer(rptr, "content", m, "schema"), rname, [])
                    break
        self.request_side = True

        security = op.get("security", root_security)
        sec: list[dict[str, list[str]]] | None = None
        scopes: list[str] = []
        if isinstance(security, list):
            sec = [{str(k): [str(x) for x in (v or [])] for k, v in r.items()} for r in security if isinstance(r, dict)]
            if sec:
                scopes = sorted({x for v in sec[0].values() for x in v})
        tags = op.get("tags")
        if isinstance(tags, list) and tags and isinstance(tags[0], str):
            group_source = tags[0]
        else:  # untagged: the first path segment that is not a version or a parameter (/v1/customers/{id} -> customers)
            segs = [g for g in path.strip("/").split("/") if g and not g.startswith("{")
                    and not re.fullmatch(r"v\d+|api", g)]
            group_source = segs[0] if segs else "default"
        group = snake(group_source)
        if group in CLIENT_ATTRS or keyword.iskeyword(group):
            group += "_"
        paginated = bool(self.ext.cursor_param and any(p.location == "query" and p.name == self.ext.cursor_param
                                                       for p in plist))
        page_item = None
        page_attrs = ("", "")
        if paginated and success is not None and success.kind == "model":
            m = next((m for m in self.models.values() if m.name == success.name), None)
            f = next((f for f in m.fields if f.json_name == self.ext.items_field), None) if m else None
            nf = next((f for f in m.fields if f.json_name == self.ext.next_cursor), None) if m else None
            if f is not None and f.type.kind == "list" and nf is not None:
                page_item = f.type.item
                page_attrs = (f.py_name, nf.py_name)
            else:
                paginated = False
        elif paginated:
            paginated = False
        cname = op.get("x-method-name")
        return Operation(
            operation_id=op_id, service_name=service, method=method.upper(), path=path, pointer=ptr, group=group,
            client_name=cname if isinstance(cname, str) and cname.isidentifier() else method_name(op_id, group_source),
            summary=_text(op.get("summary")), description=_text(op.get("description")), params=plist, body=body,
            body_required=body_required, body_media=media, success_status=status, success=success, security=sec,
            scopes=scopes, idempotent=idempotent, paginated=paginated, page_item=page_item,
            page_items_attr=page_attrs[0], page_next_attr=page_attrs[1], idempotency_type=idem_type,
        )

    # ---------------------------------------------------------------- everything
    def build_api(self) -> Api:
        self.reserve_components()
        schemas = (self.doc.get("components") or {}).get("schemas") or {}
        # components first: an inline shape shared with an operation body is named after the component's path
        self.request_side = False
        for k in sorted(schemas):
            ptr = join_pointer("/components/schemas", k)
            if ptr not in self.by_pointer:
                self.ref_type(ptr, schemas[k], [])
        # every component gets a public name: the ones that are no class/union/enum become a TypeAlias
        aliases = []
        for k in sorted(schemas):
            ptr = join_pointer("/components/schemas", k)
            t, name = self.by_pointer.get(ptr), self.named.get(ptr)
            if t is not None and name and t.name != name and t.kind not in ("model", "union", "enum"):
                aliases.append((name, t))
        self.response_ptrs.clear()
        ops = self.operations()
        # enum openness: closed if reachable from a request, open if only from responses
        req = self._reachable(self.request_ptrs)
        # additionalProperties: false is enforced only where a request can carry the object; responses may grow
        resp = self._reachable(self.response_ptrs)
        for m in self.models.values():
            if m.reject_unknown:
                sites = [m.pointer, *m.pointers]
                in_request = any(any(q == p or q.startswith(p + "/") for p in req) or self._inline_request(q)
                                 for q in sites)
                in_response = any(any(q == p or q.startswith(p + "/") for p in resp) or "/responses/" in q
                                  for q in sites)
                m.reject_unknown = in_request or not in_response
        for u in self.unions.values():
            u.reject_unknown = any(any(q == p or q.startswith(p + "/") for p in req) or self._inline_request(q)
                                   for q in [u.pointer, *u.pointers])
        # an identical enum shared by a request and a response is closed in one place and open in the other
        enum_open: dict[str, bool] = {}
        for e in self.enums.values():
            for q in e.pointers:
                enum_open[q] = e.open if e.open is not None else not (
                    any(q == p or q.startswith(p + "/") for p in req) or self._inline_request(q))
        # group and name client methods
        groups: dict[str, list[Operation]] = {}
        for op in ops:
            groups.setdefault(op.group, []).append(op)
        for g, gops in groups.items():
            names = [o.client_name for o in gops]
            for o in gops:
                if not o.client_name or names.count(o.client_name) > 1 or o.client_name in (
                        "with_options",) or o.client_name in ("str", "int", "bool", "float", "dict", "bytes",
                                                               "object", "type"):
                    o.client_name = snake(o.operation_id)
                o.client_name = safe_identifier(o.client_name, {"self"}) if o.client_name != "list" else "list"
                if o.client_name in ("str", "int", "bool", "float", "dict", "bytes", "object", "type"):
                    o.client_name += "_"
        models = sorted(self.models.values(), key=lambda m: m.name)
        return Api(
            title=_text((self.doc.get("info") or {}).get("title")),
            version=_text((self.doc.get("info") or {}).get("version")),
            description=_text((self.doc.get("info") or {}).get("description")),
            ext=self.ext, models=models, enums=sorted(self.enums.values(), key=lambda e: e.name),
            unions=sorted(self.unions.values(), key=lambda u: u.name), operations=ops, enum_open=enum_open,
            groups=sorted(groups.items()), naming=sorted(self.namer.report, key=lambda n: n.pointer),
            warnings=sorted(set(self.warnings)), degraded=sorted(set(self.degraded)),
            aliases=sorted(aliases, key=lambda a: a[0]),
        )

    def _inline_request(self, ptr: str) -> bool:
        return "/requestBody/" in ptr or "/parameters/" in ptr

    def _reachable(self, roots: set[str]) -> set[str]:
        """Component pointers reachable from the request-side roots (following $refs)."""
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            p = stack.pop()
            if p in seen:
                continue
            seen.add(p)
            try:
                node = resolve_pointer(self.doc, p)
            except KeyError:
                continue
            walk = [node]
            while walk:
                n = walk.pop()
                if isinstance(n, dict):
                    r = n.get("$ref")
                    if isinstance(r, str) and r.startswith("#") and r[1:] not in seen:
                        stack.append(r[1:])
                    walk.extend(v for v in n.values() if isinstance(v, (dict, list)))
                elif isinstance(n, list):
                    walk.extend(v for v in n if isinstance(v, (dict, list)))
        # inline schemas of operations: request-side pointers we walked are marked by path
        return seen


def _usable_name(name: Any, reserved: set[str]) -> bool:
    return (isinstance(name, str) and name.isidentifier() and name.isascii() and not keyword.iskeyword(name)
            and not name.startswith("_") and name not in reserved)


def _presence_only(variants: Any) -> bool:
    return (isinstance(variants, list) and bool(variants) and all(
        isinstance(v, dict) and isinstance(v.get("required"), list) and set(v) <= {"required", "description", "title"}
        for v in variants))


def _kind_of_value(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "float"
    if isinstance(v, str):
        return "str"
    return "any"


def _copy(t: TypeRef, **changes: Any) -> TypeRef:
    return replace(t, **changes)


def build_api(doc: dict[str, Any], *, lenient: bool) -> tuple[Api | None, list[SpecError]]:
    b = Builder(doc, lenient=lenient)
    api = b.build_api()
    if b.errors:
        return None, sorted(set(b.errors))
    return api, []


__all__ = ["Api", "build_api", "TypeRef", "ModelDef", "EnumDef", "UnionDef", "Operation", "Param", "Field",
           "Check", "Codes", "singular"]
