"""What the analysis saw (PostgreSQL): a commit skips its re-check when nothing it reads has changed since.

Statement-level triggers (migration ``0004``) write one :class:`LedgerChange` row per statement and household that
changes what duplicate and transfer detection read. The analysis keeps its transaction id and snapshot; a commit
re-checks unless every logged change of the household since is one that snapshot sees, or the analysis's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from finance.imports.models import ImportBatch, LedgerChange

CHANGE_LOG_DAYS = 7  # LedgerChange rows are kept this long
TRUST_ANALYSIS_DAYS = 1  # an older analysis is re-checked whatever the log says


@dataclass(frozen=True)
class Seen:
    xact: int
    snapshot: str


def seen_now() -> Seen | None:
    """This transaction's id and snapshot, taken before reading: every change the reads that follow may have missed
    is one its snapshot does not see."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_xact_id()::text::bigint, pg_current_snapshot()::text")
        xact, snapshot = cursor.fetchone()
    return Seen(xact, snapshot)


def remember(batch: ImportBatch, seen: Seen | None) -> None:
    batch.analysed_xact = seen.xact if seen else None
    batch.analysed_snapshot = seen.snapshot if seen else ""
    batch.analysed_at = timezone.now()


def unchanged_since_analysis(batch: ImportBatch) -> bool:
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
