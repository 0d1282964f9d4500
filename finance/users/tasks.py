import smtplib

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.management import call_command


@shared_task
def flush_expired_tokens() -> None:
    """Delete expired refresh tokens and their blacklist entries (simplejwt's own command)."""
    call_command("flushexpiredtokens")


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_user_email(*, kind: str, user_id: str, params: dict[str, str] | None = None) -> bool:
    """Build and send one identity message (its link made now) through the configured backend."""
    from finance.users import mail

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.email or (kind == mail.VERIFY_EMAIL and user.email_verified):
        return False
    mail.compose(kind, user, **(params or {})).send(fail_silently=False)
    return True


@shared_task
def purge_auth_audit() -> int:
    """Drop sign-in attempts, token usage and stale OAuth requests past their retention."""
    from finance.users import services

    return services.auth_audit_purge()
