"""Reads of import batches and their rows, scoped to a household, and the row view both faces present."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from finance.core.money import present
from finance.households.models import Household
from finance.imports.categorize import review_threshold
from finance.imports.commit import read_progress
from finance.imports.models import ImportBatch, ImportedRow, ImportStatus, RowStatus
from finance.ledger.models import Transaction, TransactionType


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


# --- The row view: what a row's category, duplicate, transfer and transaction are, as the API's preview and the
# web's preview both present them (on rows from batch_rows, which joins what they read).


def row_category(row: ImportedRow) -> dict[str, Any] | None:
    """The category the row would get (or got): ``{id, name, source, confidence, needs_review}``."""
    if row.category is None:
        return None
    confidence = row.categorization_confidence
    return {
        "id": row.category.id,
        "name": row.category.name,
        "source": row.categorization_source,
        "confidence": float(confidence) if confidence is not None else None,
        "needs_review": confidence is None or confidence < review_threshold(),
    }


def row_duplicate_of(row: ImportedRow) -> dict[str, Any] | None:
    """The transaction the row (possibly) repeats: ``{transaction, date, amount, payee, score, reason}``."""
    if row.status == RowStatus.POSSIBLE_DUPLICATE or (row.status == RowStatus.MERGED and row.candidate_id):
        other = row.candidate
    elif row.status == RowStatus.DUPLICATE:
        other = row.transaction
    else:
        return None
    signed = None
    if other is not None:
        signed = (
            other.amount if other.type == "income" or other.transfer_account_id == row.account_id else -other.amount
        )
    return {
        "transaction": other.id if other else None,
        "date": other.date if other else None,
        "amount": present(signed, other.currency) if other is not None and signed is not None else None,
        "payee": (other.payee or other.description) if other else None,
        "score": float(row.match_score) if row.match_score is not None else None,
        "reason": row.match_reason,
    }


def row_transfer(row: ImportedRow) -> dict[str, Any] | None:
    """The other account's transaction the row may be (or was linked as) the other side of:
    ``{transaction, account, account_name, date, amount, currency, payee, suggested, linked, reason}``."""
    linked = row.status == RowStatus.TRANSFER
    if linked:
        other = row.transaction
    elif row.transfer_candidate_id is not None and row.status == RowStatus.NEW:
        other = row.transfer_candidate
    else:
        return None
    if other is None:
        return {
            "transaction": None,
            "account": None,
            "account_name": None,
            "date": None,
            "amount": None,
            "currency": None,
            "payee": None,
            "suggested": row.transfer_suggested,
            "linked": linked,
            "reason": row.transfer_reason,
        }
    side = other.account if other.account_id != row.account_id else other.transfer_account
    currency = side.currency if side else other.currency
    # The movement on the other account, as that account recorded it (in its own currency).
    signed: Decimal
    if other.type == TransactionType.INCOME:
        signed = other.amount
    elif other.type == TransactionType.EXPENSE:
        signed = -other.amount
    elif other.account_id == row.account_id:  # a transfer from this account: the other one received it
        signed = other.transfer_amount if other.transfer_amount is not None else other.amount
    else:  # a transfer from the other account into this one
        signed = -other.amount
    return {
        "transaction": other.id,
        "account": side.id if side else None,
        "account_name": side.name if side else None,
        "date": other.date,
        "amount": present(signed, currency),
        "currency": currency,
        "payee": other.payee or other.description,
        "suggested": row.transfer_suggested,
        "linked": linked,
        "reason": row.transfer_reason,
    }


def row_transaction(row: ImportedRow) -> uuid.UUID | None:
    """The transaction the row created (while it exists) or was merged into or linked to."""
    if row.status == RowStatus.IMPORTED:
        # The transaction the row created has its id; null once it was deleted (batch_rows annotates this).
        exists = getattr(row, "created_exists", None)
        if exists is None:
            exists = Transaction.objects.filter(pk=row.pk, household_id=row.household_id).exists()
        return row.created_transaction_id if exists else None
    if row.status in (RowStatus.MERGED, RowStatus.TRANSFER):
        return row.transaction_id
    return None
