"""Domain errors: a small hierarchy, each with a code and an HTTP status.

Services raise these; the API's single exception handler
(drf-standardized-errors) turns them into the error envelope, so web views,
tasks and tools can catch the same types.
"""

from __future__ import annotations

from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail


class DomainError(exceptions.APIException):
    """Base of every error a service raises on purpose."""

    status_code: int = status.HTTP_400_BAD_REQUEST
    default_detail = "The request could not be completed."
    default_code = "invalid"


class FieldError(exceptions.ValidationError):
    """Bad input for one field: reported with the field name in ``attr``."""

    def __init__(self, field: str, message: str, code: str = "invalid") -> None:
        super().__init__({field: [ErrorDetail(message, code=code)]})


class Conflict(DomainError):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state."
    default_code = "conflict"


class Forbidden(DomainError):
    status_code = status.HTTP_403_FORBIDDEN
    default_detail = "Your role in this household does not allow this."
    default_code = "permission_denied"


class NotFound(DomainError):
    status_code = status.HTTP_404_NOT_FOUND
    default_detail = "Not found."
    default_code = "not_found"


class ServiceUnavailable(DomainError):
    """Something the request needs outside this service (a provider, a bank) is not answering."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service this request needs is unavailable; try again later."
    default_code = "service_unavailable"


class FieldErrors:
    """Collects field errors so a request reports every bad field at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[ErrorDetail]] = {}

    def add(self, name: str, message: str, code: str = "invalid") -> None:
        self.errors.setdefault(name, []).append(ErrorDetail(message, code=code))

    def __contains__(self, name: str) -> bool:
        return name in self.errors

    def raise_if_any(self) -> None:
        if self.errors:
            raise exceptions.ValidationError(self.errors)
