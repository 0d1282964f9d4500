"""The messages the identity flows send, and how they leave.

A write schedules a message after commit with only the user's id; the Celery
task builds the link and sends it. So the one-time secrets in links never sit
in the broker or in task logs, and a rolled-back write sends nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string

from finance.users import links

PRODUCT = "Personal Finance Tracker"
VERIFY_EMAIL = "verify_email"
PASSWORD_RESET = "password_reset"  # noqa: S105 - a message kind, not a password


def link(path: str, **params: str) -> str:
    """An absolute link into the web app (``FRONTEND_URL``) with query parameters."""
    return f"{settings.FRONTEND_URL}{path}?{urlencode(params)}"


def _verify_email(user: Any) -> tuple[str, dict[str, Any]]:
    timeout: timedelta = settings.EMAIL_VERIFICATION_TIMEOUT
    return "confirm your email address", {
        "email": user.email,
        "link": link("/verify-email", key=links.email_verification_key(user)),
        "hours": int(timeout.total_seconds() // 3600),
    }


def _password_reset(user: Any) -> tuple[str, dict[str, Any]]:
    token = links.password_reset_tokens.make_token(user)
    return "reset your password", {
        "link": link("/reset-password", uid=links.password_reset_uid(user), token=token),
        "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
    }


_KINDS = {VERIFY_EMAIL: _verify_email, PASSWORD_RESET: _password_reset}


def compose(kind: str, user: Any) -> EmailMessage:
    subject, context = _KINDS[kind](user)
    body = render_to_string(f"users/email/{kind}.txt", {"product": PRODUCT, "user": user, **context})
    return EmailMessage(subject=f"{PRODUCT}: {subject}", body=body, to=[user.email])


def send_after_commit(*, kind: str, user: Any) -> None:
    """Send ``kind`` to the user once the surrounding transaction commits."""
    from finance.users.tasks import send_user_email

    assert kind in _KINDS, kind
    user_id = str(user.pk)
    # robust: a mail server outage is logged, it does not fail a request that already committed.
    transaction.on_commit(lambda: send_user_email.delay(kind=kind, user_id=user_id), robust=True)
