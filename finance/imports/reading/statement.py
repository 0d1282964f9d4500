"""What every parser returns: a :class:`Statement` of :class:`StatementRow` values.

Amounts are :class:`~decimal.Decimal` and signed from the account holder's
point of view: negative is money out of the account, positive is money in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from finance.imports.reading.errors import ErrorCode

if TYPE_CHECKING:
    from finance.imports.reading.mapping import ColumnMapping


class Format(StrEnum):
    """The file formats the parsers read."""

    CSV = "csv"
    XLSX = "xlsx"
    OFX = "ofx"
    QFX = "qfx"
    QIF = "qif"
    CAMT053 = "camt053"
    CAMT052 = "camt052"
    CAMT054 = "camt054"
    MT940 = "mt940"
    MT942 = "mt942"


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """The account a statement belongs to, as far as the file says."""

    account_id: str | None = None
    account_number: str | None = None
    iban: str | None = None
    bank_id: str | None = None
    branch_id: str | None = None
    name: str | None = None
    account_type: str | None = None

    @property
    def key(self) -> str | None:
        """The most specific identifier the file gives (IBAN, else account id, else number)."""
        return self.iban or self.account_id or self.account_number


@dataclass(frozen=True, slots=True)
class Balance:
    """A balance the file states, with the date it applies to when the file says."""

    amount: Decimal
    date: dt.date | None = None
    currency: str | None = None


@dataclass(frozen=True, slots=True)
class RowError:
    """One row that could not be read; the rest of the file still parsed."""

    row_number: int
    reason: str
    column: str | None = None
    value: str | None = None
    code: str = ErrorCode.INVALID_ROW

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One transaction line of a statement.

    ``row_number`` is the 1-based line of the source file where the entry starts
    (the sheet row for XLSX). ``provider_id`` is the bank's own identifier of the
    transaction (OFX FITID, CAMT entry/end-to-end reference, MT940 bank
    reference) for duplicate detection. ``raw`` keeps the original values.
    """

    row_number: int
    date: dt.date
    amount: Decimal
    currency: str | None = None
    posted_date: dt.date | None = None
    payee: str | None = None
    description: str | None = None
    notes: str | None = None
    reference: str | None = None
    provider_id: str | None = None
    check_number: str | None = None
    category: str | None = None
    transaction_type: str | None = None
    balance: Decimal | None = None
    is_pending: bool | None = None
    raw: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Statement:
    """A parsed statement of one account.

    ``errors`` lists rows that could not be read (they are not in ``rows``);
    ``warnings`` lists file-level oddities that did not stop the parse.
    ``mapping`` is the column mapping used for CSV/XLSX, to save and reuse.
    """

    format: Format
    rows: list[StatementRow]
    account: AccountInfo = field(default_factory=AccountInfo)
    currency: str | None = None
    opening_balance: Balance | None = None
    closing_balance: Balance | None = None
    available_balance: Balance | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    statement_id: str | None = None
    encoding: str | None = None
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    mapping: ColumnMapping | None = None
