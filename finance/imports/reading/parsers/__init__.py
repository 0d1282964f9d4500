"""Statement parsers: one entry point for every supported file format.

``parse(file, filename=..., format=..., mapping=...)`` reads CSV, XLSX, OFX,
QFX, QIF, CAMT.052/053/054 and MT940/MT942 into a
:class:`~finance.imports.reading.statement.Statement`. Files that hold several
accounts are read with :func:`parse_all` (or ``parse(..., account=...)``).
"""

from __future__ import annotations

from typing import BinaryIO

from finance.imports.reading.detection import Detection, detect
from finance.imports.reading.errors import (
    ErrorCode,
    FileTooLarge,
    MappingError,
    MultipleAccounts,
    ParseError,
    UnsupportedFormat,
)
from finance.imports.reading.mapping import ColumnMapping, SignConvention
from finance.imports.reading.parsers.formats import detect_format
from finance.imports.reading.source import read_bytes
from finance.imports.reading.statement import AccountInfo, Balance, Format, RowError, Statement, StatementRow


def _format(data: bytes, filename: str | None, format: str | None) -> Format:
    if format is None:
        return detect_format(data, filename)
    try:
        return Format(format.lower().replace(".", "").replace("-", ""))
    except ValueError:
        choices = ", ".join(f.value for f in Format)
        raise UnsupportedFormat(f"Unknown format {format!r}; supported: {choices}.") from None


def parse_all(
    file: bytes | BinaryIO,
    *,
    filename: str | None = None,
    format: str | None = None,
    mapping: ColumnMapping | None = None,
) -> list[Statement]:
    """Every account statement in the file, one :class:`Statement` per account, in file order."""
    data = read_bytes(file)
    if not data.strip():
        raise ParseError("The file is empty.", code=ErrorCode.EMPTY_FILE)
    fmt = _format(data, filename, format)
    if mapping is not None and fmt not in (Format.CSV, Format.XLSX):
        raise ParseError(
            f"A column mapping applies to CSV and XLSX files, not {fmt.value}.", code=ErrorCode.INVALID_MAPPING
        )
    if fmt in (Format.CSV, Format.XLSX):
        from finance.imports.reading.parsers.tabular import parse_table

        return [parse_table(data, fmt, mapping)]
    if fmt in (Format.OFX, Format.QFX):
        from finance.imports.reading.parsers.ofx import parse_ofx

        return parse_ofx(data, fmt)
    if fmt is Format.QIF:
        from finance.imports.reading.parsers.qif import parse_qif

        return parse_qif(data)
    if fmt in (Format.CAMT052, Format.CAMT053, Format.CAMT054):
        from finance.imports.reading.parsers.camt import parse_camt

        return parse_camt(data, fmt)
    from finance.imports.reading.parsers.swift import parse_swift

    return parse_swift(data, fmt)


def parse(
    file: bytes | BinaryIO,
    *,
    filename: str | None = None,
    format: str | None = None,
    mapping: ColumnMapping | None = None,
    account: str | None = None,
) -> Statement:
    """The statement in ``file``.

    ``format`` overrides detection (``csv``, ``xlsx``, ``ofx``, ``qfx``, ``qif``,
    ``camt053``, ``camt052``, ``camt054``, ``mt940``, ``mt942``); ``mapping``
    overrides CSV/XLSX column detection. A file with statements of several
    accounts needs ``account`` (an IBAN, account id or number as the file
    writes it) or :func:`parse_all`; otherwise :class:`MultipleAccounts`.
    When the file names its account and it is not ``account``, the file is
    refused (``unknown_account``); a file that names no account is accepted.
    """
    statements = parse_all(file, filename=filename, format=format, mapping=mapping)
    if account is not None:
        wanted = account.replace(" ", "").upper()
        for statement in statements:
            ids = (statement.account.iban, statement.account.account_id, statement.account.account_number)
            if any(value and value.replace(" ", "").upper() == wanted for value in ids):
                return statement
        if len(statements) == 1 and statements[0].account.key is None:
            return statements[0]  # the file does not say which account it is (CSV, most QIF): trust the caller
        raise ParseError(f"The file has no statement for account {account!r}.", code=ErrorCode.UNKNOWN_ACCOUNT)
    if len(statements) == 1:
        return statements[0]
    with_rows = [statement for statement in statements if statement.rows or statement.errors]
    if len(with_rows) == 1:
        return with_rows[0]
    raise MultipleAccounts([statement.account.key or "?" for statement in statements])


__all__ = [
    "AccountInfo",
    "Balance",
    "ColumnMapping",
    "Detection",
    "FileTooLarge",
    "Format",
    "MappingError",
    "MultipleAccounts",
    "ParseError",
    "RowError",
    "SignConvention",
    "Statement",
    "StatementRow",
    "UnsupportedFormat",
    "detect",
    "detect_format",
    "parse",
    "parse_all",
]
