"""Domain errors: what a service refuses, with a code and an HTTP status, independent of any transport.

Services raise these; the API's exception handler (``finance.core.api.errors``) turns them into the
one error envelope, the web app (``finance.web.common.errors``) into translated messages next to the
fields, and tasks, commands and tools catch the same types. Nothing here knows DRF.

``code`` is stable and machine-readable (each app lists its own in an ``ErrorCode`` enum; the web
translates every one); ``message`` is the English sentence API clients show.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

# The key of errors that belong to the request as a whole rather than to one field.
NON_FIELD = "non_field_errors"


class ErrorCode(enum.StrEnum):
    """Codes any app may use: the generic refusals of input and state."""

    INVALID = "invalid"
    REQUIRED = "required"
    BLANK = "blank"
    NULL = "null"
    INVALID_CHOICE = "invalid_choice"
    MIN_VALUE = "min_value"
    MAX_VALUE = "max_value"
    MAX_LENGTH = "max_length"
    MAX_DIGITS = "max_digits"
    MAX_DECIMAL_PLACES = "max_decimal_places"
    UNIQUE = "unique"
    DOES_NOT_EXIST = "does_not_exist"
    UNKNOWN_FIELD = "unknown_field"
    INVALID_CURRENCY = "invalid_currency"
    OUT_OF_RANGE = "out_of_range"
    INVALID_RANGE = "invalid_range"
    PARSE_ERROR = "parse_error"
    MAX_DEPTH = "max_depth"
    NULL_CHARACTERS_NOT_ALLOWED = "null_characters_not_allowed"
    SURROGATE_CHARACTERS_NOT_ALLOWED = "surrogate_characters_not_allowed"
    EMPTY = "empty"
    CONFLICT = "conflict"
    PERMISSION_DENIED = "permission_denied"
    NOT_FOUND = "not_found"
    NOT_AUTHENTICATED = "not_authenticated"
    AUTHENTICATION_FAILED = "authentication_failed"
    THROTTLED = "throttled"
    SERVICE_UNAVAILABLE = "service_unavailable"


class DomainError(Exception):
    """Base of every error a service raises on purpose: a message, a code and the HTTP status it means."""

    status: ClassVar[int] = 400
    default_message: ClassVar[str] = "The request could not be completed."
    default_code: ClassVar[str] = ErrorCode.INVALID

    def __init__(self, message: str | None = None, *, code: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        self.code = str(code if code is not None else self.default_code)
        super().__init__(self.message)

    def get_codes(self) -> Any:
        """The code (a field error gives ``{field: [codes]}``), as tests and callers compare them."""
        return self.code


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem with one field's value."""

    message: str
    code: str

    def __str__(self) -> str:
        return self.message


class FieldError(DomainError):
    """Bad input: one or more problems per field, all reported at once (``attr`` in the API's envelope).

    ``FieldError("amount", "Must be greater than zero.", code="min_value")`` for one;
    :class:`FieldErrors` collects several; ``FieldError.of({...})`` wraps a ready mapping. Field names
    of parts are dotted paths (``splits.2.amount``, ``transactions.3.date``).
    """

    default_message: ClassVar[str] = "Invalid input."

    def __init__(self, field: str, message: str, code: str = ErrorCode.INVALID) -> None:
        self.field_errors: dict[str, list[Issue]] = {field: [Issue(message, str(code))]}
        super().__init__(message, code=code)

    @classmethod
    def of(cls, errors: Mapping[str, Sequence[Issue]]) -> FieldError:
        """One error for every problem in ``errors`` (at least one)."""
        field, issues = next((name, list(found)) for name, found in errors.items() if found)
        error = cls(field, issues[0].message, issues[0].code)
        error.field_errors = {name: list(found) for name, found in errors.items() if found}
        return error

    def issues(self) -> Iterator[tuple[str, Issue]]:
        for field, found in self.field_errors.items():
            for issue in found:
                yield field, issue

    def prefixed(self, prefix: str) -> FieldError:
        """The same problems under ``prefix`` (``transactions.3.`` for the fourth row of a bulk call)."""
        return FieldError.of({prefix + name: found for name, found in self.field_errors.items()})

    def get_codes(self) -> dict[str, list[str]]:
        return {field: [issue.code for issue in found] for field, found in self.field_errors.items()}

    def __str__(self) -> str:
        return "; ".join(f"{field}: {issue.message}" for field, issue in self.issues())


class FieldErrors:
    """Collects field errors so a request reports every bad field at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[Issue]] = {}

    def add(self, name: str, message: str, code: str = ErrorCode.INVALID) -> None:
        self.errors.setdefault(name, []).append(Issue(message, str(code)))

    def extend(self, error: FieldError) -> None:
        for name, issue in error.issues():
            self.errors.setdefault(name, []).append(issue)

    def __contains__(self, name: str) -> bool:
        return name in self.errors

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise FieldError.of(self.errors)


class Conflict(DomainError):
    status: ClassVar[int] = 409
    default_message: ClassVar[str] = "The request conflicts with the current state."
    default_code: ClassVar[str] = ErrorCode.CONFLICT


class Forbidden(DomainError):
    status: ClassVar[int] = 403
    default_message: ClassVar[str] = "Your role in this household does not allow this."
    default_code: ClassVar[str] = ErrorCode.PERMISSION_DENIED


class NotFound(DomainError):
    status: ClassVar[int] = 404
    default_message: ClassVar[str] = "Not found."
    default_code: ClassVar[str] = ErrorCode.NOT_FOUND


class Unauthenticated(DomainError):
    """Credentials (a password, a token, a code) were missing, wrong or expired."""

    status: ClassVar[int] = 401
    default_message: ClassVar[str] = "Incorrect authentication credentials."
    default_code: ClassVar[str] = ErrorCode.AUTHENTICATION_FAILED


class RateLimited(DomainError):
    """Too many attempts: try again after ``wait`` seconds (``Retry-After``)."""

    status: ClassVar[int] = 429
    default_message: ClassVar[str] = "Request was throttled."
    default_code: ClassVar[str] = ErrorCode.THROTTLED

    def __init__(self, message: str | None = None, *, code: str | None = None, wait: float | None = None) -> None:
        self.wait = wait
        super().__init__(message, code=code)


class ServiceUnavailable(DomainError):
    """Something the request needs outside this service (a provider, a bank) is not answering."""

    status: ClassVar[int] = 503
    default_message: ClassVar[str] = "A service this request needs is unavailable; try again later."
    default_code: ClassVar[str] = ErrorCode.SERVICE_UNAVAILABLE
