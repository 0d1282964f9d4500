"""Every write of the import pipeline: upload, mapping, commit, revert, discard.

A batch is analysed when it is uploaded (and again when its mapping changes):
each row of the file becomes an :class:`ImportedRow` with its parsed values,
the category it would get and its duplicate status. Commit re-checks
duplicates under a lock on the account (another import may have landed
since), then writes every new transaction and the derived data in one
database transaction: all of the batch, or nothing. Revert deletes exactly
the transactions the batch created through the ledger services.
"""

from __future__ import annotations

import hashlib
import logging
import operator
import os
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.db.models import Q, Sum
from django.db.models.fields.json import KT
from django.utils import timezone
from rest_framework import status as http
from rest_framework.exceptions import ErrorDetail, ValidationError

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core.exceptions import Conflict, DomainError, FieldError
from finance.core.money import ZERO, currency_precision, present, quantum
from finance.households.models import WRITE_ROLES, Household
from finance.households.services import require_role
from finance.imports.categorize import review_threshold, suggest_categories
from finance.imports.matching import duplicates, transfers
from finance.imports.matching.fingerprint import content_key, fingerprints
from finance.imports.models import (
    TABULAR_FORMATS,
    AccountImportMapping,
    ImportBatch,
    ImportedRow,
    ImportStatus,
    LedgerChange,
    RowDecision,
    RowStatus,
)
from finance.imports.reading.errors import MappingError, ParseError
from finance.imports.reading.mapping import ColumnMapping, detect
from finance.imports.reading.parsers import Format, detect_format, parse
from finance.imports.reading.statement import Balance, Statement, StatementRow
from finance.ledger import services as ledger
from finance.ledger.bulk import in_lists
from finance.ledger.models import Account, Transaction, TransactionType

logger = logging.getLogger(__name__)

MAX_STORED_ERRORS = 1000
_MAX_INTEGER_DIGITS = 18  # MoneyField: 28 digits, 10 after the point


class UploadTooLarge(DomainError):
    status_code = http.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The file is too large."
    default_code = "file_too_large"


# --- Progress (read by the API while a background commit runs) -----------------------------------


def _progress_key(batch_id: uuid.UUID) -> str:
    return f"import-progress:{batch_id}"


def report_progress(batch_id: uuid.UUID, value: float) -> None:
    """Progress of a running commit. It lives in the cache: the commit's own writes are invisible until it ends."""
    cache.set(_progress_key(batch_id), round(max(0.0, min(1.0, value)), 3), timeout=6 * 3600)


def read_progress(batch_id: uuid.UUID) -> float | None:
    value = cache.get(_progress_key(batch_id))
    return float(value) if value is not None else None


# --- Reading the file -----------------------------------------------------------------------------


def _format_of(data: bytes, filename: str, given: str | None) -> Format:
    if given:
        return Format(given)
    return detect_format(data, filename or None)


def _read_file(batch: ImportBatch) -> bytes:
    with batch.file.open("rb") as handle:
        data: bytes = handle.read()
    return data


def _parse(batch: ImportBatch, data: bytes, mapping: ColumnMapping | None) -> Statement:
    return parse(
        data,
        filename=batch.filename or None,
        format=batch.format,
        mapping=mapping,
        account=batch.statement_account or None,
    )


# --- Analysis: statement → staged rows ------------------------------------------------------------


def _balance_dict(balance: Balance | None) -> dict[str, Any] | None:
    if balance is None:
        return None
    return {
        "amount": str(balance.amount),
        "date": balance.date.isoformat() if balance.date else None,
        "currency": balance.currency,
    }


def _statement_summary(statement: Statement) -> dict[str, Any]:
    info = statement.account
    return {
        "account": {
            "iban": info.iban,
            "account_id": info.account_id,
            "account_number": info.account_number,
            "bank_id": info.bank_id,
            "name": info.name,
        },
        "currency": statement.currency,
        "opening_balance": _balance_dict(statement.opening_balance),
        "closing_balance": _balance_dict(statement.closing_balance),
        "period_start": statement.period_start.isoformat() if statement.period_start else None,
        "period_end": statement.period_end.isoformat() if statement.period_end else None,
        "statement_id": statement.statement_id,
        "encoding": statement.encoding,
    }


def _parsed_values(row: StatementRow, currency: str | None) -> dict[str, Any]:
    return {
        "date": row.date.isoformat(),
        "posted_date": row.posted_date.isoformat() if row.posted_date else None,
        "amount": str(row.amount),
        "currency": (row.currency or currency or "").upper() or None,
        "payee": row.payee,
        "description": row.description,
        "notes": row.notes,
        "reference": row.reference,
        "provider_id": row.provider_id,
        "check_number": row.check_number,
        "category": row.category,
        "transaction_type": row.transaction_type,
        "balance": str(row.balance) if row.balance is not None else None,
        "is_pending": row.is_pending,
    }


def _row_problems(row: StatementRow, account: Account, statement_currency: str | None) -> list[dict[str, Any]]:
    """Why a readable row still cannot become a transaction of this account."""
    problems = []
    currency = (row.currency or statement_currency or account.currency).upper()
    if currency != account.currency:
        problems.append(
            {
                "column": "currency",
                "code": "currency_mismatch",
                "detail": f"The row is in {currency}; the account is in {account.currency}.",
                "value": currency,
            }
        )
    amount = row.amount
    if amount == 0:
        problems.append({"column": "amount", "code": "zero_amount", "detail": "The amount is zero.", "value": "0"})
    elif abs(amount) >= _TOO_LARGE:
        problems.append(
            {"column": "amount", "code": "invalid_amount", "detail": "The amount is too large.", "value": str(amount)}
        )
    elif amount != amount.quantize(quantum(account.currency)):
        problems.append(
            {
                "column": "amount",
                "code": "invalid_amount",
                "detail": f"{account.currency} amounts have at most {currency_precision(account.currency)} "
                "decimal places.",
                "value": str(amount),
            }
        )
    return problems


