from celery import shared_task


@shared_task
def build_export(*, export_id: str) -> str | None:
    """Build one requested data export (the ZIP under MEDIA_ROOT)."""
    from finance.privacy import services

    export = services.export_build(export_id=export_id)
    return None if export is None else export.status


@shared_task
def purge_expired_exports() -> int:
    """Delete export files past their expiry."""
    from finance.privacy import services

    return services.exports_purge_expired()


@shared_task
def purge_deleted_accounts() -> int:
    """Delete for good the accounts whose deletion grace period is over."""
    from finance.privacy import services

    return services.accounts_purge_due()
