"""The spec-derived settings the runtime reads, with generic values: only for type-checking the runtime in the
generator's own tree. The generator never copies this file; it renders each package's own `_config.py` from
flint_generator/templates/package/_config.py.jinja."""

from __future__ import annotations

import decimal as _dec

VALIDATION_ERROR_TYPE = "invalid_request"
CODES: dict[str, str] = {
    "malformed_body": "MALFORMED_BODY",
    "type": "INVALID_TYPE",
    "required": "FIELD_REQUIRED",
    "unknown_field": "UNKNOWN_FIELD",
    "value": "INVALID_VALUE",
    "parameter": "INVALID_PARAMETER",
    "body_too_large": "PAYLOAD_TOO_LARGE",
    "unsupported_media_type": "UNSUPPORTED_MEDIA_TYPE",
    "not_found": "RESOURCE_NOT_FOUND",
    "method_not_allowed": "METHOD_NOT_ALLOWED",
    "internal": "INTERNAL_ERROR",
}
MAX_BODY_BYTES = 1048576
MAX_DEPTH = 32
REQUEST_ID_HEADER = "x-request-id"
IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_POINTER: str | None = None
REQUEST_ID_POINTER: str | None = None
ECHO_CALLER_REQUEST_ID: bool = False
REPLAYED_HEADER: str | None = None
ECHO_IDEMPOTENCY_KEY: bool = False
ERROR_TYPES: dict[str, str] = {"400": "invalid_request", "default": "invalid_request_error"}
CONFLICT_ERROR_TYPE: str | None = "idempotency_error"
DOC_URL: str | None = None
ERROR_SOURCES: dict[str, str] = {}
OMIT_NULL: tuple[str, ...] = ()
DEFAULT_BASE_URL = "http://localhost"
AUTH_HEADER: str | None = "Authorization"
AUTH_PREFIX = "Bearer "
# the client: environment variables are <ENV_PREFIX>_API_KEY, _BASE_URL, _LOG; the API version pinned in a header
ENV_PREFIX = "API"
INFO_VERSION = "1"
API_VERSION_HEADER: str | None = None
API_VERSION: str | None = None
# what JSON numbers that are not integers parse to
NUMBER: type = _dec.Decimal
KEY_MODES: dict[str, str] = {"test": "flint_test_", "live": "flint_live_"}
