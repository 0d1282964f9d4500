"""Sign-in: the password step, lockout and slow-down, the second factor, the record of every attempt."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import update_last_login
from django.db import transaction
from django.utils import timezone

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core import crypto, events
from finance.core.exceptions import (
    Forbidden,
    RateLimited,
    Unauthenticated,
)
from finance.users import otp
from finance.users.errors import ErrorCode
from finance.users.events import UserSignedIn
from finance.users.models import (
    AuthSession,
    RecoveryCode,
    SignInAttempt,
    TOTPDevice,
)
from finance.users.selectors import (
    account_filter,
    login_wait,
    user_by_identifier,
    user_two_factor_enabled,
)
from finance.users.services._common import User, logger
from finance.users.services.sessions import ClientInfo, _session_tokens, session_open


class LoginDelayed(RateLimited):
    """Too many failed sign-ins for this account or address: wait (slow-down) or locked out."""

    default_code = ErrorCode.LOGIN_LOCKED


def _record_attempt(
    *, user: Any, identifier: str, client: ClientInfo, succeeded: bool, reason: str, counts: bool, method: str
) -> None:
    with transaction.atomic():
        attempt = _store_attempt(
            user=user,
            identifier=identifier,
            client=client,
            succeeded=succeeded,
            reason=reason,
            counts=counts,
            method=method,
        )
        if user is not None:
            # The person-facing record of the same attempt, written with it (docs/privacy.md: the
            # attempt row is the lockout's counter, the audit event is the account's history).
            audit_record(
                action=AuditAction.SIGN_IN if succeeded else AuditAction.SIGN_IN_FAILED,
                actor=user,
                target=attempt,
                changes={"method": method, "reason": reason},
            )
    if not succeeded:
        logger.warning(
            "sign-in failed",
            extra={
                "event": "sign_in_failed",
                "reason": reason,
                "identifier": identifier[:254],
                "user_id": str(user.pk) if user is not None else None,
                "ip": client.ip,
                "method": method,
            },
        )


def _store_attempt(
    *, user: Any, identifier: str, client: ClientInfo, succeeded: bool, reason: str, counts: bool, method: str
) -> SignInAttempt:
    return SignInAttempt.objects.create(
        user=user,
        identifier=identifier[:254],
        ip=client.ip,
        device=client.device,
        method=method,
        succeeded=succeeded,
        reason=reason,
        counts=counts,
        created_at=timezone.now(),
    )


def _fail(
    *,
    user: Any,
    identifier: str,
    client: ClientInfo,
    reason: str,
    counts: bool,
    method: str,
    error: Exception,
) -> NoReturn:
    _record_attempt(
        user=user, identifier=identifier, client=client, succeeded=False, reason=reason, counts=counts, method=method
    )
    raise error


def _verify_second_factor(*, user: Any, code: str) -> str | None:
    """``"totp"`` or ``"recovery"`` when the code is good (and now spent), else None."""
    code = code.strip()
    if not code:
        return None
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user).first()
        if device is None:
            return None
        if otp.looks_like_totp(code):
            step = otp.matching_step(crypto.decrypt(device.secret_encrypted), code)
            if step is None or (device.last_used_step is not None and step <= device.last_used_step):
                return None
            device.last_used_step = step
            device.save(update_fields=["last_used_step"])
            return "totp"
    used = RecoveryCode.objects.filter(user=user, code_hash=otp.hash_recovery_code(code), used_at__isnull=True).update(
        used_at=timezone.now()
    )
    return "recovery" if used else None


def sign_in(*, identifier: str, password: str, otp_code: str = "", client: ClientInfo) -> dict[str, str]:
    """Check credentials (and the second factor), mindful of lockout; start a session.

    Every attempt is recorded (the user's sign-in activity, and the lockout's memory).
    Too many failures for an account or from an address first slow sign-in down, then
    lock it for ``LOGIN_LOCKOUT_PERIOD``; while delayed, credentials are not even checked.
    """
    user, normalized = _password_step(identifier=identifier, password=password, client=client)
    method = _second_factor_or_fail(
        user=user, identifier=normalized, otp_code=otp_code, client=client, method="password", delay_checked=True
    )
    return _complete_sign_in(user=user, identifier=normalized, client=client, method=method)


def _password_step(*, identifier: str, password: str, client: ClientInfo) -> tuple[Any, str]:
    """Lockout first, then the password; returns the user and the identifier as recorded."""
    identifier = identifier.strip()
    normalized = identifier.lower()
    known = user_by_identifier(identifier=identifier)
    method = "password"
    _refuse_while_delayed(user=known, identifier=normalized, client=client, method=method)
    user = authenticate(None, username=identifier, password=password)
    if user is None:
        _fail(
            user=known,
            identifier=normalized,
            client=client,
            reason="bad_credentials",
            counts=True,
            method=method,
            error=Unauthenticated(
                "No active account found with the given credentials.", code=ErrorCode.INVALID_CREDENTIALS
            ),
        )
    return user, normalized


def _refuse_while_delayed(
    *, user: Any, identifier: str, client: ClientInfo, method: str, detail: str | None = None
) -> None:
    """While too many sign-ins failed for the account or the address, refuse (and record) the attempt
    without checking any credential."""
    wait = login_wait(account=account_filter(user=user, identifier=identifier), ip=client.ip)
    if wait is None:
        return
    seconds, locked = wait
    reason = "locked" if locked else "slowed"
    if detail is None:
        detail = (
            "Too many failed sign-ins: sign-in is locked for a while."
            if locked
            else "Too many failed sign-ins: wait before trying again."
        )
    _fail(
        user=user,
        identifier=identifier,
        client=client,
        reason=reason,
        counts=False,
        method=method,
        error=LoginDelayed(detail, wait=seconds, code=ErrorCode.LOGIN_LOCKED if locked else ErrorCode.LOGIN_SLOWED),
    )


@dataclass(frozen=True)
class WebSignIn:
    """The web sign-in after the password: a session, or (2FA on) the code still to ask for."""

    user: Any
    identifier: str
    session: AuthSession | None
    # How the first step was passed (``password``, ``oauth:<provider>``); the code step adds its factor.
    method: str = "password"

    @property
    def needs_second_factor(self) -> bool:
        return self.session is None


def web_sign_in(*, identifier: str, password: str, client: ClientInfo) -> WebSignIn:
    """The web app's first step: the password, with the API's lockout and activity record.

    Without 2FA the session starts at once. With 2FA on nobody is signed in yet: the attempt
    is recorded as the API records a login without ``otp`` (``otp_required``), and the web
    app asks for the code (``web_sign_in_second_factor``).
    """
    user, normalized = _password_step(identifier=identifier, password=password, client=client)
    return web_first_factor_passed(user=user, identifier=normalized, client=client, method="password")


def web_first_factor_passed(*, user: Any, identifier: str, client: ClientInfo, method: str) -> WebSignIn:
    """After the password or a provider's confirmation: the session, or (2FA on) the code still to ask for.

    With 2FA on the attempt is recorded as the API records one without ``otp`` (``otp_required``).
    """
    if user_two_factor_enabled(user=user):
        _record_attempt(
            user=user,
            identifier=identifier,
            client=client,
            succeeded=False,
            reason="otp_required",
            counts=False,
            method=method,
        )
        return WebSignIn(user=user, identifier=identifier, session=None, method=method)
    session = _complete_sign_in_session(user=user, identifier=identifier, client=client, method=method)
    return WebSignIn(user=user, identifier=identifier, session=session, method=method)


def web_sign_in_second_factor(
    *, user_id: Any, identifier: str, code: str, client: ClientInfo, method: str = "password"
) -> WebSignIn:
    """The web app's second step: a current TOTP code or an unused recovery code, then the session.

    ``method`` is how the first step was passed (the password, or ``oauth:<provider>``). Mindful of
    lockout (checked before the code); a wrong code counts like a wrong password.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise Unauthenticated("No active account found with the given credentials.", code=ErrorCode.INVALID_CREDENTIALS)
    method = _second_factor_or_fail(user=user, identifier=identifier, otp_code=code, client=client, method=method)
    session = _complete_sign_in_session(user=user, identifier=identifier, client=client, method=method)
    return WebSignIn(user=user, identifier=identifier, session=session, method=method)


