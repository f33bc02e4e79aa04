"""Domain errors raised by the business rules; the service layer turns them into the generated `ApiError`."""

from __future__ import annotations

from typing import Any

from flint_api.server import error_type as error_type  # the spec's x-error-envelope table: an error's type follows its status


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


def found(doc: dict[str, Any] | None, kind: str, id: str, param: str | None = None) -> dict[str, Any]:
    """A looked-up document, or 404 RESOURCE_NOT_FOUND when there is none."""
    if doc is None:
        raise not_found(kind, id, param)
    return doc


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
