"""Email verification: the link sent at sign-up, confirming it, sending it again; undoing a change of address."""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.db import transaction
from django.db.models import Q

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core.exceptions import (
    Conflict,
    FieldError,
)
from finance.users import links, mail
from finance.users.errors import ErrorCode
from finance.users.models import RecoveryCode, SocialIdentity, TOTPDevice
from finance.users.selectors import (
    user_by_identifier,
    user_identifier_taken,
)
from finance.users.services._common import User
from finance.users.services.sessions import sessions_revoke_all
from finance.users.services.tokens import access_tokens_revoke_all


def email_verification_send(*, user: Any) -> None:
    """Email a one-time verification link for the user's current address (after commit)."""
    mail.send_after_commit(kind=mail.VERIFY_EMAIL, user=user)


def email_verification_user(*, key: str, lock: bool = False) -> Any:
    """The user whose address a verification key is good for; ``expired_key`` or ``invalid_key`` otherwise.

    Checking changes nothing: the web page asks it before offering to confirm the address.
    """
    try:
        payload = links.email_verification_payload(key)
    except signing.SignatureExpired:
        raise FieldError("key", "This link has expired; ask for a new one.", code=ErrorCode.EXPIRED_KEY) from None
    except signing.BadSignature:
        raise FieldError("key", "This link is not valid.", code=ErrorCode.INVALID_KEY) from None
    users = User.objects.select_for_update() if lock else User.objects.all()
    user = users.filter(pk=str(payload.get("u"))).first()
    if user is None or not user.is_active or payload.get("s") != links.verification_state(user):
        raise FieldError("key", "This link was already used or is no longer valid.", code=ErrorCode.INVALID_KEY)
    return user


@transaction.atomic
def email_verify(*, key: str) -> Any:
    """Mark the address the key was issued for as verified; a key works once and expires."""
    user = email_verification_user(key=key, lock=True)
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


@transaction.atomic
def email_change_undo(*, key: str) -> Any:
    """Put back the address an email change replaced, from the link sent to that address.

    Whoever changed it knew the password and may have added ways in since, so this also ends every
    session and API token, removes a second factor or sign-in provider added after the change, and
    sends a link to the restored address to choose a new password. The link works until the address
    is back (once) and for ``EMAIL_CHANGE_UNDO_TIMEOUT`` after the change.
    """
    try:
        payload = links.email_change_undo_payload(key)
    except signing.SignatureExpired:
        raise FieldError("key", "This link has expired.", code=ErrorCode.EXPIRED_KEY) from None
    except signing.BadSignature:
        raise FieldError("key", "This link is not valid.", code=ErrorCode.INVALID_KEY) from None
    user = User.objects.select_for_update().filter(pk=str(payload["u"]), is_active=True).first()
    old_email = str(payload["o"])
    if user is None or user.email.lower() == old_email.lower():
        raise FieldError("key", "This link was already used or is no longer valid.", code=ErrorCode.INVALID_KEY)
    if user_identifier_taken(field="email", value=old_email, exclude_pk=user.pk):
        raise Conflict("Another account uses that address now.", code=ErrorCode.ADDRESS_TAKEN)
    changed_at = payload["t"]
    replaced = user.email
    user.email = old_email
    user.email_verified = True  # the link reached this mailbox
    user.save(update_fields=["email", "email_verified"])
    sessions_revoke_all(user=user, reason="email_change_undone")
    tokens = access_tokens_revoke_all(user=user)
    # A set-up started before the change but confirmed after it is the newcomer's too.
    added_factor = (
        TOTPDevice.objects.filter(user=user)
        .filter(Q(created_at__gte=changed_at) | Q(confirmed_at__gte=changed_at))
        .exists()
    )
    if added_factor:
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
    providers, _ = SocialIdentity.objects.filter(user=user, created_at__gte=changed_at).delete()
    audit_record(
        action=AuditAction.EMAIL_CHANGE_UNDO,
        actor=user,
        target=user,
        changes={
            "email": [replaced, old_email],
            "api_access_revoked": tokens,
            "two_factor_removed": added_factor,
            "providers_unlinked": providers,
        },
    )
    mail.send_after_commit(kind=mail.PASSWORD_RESET, user=user)
    return user
