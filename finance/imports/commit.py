"""Committing an analysed batch: all of it, or nothing.

The commit re-checks duplicates and transfers under a lock on the account
(another import may have landed since the analysis; on PostgreSQL the
re-check is skipped when :mod:`finance.imports.freshness` says nothing it
reads has changed), then writes every new transaction and the derived data in
one database transaction, links merges and transfers, and records the balance
check. More than ``IMPORT_ASYNC_ROWS`` rows are committed by a Celery task.
"""

from __future__ import annotations

import functools
import json
import sys
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import BooleanField, Case, DateField, F, Func, Q, Sum, TextField, UUIDField, Value, When
from django.db.models.fields.json import KT
from django.db.models.functions import Abs, Cast, Coalesce, Left, NullIf
from django.utils import timezone

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core.exceptions import Conflict, FieldErrors
from finance.core.memory import collector_paused
from finance.core.money import ZERO, present
from finance.households.models import WRITE_ROLES
from finance.households.services import require_role
from finance.imports import freshness, services
from finance.imports.categorize import review_threshold
from finance.imports.models import (
    TABULAR_FORMATS,
    AccountImportMapping,
    ImportBatch,
    ImportedRow,
    ImportStatus,
    RowDecision,
    RowStatus,
)
from finance.imports.reading.errors import ErrorCode
from finance.imports.services import StagedRow
from finance.ledger import services as ledger
from finance.ledger.bulk import in_lists
from finance.ledger.inputs import TransactionInput
from finance.ledger.models import Account, Transaction, TransactionType
from finance.users.models import User

# --- Progress (read by the API while a background commit runs) -----------------------------------


def _progress_key(batch_id: uuid.UUID) -> str:
    return f"import-progress:{batch_id}"


def report_progress(batch_id: uuid.UUID, value: float) -> None:
    """Progress of a running commit. It lives in the cache: the commit's own writes are invisible until it ends."""
    cache.set(_progress_key(batch_id), round(max(0.0, min(1.0, value)), 3), timeout=6 * 3600)


def read_progress(batch_id: uuid.UUID) -> float | None:
    value = cache.get(_progress_key(batch_id))
    return float(value) if value is not None else None


# --- Reading the analysed rows back --------------------------------------------------------------

_READ_BACK = tuple(name for name in StagedRow.__dataclass_fields__ if name != "raw")
# What commit reads of a row's parsed values: taken out of the JSON by the database (decoding 100k documents in
# Python was most of reading the rows back).
_PARSED_FOR_COMMIT = ("payee", "description", "notes", "reference", "check_number", "posted_date", "is_pending")
_PARSED_AT = _READ_BACK.index("parsed")


@dataclass(frozen=True)
class Decision:
    row: int
    action: str


def _staged_rows(batch: ImportBatch, *, texts: bool = True) -> list[StagedRow]:
    """The batch's rows in file order, read as plain values: ``raw`` is not needed to commit, and on PostgreSQL of
    ``parsed`` only the values a transaction takes (:data:`_PARSED_FOR_COMMIT`), or none with ``texts=False``
    (an empty ``parsed``: when the database makes the transactions and nothing is detected again, only a merge
    needs two of them, read for its row)."""
    if connection.vendor != "postgresql":  # SQLite's JSON text of null and of the string "null" are alike
        return [
            StagedRow(*values)
            for values in ImportedRow.objects.filter(batch=batch).order_by("row_number").values_list(*_READ_BACK)
        ]
    parsed_keys = _PARSED_FOR_COMMIT if texts else ()
    extracted = {f"parsed_{key}": KT(f"parsed__{key}") for key in parsed_keys}
    columns = [name for name in _READ_BACK if name != "parsed"]
    rows = ImportedRow.objects.filter(batch=batch).order_by("row_number").annotate(**extracted)
    # The queryset's SQL on a plain cursor: psycopg already gives UUIDs, decimals and dates, and Django's per-row
    # iteration was a third of this read. The one JSON column left (errors) comes as text, as JSONField reads it.
    sql, params = rows.values_list(*columns, *extracted).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        fetched = cursor.fetchall()
    before, after = _PARSED_AT, len(columns)
    errors_at = _READ_BACK.index("errors") - 1  # in ``columns``, which has no "parsed"
    loads = json.loads
    staged = []
    for values in fetched:
        parsed = dict(zip(parsed_keys, values[after:], strict=True))
        if parsed.get("is_pending") is not None:
            parsed["is_pending"] = parsed["is_pending"] == "true"  # ->> gives JSON true as 'true'
        row = StagedRow(*values[:before], parsed, *values[before:after])  # type: ignore[call-arg]
        row.errors = loads(values[errors_at])
        staged.append(row)
    return staged


