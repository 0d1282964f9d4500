import smtplib

from celery import shared_task
from django.core.mail import EmailMessage
from django.core.management import call_command


@shared_task
def flush_expired_tokens() -> None:
    """Delete expired refresh tokens and their blacklist entries (simplejwt's own command)."""
    call_command("flushexpiredtokens")


@shared_task(autoretry_for=(smtplib.SMTPException, OSError), retry_backoff=True, max_retries=5)
def send_email(*, to: str, subject: str, body: str) -> None:
    """Send one plain-text message through the configured backend (SMTP in production)."""
    EmailMessage(subject=subject, body=body, to=[to]).send(fail_silently=False)


@shared_task
def purge_auth_audit() -> int:
    """Drop sign-in attempts, token usage and stale OAuth requests past their retention."""
    from finance.users import services

    return services.auth_audit_purge()
