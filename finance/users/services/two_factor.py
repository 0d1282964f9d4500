"""Two-factor authentication: setting up an authenticator, confirming, disabling, checking a code."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core import crypto
from finance.core.exceptions import (
    Conflict,
    FieldError,
    FieldErrors,
)
from finance.users import otp
from finance.users.errors import ErrorCode
from finance.users.models import (
    RecoveryCode,
    TOTPDevice,
)
from finance.users.selectors import (
    user_two_factor_enabled,
)
from finance.users.services._common import check_current_password
from finance.users.services.signin import _verify_second_factor


@transaction.atomic
def two_factor_setup(*, user: Any, password: str) -> dict[str, str]:
    """A new, not yet active TOTP secret; shown this once. Refused while 2FA is on.

    A second factor decides who can sign in, so it needs the current password: a session someone
    else got hold of cannot lock the owner out with a factor of its own.
    """
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise Conflict("Two-factor authentication is already on; disable it first.", code=ErrorCode.TWO_FACTOR_ENABLED)
    errors = FieldErrors()
    check_current_password(errors, user, password, field="password")
    errors.raise_if_any()
    secret = otp.new_secret()
    if device is None:
        device = TOTPDevice(user=user)
    device.secret_encrypted = crypto.encrypt(secret)
    device.last_used_step = None
    device.save()
    uri = otp.provisioning_uri(secret, account=user.email or user.username, issuer=settings.TOTP_ISSUER)
    return {"secret": secret, "otpauth_uri": uri, "qr_svg": otp.qr_svg(uri)}


@transaction.atomic
def two_factor_confirm(*, user: Any, code: str) -> list[str]:
    """Turn 2FA on with a first code from the app; returns ten single-use recovery codes."""
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        raise Conflict("Start with 2fa/setup/.", code=ErrorCode.TWO_FACTOR_NOT_SET_UP)
    if device.confirmed_at is not None:
        raise Conflict("Two-factor authentication is already on.", code=ErrorCode.TWO_FACTOR_ENABLED)
    step = otp.matching_step(crypto.decrypt(device.secret_encrypted), code)
    if step is None:
        raise FieldError("code", "The code is wrong; check the time on your device.", code=ErrorCode.INVALID_CODE)
    device.confirmed_at = timezone.now()
    device.last_used_step = step
    device.save(update_fields=["confirmed_at", "last_used_step"])
    codes = otp.new_recovery_codes()
    RecoveryCode.objects.filter(user=user).delete()
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, code_hash=otp.hash_recovery_code(c)) for c in codes])
    audit_record(action=AuditAction.TWO_FACTOR_ENABLED, actor=user, target=user)
    return codes


def two_factor_disable(*, user: Any, password: str, code: str) -> None:
    """Turn 2FA off: needs the password and a current code (or an unused recovery code)."""
    errors = FieldErrors()
    if not user.check_password(password):
        errors.add("password", "The password is wrong.", ErrorCode.WRONG_PASSWORD)
    if not user_two_factor_enabled(user=user):
        raise Conflict("Two-factor authentication is not on.", code=ErrorCode.TWO_FACTOR_DISABLED)
    if not errors.errors and _verify_second_factor(user=user, code=code) is None:
        errors.add("code", "The code is wrong or was already used.", ErrorCode.INVALID_CODE)
    errors.raise_if_any()
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        RecoveryCode.objects.filter(user=user).delete()
        audit_record(action=AuditAction.TWO_FACTOR_DISABLED, actor=user, target=user)


def second_factor_check(*, user: Any, code: str) -> bool:
    """Whether ``code`` is a current TOTP code or an unused recovery code of the user (it is then spent)."""
    return _verify_second_factor(user=user, code=code) is not None
