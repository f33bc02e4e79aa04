"""The IR's types: what one pass over the validated document produces for the plan and the templates.

Error codes are resolved statically, following DESIGN.md's precedence: for each check the chain of schemas that
encloses it inside one class is known, so its code is `x-error-codes[keyword]` of the innermost schema that has
one, else `x-error-code` of the innermost schema that has one, else None. When a class is used under a property
that itself declares codes, the reference carries `recode` so the outer codes fill in what the inner class left
open.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flint_generator.naming import NameEntry
from flint_generator.errors import SpecError

# TypeRef.kind: the scalars, then the named and container kinds
# "decimal": `type: number` (exact, decimal.Decimal); "float": `type: number` with `format: float` or `double`
SCALAR_KINDS = ("str", "int", "float", "decimal", "bool", "datetime", "date", "any", "none", "file")
KINDS = SCALAR_KINDS + ("enum", "model", "union", "list", "map")


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
    kind: str  # str int float decimal bool datetime date any none enum model union list map
    nullable: bool = False
    checks: list[Check] = field(default_factory=list)
    type_code: str | None = None
    name: str | None = None  # enum / model / union class name
    item: TypeRef | None = None  # list item or map value
    recode: Codes | None = None
    enum_ptr: str | None = None  # enum kind: pointer of the place it is used (usage.py decides open/closed there)
    value_code: str | None = None  # enum kind: code when the value is not a member


@dataclass
class EnumDef:
    name: str
    pointer: str
    members: list[tuple[str, str]]  # (python name, value)
    description: str
    declared: bool | None  # x-flint-enum: True open, False closed, None left to usage (Api.enum_open)
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
    # serialization (OpenAPI `style` / `explode`): query form/spaceDelimited/pipeDelimited/deepObject, path simple
    style: str = "form"
    explode: bool = True


@dataclass
class Pagination:
    """How a list operation pages (ir/pagination.py decides)."""

    style: str  # cursor | link | offset | page
    items_attr: str  # Python name of the list field of the page; "" when the body itself is the list
    item: TypeRef
    token_param: str | None  # wire name of the query parameter the iterator sets (cursor / offset / page)
    next_attr: str  # cursor: the next-cursor field; link: the next-URL field ("" = the Link header)
    size_param: str | None = None  # the page-size parameter (a page shorter than it is the last)
    total_attr: str = ""  # offset: a total-count field


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
    pagination: Pagination | None = None
    idempotency_type: TypeRef | None = None  # schema of the declared idempotency header (checked by the stub)
    success_media: str = "application/json"  # not JSON: the success body is bytes (or str for text/*)


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
    auth_header: str | None = None  # None: the spec declares no scheme one key can fill; no credentials sent
    auth_prefix: str = ""
    key_modes: dict[str, str] = field(default_factory=dict)  # x-api-key-modes: mode -> key prefix
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
    # x-api-version: a header sent on every client call with a pinned value (None: no pin)
    api_version_header: str | None = None
    api_version: str | None = None
    # x-money: the money schema's name, its amount and currency properties, minor-unit exponent by currency,
    # and whether the amount may be negative (None: no money helper)
    money: dict[str, Any] | None = None


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
    # enum use-site pointer -> open?  The one decision (usage.py): declared x-flint-enum, else closed where a
    # request can carry it, open where only responses do
    enum_open: dict[str, bool] = field(default_factory=dict)
    # components that are neither a class nor a union (free-form objects, maps, scalars, lists): a TypeAlias
    aliases: list[tuple[str, TypeRef]] = field(default_factory=list)