def _read_for_commit(batch: ImportBatch) -> tuple[list[StagedRow], bool, freshness.Seen | None]:
    """The rows, whether nothing detection reads changed since the analysis, and what this commit sees (taken
    first). Without a re-check and with the database making the transactions, the rows are read without their
    parsed values."""
    seen = freshness.seen_now()
    fresh = freshness.unchanged_since_analysis(batch)
    return _staged_rows(batch, texts=not (fresh and _in_database(batch))), fresh, seen


def _apply_decisions(rows: Sequence[StagedRow], decisions: Sequence[Decision]) -> None:
    by_number = {row.row_number: row for row in rows}
    errors = FieldErrors()
    seen: set[int] = set()
    for i, decision in enumerate(decisions):
        row = by_number.get(decision.row)
        if row is None:
            errors.add(f"decisions.{i}.row", f"The file has no row {decision.row}.", ErrorCode.DOES_NOT_EXIST)
            continue
        if decision.row in seen:
            errors.add(f"decisions.{i}.row", "One decision per row.", ErrorCode.DUPLICATE_DECISION)
            continue
        seen.add(decision.row)
        if decision.action not in RowDecision.values:
            errors.add(f"decisions.{i}.action", "Choose import, skip or merge.", ErrorCode.INVALID_CHOICE)
        elif row.status in (RowStatus.DUPLICATE, RowStatus.INVALID):
            errors.add(
                f"decisions.{i}.action",
                f"Row {decision.row} is {row.status.replace('_', ' ')}: it cannot be decided.",
                ErrorCode.INVALID,
            )
        elif decision.action == RowDecision.MERGE and row.status != RowStatus.POSSIBLE_DUPLICATE:
            errors.add(
                f"decisions.{i}.action",
                f"Row {decision.row} has no possible duplicate to merge into.",
                ErrorCode.INVALID,
            )
        elif decision.action == RowDecision.TRANSFER and (
            row.status != RowStatus.NEW or row.transfer_candidate_id is None
        ):
            errors.add(
                f"decisions.{i}.action", f"Row {decision.row} has no possible transfer to link.", ErrorCode.INVALID
            )
        else:
            row.decision = decision.action
    errors.raise_if_any()


def _check_ready(
    batch: ImportBatch, rows: Sequence[StagedRow], skip_invalid: bool, *, fresh: bool, seen: freshness.Seen | None
) -> list[StagedRow]:
    """Re-check duplicates now (under the account lock) and refuse what still needs the user; returns changed rows.

    On PostgreSQL the re-check is skipped when nothing it reads has changed since the analysis (``fresh``, as
    :func:`_read_for_commit` found: its answer would be the same); either way the batch then counts as analysed as
    of ``seen``.
    """
    changed: list[StagedRow] = []
    if not fresh:
        readable = [row for row in rows if row.status != RowStatus.INVALID]
        found = services.classify_rows(batch, readable)
        for row in found:
            # A merge was decided about another state of the account (its target may be gone or another now):
            # it needs deciding again. Import and skip hold whatever the row matches: a refused commit rolls back
            # what its re-check found, so the next request, deciding on what the refusal named, must be able to land.
            if row.decision == RowDecision.MERGE:
                row.decision = ""
        moved = services.find_transfers(batch, readable)
        for row in moved:
            if row.decision == RowDecision.TRANSFER:  # the transaction it was to link is gone or taken
                row.decision = ""
        changed = list({row.id: row for row in [*found, *moved]}.values())
    freshness.remember(batch, seen)
    errors = FieldErrors()
    if not skip_invalid:
        for row in rows:
            if row.status == RowStatus.INVALID:
                for e in row.errors:
                    errors.add(
                        f"rows.{row.row_number}",
                        f"Row {row.row_number}"
                        + (f", column {e['column']!r}" if e.get("column") else "")
                        + f": {e['detail']}",
                        e.get("code") or ErrorCode.INVALID_ROW,
                    )
    for row in rows:
        if row.status == RowStatus.POSSIBLE_DUPLICATE and not row.decision:
            errors.add(
                f"rows.{row.row_number}",
                f"Row {row.row_number} may repeat transaction {row.candidate_id}: {row.match_reason} "
                "Decide import, skip or merge.",
                ErrorCode.DECISION_REQUIRED,
            )
    errors.raise_if_any()
    return changed


def _links_transfer(row: StagedRow) -> bool:
    """The row becomes the other side of an existing transaction: accepted, or suggested and not declined."""
    return (
        row.status == RowStatus.NEW
        and row.transfer_candidate_id is not None
        and (row.decision == RowDecision.TRANSFER or (not row.decision and row.transfer_suggested))
    )


def _to_import(rows: Sequence[StagedRow]) -> list[StagedRow]:
    return [
        row
        for row in rows
        if (row.status == RowStatus.NEW and row.decision != RowDecision.SKIP and not _links_transfer(row))
        or (row.status == RowStatus.POSSIBLE_DUPLICATE and row.decision == RowDecision.IMPORT)
    ]