_TOO_LARGE = Decimal(10) ** _MAX_INTEGER_DIGITS


def _text(value: str | None) -> str:
    return value or ""


@dataclass(slots=True, eq=False)
class StagedRow:
    """An :class:`ImportedRow` as the pipeline works on it: plain values, no model instance (100k rows a file).

    The fields up to ``transfer_reason`` are, in order, what :func:`_staged_rows` reads back.
    """

    id: uuid.UUID
    row_number: int
    status: str
    decision: str = ""
    provider_id: str = ""
    fingerprint: str = ""
    check_number: str = ""
    date: date | None = None
    amount: Decimal | None = None
    parsed: dict[str, Any] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    category_id: uuid.UUID | None = None
    categorization_source: str = ""
    categorization_confidence: Decimal | None = None
    transaction_id: uuid.UUID | None = None
    candidate_id: uuid.UUID | None = None
    match_score: Decimal | None = None
    match_reason: str = ""
    transfer_candidate_id: uuid.UUID | None = None
    transfer_suggested: bool = False
    transfer_reason: str = ""
    raw: dict[str, Any] = field(default_factory=dict)  # written when staged, not read back

    @property
    def pk(self) -> uuid.UUID:
        return self.id


_READ_BACK = tuple(name for name in StagedRow.__dataclass_fields__ if name != "raw")
# What commit reads of a row's parsed values: taken out of the JSON by the database (decoding 100k documents in
# Python was most of reading the rows back).
_PARSED_FOR_COMMIT = ("payee", "description", "notes", "reference", "check_number", "posted_date", "is_pending")
_PARSED_AT = _READ_BACK.index("parsed")


# --- What the analysis saw (PostgreSQL): a commit skips its re-check when nothing it reads has changed since -------

CHANGE_LOG_DAYS = 7  # LedgerChange rows are kept this long
TRUST_ANALYSIS_DAYS = 1  # an older analysis is re-checked whatever the log says


@dataclass(frozen=True)
class _Seen:
    xact: int
    snapshot: str


def _seen_now() -> _Seen | None:
    """This transaction's id and snapshot, taken before reading: every change the reads that follow may have missed
    is one its snapshot does not see."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint, pg_current_snapshot()::text")
        xact, snapshot = cursor.fetchone()
    return _Seen(xact, snapshot)


def _remember(batch: ImportBatch, seen: _Seen | None) -> None:
    batch.analysed_xact = seen.xact if seen else None
    batch.analysed_snapshot = seen.snapshot if seen else ""
    batch.analysed_at = timezone.now()


def _unchanged_since_analysis(batch: ImportBatch) -> bool:
    """No write the batch's analysis could not see has touched the household's transactions, splits, accounts,
    rates or imported rows since (the triggers of migration 0004 log every such statement)."""
    if connection.vendor != "postgresql" or not batch.analysed_snapshot or batch.analysed_xact is None:
        return False
    if batch.analysed_at is None or timezone.now() - batch.analysed_at > timedelta(days=TRUST_ANALYSIS_DAYS):
        return False
    with connection.cursor() as cursor:
        # The analysis's own writes (its rows) come after its snapshot: they are left out by its id, which is
        # sound once that transaction has ended; within it (one atomic block doing both) nothing is skipped.
        cursor.execute(
            "SELECT pg_current_xact_id_if_assigned()::text::bigint IS DISTINCT FROM %s"
            " AND NOT EXISTS (SELECT 1 FROM imports_ledgerchange WHERE household_id = %s AND xact <> %s"
            " AND NOT pg_visible_in_snapshot(xact::text::xid8, %s::pg_snapshot))",
            [batch.analysed_xact, batch.household_id, batch.analysed_xact, batch.analysed_snapshot],
        )
        unchanged: bool = cursor.fetchone()[0]
    return unchanged


def prune_change_log() -> int:
    """Delete the change log's rows older than ``CHANGE_LOG_DAYS``; returns how many."""
    deleted, _ = LedgerChange.objects.filter(created_at__lt=timezone.now() - timedelta(days=CHANGE_LOG_DAYS)).delete()
    return deleted


