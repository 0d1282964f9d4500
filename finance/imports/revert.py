"""Reverting a committed batch: set-based, with its effects on balances and aggregates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core.exceptions import Conflict
from finance.core.memory import collector_paused
from finance.households.models import WRITE_ROLES
from finance.households.services import require_role
from finance.imports import services
from finance.imports.models import ImportBatch, ImportedRow, ImportStatus, RowStatus
from finance.imports.reading.errors import ErrorCode
from finance.ledger import services as ledger
from finance.ledger.inputs import TransactionInput
from finance.ledger.models import Account, Category, Transaction, TransactionType
from finance.users.models import User


def _unlink_transfers(batch: ImportBatch, actor: User | None) -> None:
    """Give the transactions the batch turned into transfers back their earlier type, account and category."""
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
        ledger.transaction_update(txn=target, actor=actor, changes=TransactionInput(**restore))


@collector_paused()
@transaction.atomic
def import_revert(*, batch: ImportBatch, actor: User | None) -> ImportBatch:
    """Delete the transactions the batch created (not those it merged into), with their derived data.

    The rows stay, marked ``reverted``, so the history of the file is kept;
    reverting twice is a conflict.
    """
    require_role(household=batch.household, actor=actor, roles=WRITE_ROLES)
    batch = services.lock_batch(batch)
    if batch.status == ImportStatus.REVERTED:
        raise Conflict("This batch was already reverted.", code=ErrorCode.ALREADY_REVERTED)
    if batch.status != ImportStatus.COMMITTED:
        raise Conflict(
            f"Only a committed batch can be reverted; this one is {batch.status}.", code=ErrorCode.NOT_COMMITTED
        )
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