def _second_factor_or_fail(
    *, user: Any, identifier: str, otp_code: str, client: ClientInfo, method: str, delay_checked: bool = False
) -> str:
    """With 2FA on, check (and spend) the code; returns the sign-in method including the factor used.

    Wrong codes count towards the lockout like wrong passwords.
    """
    if not user_two_factor_enabled(user=user):
        return method
    if not otp_code.strip():
        _fail(
            user=user,
            identifier=identifier,
            client=client,
            reason="otp_required",
            counts=False,
            method=method,
            error=Unauthenticated("A two-factor code is required (otp).", code=ErrorCode.OTP_REQUIRED),
        )
    if not delay_checked:
        _refuse_while_delayed(
            user=user, identifier=identifier, client=client, method=method, detail="Too many failed sign-ins: wait."
        )
    factor = _verify_second_factor(user=user, code=otp_code)
    if factor is None:
        _fail(
            user=user,
            identifier=identifier,
            client=client,
            reason="otp_invalid",
            counts=True,
            method=method,
            error=Unauthenticated("The two-factor code is wrong or was already used.", code=ErrorCode.OTP_INVALID),
        )
    return f"{method}+{factor}"


def _complete_sign_in(*, user: Any, identifier: str, client: ClientInfo, method: str) -> dict[str, str]:
    _require_verified_email(user=user, identifier=identifier, client=client, method=method)
    with transaction.atomic():
        session = _open_signed_in_session(user=user, identifier=identifier, client=client, method=method)
        return _session_tokens(user=user, session=session)


def _complete_sign_in_session(*, user: Any, identifier: str, client: ClientInfo, method: str) -> AuthSession:
    """As ``_complete_sign_in``, for the web app: the session without tokens (the browser keeps its id)."""
    _require_verified_email(user=user, identifier=identifier, client=client, method=method)
    return _open_signed_in_session(user=user, identifier=identifier, client=client, method=method)


def _require_verified_email(*, user: Any, identifier: str, client: ClientInfo, method: str) -> None:
    # Outside any transaction: the refused attempt must stay recorded.
    if settings.REQUIRE_EMAIL_VERIFICATION and not user.email_verified:
        _fail(
            user=user,
            identifier=identifier,
            client=client,
            reason="email_not_verified",
            counts=False,
            method=method,
            error=Forbidden("Confirm your email address first; we sent you a link.", code=ErrorCode.EMAIL_NOT_VERIFIED),
        )


@transaction.atomic
def _open_signed_in_session(*, user: Any, identifier: str, client: ClientInfo, method: str) -> AuthSession:
    _record_attempt(
        user=user, identifier=identifier, client=client, succeeded=True, reason="ok", counts=False, method=method
    )
    update_last_login(type(user), user)
    # Listeners react in this transaction: signing in during an account deletion's grace period cancels it.
    events.publish(UserSignedIn(user_id=user.pk, method=method))
    return session_open(user=user, client=client, method=method)