def _stage(batch: ImportBatch, statement: Statement) -> None:
    """Replace the batch's rows by the analysis of ``statement``: values, problems, category, duplicate status."""
    account = batch.account
    _remember(batch, _seen_now())
    prune_change_log()
    ImportedRow.objects.filter(batch=batch).delete()
    good: list[StatementRow] = []
    staged: list[StagedRow] = []
    errors: list[dict[str, Any]] = []
    for row in statement.rows:
        problems = _row_problems(row, account, statement.currency)
        item = StagedRow(
            id=uuid.uuid4(),
            row_number=row.row_number,
            status=RowStatus.INVALID if problems else RowStatus.NEW,
            provider_id=_text(row.provider_id)[:200],
            check_number=_text(row.check_number)[:40],
            date=row.date,
            amount=row.amount,
            raw=dict(row.raw),
            parsed=_parsed_values(row, statement.currency or account.currency),
            errors=problems,
        )
        staged.append(item)
        if problems:
            errors.extend({"row": row.row_number, **problem} for problem in problems)
        else:
            good.append(row)
    for failure in statement.errors:
        staged.append(
            StagedRow(
                id=uuid.uuid4(),
                row_number=failure.row_number,
                status=RowStatus.INVALID,
                errors=[
                    {"column": failure.column, "code": failure.code, "detail": failure.reason, "value": failure.value}
                ],
            )
        )
        errors.append(
            {
                "row": failure.row_number,
                "column": failure.column,
                "code": failure.code,
                "detail": failure.reason,
                "value": failure.value,
            }
        )

    readable = [item for item in staged if item.status == RowStatus.NEW]
    prints = fingerprints(account.id, (content_key(r.date, r.amount, r.payee, r.description) for r in good))
    for item, fp in zip(readable, prints, strict=True):
        item.fingerprint = fp
    _classify(batch, readable)
    _find_transfers(batch, readable)
    for item, suggestion in zip(readable, suggest_categories(batch.household, good), strict=True):
        item.category_id = suggestion.category_id
        item.categorization_source = suggestion.source
        item.categorization_confidence = suggestion.confidence

    staged.sort(key=lambda item: item.row_number)
    _unique_row_numbers(staged)
    _insert_rows(batch, staged)
    errors.sort(key=lambda e: e["row"])
    batch.statement = _statement_summary(statement)
    batch.errors = errors[:MAX_STORED_ERRORS]
    batch.warnings = list(statement.warnings)[:100]
    batch.rows_total = len(staged)
    _count(batch, staged)


def _insert_rows(batch: ImportBatch, rows: Sequence[StagedRow]) -> None:
    """COPY the rows as plain tuples: building 100k model instances was most of the upload's time."""
    from finance.ledger.bulk import copy_insert

    now = timezone.now()
    common = (batch.household_id, batch.id, batch.account_id, now, now)
    names = tuple(StagedRow.__dataclass_fields__)
    values = operator.attrgetter(*names)
    copy_insert(
        ImportedRow,
        [common + values(row) for row in rows],
        columns=("household_id", "batch_id", "account_id", "created_at", "updated_at", *names),
    )


def _unique_row_numbers(rows: list[StagedRow]) -> None:
    """Row numbers are the file's lines; an entry that parsers report twice keeps the first and moves on."""
    seen: set[int] = set()
    for row in rows:
        while row.row_number in seen:
            row.row_number += 1
        seen.add(row.row_number)


def _row_key(row: StagedRow) -> duplicates.RowKey:
    assert row.date is not None and row.amount is not None
    parsed = row.parsed
    return duplicates.RowKey(
        date=row.date,
        amount=row.amount,
        text=parsed.get("payee") or parsed.get("description") or "",
        fingerprint=row.fingerprint,
        provider_id=row.provider_id,
        check_number=row.check_number,
    )


def _classify(batch: ImportBatch, rows: Sequence[StagedRow]) -> list[StagedRow]:
    """Set each readable row's duplicate status; returns the rows whose status or match changed."""
    found = duplicates.classify(account=batch.account, rows=[_row_key(r) for r in rows], exclude_batch_id=batch.id)
    changed = []
    for row, match in zip(rows, found, strict=True):
        before = (row.status, row.transaction_id, row.candidate_id)
        row.status = match.status
        row.transaction_id = match.transaction_id
        row.candidate_id = match.candidate_id
        row.match_score = match.score
        row.match_reason = match.reason
        if (row.status, row.transaction_id, row.candidate_id) != before:
            changed.append(row)
    return changed


def _find_transfers(batch: ImportBatch, rows: Sequence[StagedRow]) -> list[StagedRow]:
    """Mark each new row that may be one side of a transfer with another account; returns the rows that changed."""
    keys = [
        transfers.TransferRow(
            row.date, row.amount, " ".join(t for t in (row.parsed.get("payee"), row.parsed.get("description")) if t)
        )
        if row.status == RowStatus.NEW and row.date is not None and row.amount is not None
        else None
        for row in rows
    ]
    changed = []
    for row, match in zip(rows, transfers.find(account=batch.account, rows=keys), strict=True):
        before = row.transfer_candidate_id
        row.transfer_candidate_id = match.transaction_id if match else None
        row.transfer_suggested = bool(match and match.suggested)
        row.transfer_reason = match.reason if match else ""
        if row.transfer_candidate_id != before:
            changed.append(row)
    return changed


def _links_transfer(row: StagedRow) -> bool:
    """The row becomes the other side of an existing transaction: accepted, or suggested and not declined."""
    return (
        row.status == RowStatus.NEW
        and row.transfer_candidate_id is not None
        and (row.decision == RowDecision.TRANSFER or (not row.decision and row.transfer_suggested))
    )


def _count(batch: ImportBatch, rows: Sequence[StagedRow]) -> None:
    counts = dict.fromkeys(RowStatus.values, 0)
    transfers_found = 0
    for row in rows:
        counts[row.status] += 1
        if row.status == RowStatus.NEW and row.transfer_candidate_id is not None:
            transfers_found += 1
    batch.possible_transfers = transfers_found
    batch.rows_new = counts[RowStatus.NEW]
    batch.duplicates = counts[RowStatus.DUPLICATE]
    batch.possible_duplicates = counts[RowStatus.POSSIBLE_DUPLICATE]
    batch.rows_invalid = counts[RowStatus.INVALID]