@collector_paused()
@transaction.atomic
def import_commit(
    *,
    batch: ImportBatch,
    actor: User | None,
    skip_invalid: bool = False,
    decisions: Sequence[Decision] = (),
) -> ImportBatch:
    """Import the batch's new rows, all or nothing.

    Refused (``FieldError``, one error per row as ``rows.<row>``) while
    any row could not be read, unless ``skip_invalid``, and while any possible
    duplicate has no decision. Decisions: ``import`` (keep both), ``skip``, or
    ``merge`` (link the row to its possible duplicate; a pending one becomes
    posted with the row's amount). More than ``IMPORT_ASYNC_ROWS`` rows are
    committed by a Celery task: the batch is ``processing`` until it ends.
    """
    require_role(household=batch.household, actor=actor, roles=WRITE_ROLES)
    batch = services.lock_batch(batch)
    if batch.status in (ImportStatus.COMMITTED, ImportStatus.REVERTED, ImportStatus.PROCESSING):
        raise Conflict(f"This batch is already {batch.status}.", code=ErrorCode.INVALID_STATUS)
    if batch.status == ImportStatus.UPLOADED:
        raise Conflict("Confirm the column mapping first (POST mapping/).", code=ErrorCode.MAPPING_REQUIRED)
    Account.objects.select_for_update().filter(pk=batch.account_id).first()
    rows, fresh, seen = _read_for_commit(batch)
    _apply_decisions(rows, decisions)
    changed = _check_ready(batch, rows, skip_invalid, fresh=fresh, seen=seen)
    batch.skip_invalid = skip_invalid
    if len(_to_import(rows)) > int(settings.IMPORT_ASYNC_ROWS):
        _save_row_states(rows, changed, decided=bool(decisions))
        batch.status = ImportStatus.PROCESSING
        batch.failure = ""
        batch.save()
        report_progress(batch.id, 0.0)
        from finance.imports.tasks import commit_import  # here: the tasks module imports this one

        actor_id = getattr(actor, "pk", None)
        transaction.on_commit(lambda: commit_import.delay(str(batch.id), str(actor_id) if actor_id else None))
        return batch
    _execute(batch, actor, rows, changed)
    return batch


@collector_paused()
@transaction.atomic
def import_commit_run(*, batch: ImportBatch, actor: User | None) -> ImportBatch:
    """The background half of a large commit (called by the task): the same checks, then the writes."""
    batch = services.lock_batch(batch)
    if batch.status != ImportStatus.PROCESSING:
        raise Conflict(f"This batch is {batch.status}, not processing.", code=ErrorCode.INVALID_STATUS)
    require_role(household=batch.household, actor=actor, roles=WRITE_ROLES)
    Account.objects.select_for_update().filter(pk=batch.account_id).first()
    rows, fresh, seen = _read_for_commit(batch)
    changed = _check_ready(batch, rows, batch.skip_invalid, fresh=fresh, seen=seen)
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


@functools.cache
def _whitespace() -> str:
    """What ``str.strip()`` takes off (Unicode whitespace): the database path trims the same characters."""
    return "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())


def _to_import_where() -> Q:
    """:func:`_to_import` as a condition on the rows as saved (:func:`_save_row_states` runs first)."""
    links = Q(status=RowStatus.NEW, transfer_candidate__isnull=False) & (
        Q(decision=RowDecision.TRANSFER) | Q(decision="", transfer_suggested=True)
    )
    return (Q(status=RowStatus.NEW) & ~Q(decision=RowDecision.SKIP) & ~links) | Q(
        status=RowStatus.POSSIBLE_DUPLICATE, decision=RowDecision.IMPORT
    )


