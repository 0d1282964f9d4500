"""The import pipeline up to the commit: upload, analysis, the column mapping, and discarding a batch.

A batch is analysed when it is uploaded (and again when its mapping changes):
each row of the file becomes an :class:`ImportedRow` with its parsed values,
the category it would get and its duplicate and transfer status. The commit
(:mod:`finance.imports.commit`) re-checks with the same steps under a lock on
the account; :mod:`finance.imports.revert` undoes a commit.
"""

from __future__ import annotations

import hashlib
import json
import operator
import os
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, models, transaction
from django.utils import timezone

from finance.core.dates import date_problem
from finance.core.exceptions import Conflict, FieldError
from finance.core.ids import ordered_ids
from finance.core.memory import collector_paused
from finance.core.money import amount_problem
from finance.core.text import text_problem
from finance.core.wording import article, capitalized
from finance.households.models import WRITE_ROLES, Household
from finance.households.services import require_role
from finance.imports import freshness
from finance.imports.categorize import CategorySuggestions
from finance.imports.matching import duplicates, transfers
from finance.imports.matching.fingerprint import content_key, fingerprints
from finance.imports.models import (
    TABULAR_FORMATS,
    AccountImportMapping,
    ImportBatch,
    ImportedRow,
    ImportStatus,
    RowStatus,
)
from finance.imports.reading.detection import detect
from finance.imports.reading.errors import ErrorCode, MappingError, ParseError
from finance.imports.reading.mapping import ColumnMapping
from finance.imports.reading.parsers import Format, detect_format, parse
from finance.imports.reading.source import read_bytes
from finance.imports.reading.statement import Balance, Statement, StatementRow
from finance.ledger.bulk import copy_insert
from finance.ledger.models import Account
from finance.users.models import User

MAX_STORED_ERRORS = 1000


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
                "code": ErrorCode.CURRENCY_MISMATCH,
                "detail": f"The row is in {currency}; the account is in {account.currency}.",
                "value": currency,
            }
        )
    if (late := date_problem(row.date)) is not None:
        problems.append(
            {"column": "date", "code": ErrorCode.INVALID_DATE, "detail": late.message, "value": str(row.date)}
        )
    amount = row.amount
    if amount == 0:
        problems.append(
            {"column": "amount", "code": ErrorCode.ZERO_AMOUNT, "detail": "The amount is zero.", "value": "0"}
        )
    elif (problem := amount_problem(amount, account.currency)) is not None:
        # The rule every amount entering the ledger follows (finance.core.money): stored exactly on both databases.
        problems.append(
            {"column": "amount", "code": ErrorCode.INVALID_AMOUNT, "detail": problem.message, "value": str(amount)}
        )
    return problems


def _text(value: str | None) -> str:
    return value or ""