# --- Upload and mapping ---------------------------------------------------------------------------


def _detect_and_parse(batch: ImportBatch, data: bytes) -> Statement | None:
    """For CSV/XLSX: propose a mapping, reuse the account's saved one when it fits, and parse with it."""
    detection = detect(data, filename=batch.filename or None, format=batch.format)
    batch.detected = detection.to_dict()
    saved = AccountImportMapping.objects.filter(account=batch.account, format=batch.format).first()
    if saved is not None:
        try:
            mapping = ColumnMapping.from_dict(saved.mapping)
            statement = _parse(batch, data, mapping)
        except (MappingError, ParseError) as exc:
            batch.warnings = [f"The mapping saved for this account does not fit this file ({exc}); detected anew."]
        else:
            batch.mapping = mapping.to_dict()
            batch.mapping_source = "saved"
            batch.status = ImportStatus.MAPPED
            return statement
    if detection.mapping is None:
        batch.mapping = None
        batch.mapping_source = ""
        return None
    batch.mapping = detection.mapping.to_dict()
    batch.mapping_source = "detected"
    try:
        return _parse(batch, data, detection.mapping)
    except (MappingError, ParseError) as exc:
        batch.warnings = [*batch.warnings, f"The detected mapping could not read the file: {exc}"]
        return None


@transaction.atomic
def import_upload(
    *,
    household: Household,
    actor: Any,
    account: Account,
    file: Any,
    filename: str = "",
    format: str | None = None,
    statement_account: str = "",
) -> ImportBatch:
    """Store an uploaded statement for ``account`` and analyse it.

    Files that need no column mapping (OFX, QFX, QIF, CAMT, MT940), and
    CSV/XLSX files read with the mapping saved for the account, are ``mapped``:
    ready to preview and commit. Other CSV/XLSX files are ``uploaded`` with the
    detected mapping proposed, to be confirmed or changed with
    :func:`import_set_mapping`. A file that cannot be read at all is refused
    (``ParseError``) and nothing is stored.
    """
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    if account.household_id != household.id:
        raise FieldError("account", "Not found in this household.", code="does_not_exist")
    if not account.is_active:
        raise FieldError("account", "This account is archived.", code="inactive")
    limit = int(settings.IMPORT_MAX_UPLOAD_BYTES)
    size = getattr(file, "size", None)
    if size is not None and size > limit:
        raise UploadTooLarge(f"The file is larger than {limit // (1024 * 1024)} MiB.")
    data = file.read(limit + 1) if hasattr(file, "read") else bytes(file)
    if len(data) > limit:
        raise UploadTooLarge(f"The file is larger than {limit // (1024 * 1024)} MiB.")
    if not data.strip():
        raise ParseError("The file is empty.", code="empty_file")
    filename = os.path.basename(filename or getattr(file, "name", "") or "")[:255]
    fmt = _format_of(data, filename, format)

    batch = ImportBatch(
        household=household,
        account=account,
        created_by=actor,
        filename=filename,
        file_size=len(data),
        file_sha256=hashlib.sha256(data).hexdigest(),
        format=fmt.value,
        statement_account=statement_account.strip()[:100],
    )
    if fmt in TABULAR_FORMATS:
        statement = _detect_and_parse(batch, data)
    else:
        statement = _parse(batch, data, None)
        batch.status = ImportStatus.MAPPED
    extension = os.path.splitext(filename)[1].lower()[:10] or f".{fmt.value}"
    batch.file.save(f"{uuid.uuid4().hex}{extension}", ContentFile(data), save=False)
    batch.save(force_insert=True)
    if statement is not None:
        _stage(batch, statement)
        batch.save()
    return batch


def _lock(batch: ImportBatch) -> ImportBatch:
    return ImportBatch.objects.select_for_update().select_related("account", "household").get(pk=batch.pk)


@transaction.atomic
def import_set_mapping(
    *,
    batch: ImportBatch,
    actor: Any,
    mapping: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
) -> ImportBatch:
    """Confirm or change a CSV/XLSX batch's column mapping and analyse the file again with it.

    ``mapping`` replaces the whole mapping; ``overrides`` changes some fields of
    the current (or given) one; neither confirms the current one. Bad fields
    raise :class:`MappingError`, whose errors name the field.
    """
    require_role(household=batch.household, actor=actor, roles=WRITE_ROLES)
    batch = _lock(batch)
    if batch.status not in (ImportStatus.UPLOADED, ImportStatus.MAPPED, ImportStatus.FAILED):
        raise Conflict(f"A {batch.status} batch cannot change its mapping.", code="invalid_status")
    if batch.format not in TABULAR_FORMATS:
        raise FieldError("mapping", f"{batch.format.upper()} files have no column mapping.", code="not_applicable")
    confirming = mapping is None and not overrides and batch.mapping and batch.status != ImportStatus.FAILED
    if confirming and ImportedRow.objects.filter(batch=batch).exists():
        # Confirming the proposal the rows were already analysed with: nothing to read again.
        batch.status = ImportStatus.MAPPED
        batch.mapping_source = "user"
        batch.save()
        return batch
    if mapping is not None:
        chosen = ColumnMapping.from_dict(mapping)
    elif batch.mapping:
        chosen = ColumnMapping.from_dict(batch.mapping)
    else:
        raise FieldError("mapping", "No mapping could be detected for this file: give a whole mapping.", "required")
    if overrides:
        chosen = chosen.with_overrides(**overrides)
    statement = _parse(batch, _read_file(batch), chosen)
    batch.mapping = chosen.to_dict()
    batch.mapping_source = "user" if (mapping is not None or overrides) else batch.mapping_source
    batch.status = ImportStatus.MAPPED
    batch.failure = ""
    _stage(batch, statement)
    batch.save()
    return batch


