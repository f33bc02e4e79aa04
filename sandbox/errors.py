"""Domain errors raised by the business rules; the service layer turns them into the generated `ApiError`."""

from __future__ import annotations

TYPES = {
    400: "validation_error",
    401: "authentication_error",
    403: "authorization_error",
    404: "not_found_error",
    409: "conflict_error",
    413: "invalid_request_error",
    415: "invalid_request_error",
    500: "api_error",
}


class DomainError(Exception):
    def __init__(self, status: int, code: str, message: str, param: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.param = param

    @property
    def type(self) -> str:
        if self.code.startswith("IDEMPOTENCY_"):
            return "idempotency_error"
        return TYPES.get(self.status, "api_error")


def not_found(kind: str, id: str, param: str | None = None) -> DomainError:
    return DomainError(404, "RESOURCE_NOT_FOUND", f"No such {kind}: {id}", param)


def invalid(code: str, message: str, param: str | None = None) -> DomainError:
    return DomainError(400, code, message, param)


def conflict(code: str, message: str) -> DomainError:
    return DomainError(409, code, message)