def _transaction_values(batch: ImportBatch, threshold: Decimal) -> dict[str, Any]:
    """:func:`_build_transaction` in SQL, over the imported row: the transaction's values, by field."""
    blank = Value("")

    def text(key: str, length: int | None = None) -> Any:
        trimmed = Func(
            Coalesce(KT(f"parsed__{key}"), blank), Value(_whitespace()), function="BTRIM", output_field=TextField()
        )
        return Left(trimmed, length) if length else trimmed

    reference = Func(
        Coalesce(NullIf(KT("parsed__check_number"), blank), NullIf(KT("parsed__reference"), blank), blank),
        Value(_whitespace()),
        function="BTRIM",
        output_field=TextField(),
    )
    return {
        "id": F("id"),
        "type": Case(
            When(amount__lt=0, then=Value(TransactionType.EXPENSE)),
            default=Value(TransactionType.INCOME),
            output_field=TextField(),
        ),
        "amount": Abs("amount"),
        "date": F("date"),
        "posted_date": Cast(NullIf(KT("parsed__posted_date"), blank), DateField()),
        "category_id": F("category_id"),
        "payee": text("payee", 200),
        "description": text("description", 500),
        "notes": text("notes"),
        "reference_number": Left(reference, 100),
        "is_pending": Coalesce(Cast(KT("parsed__is_pending"), BooleanField()), Value(False)),
        "needs_review": Case(
            When(
                Q(category__isnull=True)
                | Q(categorization_confidence__isnull=True)
                | Q(categorization_confidence__lt=threshold),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        ),
        "categorization_source": F("categorization_source"),
        "categorization_confidence": F("categorization_confidence"),
        "import_batch": Value(batch.id, output_field=UUIDField()),
    }


def _in_database(batch: ImportBatch) -> bool:
    """Whether the database makes the transactions from the rows: PostgreSQL, and nothing to convert."""
    return connection.vendor == "postgresql" and batch.account.currency == batch.household.base_currency


def _insert_transactions(batch: ImportBatch, actor: User | None, creating: Sequence[StagedRow]) -> None:
    """One transaction per row to import, with the derived data, in the commit's database transaction.

    On PostgreSQL, for an account in the household's base currency, the database makes them from the rows
    (:func:`finance.ledger.services.transactions_load_from`); elsewhere each is built here and loaded with
    ``COPY`` (:func:`finance.ledger.services.transactions_load`, which also converts other currencies).
    """
    threshold = review_threshold()
    household = batch.household
    report_progress(batch.id, 0.05)
    if _in_database(batch):
        inserted = ledger.transactions_load_from(
            household=household,
            actor=actor,
            account=batch.account,
            source=ImportedRow.objects.filter(batch=batch).filter(_to_import_where()),
            values=_transaction_values(batch, threshold),
            field="file",
        )
        if inserted != len(creating):  # the rows as saved and as decided here disagree: write nothing
            raise RuntimeError(f"The commit would import {inserted} rows, not {len(creating)}.")
        report_progress(batch.id, 0.85)
        return
    ledger.transactions_load(
        household=household,
        actor=actor,
        txns=[_build_transaction(batch, row, threshold) for row in creating],
        progress=lambda share: report_progress(batch.id, 0.05 + 0.8 * share),
        label=lambda i: f"rows.{creating[i].row_number}",
        field="file",
    )


def _execute(batch: ImportBatch, actor: User | None, rows: Sequence[StagedRow], changed: Sequence[StagedRow]) -> None:
    _save_row_states(rows, changed, decided=True)
    creating = _to_import(rows)
    _insert_transactions(batch, actor, creating)
    linking = [row for row in rows if _links_transfer(row)]
    for row in linking:  # few per file; each goes through the ledger's update so derived data follows
        _link_transfer(batch, actor, row)
    linked = ImportedRow.objects.filter(batch=batch)
    # Only the status changes (an imported row's transaction has the row's id): a HOT update, in place.
    linked.filter(
        Q(status=RowStatus.NEW) & ~Q(decision=RowDecision.SKIP)
        | Q(status=RowStatus.POSSIBLE_DUPLICATE, decision=RowDecision.IMPORT)
    ).update(status=RowStatus.IMPORTED)
    if any(row.decision == RowDecision.SKIP for row in rows):  # else it would only read the batch's rows again
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
    services.count_rows(batch, rows)
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


def _merge(batch: ImportBatch, actor: User | None, row: StagedRow) -> None:
    """Link the row to its possible duplicate; a pending transaction takes the posted row's amount and dates."""
    assert row.candidate_id is not None and row.amount is not None
    if "is_pending" not in row.parsed:  # read without its parsed values (_read_for_commit)
        row.parsed = ImportedRow.objects.values_list("parsed", flat=True).get(pk=row.pk)
    target = Transaction.objects.select_related("household").get(pk=row.candidate_id, household_id=batch.household_id)
    if target.is_pending and row.parsed.get("is_pending") is not True:
        changes: dict[str, Any] = {"is_pending": False}
        if target.type != TransactionType.TRANSFER and target.amount != abs(row.amount):
            changes["amount"] = abs(row.amount)
        posted = row.parsed.get("posted_date")
        if posted:
            changes["posted_date"] = date.fromisoformat(posted)
        ledger.transaction_update(txn=target, actor=actor, changes=TransactionInput(**changes))
    ImportedRow.objects.filter(pk=row.pk).update(status=RowStatus.MERGED, transaction_id=target.id)
    row.status = RowStatus.MERGED


def _link_transfer(batch: ImportBatch, actor: User | None, row: StagedRow) -> None:
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
    ledger.transaction_update(txn=target, actor=actor, changes=TransactionInput(**changes))
    ImportedRow.objects.filter(pk=row.pk).update(
        status=RowStatus.TRANSFER, transaction_id=target.id, transfer_previous=previous
    )
    row.status = RowStatus.TRANSFER


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
