"""The one-time secrets behind emailed links: email verification keys and password reset tokens."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core import signing
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

VERIFY_SALT = "finance.users.email-verification"
EMAIL_UNDO_SALT = "finance.users.email-change-undo"


def verification_state(user: Any) -> str:
    """Changes once the address is verified or replaced: a key works once, and only for its address."""
    return hashlib.sha256(f"{user.pk}:{user.email.lower()}:{user.email_verified}".encode()).hexdigest()[:16]


def email_verification_key(user: Any) -> str:
    return signing.dumps({"u": str(user.pk), "s": verification_state(user)}, salt=VERIFY_SALT, compress=True)


def email_verification_payload(key: str) -> dict[str, Any]:
    """The key's content; raises ``signing.SignatureExpired`` / ``signing.BadSignature``."""
    max_age: timedelta = settings.EMAIL_VERIFICATION_TIMEOUT
    payload = signing.loads(key, salt=VERIFY_SALT, max_age=max_age)
    if not isinstance(payload, dict):
        raise signing.BadSignature("Unexpected payload.")
    return payload


def email_change_undo_key(*, user_id: Any, old_email: str, changed_at: datetime) -> str:
    """The key of the link sent to the previous address after an email change: it restores that
    address. Signed, not stored; it names the previous address only (the recipient's own)."""
    payload = {"u": str(user_id), "o": old_email, "t": changed_at.isoformat()}
    return signing.dumps(payload, salt=EMAIL_UNDO_SALT, compress=True)


def email_change_undo_payload(key: str) -> dict[str, Any]:
    """The key's content; raises ``signing.SignatureExpired`` / ``signing.BadSignature``.

    It expires ``EMAIL_CHANGE_UNDO_TIMEOUT`` after the change (not after the message was sent).
    """
    max_age: timedelta = settings.EMAIL_CHANGE_UNDO_TIMEOUT
    payload = signing.loads(key, salt=EMAIL_UNDO_SALT, max_age=max_age)
    if not isinstance(payload, dict) or not {"u", "o", "t"} <= set(payload):
        raise signing.BadSignature("Unexpected payload.")
    try:
        changed_at = datetime.fromisoformat(str(payload["t"]))
    except ValueError:
        raise signing.BadSignature("Unexpected payload.") from None
    if timezone.now() - changed_at > max_age:
        raise signing.SignatureExpired("The change is too old to undo.")
    return {**payload, "t": changed_at}


class _PasswordResetTokens(PasswordResetTokenGenerator):
    # Own salt: a reset token is good for nothing else. Single use because the hash covers the
    # password (and last login), which the reset changes; expiry is PASSWORD_RESET_TIMEOUT.
    key_salt = "finance.users.password-reset"


password_reset_tokens = _PasswordResetTokens()


def password_reset_uid(user: Any) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))