# --- Commit ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    row: int
    action: str


def _staged_rows(batch: ImportBatch) -> list[StagedRow]:
    """The batch's rows in file order, read as plain values: ``raw`` is not needed to commit, and on PostgreSQL of
    ``parsed`` only the values a transaction takes (:data:`_PARSED_FOR_COMMIT`)."""
    if connection.vendor != "postgresql":  # SQLite's JSON text of null and of the string "null" are alike
        return [
            StagedRow(*values)
            for values in ImportedRow.objects.filter(batch=batch).order_by("row_number").values_list(*_READ_BACK)
        ]
    texts = {f"parsed_{key}": KT(f"parsed__{key}") for key in _PARSED_FOR_COMMIT}
    columns = [name for name in _READ_BACK if name != "parsed"]
    rows = ImportedRow.objects.filter(batch=batch).order_by("row_number").annotate(**texts)
    staged = []
    for values in rows.values_list(*columns, *texts):
        own = list(values[: len(columns)])
        parsed = dict(zip(_PARSED_FOR_COMMIT, values[len(columns) :], strict=True))
        if parsed["is_pending"] is not None:
            parsed["is_pending"] = parsed["is_pending"] == "true"  # ->> gives JSON true as 'true'
        own.insert(_PARSED_AT, parsed)
        staged.append(StagedRow(*own))
    return staged


def _apply_decisions(rows: Sequence[StagedRow], decisions: Sequence[Decision]) -> None:
    by_number = {row.row_number: row for row in rows}
    errors: dict[str, list[ErrorDetail]] = {}
    seen: set[int] = set()
    for i, decision in enumerate(decisions):
        row = by_number.get(decision.row)
        if row is None:
            errors[f"decisions.{i}.row"] = [ErrorDetail(f"The file has no row {decision.row}.", code="does_not_exist")]
            continue
        if decision.row in seen:
            errors[f"decisions.{i}.row"] = [ErrorDetail("One decision per row.", code="duplicate_decision")]
            continue
        seen.add(decision.row)
        if decision.action not in RowDecision.values:
            errors[f"decisions.{i}.action"] = [ErrorDetail("Choose import, skip or merge.", code="invalid_choice")]
        elif row.status in (RowStatus.DUPLICATE, RowStatus.INVALID):
            errors[f"decisions.{i}.action"] = [
                ErrorDetail(f"Row {decision.row} is {row.status.replace('_', ' ')}: it cannot be decided.", "invalid")
            ]
        elif decision.action == RowDecision.MERGE and row.status != RowStatus.POSSIBLE_DUPLICATE:
            errors[f"decisions.{i}.action"] = [
                ErrorDetail(f"Row {decision.row} has no possible duplicate to merge into.", code="invalid")
            ]
        elif decision.action == RowDecision.TRANSFER and (
            row.status != RowStatus.NEW or row.transfer_candidate_id is None
        ):
            errors[f"decisions.{i}.action"] = [
                ErrorDetail(f"Row {decision.row} has no possible transfer to link.", code="invalid")
            ]
        else:
            row.decision = decision.action
    if errors:
        raise ValidationError(errors)


def _check_ready(batch: ImportBatch, rows: Sequence[StagedRow], skip_invalid: bool) -> list[StagedRow]:
    """Re-check duplicates now (under the account lock) and refuse what still needs the user; returns changed rows.

    On PostgreSQL the re-check is skipped when nothing it reads has changed since the analysis (its answer would be
    the same); either way the batch then counts as analysed now.
    """
    seen = _seen_now()
    changed: list[StagedRow] = []
    if not _unchanged_since_analysis(batch):
        readable = [row for row in rows if row.status != RowStatus.INVALID]
        found = _classify(batch, readable)
        for row in found:
            # A merge was decided about another state of the account (its target may be gone or another now):
            # it needs deciding again. Import and skip hold whatever the row matches: a refused commit rolls back
            # what its re-check found, so the next request, deciding on what the refusal named, must be able to land.
            if row.decision == RowDecision.MERGE:
                row.decision = ""
        moved = _find_transfers(batch, readable)
        for row in moved:
            if row.decision == RowDecision.TRANSFER:  # the transaction it was to link is gone or taken
                row.decision = ""
        changed = list({row.id: row for row in [*found, *moved]}.values())
    _remember(batch, seen)
    errors: dict[str, list[ErrorDetail]] = {}
    if not skip_invalid:
        for row in rows:
            if row.status == RowStatus.INVALID:
                errors[f"rows.{row.row_number}"] = [
                    ErrorDetail(
                        f"Row {row.row_number}"
                        + (f", column {e['column']!r}" if e.get("column") else "")
                        + f": {e['detail']}",
                        code=e.get("code") or "invalid_row",
                    )
                    for e in row.errors
                ]
    for row in rows:
        if row.status == RowStatus.POSSIBLE_DUPLICATE and not row.decision:
            errors.setdefault(f"rows.{row.row_number}", []).append(
                ErrorDetail(
                    f"Row {row.row_number} may repeat transaction {row.candidate_id}: {row.match_reason} "
                    "Decide import, skip or merge.",
                    code="decision_required",
                )
            )
    if errors:
        raise ValidationError(errors)
    return changed


