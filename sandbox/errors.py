"""Domain errors raised by the business rules; the service layer turns them into the generated `ApiError`."""

from __future__ import annotations

# The official mapping: an error's `type` is fixed by its HTTP status (idempotency conflicts are conflict_error).
TYPES = {
    400: "validation_error",
    401: "authentication_error",
    402: "payment_error",
    403: "authorization_error",
    404: "not_found_error",
    405: "invalid_request_error",
    409: "conflict_error",
    410: "invalid_request_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    422: "validation_error",
    429: "rate_limit_error",
    502: "external_service_error",
    503: "unavailable_error",
    504: "timeout_error",
}


def error_type(status: int) -> str:
    return TYPES.get(status, "internal_error")


class DomainError(Exception):
    def __init__(self, status: int, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param

    @property
    def type(self) -> str:
        return error_type(self.status)


def not_found(kind: str, id: str, param: str | None = None) -> DomainError:
    return DomainError(404, "RESOURCE_NOT_FOUND", f"No such {kind}: {id}", param)


def invalid(code: str, message: str, param: str | None = None) -> DomainError:
    return DomainError(400, code, message, param)


def conflict(code: str, message: str, param: str | None = None) -> DomainError:
    return DomainError(409, code, message, param)


RESERVED_METADATA_PREFIX = "flint_"


def reject_reserved_metadata(metadata: object, param: str = "metadata") -> None:
    """Metadata keys starting with flint_ are Flint's own: 400 RESERVED_METADATA_KEY (also in a patch)."""
    if isinstance(metadata, dict):
        for k in metadata:
            if isinstance(k, str) and k.startswith(RESERVED_METADATA_PREFIX):
                raise invalid("RESERVED_METADATA_KEY", f"Metadata keys starting with {RESERVED_METADATA_PREFIX}"
                              " are reserved", f"{param}.{k}")
