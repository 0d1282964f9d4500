"""The messages the identity flows send, and how they leave.

A write schedules a message after commit with only the user's id (and, for
some kinds, plain non-secret values such as the previous address); the Celery
task builds the link and sends it. So the one-time secrets in links never sit
in the broker or in task logs, and a rolled-back write sends nothing.

:func:`render` is the one way a message is made, for the domains above too
(a household invitation is rendered here and sent by the households' task).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
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
EMAIL_CHANGED = "email_changed"


def link(path: str, **params: str) -> str:
    """An absolute link into the web app (``FRONTEND_URL``) with query parameters."""
    return f"{settings.FRONTEND_URL}{path}?{urlencode(params)}"


def masked(address: str) -> str:
    """An address shown to someone who may not be its owner: ``a•••@example.com``."""
    local, _, domain = address.partition("@")
    return f"{local[:1]}•••@{domain}" if domain else "•••"


def render(*, to: str, subject: str, template: str, context: Mapping[str, Any]) -> EmailMessage:
    """A plain-text message from ``template`` with the product's name in the subject and the context."""
    body = render_to_string(template, {"product": PRODUCT, **context})
    return EmailMessage(subject=f"{PRODUCT}: {subject}", body=body, to=[to])


def _verify_email(user: Any) -> tuple[str, str, dict[str, Any]]:
    timeout: timedelta = settings.EMAIL_VERIFICATION_TIMEOUT
    return (
        user.email,
        "confirm your email address",
        {
            "email": user.email,
            "link": link("/verify-email", key=links.email_verification_key(user)),
            "hours": int(timeout.total_seconds() // 3600),
        },
    )


def _password_reset(user: Any) -> tuple[str, str, dict[str, Any]]:
    token = links.password_reset_tokens.make_token(user)
    return (
        user.email,
        "reset your password",
        {
            "link": link("/reset-password", uid=links.password_reset_uid(user), token=token),
            "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )


def _email_changed(user: Any, *, old_email: str, changed_at: str) -> tuple[str, str, dict[str, Any]]:
    """To the *previous* address: the address changed, and a link that undoes it."""
    timeout: timedelta = settings.EMAIL_CHANGE_UNDO_TIMEOUT
    key = links.email_change_undo_key(
        user_id=user.pk, old_email=old_email, changed_at=datetime.fromisoformat(changed_at)
    )
    return (
        old_email,
        "your email address was changed",
        {
            "old_email": old_email,
            "new_email": masked(user.email),
            "link": link("/email/undo/", key=key),
            "days": timeout.days,
        },
    )


_KINDS: dict[str, Callable[..., tuple[str, str, dict[str, Any]]]] = {
    VERIFY_EMAIL: _verify_email,
    PASSWORD_RESET: _password_reset,
    EMAIL_CHANGED: _email_changed,
}


def compose(kind: str, user: Any, **params: Any) -> EmailMessage:
    to, subject, context = _KINDS[kind](user, **params)
    return render(to=to, subject=subject, template=f"users/email/{kind}.txt", context={"user": user, **context})


def send_after_commit(*, kind: str, user: Any, **params: str) -> None:
    """Send ``kind`` to the user once the surrounding transaction commits.

    ``params`` are plain, non-secret values the message needs (they pass through the broker).
    """
    from finance.users.tasks import send_user_email

    assert kind in _KINDS, kind
    user_id = str(user.pk)
    # robust: a mail server outage is logged, it does not fail a request that already committed.
    transaction.on_commit(lambda: send_user_email.delay(kind=kind, user_id=user_id, params=params), robust=True)