def _to_import(rows: Sequence[StagedRow]) -> list[StagedRow]:
    return [
        row
        for row in rows
        if (row.status == RowStatus.NEW and row.decision != RowDecision.SKIP and not _links_transfer(row))
        or (row.status == RowStatus.POSSIBLE_DUPLICATE and row.decision == RowDecision.IMPORT)
    ]


@transaction.atomic
def import_commit(
    *,
    batch: ImportBatch,
    actor: Any,
    skip_invalid: bool = False,
    decisions: Sequence[Decision] = (),
) -> ImportBatch:
    """Import the batch's new rows, all or nothing.

    Refused (``ValidationError``, one error per row as ``rows.<row>``) while
    any row could not be read, unless ``skip_invalid``, and while any possible
    duplicate has no decision. Decisions: ``import`` (keep both), ``skip``, or
    ``merge`` (link the row to its possible duplicate; a pending one becomes
    posted with the row's amount). More than ``IMPORT_ASYNC_ROWS`` rows are
    committed by a Celery task: the batch is ``processing`` until it ends.
    """
    require_role(household=batch.household, actor=actor, roles=WRITE_ROLES)
    batch = _lock(batch)
    if batch.status in (ImportStatus.COMMITTED, ImportStatus.REVERTED, ImportStatus.PROCESSING):
        raise Conflict(f"This batch is already {batch.status}.", code="invalid_status")
    if batch.status == ImportStatus.UPLOADED:
        raise Conflict("Confirm the column mapping first (POST mapping/).", code="mapping_required")
    Account.objects.select_for_update().filter(pk=batch.account_id).first()
    rows = _staged_rows(batch)
    _apply_decisions(rows, decisions)
    changed = _check_ready(batch, rows, skip_invalid)
    batch.skip_invalid = skip_invalid
    if len(_to_import(rows)) > int(settings.IMPORT_ASYNC_ROWS):
        _save_row_states(rows, changed, decided=bool(decisions))
        batch.status = ImportStatus.PROCESSING
        batch.failure = ""
        batch.save()
        report_progress(batch.id, 0.0)
        from finance.imports.tasks import commit_import

        actor_id = getattr(actor, "pk", None)
        transaction.on_commit(lambda: commit_import.delay(str(batch.id), str(actor_id) if actor_id else None))
        return batch
    _execute(batch, actor, rows, changed)
    return batch


@transaction.atomic
def import_commit_run(*, batch: ImportBatch, actor: Any) -> ImportBatch:
    """The background half of a large commit (called by the task): the same checks, then the writes."""
    batch = _lock(batch)
    if batch.status != ImportStatus.PROCESSING:
        raise Conflict(f"This batch is {batch.status}, not processing.", code="invalid_status")
    require_role(household=batch.household, actor=actor, roles=WRITE_ROLES)
    Account.objects.select_for_update().filter(pk=batch.account_id).first()
    rows = _staged_rows(batch)
    changed = _check_ready(batch, rows, batch.skip_invalid)
    _execute(batch, actor, rows, changed)
    return batch


def import_mark_failed(*, batch_id: uuid.UUID, reason: str) -> None:
    """Record why a background commit failed (its own writes were all rolled back)."""
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch_id, status=ImportStatus.PROCESSING).update(
            status=ImportStatus.FAILED, failure=reason[:5000], updated_at=timezone.now()
        )
    cache.delete(_progress_key(batch_id))


def _save_row_states(rows: Sequence[StagedRow], changed: Sequence[StagedRow], *, decided: bool) -> None:
    names = [
        "status",
        "decision",
        "transaction_id",
        "candidate_id",
        "match_score",
        "match_reason",
        "transfer_candidate_id",
        "transfer_suggested",
        "transfer_reason",
    ]
    ImportedRow.objects.bulk_update(
        [ImportedRow(id=row.id, **{name: getattr(row, name) for name in names}) for row in changed],
        names,
        batch_size=1000,
    )
    if not decided:
        return
    # The decisions of rows the re-check left as they were: one UPDATE per kind of decision.
    touched = {row.id for row in changed}
    by_decision: dict[str, list[uuid.UUID]] = {}
    for row in rows:
        if row.decision and row.id not in touched:
            by_decision.setdefault(row.decision, []).append(row.id)
    for decision, ids in by_decision.items():
        for part in in_lists(ids):
            ImportedRow.objects.filter(pk__in=part).update(decision=decision)


def _build_transaction(batch: ImportBatch, row: StagedRow, threshold: Decimal) -> ledger.NewTransaction:
    assert row.amount is not None and row.date is not None
    parsed = row.parsed
    confidence = row.categorization_confidence
    needs_review = row.category_id is None or confidence is None or confidence < threshold
    posted = parsed.get("posted_date")
    return ledger.NewTransaction(
        id=row.id,  # a row and the transaction it created share their id: linking them is one UPDATE
        household_id=batch.household_id,
        account_id=batch.account_id,
        type=TransactionType.EXPENSE if row.amount < 0 else TransactionType.INCOME,
        amount=abs(row.amount),
        currency=batch.account.currency,
        date=row.date,
        posted_date=date.fromisoformat(posted) if posted else None,
        category_id=row.category_id,
        payee=(parsed.get("payee") or "").strip()[:200],
        description=(parsed.get("description") or "").strip()[:500],
        notes=(parsed.get("notes") or "").strip(),
        reference_number=(parsed.get("check_number") or parsed.get("reference") or "").strip()[:100],
        is_pending=bool(parsed.get("is_pending")),
        needs_review=needs_review,
        categorization_source=row.categorization_source,
        categorization_confidence=confidence,
        import_batch=batch.id,
    )


