"""Errors raised by the parsing layer.

:class:`ParseError` means the file as a whole cannot be read; problems with
single rows are reported as :class:`~finance.imports.reading.statement.RowError` values
instead, so the caller decides whether to refuse the file or skip those rows.
Both exception classes are domain errors, so the API's one exception handler
renders them in the standard error envelope.
"""

from __future__ import annotations

import enum
from typing import ClassVar

from finance.core.exceptions import DomainError, FieldError, Issue


class ErrorCode(enum.StrEnum):
    """Every code the imports app answers with: refused files and requests, and problems of single rows."""

    ALREADY_REVERTED = "already_reverted"
    CURRENCY_MISMATCH = "currency_mismatch"
    DECISION_REQUIRED = "decision_required"
    DOES_NOT_EXIST = "does_not_exist"
    DUPLICATE_DECISION = "duplicate_decision"
    EMPTY_FILE = "empty_file"
    FILE_TOO_LARGE = "file_too_large"
    FORBIDDEN_XML = "forbidden_xml"
    INACTIVE = "inactive"
    INVALID = "invalid"
    INVALID_AMOUNT = "invalid_amount"
    INVALID_CHOICE = "invalid_choice"
    INVALID_DATE = "invalid_date"
    INVALID_DIRECTION = "invalid_direction"
    INVALID_ENCODING = "invalid_encoding"
    INVALID_FILE = "invalid_file"
    INVALID_INPUT = "invalid_input"
    INVALID_MAPPING = "invalid_mapping"
    INVALID_ROW = "invalid_row"
    INVALID_STATUS = "invalid_status"
    INVALID_VALUE = "invalid_value"
    MAPPING_REQUIRED = "mapping_required"
    MISSING_AMOUNT = "missing_amount"
    MISSING_DATE = "missing_date"
    MISSING_VALUE = "missing_value"
    MULTIPLE_ACCOUNTS = "multiple_accounts"
    NO_MAPPING = "no_mapping"
    NO_STATEMENT = "no_statement"
    NOT_A_TRANSACTION = "not_a_transaction"
    NOT_APPLICABLE = "not_applicable"
    NOT_COMMITTED = "not_committed"
    NULL_CHARACTERS_NOT_ALLOWED = "null_characters_not_allowed"
    REQUIRED = "required"
    SURROGATE_CHARACTERS_NOT_ALLOWED = "surrogate_characters_not_allowed"
    UNKNOWN_ACCOUNT = "unknown_account"
    UNSUPPORTED_FORMAT = "unsupported_format"
    ZERO_AMOUNT = "zero_amount"


class ParseError(DomainError):
    """The file cannot be parsed; ``line`` (1-based) and ``column`` say where, when known.

    ``reason`` is the problem alone; ``message`` adds where it is (what clients see).
    """

    default_message = "The file could not be parsed."
    default_code = ErrorCode.INVALID_FILE
    # The request field the API's envelope names (``attr``) for a file that cannot be read.
    field: ClassVar[str] = "file"

    def __init__(
        self, message: str, *, line: int | None = None, column: str | None = None, code: str = ErrorCode.INVALID_FILE
    ) -> None:
        self.reason = message
        self.line = line
        self.column = column
        where = []
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        super().__init__(f"{message} ({', '.join(where)})" if where else message, code=code)


class UnsupportedFormat(ParseError):
    """The file is not in any supported format (or not in the one asked for)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code=ErrorCode.UNSUPPORTED_FORMAT)


class FileTooLarge(ParseError):
    """The file is over a limit of :mod:`finance.imports.reading.limits`: the one "too large" error, ``file_too_large``.

    Over the byte limit the upload is refused before it is read: 413, as the bounded reader
    (:func:`~finance.imports.reading.source.read_bytes`) raises it. A limit met while reading the content (its
    rows, an XLSX's expanded size) refuses the file like any other that cannot be read: 400.
    """

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message, code=ErrorCode.FILE_TOO_LARGE)
        self.status = status  # type: ignore[misc]  # this error's own, not the class's


class MultipleAccounts(ParseError):
    """The file holds statements of several accounts and none was chosen."""

    def __init__(self, accounts: list[str]) -> None:
        self.accounts = accounts
        super().__init__(
            f"The file holds statements for {len(accounts)} accounts ({', '.join(accounts)}); "
            "choose one with account=..., or use parse_all().",
            code=ErrorCode.MULTIPLE_ACCOUNTS,
        )


class MappingError(FieldError):
    """A column mapping is invalid; ``errors`` lists ``{"field", "detail"}`` items."""

    def __init__(self, errors: list[dict[str, str]]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first["field"], first["detail"], ErrorCode.INVALID)
        self.field_errors = {}
        for error in errors:
            self.field_errors.setdefault(error["field"], []).append(Issue(error["detail"], ErrorCode.INVALID))
