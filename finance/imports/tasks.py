"""Background commits of large import batches (eager in the embedded default)."""

from __future__ import annotations

import logging
import uuid

from celery import shared_task
from django.contrib.auth import get_user_model

from finance.core.exceptions import DomainError
from finance.imports import commit, freshness
from finance.imports.models import ImportBatch

logger = logging.getLogger(__name__)


def _reason(exc: Exception) -> str:
    if isinstance(exc, DomainError):
        return str(exc)
    return f"{type(exc).__name__}: the commit failed and nothing was imported."


@shared_task
def commit_import(batch_id: str, actor_id: str | None) -> str:
    """Commit a batch left ``processing`` by the API; on any failure the batch becomes ``failed``, with the reason."""
    batch = ImportBatch.objects.filter(pk=uuid.UUID(batch_id)).first()
    if batch is None:
        return "gone"
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    try:
        commit.import_commit_run(batch=batch, actor=actor)
    except Exception as exc:  # every failure is recorded on the batch, which is what the user sees
        logger.exception("import commit failed", extra={"batch": batch_id})
        commit.import_mark_failed(batch_id=batch.id, reason=_reason(exc))
        return "failed"
    return "committed"


@shared_task
def prune_change_log() -> int:
    """Forget the change log's rows older than ``CHANGE_LOG_DAYS`` (hourly, by Celery Beat; uploads prune too)."""
    return freshness.prune_change_log()