def _execute(batch: ImportBatch, actor: Any, rows: Sequence[StagedRow], changed: Sequence[StagedRow]) -> None:
    _save_row_states(rows, changed, decided=True)
    creating = _to_import(rows)
    threshold = review_threshold()
    txns = [_build_transaction(batch, row, threshold) for row in creating]
    report_progress(batch.id, 0.05)
    ledger.transactions_load(
        household=batch.household,
        actor=actor,
        txns=txns,
        progress=lambda share: report_progress(batch.id, 0.05 + 0.8 * share),
    )
    linking = [row for row in rows if _links_transfer(row)]
    for row in linking:  # few per file; each goes through the ledger's update so derived data follows
        _link_transfer(batch, actor, row)
    linked = ImportedRow.objects.filter(batch=batch)
    # Only the status changes (an imported row's transaction has the row's id): a HOT update, in place.
    linked.filter(
        Q(status=RowStatus.NEW) & ~Q(decision=RowDecision.SKIP)
        | Q(status=RowStatus.POSSIBLE_DUPLICATE, decision=RowDecision.IMPORT)
    ).update(status=RowStatus.IMPORTED)
    linked.filter(status__in=(RowStatus.NEW, RowStatus.POSSIBLE_DUPLICATE), decision=RowDecision.SKIP).update(
        status=RowStatus.SKIPPED
    )
    merged = [r for r in rows if r.status == RowStatus.POSSIBLE_DUPLICATE and r.decision == RowDecision.MERGE]
    for row in merged:
        _merge(batch, actor, row)
    report_progress(batch.id, 0.9)

    batch.rows_imported = len(creating)
    batch.rows_merged = len(merged)
    batch.rows_transferred = len(linking)
    batch.rows_skipped = sum(1 for r in rows if r.decision == RowDecision.SKIP) + (
        batch.rows_invalid if batch.skip_invalid else 0
    )
    _count(batch, rows)
    batch.balance_check = balance_check(batch)
    batch.status = ImportStatus.COMMITTED
    batch.committed_at = timezone.now()
    batch.failure = ""
    batch.save()
    audit_record(
        action=AuditAction.IMPORT_COMMIT,
        actor=actor,
        household=batch.household_id,
        target=batch,
        changes={
            "format": batch.format,
            "rows_imported": batch.rows_imported,
            "rows_merged": batch.rows_merged,
            "rows_transferred": batch.rows_transferred,
            "rows_skipped": batch.rows_skipped,
        },
    )
    if batch.format in TABULAR_FORMATS and batch.mapping:
        AccountImportMapping.objects.update_or_create(
            account_id=batch.account_id,
            format=batch.format,
            defaults={"household_id": batch.household_id, "mapping": batch.mapping},
        )
    report_progress(batch.id, 1.0)


def _merge(batch: ImportBatch, actor: Any, row: StagedRow) -> None:
    """Link the row to its possible duplicate; a pending transaction takes the posted row's amount and dates."""
    assert row.candidate_id is not None and row.amount is not None
    target = Transaction.objects.select_related("household").get(pk=row.candidate_id, household_id=batch.household_id)
    if target.is_pending and row.parsed.get("is_pending") is not True:
        changes: dict[str, Any] = {"is_pending": False}
        if target.type != TransactionType.TRANSFER and target.amount != abs(row.amount):
            changes["amount"] = abs(row.amount)
        posted = row.parsed.get("posted_date")
        if posted:
            changes["posted_date"] = date.fromisoformat(posted)
        ledger.transaction_update(txn=target, actor=actor, **changes)
    ImportedRow.objects.filter(pk=row.pk).update(status=RowStatus.MERGED, transaction_id=target.id)
    row.status = RowStatus.MERGED


def _link_transfer(batch: ImportBatch, actor: Any, row: StagedRow) -> None:
    """Turn the other account's matching income or expense into one transfer with this account.

    Money out of this account (the other side is an income there) → a transfer from this account to the other;
    money in (the other side is an expense there) → a transfer from the other account to this one. What the
    transaction was is kept on the row, so a revert restores it.
    """
    assert row.transfer_candidate_id is not None and row.amount is not None
    target = Transaction.objects.select_related("household", "account").get(
        pk=row.transfer_candidate_id, household_id=batch.household_id
    )
    previous = {
        "type": target.type,
        "account": str(target.account_id),
        "category": str(target.category_id) if target.category_id else None,
        "amount": str(target.amount),
    }
    # Each side keeps its own currency's amount: the transfer's amount is in its account's currency and
    # transfer_amount in the receiving account's (they differ for accounts in two currencies).
    changes: dict[str, Any] = {"type": TransactionType.TRANSFER}
    if row.amount < 0:
        changes.update(
            account=batch.account,
            amount=abs(row.amount),
            transfer_account=target.account,
            transfer_amount=target.amount,
        )
    else:
        changes.update(transfer_account=batch.account, transfer_amount=abs(row.amount))
    ledger.transaction_update(txn=target, actor=actor, **changes)
    ImportedRow.objects.filter(pk=row.pk).update(
        status=RowStatus.TRANSFER, transaction_id=target.id, transfer_previous=previous
    )
    row.status = RowStatus.TRANSFER


