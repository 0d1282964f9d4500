"""Reads of import batches and their rows, scoped to a household."""

from __future__ import annotations

import uuid

from django.db.models import Exists, OuterRef, Q, QuerySet

from finance.households.models import Household
from finance.imports.commit import read_progress
from finance.imports.models import ImportBatch, ImportedRow, ImportStatus, RowStatus
from finance.ledger.models import Transaction


def batch_list(*, household: Household | uuid.UUID) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.in_household(household).select_related("account")


def batch_rows(*, batch: ImportBatch, status: str | None = None) -> QuerySet[ImportedRow]:
    """The batch's rows in file order, with what the preview shows of their matches and categories."""
    rows = (
        ImportedRow.objects.filter(batch=batch, household_id=batch.household_id)
        .select_related(
            "category",
            "transaction__account",
            "transaction__transfer_account",
            "candidate",
            "transfer_candidate__account",
        )
        .annotate(created_exists=Exists(Transaction.objects.filter(pk=OuterRef("pk"), household_id=batch.household_id)))
    )
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("row_number")


def rows_to_decide(*, batch: ImportBatch) -> QuerySet[ImportedRow]:
    """The rows a person decides on before committing: possible duplicates, and new rows that may be the
    other side of a transaction in another of the household's accounts (possible transfers)."""
    return batch_rows(batch=batch).filter(
        Q(status=RowStatus.POSSIBLE_DUPLICATE) | Q(status=RowStatus.NEW, transfer_candidate__isnull=False)
    )


def batch_progress(batch: ImportBatch) -> float:
    """0 to 1: how far a commit has got (a running one reports through the cache)."""
    if batch.status in (ImportStatus.COMMITTED, ImportStatus.REVERTED):
        return 1.0
    if batch.status == ImportStatus.PROCESSING:
        return read_progress(batch.id) or 0.0
    return 0.0
