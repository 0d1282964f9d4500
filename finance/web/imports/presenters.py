"""How the import screens present batches and rows: labels, counts and each preview row's values.

Nothing here decides anything about an import: the values come from the
imports app's selectors and from what its analysis stored on the batch and
its rows (the selectors' row view shapes a row's category, duplicate and
transfer for the API and these pages alike). This module only turns them into
what the templates show, with translated labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from finance.core.exceptions import Issue
from finance.imports.models import ImportBatch, ImportedRow, ImportStatus, RowStatus
from finance.imports.reading.errors import ParseError
from finance.imports.selectors import batch_progress, row_category, row_duplicate_of, row_transfer
from finance.web.common.errors import MESSAGES, message_for

BATCH_STATUS_LABELS: dict[str, Promise] = {
    ImportStatus.UPLOADED: _("Column mapping not confirmed yet"),
    ImportStatus.MAPPED: _("Ready to import"),
    ImportStatus.PROCESSING: _("Importing…"),
    ImportStatus.COMMITTED: _("Imported"),
    ImportStatus.FAILED: _("Failed"),
    ImportStatus.REVERTED: _("Undone"),
}

ROW_STATUS_LABELS: dict[str, Promise] = {
    RowStatus.NEW: _("New"),
    RowStatus.DUPLICATE: _("Duplicate, skipped"),
    RowStatus.POSSIBLE_DUPLICATE: _("Possible duplicate"),
    RowStatus.INVALID: _("Cannot be read"),
    RowStatus.IMPORTED: _("Imported"),
    RowStatus.MERGED: _("Merged"),
    RowStatus.SKIPPED: _("Skipped"),
    RowStatus.TRANSFER: _("Transfer"),
    RowStatus.REVERTED: _("Undone"),
}

# Why a row cannot be imported, per error code (the row codes outside the imports' ErrorCode too); other codes
# show the web's message for the code (finance.web.common.errors), else the service's own text.
ROW_REASONS: dict[str, Promise] = {
    "invalid_date": _("Not a date this file's date format can read."),
    "missing_date": _("The date is missing."),
    "invalid_amount": _("Not a valid amount."),
    "missing_amount": _("The amount is missing."),
    "zero_amount": _("The amount is zero."),
    "currency_mismatch": _("The row is in another currency than the account."),
    "invalid_direction": _("The debit/credit marker cannot be read."),
}

# Why an upload was refused, in this screen's words, per ParseError code; other codes show the web's message for
# the code (with the line it was met on), else the parser's own text.
UPLOAD_ERRORS: dict[str, Promise] = {
    "empty_file": _("The file is empty."),
    "file_too_large": _("The file is larger than 50 MiB."),
    "unknown_account": _("The file does not hold a statement of that account."),
    "multiple_accounts": _(
        "The file holds statements of several accounts (%(accounts)s): "
        "enter the one to import under “Account in the file”."
    ),
}

CATEGORY_SOURCES: dict[str, Promise] = {
    "user": _("from the file"),
    "history": _("from earlier transactions"),
    "rule": _("from a rule"),
    "model": _("suggested"),
}


def upload_error(exc: ParseError) -> tuple[str, str]:
    """The form field an upload refusal belongs to, and its message in the person's language."""
    code = exc.code
    field_name = "statement_account" if code in ("multiple_accounts", "unknown_account") else "file"
    message = UPLOAD_ERRORS.get(code)
    if message is not None:
        return field_name, str(message) % {"accounts": ", ".join(getattr(exc, "accounts", []))}
    if code not in MESSAGES:
        return field_name, exc.message  # the parser's own text, which says where
    if exc.line is None:
        return field_name, message_for(exc)
    return field_name, _("Line %(line)s: %(problem)s") % {"line": exc.line, "problem": message_for(exc)}


def next_step(batch: ImportBatch, writer: bool = True) -> str:
    """Where a batch continues: its mapping while unconfirmed, its preview while ready, else its page.

    People who only read see the preview instead of the mapping form.
    """
    if batch.status == ImportStatus.UPLOADED:
        return "web:import-mapping" if writer else "web:import-preview"
    if batch.status in (ImportStatus.MAPPED, ImportStatus.FAILED):
        return "web:import-preview"
    return "web:import-detail"


def batch_summary(batch: ImportBatch, writer: bool = True) -> dict[str, Any]:
    """What every import page shows of its batch."""
    return {
        "batch": batch,
        "status_label": batch_status_label(batch),
        "counts": batch_counts(batch),
        "facts": statement_facts(batch),
        "check": balance_check(batch),
        "progress": batch_progress(batch),
        "next_step": next_step(batch, writer),
    }


def batch_status_label(batch: ImportBatch) -> str:
    return str(BATCH_STATUS_LABELS.get(batch.status, batch.status))