@dataclass(slots=True, eq=False)
class StagedRow:
    """An :class:`ImportedRow` as the pipeline works on it: plain values, no model instance (100k rows a file).

    The fields up to ``transfer_reason`` are, in order, what :func:`finance.imports.commit._staged_rows` reads back.
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


def _stage(batch: ImportBatch, statement: Statement) -> None:
    """Replace the batch's rows by the analysis of ``statement``: values, problems, category, duplicate status."""
    account = batch.account
    freshness.remember(batch, freshness.seen_now())
    freshness.prune_change_log()
    ImportedRow.objects.filter(batch=batch).delete()
    good: list[StatementRow] = []
    staged: list[StagedRow] = []
    errors: list[dict[str, Any]] = []
    # Time-ordered keys (finance.core.ids): the rows, and the transactions that take their ids, are written 100k
    # at a time into large tables.
    ids = iter(ordered_ids(len(statement.rows) + len(statement.errors)))
    for row in statement.rows:
        problems = _row_problems(row, account, statement.currency)
        item = StagedRow(
            id=next(ids),
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
                id=next(ids),
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
    classify_rows(batch, readable)
    find_transfers(batch, readable)
    suggestions = CategorySuggestions(batch.household, good)  # reads all it needs now, suggests part by part
    _unique_row_numbers(sorted(staged, key=lambda item: item.row_number))
    # Rows are written while the next part is categorized: the database takes in one part while this process
    # works out the next, on the machine's other core.
    _insert_rows(batch, _categorized(staged, readable, suggestions))
    errors.sort(key=lambda e: e["row"])
    batch.statement = _statement_summary(statement)
    batch.errors = errors[:MAX_STORED_ERRORS]
    batch.warnings = list(statement.warnings)[:100]
    batch.rows_total = len(staged)
    count_rows(batch, staged)


CATEGORIZE_PART = 5000


def _categorized(
    staged: Sequence[StagedRow], readable: Sequence[StagedRow], suggestions: CategorySuggestions
) -> Iterator[StagedRow]:
    """``staged`` in order, each readable row (``readable`` is a part of ``staged``, in its order, as are the
    suggestions' rows) with its category, ``CATEGORIZE_PART`` readable rows categorized at a time."""
    done = position = 0
    for item in staged:
        if position < len(readable) and item is readable[position]:
            if position == done:
                end = min(done + CATEGORIZE_PART, len(readable))
                for row, suggestion in zip(readable[done:end], suggestions.part(done, end), strict=True):
                    row.category_id = suggestion.category_id
                    row.categorization_source = suggestion.source
                    row.categorization_confidence = suggestion.confidence
                done = end
            position += 1
        yield item


_COMMON = ("household_id", "batch_id", "account_id", "created_at", "updated_at")
_STAGED = tuple(StagedRow.__dataclass_fields__)


def _insert_rows(batch: ImportBatch, rows: Iterable[StagedRow]) -> None:
    """COPY the rows as plain tuples: building 100k model instances was most of the upload's time."""
    now = timezone.now()
    common = (batch.household_id, batch.id, batch.account_id, now, now)
    values = operator.attrgetter(*_STAGED)
    if connection.vendor != "postgresql":
        copy_insert(ImportedRow, [common + values(row) for row in rows], columns=(*_COMMON, *_STAGED))
        return
    # COPY as text, each value given as psycopg writes it without a Python adapter: keys as their hex (the
    # batch's once, a category's once), JSON documents encoded here ("[]" for no errors). psycopg's own
    # adapters for UUIDs and JSON ran 600k times a file.
    fields = {f.attname: f for f in ImportedRow._meta.concrete_fields}
    rest = [f for name, f in fields.items() if name not in _COMMON and name not in _STAGED]
    defaults = tuple(_json(f.get_default()) if isinstance(f, models.JSONField) else f.get_default() for f in rest)
    keys: dict[uuid.UUID, str] = {key: key.hex for key in common[:3]}
    columns = (*_COMMON, *_STAGED, *(f.attname for f in rest))
    at = {name: i for i, name in enumerate(columns)}
    own_id = at["id"]
    links = [at[name] for name in ("category_id", "transaction_id", "candidate_id", "transfer_candidate_id")]
    to_json = [at[name] for name in ("raw", "parsed", "errors")]
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(fields[name].column)) for name in columns)
    sql = f"COPY {quote(ImportedRow._meta.db_table)} ({names}) FROM STDIN"
    head = tuple(keys[key] for key in common[:3]) + common[3:]
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            line = [*head, *values(row), *defaults]
            line[own_id] = row.id.hex
            for i in links:  # mostly empty, else one of a few categories or candidates
                key = line[i]
                if key is not None:
                    text = keys.get(key)
                    if text is None:
                        text = keys[key] = key.hex
                    line[i] = text
            for i in to_json:
                line[i] = _json(line[i])
            copy.write_row(line)


_dumps = json.JSONEncoder().encode