def _unlink_transfers(batch: ImportBatch, actor: Any) -> None:
    """Give the transactions the batch turned into transfers back their earlier type, account and category."""
    from finance.ledger.models import Category

    linked = ImportedRow.objects.filter(batch=batch, status=RowStatus.TRANSFER, transaction__isnull=False)
    for txn_id, previous in linked.values_list("transaction_id", "transfer_previous"):
        txn = Transaction.objects.select_related("household").filter(pk=txn_id, household_id=batch.household_id)
        target = txn.first()
        if target is None or not previous or target.type != TransactionType.TRANSFER:
            continue  # changed by hand since: left as it is now
        category = Category.objects.filter(pk=previous["category"]).first() if previous.get("category") else None
        restore: dict[str, Any] = {
            "type": previous["type"],
            "account": Account.objects.get(pk=previous["account"], household_id=batch.household_id),
            "category": category,
        }
        if previous.get("amount") is not None:  # rows linked before the amount was kept restore without it
            restore["amount"] = Decimal(previous["amount"])
        ledger.transaction_update(txn=target, actor=actor, **restore)


# --- Balance check --------------------------------------------------------------------------------


def balance_check(batch: ImportBatch) -> dict[str, Any] | None:
    """The file's closing balance against the account's computed balance on the same day (after import)."""
    closing = (batch.statement or {}).get("closing_balance")
    if not closing:
        return None
    account = Account.objects.get(pk=batch.account_id)
    if (closing.get("currency") or account.currency).upper() != account.currency:
        batch.warnings = [
            *batch.warnings,
            f"The file's closing balance is in {closing['currency']}, the account in {account.currency}: "
            "balances not compared.",
        ]
        return None
    statement_balance = Decimal(closing["amount"])
    as_of_text = closing.get("date") or batch.statement.get("period_end")
    if as_of_text is None:
        last = ImportedRow.objects.filter(batch=batch, date__isnull=False).order_by("-date").first()
        as_of_text = last.date.isoformat() if last and last.date else None
    as_of = date.fromisoformat(as_of_text) if as_of_text else None
    outgoing = Transaction.objects.filter(account=account)
    incoming = Transaction.objects.filter(transfer_account=account)
    if as_of is not None:
        outgoing = outgoing.filter(date__lte=as_of)
        incoming = incoming.filter(date__lte=as_of)
    flows = outgoing.aggregate(
        income=Sum("amount", filter=Q(type=TransactionType.INCOME)),
        out=Sum("amount", filter=~Q(type=TransactionType.INCOME)),
    )
    received = incoming.aggregate(total=Sum("transfer_amount"))["total"] or ZERO
    computed = account.opening_balance + (flows["income"] or ZERO) - (flows["out"] or ZERO) + received
    difference = statement_balance - computed
    currency = account.currency
    return {
        "statement_balance": present(statement_balance, currency),
        "computed_balance": present(computed, currency),
        "difference": present(difference, currency),
        "as_of": as_of.isoformat() if as_of else None,
        "currency": currency,
        "matches": difference == 0,
    }


# --- Revert and discard ---------------------------------------------------------------------------


@transaction.atomic
def import_revert(*, batch: ImportBatch, actor: Any) -> ImportBatch:
    """Delete the transactions the batch created (not those it merged into), with their derived data.

    The rows stay, marked ``reverted``, so the history of the file is kept;
    reverting twice is a conflict.
    """
    require_role(household=batch.household, actor=actor, roles=WRITE_ROLES)
    batch = _lock(batch)
    if batch.status == ImportStatus.REVERTED:
        raise Conflict("This batch was already reverted.", code="already_reverted")
    if batch.status != ImportStatus.COMMITTED:
        raise Conflict(f"Only a committed batch can be reverted; this one is {batch.status}.", code="not_committed")
    # Set-based: the batch's rows let go of their transactions in one UPDATE (before the delete, so the
    # ledger's SET NULL only touches rows of other batches), then one DELETE with its effects.
    _unlink_transfers(batch, actor)
    ImportedRow.objects.filter(
        batch=batch, status__in=(RowStatus.IMPORTED, RowStatus.MERGED, RowStatus.SKIPPED, RowStatus.TRANSFER)
    ).update(status=RowStatus.REVERTED, transaction=None)
    deleted = ledger.transactions_delete_where(household=batch.household, actor=actor, where=Q(import_batch=batch.id))
    batch.status = ImportStatus.REVERTED
    batch.reverted_at = timezone.now()
    batch.save()
    audit_record(
        action=AuditAction.IMPORT_REVERT,
        actor=actor,
        household=batch.household_id,
        target=batch,
        changes={"transactions_deleted": deleted},
    )
    return batch


@transaction.atomic
def import_discard(*, batch: ImportBatch, actor: Any) -> None:
    """Delete a batch that was never committed, with its stored file."""
    require_role(household=batch.household, actor=actor, roles=WRITE_ROLES)
    batch = _lock(batch)
    if batch.status in (ImportStatus.COMMITTED, ImportStatus.PROCESSING):
        raise Conflict(f"A {batch.status} batch cannot be deleted; revert it instead.", code="invalid_status")
    if batch.status == ImportStatus.REVERTED:
        raise Conflict("A reverted batch is kept as the history of its rows.", code="invalid_status")
    name = batch.file.name
    storage = batch.file.storage
    batch.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
