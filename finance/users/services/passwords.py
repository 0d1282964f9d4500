"""Changing a password, and resetting a forgotten one by an emailed link."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core.exceptions import (
    FieldError,
    FieldErrors,
)
from finance.users import links, mail
from finance.users.errors import ErrorCode
from finance.users.selectors import (
    user_by_identifier,
)
from finance.users.services._common import User, check_password, logger
from finance.users.services.sessions import sessions_revoke_all


@transaction.atomic
def user_change_password(*, user: Any, old_password: str, new_password: str) -> None:
    """Change the password after checking the current one; every session is signed out."""
    errors = FieldErrors()
    if not user.check_password(old_password):
        errors.add("old_password", "The current password is wrong.", ErrorCode.WRONG_PASSWORD)
    check_password(errors, "new_password", new_password, user)
    errors.raise_if_any()
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(action=AuditAction.PASSWORD_CHANGE, actor=user, target=user)
    sessions_revoke_all(user=user, reason="password_change")


def password_reset_request(*, email: str) -> None:
    """Email a one-time reset link if an active user has this address; say nothing either way."""
    user = user_by_identifier(identifier=email, email_only=True)
    if user is None or not user.is_active:
        logger.info("password reset for an unknown address", extra={"event": "password_reset_unknown"})
        return
    mail.send_after_commit(kind=mail.PASSWORD_RESET, user=user)


def password_reset_user(*, uid: str, token: str, lock: bool = False) -> Any:
    """The active user a reset link's uid and token are good for; ``invalid_token`` otherwise.

    Checking changes nothing: the web page asks it before showing the form for a new password.
    """
    users = User.objects.select_for_update() if lock else User.objects.all()
    try:
        pk = force_str(urlsafe_base64_decode(uid))
        user = users.filter(pk=pk, is_active=True).first()
    except (ValueError, TypeError, OverflowError, DjangoValidationError):
        user = None
    if user is None or not links.password_reset_tokens.check_token(user, token):
        raise FieldError("token", "This link is invalid, expired or already used.", code=ErrorCode.INVALID_TOKEN)
    return user


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> Any:
    """Set a new password with a reset link's uid and token; all sessions are revoked."""
    user = password_reset_user(uid=uid, token=token, lock=True)
    errors = FieldErrors()
    check_password(errors, "new_password", new_password, user)
    errors.raise_if_any()
    user.set_password(new_password)
    # Whoever holds the mailbox controls the account anyway; the address is theirs.
    user.email_verified = True
    user.save(update_fields=["password", "email_verified"])
    audit_record(action=AuditAction.PASSWORD_RESET, actor=user, target=user)
    sessions_revoke_all(user=user, reason="password_reset")
    return user
