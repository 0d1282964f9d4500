"""Email verification: the link sent at sign-up, confirming it, sending it again."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db import transaction

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core.exceptions import (
    FieldError,
)
from finance.users import links, mail
from finance.users.errors import ErrorCode
from finance.users.selectors import (
    user_by_identifier,
)
from finance.users.services._common import User


def email_verification_send(*, user: Any) -> None:
    """Email a one-time verification link for the user's current address (after commit)."""
    mail.send_after_commit(kind=mail.VERIFY_EMAIL, user=user)


@transaction.atomic
def email_verify(*, key: str) -> Any:
    """Mark the address the key was issued for as verified; a key works once and expires."""
    try:
        payload = links.email_verification_payload(key)
    except signing.SignatureExpired:
        raise FieldError("key", "This link has expired; ask for a new one.", code=ErrorCode.EXPIRED_KEY) from None
    except signing.BadSignature:
        raise FieldError("key", "This link is not valid.", code=ErrorCode.INVALID_KEY) from None
    user = User.objects.select_for_update().filter(pk=str(payload.get("u"))).first()
    if user is None or not user.is_active or payload.get("s") != links.verification_state(user):
        raise FieldError("key", "This link was already used or is no longer valid.", code=ErrorCode.INVALID_KEY)
    user.email_verified = True
    user.save(update_fields=["email_verified"])
    audit_record(action=AuditAction.EMAIL_VERIFIED, actor=user, target=user)
    return user


def email_verification_resend(*, user: Any = None, email: str = "") -> None:
    """Send the link again: to a signed-in user, or to whoever owns ``email`` (silently nothing else)."""
    if user is None:
        user = user_by_identifier(identifier=email, email_only=True)
    if user is None or not user.is_active or user.email_verified:
        return
    email_verification_send(user=user)