@dataclass(frozen=True)
class Counts:
    """The list's three figures: rows that are (or would be) new, duplicates, and skipped or unreadable rows."""

    new: int
    duplicates: int
    skipped: int


def batch_counts(batch: ImportBatch) -> Counts:
    if batch.status in (ImportStatus.COMMITTED, ImportStatus.REVERTED):
        return Counts(batch.rows_imported + batch.rows_merged, batch.duplicates, batch.rows_skipped)
    return Counts(batch.rows_new, batch.duplicates + batch.possible_duplicates, batch.rows_invalid)


def row_reason(error: dict[str, Any]) -> str:
    """One stored row error as a sentence in the person's language."""
    return message_for(Issue(str(error.get("detail") or ""), error.get("code") or ""), ROW_REASONS)


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str


def row_errors(batch: ImportBatch) -> list[RowError]:
    """The batch's unreadable rows: row number, column, the value and why."""
    return [
        RowError(int(e["row"]), e.get("column") or "", e.get("value") or "", row_reason(e)) for e in batch.errors or []
    ]


@dataclass
class Duplicate:
    transaction_id: Any
    date: date | None
    amount: Decimal | None
    payee: str
    score: float | None
    reason: str


@dataclass
class Transfer:
    """The transaction of another account a row may be the other side of."""

    account_name: str
    date: date | None
    amount: Decimal | None  # as the other account recorded it, in its currency
    currency: str
    payee: str
    suggested: bool  # linked unless the user declines
    linked: bool  # committed as that transfer
    reason: str


@dataclass
class PreviewRow:
    number: int
    status: str
    status_label: str
    decision: str
    date: date | None
    amount: Decimal | None
    payee: str
    description: str
    category: str
    category_source: str
    needs_review: bool
    duplicate: Duplicate | None
    errors: list[RowError] = field(default_factory=list)
    transfer: Transfer | None = None


def preview_row(row: ImportedRow) -> PreviewRow:
    parsed = row.parsed or {}
    category = row_category(row)
    found = row_duplicate_of(row)
    duplicate = None
    if found is not None:
        duplicate = Duplicate(
            transaction_id=found["transaction"],
            date=found["date"],
            amount=Decimal(found["amount"]) if found["amount"] is not None else None,
            payee=found["payee"] or "",
            score=found["score"],
            reason=found["reason"],
        )
    payee = parsed.get("payee") or ""
    description = parsed.get("description") or ""
    other = row_transfer(row)
    transfer = None
    if other is not None:
        transfer = Transfer(
            account_name=other["account_name"] or "",
            date=other["date"],
            amount=Decimal(other["amount"]) if other["amount"] is not None else None,
            currency=other["currency"] or "",
            payee=other["payee"] or "",
            suggested=bool(other["suggested"]),
            linked=bool(other["linked"]),
            reason=other["reason"] or "",
        )
    return PreviewRow(
        number=row.row_number,
        status=row.status,
        status_label=str(ROW_STATUS_LABELS.get(row.status, row.status)),
        decision=row.decision,
        date=row.date,
        amount=row.amount,
        payee=payee or description,
        description=description if payee else "",
        category=category["name"] if category else "",
        category_source=str(CATEGORY_SOURCES.get(category["source"], "")) if category else "",
        needs_review=bool(category and category["needs_review"]),
        duplicate=duplicate,
        errors=[
            RowError(row.row_number, e.get("column") or "", e.get("value") or "", row_reason(e)) for e in row.errors
        ],
        transfer=transfer,
    )


def statement_facts(batch: ImportBatch) -> dict[str, Any]:
    """What the file said about itself (account numbers, currency, period, closing balance), for the summary."""
    statement = batch.statement or {}
    account = statement.get("account") or {}
    closing = statement.get("closing_balance") or None
    numbers = (account.get("iban"), account.get("account_number") or account.get("account_id"))
    return {
        "account_ids": [v for v in numbers if v],
        "account_name": account.get("name") or "",
        "currency": statement.get("currency") or "",
        "period_start": date.fromisoformat(statement["period_start"]) if statement.get("period_start") else None,
        "period_end": date.fromisoformat(statement["period_end"]) if statement.get("period_end") else None,
        "closing_amount": Decimal(closing["amount"]) if closing else None,
        "closing_currency": (closing.get("currency") or batch.account.currency) if closing else "",
        "closing_date": date.fromisoformat(closing["date"]) if closing and closing.get("date") else None,
    }


def balance_check(batch: ImportBatch) -> dict[str, Any] | None:
    """The stored balance check with Decimal amounts (the service stores them as text)."""
    check = batch.balance_check
    if not check:
        return None
    return {
        "statement_balance": Decimal(check["statement_balance"]),
        "computed_balance": Decimal(check["computed_balance"]),
        "difference": Decimal(check["difference"]),
        "as_of": date.fromisoformat(check["as_of"]) if check.get("as_of") else None,
        "currency": check["currency"],
        "matches": bool(check["matches"]),
    }
