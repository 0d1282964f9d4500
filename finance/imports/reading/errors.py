"""Errors raised by the parsing layer.

:class:`ParseError` means the file as a whole cannot be read; problems with
single rows are reported as :class:`~finance.imports.reading.statement.RowError` values
instead, so the caller decides whether to refuse the file or skip those rows.
Both exception classes are domain errors, so the API's one exception handler
renders them in the standard error envelope.
"""

from __future__ import annotations

from rest_framework import status
from rest_framework.exceptions import ErrorDetail, ValidationError

from finance.core.exceptions import DomainError


class ParseError(DomainError):
    """The file cannot be parsed; ``line`` (1-based) and ``column`` say where, when known."""

    default_detail = "The file could not be parsed."
    default_code = "invalid_file"

    def __init__(
        self, message: str, *, line: int | None = None, column: str | None = None, code: str = "invalid_file"
    ) -> None:
        self.message = message
        self.code = code
        self.line = line
        self.column = column
        where = []
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        text = f"{message} ({', '.join(where)})" if where else message
        super().__init__(detail=text, code=code)

    def __str__(self) -> str:
        return str(self.detail)


class UnsupportedFormat(ParseError):
    """The file is not in any supported format (or not in the one asked for)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="unsupported_format")


class FileTooLarge(ParseError):
    """The file is over a limit of :mod:`finance.imports.reading.limits`: the one "too large" error, ``file_too_large``.

    Over the byte limit the upload is refused before it is read: 413, as the bounded reader
    (:func:`~finance.imports.reading.source.read_bytes`) raises it. A limit met while reading the content (its
    rows, an XLSX's expanded size) refuses the file like any other that cannot be read: 400.
    """

    def __init__(self, message: str, *, status_code: int = status.HTTP_400_BAD_REQUEST) -> None:
        super().__init__(message, code="file_too_large")
        self.status_code = status_code


class MultipleAccounts(ParseError):
    """The file holds statements of several accounts and none was chosen."""

    def __init__(self, accounts: list[str]) -> None:
        self.accounts = accounts
        super().__init__(
            f"The file holds statements for {len(accounts)} accounts ({', '.join(accounts)}); "
            "choose one with account=..., or use parse_all().",
            code="multiple_accounts",
        )


class MappingError(ValidationError):
    """A column mapping is invalid; ``errors`` lists ``{"field", "detail"}`` items."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        detail: dict[str, list[ErrorDetail]] = {}
        for error in errors:
            detail.setdefault(error["field"], []).append(ErrorDetail(error["detail"], code="invalid"))
        super().__init__(detail)
