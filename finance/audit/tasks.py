from celery import shared_task


@shared_task
def purge_audit_log() -> int:
    """Drop audit events older than ``AUDIT_LOG_RETENTION_DAYS``."""
    from finance.audit.services import audit_retention_purge

    return audit_retention_purge()
