from celery import shared_task

from finance.core import events
from finance.core.api import idempotency


@shared_task
def purge_expired_idempotency_keys() -> int:
    """Drop stored create responses older than ``IDEMPOTENCY_KEY_TTL``."""
    return idempotency.purge_expired()


@shared_task
def prune_outbox() -> int:
    """Drop domain events older than ``OUTBOX_RETENTION``."""
    return events.outbox_prune()


@shared_task
def ping() -> str:
    """Round trip used by the readiness docs and tests to prove a worker is consuming."""
    return "pong"