def _json(value: Any) -> str | None:
    """A JSON column's text, as psycopg's Jsonb adapter writes it (``json.dumps``); no errors is the usual."""
    if value is None:
        return None
    if not value and isinstance(value, list):
        return "[]"
    return _dumps(value)


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


def classify_rows(batch: ImportBatch, rows: Sequence[StagedRow]) -> list[StagedRow]:
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


def find_transfers(batch: ImportBatch, rows: Sequence[StagedRow]) -> list[StagedRow]:
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


def count_rows(batch: ImportBatch, rows: Sequence[StagedRow]) -> None:
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


@collector_paused()
@transaction.atomic
def import_upload(
    *,
    household: Household,
    actor: User | None,
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
    :func:`import_set_mapping`. A file over the size limit (``FileTooLarge``,
    413) or that cannot be read at all (``ParseError``) is refused and nothing
    is stored.
    """
    require_role(household=household, actor=actor, roles=WRITE_ROLES)
    if account.household_id != household.id:
        raise FieldError("account", "Not found in this household.", code=ErrorCode.DOES_NOT_EXIST)
    if not account.is_active:
        raise FieldError("account", "This account is archived.", code=ErrorCode.INACTIVE)
    data = read_bytes(file)
    if not data.strip():
        raise ParseError("The file is empty.", code=ErrorCode.EMPTY_FILE)
    filename = os.path.basename(filename or getattr(file, "name", "") or "")[:255]
    name_problem = text_problem(filename)
    if name_problem is not None:  # an RFC 2231 file name in an escaping charset can carry one
        raise FieldError("file", f"The file name: {name_problem.message}", code=name_problem.code)
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


def lock_batch(batch: ImportBatch) -> ImportBatch:
    return ImportBatch.objects.select_for_update().select_related("account", "household").get(pk=batch.pk)


@collector_paused()
@transaction.atomic
def import_set_mapping(
    *,
    batch: ImportBatch,
    actor: User | None,
    mapping: dict[str, Any] | None = None,
    overrides: dict[str, Any] | None = None,
) -> ImportBatch:
    """Confirm or change a CSV/XLSX batch's column mapping and analyse the file again with it.

    ``mapping`` replaces the whole mapping; ``overrides`` changes some fields of
    the current (or given) one; neither confirms the current one. Bad fields
    raise :class:`MappingError`, whose errors name the field.
    """
    require_role(household=batch.household, actor=actor, roles=WRITE_ROLES)
    batch = lock_batch(batch)
    if batch.status not in (ImportStatus.UPLOADED, ImportStatus.MAPPED, ImportStatus.FAILED):
        raise Conflict(
            f"{capitalized(article(batch.status))} batch cannot change its mapping.", code=ErrorCode.INVALID_STATUS
        )
    if batch.format not in TABULAR_FORMATS:
        raise FieldError(
            "mapping", f"{batch.format.upper()} files have no column mapping.", code=ErrorCode.NOT_APPLICABLE
        )
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
        raise FieldError(
            "mapping", "No mapping could be detected for this file: give a whole mapping.", ErrorCode.REQUIRED
        )
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


# --- Discard ---------------------------------------------------------------------------------------


@transaction.atomic
def import_discard(*, batch: ImportBatch, actor: User | None) -> None:
    """Delete a batch that was never committed, with its stored file."""
    require_role(household=batch.household, actor=actor, roles=WRITE_ROLES)
    batch = lock_batch(batch)
    if batch.status in (ImportStatus.COMMITTED, ImportStatus.PROCESSING):
        raise Conflict(
            f"{capitalized(article(batch.status))} batch cannot be deleted; revert it instead.",
            code=ErrorCode.INVALID_STATUS,
        )
    if batch.status == ImportStatus.REVERTED:
        raise Conflict("A reverted batch is kept as the history of its rows.", code=ErrorCode.INVALID_STATUS)
    name = batch.file.name
    storage = batch.file.storage
    batch.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
