"""Writes about users: registration, profile, email, password, sessions, 2FA, API tokens, sign-in."""

from __future__ import annotations

import hashlib
import logging
import secrets
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn, cast

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.contrib.auth import authenticate, get_user_model, password_validation
from django.contrib.auth.models import update_last_login
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from finance.audit.models import AuditAction
from finance.audit.services import audit_record, field_changes
from finance.core import crypto, events
from finance.core.exceptions import (
    Conflict,
    FieldError,
    FieldErrors,
    Forbidden,
    NotFound,
    RateLimited,
    ServiceUnavailable,
    Unauthenticated,
)
from finance.core.money import iso_currencies
from finance.users import links, mail, oidc, otp
from finance.users.devices import device_name
from finance.users.errors import ErrorCode
from finance.users.events import UserRegistered, UserSignedIn
from finance.users.models import (
    AuthSession,
    OAuthRequest,
    PersonalAccessToken,
    RecoveryCode,
    SignInAttempt,
    SocialIdentity,
    TokenScope,
    TokenUsage,
    TOTPDevice,
)
from finance.users.selectors import (
    SESSION_CACHE_TTL,
    account_filter,
    login_wait,
    session_cache_key,
    user_by_identifier,
    user_identifier_taken,
    user_two_factor_enabled,
)

logger = logging.getLogger("finance.auth")
SESSION_CLAIM = "sid"
TOKEN_PREFIX = "pft_"  # noqa: S105 - a public marker, not a secret
MAX_ACTIVE_TOKENS = 100
TOUCH_INTERVAL = 60  # seconds between last-used writes for one session or token

User = get_user_model()
_TERRITORIES = frozenset(
    code for code in Locale("en").territories if isinstance(code, str) and code.isalpha() and len(code) == 2
)


def _check_profile_fields(errors: FieldErrors, fields: dict[str, Any]) -> dict[str, Any]:
    clean = dict(fields)
    if "default_currency" in clean:
        clean["default_currency"] = str(clean["default_currency"]).strip().upper()
        if clean["default_currency"] not in iso_currencies():
            errors.add("default_currency", "Not an ISO 4217 currency code.", ErrorCode.INVALID_CURRENCY)
    if clean.get("country"):
        clean["country"] = str(clean["country"]).strip().upper()
        if clean["country"] not in _TERRITORIES:
            errors.add("country", "Not an ISO 3166-1 alpha-2 country code.", ErrorCode.INVALID_COUNTRY)
    if "locale" in clean:
        try:
            clean["locale"] = str(Locale.parse(str(clean["locale"]).replace("-", "_")))
        except (ValueError, UnknownLocaleError):
            errors.add("locale", "Unknown locale.", ErrorCode.INVALID_LOCALE)
    if "timezone" in clean and clean["timezone"] not in zoneinfo.available_timezones():
        errors.add("timezone", "Unknown time zone; use an IANA name such as Europe/Berlin.", ErrorCode.INVALID_TIMEZONE)
    return clean


def _check_email(errors: FieldErrors, email: str, exclude_pk: Any = None) -> str:
    email = email.strip()
    try:
        validate_email(email)
    except DjangoValidationError:
        errors.add("email", "Enter a valid email address.", ErrorCode.INVALID)
        return email
    if user_identifier_taken(field="email", value=email, exclude_pk=exclude_pk):
        errors.add("email", "A user with that email already exists.", ErrorCode.UNIQUE)
    return email


def _check_password(errors: FieldErrors, field: str, password: str, user: Any) -> None:
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        for error in exc.error_list:
            errors.add(field, " ".join(error.messages), error.code or "invalid")


# Registration and profile ---------------------------------------------------


@transaction.atomic
def user_register(
    *,
    username: str,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    default_currency: str = "USD",
    email_verified: bool = False,
) -> Any:
    """Create a user and their default household (owned by them, in their currency).

    Unless the address is already known to be theirs (``email_verified``, e.g. from an
    OpenID provider), a verification link is emailed after commit.
    """
    errors = FieldErrors()
    username = username.strip()
    try:
        UnicodeUsernameValidator()(username)
    except DjangoValidationError as exc:
        errors.add("username", " ".join(exc.messages), ErrorCode.INVALID)
    if user_identifier_taken(field="username", value=username):
        errors.add("username", "A user with that username already exists.", ErrorCode.UNIQUE)
    email = _check_email(errors, email)
    profile = _check_profile_fields(errors, {"default_currency": default_currency})
    user = User(
        username=username,
        email=email,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email_verified=email_verified,
        **profile,
    )
    if password:
        _check_password(errors, "password", password, user)
    errors.raise_if_any()

    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Lost a race with a concurrent registration of the same name or address.
        raise FieldError(
            "username", "A user with that username or email already exists.", code=ErrorCode.UNIQUE
        ) from None
    # Households gives the new person their first household in this transaction.
    events.publish(UserRegistered(user_id=user.pk))
    if not email_verified:
        email_verification_send(user=user)
    return user


PROFILE_FIELDS = ("first_name", "last_name", "email", "default_currency", "country", "locale", "timezone")


@transaction.atomic
def user_update_profile(*, user: Any, **fields: Any) -> Any:
    """Update profile fields; a new email address is unverified until its link is opened."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise FieldError(sorted(unknown)[0], "This field cannot be changed here.", code=ErrorCode.READ_ONLY)
    errors = FieldErrors()
    if "email" in fields:
        fields["email"] = _check_email(errors, fields["email"], exclude_pk=user.pk)
    fields = _check_profile_fields(errors, fields)
    errors.raise_if_any()
    email_changed = "email" in fields and fields["email"].lower() != user.email.lower()
    before = {name: getattr(user, name) for name in fields}
    for name, value in fields.items():
        setattr(user, name, value.strip() if isinstance(value, str) else value)
    if not fields:
        return user
    update_fields = list(fields)
    if email_changed:
        user.email_verified = False
        update_fields.append("email_verified")
    try:
        with transaction.atomic():
            user.save(update_fields=update_fields)
    except IntegrityError:
        raise FieldError("email", "A user with that email already exists.", code=ErrorCode.UNIQUE) from None
    changes = field_changes(before, {name: getattr(user, name) for name in fields})
    if changes:
        audit_record(
            action=AuditAction.EMAIL_CHANGE if email_changed else AuditAction.PROFILE_UPDATE,
            actor=user,
            target=user,
            changes=changes,
        )
    if email_changed:
        email_verification_send(user=user)
    return user


# Email verification ----------------------------------------------------------


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


# Password change and reset -----------------------------------------------------


@transaction.atomic
def user_change_password(*, user: Any, old_password: str, new_password: str) -> None:
    """Change the password after checking the current one; every session is signed out."""
    errors = FieldErrors()
    if not user.check_password(old_password):
        errors.add("old_password", "The current password is wrong.", ErrorCode.WRONG_PASSWORD)
    _check_password(errors, "new_password", new_password, user)
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


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> Any:
    """Set a new password with a reset link's uid and token; all sessions are revoked."""
    try:
        pk = force_str(urlsafe_base64_decode(uid))
        user = User.objects.select_for_update().filter(pk=pk, is_active=True).first()
    except (ValueError, TypeError, OverflowError, DjangoValidationError):
        user = None
    if user is None or not links.password_reset_tokens.check_token(user, token):
        raise FieldError("token", "This link is invalid, expired or already used.", code=ErrorCode.INVALID_TOKEN)
    errors = FieldErrors()
    _check_password(errors, "new_password", new_password, user)
    errors.raise_if_any()
    user.set_password(new_password)
    # Whoever holds the mailbox controls the account anyway; the address is theirs.
    user.email_verified = True
    user.save(update_fields=["password", "email_verified"])
    audit_record(action=AuditAction.PASSWORD_RESET, actor=user, target=user)
    sessions_revoke_all(user=user, reason="password_reset")
    return user


# Sessions ----------------------------------------------------------------------


@dataclass(frozen=True)
class ClientInfo:
    """Where a request came from, as sign-in and sessions record it."""

    ip: str | None
    user_agent: str

    @property
    def device(self) -> str:
        return device_name(self.user_agent)


def _session_cache_set(session: AuthSession) -> None:
    # Forget now (the next check reads the database), and after commit record the new state, so a
    # request racing the commit cannot leave a revoked session cached as active for long.
    key = session_cache_key(session.pk)
    cache.delete(key)
    transaction.on_commit(lambda: cache.set(key, session.revoked_at is None, SESSION_CACHE_TTL))


@transaction.atomic
def session_start(*, user: Any, client: ClientInfo, method: str = "password") -> dict[str, str]:
    """A new session (device) and its first refresh/access pair; the tokens carry its id."""
    return _session_tokens(user=user, session=session_open(user=user, client=client, method=method))


def _session_tokens(*, user: Any, session: AuthSession) -> dict[str, str]:
    """The first refresh/access pair of a session; the tokens carry its id."""
    refresh = RefreshToken.for_user(user)
    refresh[SESSION_CLAIM] = str(session.pk)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


@transaction.atomic
def session_open(*, user: Any, client: ClientInfo, method: str = "password") -> AuthSession:
    """A new session (device) without tokens: the web app's browser sessions keep its id in the cookie session."""
    now = timezone.now()
    session = AuthSession.objects.create(
        user=user,
        device=client.device,
        user_agent=client.user_agent[:512],
        ip=client.ip,
        method=method,
        last_used_at=now,
    )
    audit_record(
        action=AuditAction.SESSION_CREATED,
        actor=user,
        target=session,
        changes={"method": method, "device": session.device},
    )
    return session


def _refresh_token(raw: str) -> RefreshToken:
    """Parse and fully verify a refresh token (signature, expiry, blacklist)."""
    return RefreshToken(cast(Any, raw))


def _decode_refresh(raw: str) -> dict[str, Any]:
    """The claims of a validly signed, unexpired refresh token of a session (blacklisted or not)."""
    try:
        payload: dict[str, Any] = token_backend.decode(cast(Any, raw), verify=True)
    except TokenBackendError:
        raise Unauthenticated("Token is invalid or expired.", code=ErrorCode.TOKEN_NOT_VALID) from None
    if payload.get(jwt_settings.TOKEN_TYPE_CLAIM) != "refresh" or not payload.get(SESSION_CLAIM):
        raise Unauthenticated("Token is invalid or expired.", code=ErrorCode.TOKEN_NOT_VALID)
    return payload


def session_refresh(*, refresh: str, client: ClientInfo) -> dict[str, str]:
    """Rotate a refresh token within its session.

    The old token dies. Presenting a token that was already rotated away means it was
    copied: the whole session is revoked (refresh-token reuse detection).
    """
    payload = _decode_refresh(refresh)
    reused = False
    with transaction.atomic():
        session = (
            AuthSession.objects.select_for_update()
            .select_related("user")
            .filter(pk=payload[SESSION_CLAIM], user_id=str(payload.get(jwt_settings.USER_ID_CLAIM)))
            .first()
        )
        if session is None or session.revoked_at is not None or not session.user.is_active:
            raise Unauthenticated("This session has ended; sign in again.", code=ErrorCode.TOKEN_NOT_VALID)
        if BlacklistedToken.objects.filter(token__jti=payload[jwt_settings.JTI_CLAIM]).exists():
            _revoke(session, reason="refresh_reuse")
            reused = True
        else:
            token = _refresh_token(refresh)
            token.blacklist()
            token.set_jti()
            token.set_exp()
            token.set_iat()
            token.outstand()
            session.last_used_at = timezone.now()
            session.ip = client.ip
            session.save(update_fields=["last_used_at", "ip"])
            pair = {"access": str(token.access_token), "refresh": str(token)}
    if reused:
        logger.warning(
            "refresh token reused; session revoked",
            extra={"event": "refresh_reuse", "session_id": str(session.pk), "ip": client.ip},
        )
        raise Unauthenticated(
            "This token was already used; the session has been ended.", code=ErrorCode.TOKEN_NOT_VALID
        )
    return pair


def _revoke(session: AuthSession, *, reason: str) -> None:
    session.revoked_at = timezone.now()
    session.revoke_reason = reason
    session.save(update_fields=["revoked_at", "revoke_reason"])
    audit_record(action=AuditAction.SESSION_REVOKED, actor=session.user_id, target=session, changes={"reason": reason})
    _session_cache_set(session)


@transaction.atomic
def session_revoke(*, user: Any, session_id: Any, reason: str = "revoked") -> None:
    """End one of the user's sessions (404 for anyone else's, or one already ended)."""
    session = AuthSession.objects.select_for_update().filter(pk=session_id, user=user, revoked_at=None).first()
    if session is None:
        raise NotFound("Session not found.")
    _revoke(session, reason=reason)


@transaction.atomic
def session_logout(*, user: Any, refresh: str) -> None:
    """End the session the refresh token belongs to (only its owner may)."""
    try:
        payload = _decode_refresh(refresh)
    except Unauthenticated:
        raise FieldError("refresh", "Token is invalid or expired.", code=ErrorCode.TOKEN_NOT_VALID) from None
    if str(payload.get(jwt_settings.USER_ID_CLAIM)) != str(user.pk):
        raise FieldError("refresh", "Token is invalid or expired.", code=ErrorCode.TOKEN_NOT_VALID)
    try:
        _refresh_token(refresh).blacklist()
    except TokenError:
        raise FieldError("refresh", "Token is invalid or expired.", code=ErrorCode.TOKEN_NOT_VALID) from None
    session = AuthSession.objects.select_for_update().filter(pk=payload[SESSION_CLAIM], user=user).first()
    if session is not None and session.revoked_at is None:
        _revoke(session, reason="logout")


@transaction.atomic
def sessions_revoke_all(*, user: Any, reason: str, keep: Any = None) -> int:
    """End every session of the user (but ``keep``); their refresh and access tokens stop working."""
    sessions = list(AuthSession.objects.select_for_update().filter(user=user, revoked_at=None).exclude(pk=keep))
    for session in sessions:
        _revoke(session, reason=reason)
    if keep is None:
        # Tokens minted outside a session (none should exist) die too.
        outstanding = OutstandingToken.objects.filter(user=user).exclude(blacklistedtoken__isnull=False)
        BlacklistedToken.objects.bulk_create([BlacklistedToken(token=t) for t in outstanding], ignore_conflicts=True)
    return len(sessions)


def session_touch(*, session_id: str, ip: str | None) -> None:
    """Record that the session's access token was used (at most once a minute per session)."""
    if not cache.add(f"auth:session-touch:{session_id}", 1, TOUCH_INTERVAL):
        return
    AuthSession.objects.filter(pk=session_id, revoked_at=None).update(last_used_at=timezone.now(), ip=ip)


# Sign-in: lockout, second factor, activity ----------------------------------------


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
    if user_two_factor_enabled(user=user):
        _record_attempt(
            user=user,
            identifier=normalized,
            client=client,
            succeeded=False,
            reason="otp_required",
            counts=False,
            method="password",
        )
        return WebSignIn(user=user, identifier=normalized, session=None)
    session = _complete_sign_in_session(user=user, identifier=normalized, client=client, method="password")
    return WebSignIn(user=user, identifier=normalized, session=session)


def web_sign_in_second_factor(*, user_id: Any, identifier: str, code: str, client: ClientInfo) -> WebSignIn:
    """The web app's second step: a current TOTP code or an unused recovery code, then the session.

    Mindful of lockout (checked before the code); a wrong code counts like a wrong password.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise Unauthenticated("No active account found with the given credentials.", code=ErrorCode.INVALID_CREDENTIALS)
    method = _second_factor_or_fail(user=user, identifier=identifier, otp_code=code, client=client, method="password")
    session = _complete_sign_in_session(user=user, identifier=identifier, client=client, method=method)
    return WebSignIn(user=user, identifier=identifier, session=session)


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


# OAuth / OpenID Connect sign-in ------------------------------------------------------


def _oidc_provider(name: str) -> oidc.Provider:
    idp = oidc.provider(name)
    if idp is None:
        raise NotFound("No such sign-in provider.")
    return idp


@transaction.atomic
def oauth_start(*, provider: str) -> dict[str, str]:
    """Begin "sign in with <provider>": where to send the person, and the state to expect back."""
    idp = _oidc_provider(provider)
    request = oidc.new_request_secrets()
    redirect_uri = settings.OAUTH_REDIRECT_URL
    try:
        url = oidc.authorization_url(idp, redirect_uri=redirect_uri, **request)
    except oidc.OIDCError as exc:
        logger.error("OpenID provider unavailable", extra={"event": "oauth_unavailable", "provider": provider})
        raise ServiceUnavailable("The sign-in provider cannot be reached; try again later.") from exc
    OAuthRequest.objects.create(provider=provider, redirect_uri=redirect_uri, created_at=timezone.now(), **request)
    return {"authorization_url": url, "state": request["state"]}


def _username_for(claims: dict[str, Any]) -> str:
    base = str(claims.get("preferred_username") or claims.get("email") or claims["sub"]).split("@")[0]
    base = "".join(ch for ch in base if ch.isalnum() or ch in "._-")[:30] or "user"
    candidate, n = base, 1
    while user_identifier_taken(field="username", value=candidate):
        n += 1
        candidate = f"{base}{n}"
    return candidate


def _oauth_user(*, idp: oidc.Provider, claims: dict[str, Any]) -> Any:
    """The user this provider account belongs to: linked before, linked now by a trusted address, or new."""
    identity = SocialIdentity.objects.select_related("user").filter(provider=idp.name, subject=claims["sub"]).first()
    email = str(claims.get("email") or "").strip()
    email_is_verified = idp.trust_email and claims.get("email_verified") is True and bool(email)
    if identity is not None:
        identity.last_login_at = timezone.now()
        identity.save(update_fields=["last_login_at"])
        return identity.user
    existing = user_by_identifier(identifier=email, email_only=True) if email else None
    if existing is not None and not email_is_verified:
        # An address the provider does not vouch for must never take over an account.
        raise Conflict(
            "An account with this email address exists: sign in with your password.", code=ErrorCode.ACCOUNT_EXISTS
        )
    user = existing
    if user is None:
        user = user_register(
            username=_username_for(claims),
            email=email,
            password="",
            first_name=str(claims.get("given_name") or "")[:150],
            last_name=str(claims.get("family_name") or "")[:150],
            email_verified=email_is_verified,
        )
    SocialIdentity.objects.create(
        user=user, provider=idp.name, subject=claims["sub"], email=email[:254], last_login_at=timezone.now()
    )
    return user


def oauth_complete(*, provider: str, code: str, state: str, otp_code: str, client: ClientInfo) -> dict[str, str]:
    """Finish "sign in with <provider>": check state, trade the code, verify the ID token, start a session.

    The state works once and for ``OAUTH_REQUEST_TIMEOUT``. A user with 2FA on must also send ``otp``.
    """
    idp = _oidc_provider(provider)
    with transaction.atomic():
        request = OAuthRequest.objects.select_for_update().filter(state=state, provider=provider).first()
        if request is not None:
            request.delete()
    if request is None or request.created_at < timezone.now() - settings.OAUTH_REQUEST_TIMEOUT:
        raise FieldError(
            "state", "This sign-in attempt is unknown, expired or already finished.", code=ErrorCode.INVALID_STATE
        )
    method = f"oauth:{provider}"
    try:
        claims = oidc.exchange_code(
            idp, code=code, redirect_uri=request.redirect_uri, code_verifier=request.code_verifier, nonce=request.nonce
        )
    except oidc.OIDCError as exc:
        logger.warning(
            "OpenID sign-in failed",
            extra={"event": "oauth_failed", "provider": provider, "ip": client.ip, "error": str(exc)},
        )
        raise FieldError("code", "The provider did not confirm this sign-in.", code=ErrorCode.OAUTH_FAILED) from None
    with transaction.atomic():
        user = _oauth_user(idp=idp, claims=claims)
    identifier = user.username.lower()
    if not user.is_active:
        _fail(
            user=user,
            identifier=identifier,
            client=client,
            reason="inactive",
            counts=False,
            method=method,
            error=Unauthenticated("This account is disabled.", code=ErrorCode.INVALID_CREDENTIALS),
        )
    method = _second_factor_or_fail(user=user, identifier=identifier, otp_code=otp_code, client=client, method=method)
    return _complete_sign_in(user=user, identifier=identifier, client=client, method=method)


# Two-factor authentication -------------------------------------------------------


@transaction.atomic
def two_factor_setup(*, user: Any) -> dict[str, str]:
    """A new, not yet active TOTP secret; shown this once. Refused while 2FA is on."""
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        raise Conflict("Two-factor authentication is already on; disable it first.", code=ErrorCode.TWO_FACTOR_ENABLED)
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


# Personal access tokens ----------------------------------------------------------


def hash_access_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def _check_scopes(errors: FieldErrors, scopes: list[str]) -> list[str]:
    allowed = {TokenScope.READ.value, TokenScope.WRITE.value}
    chosen = list(dict.fromkeys(scopes))
    if not chosen or set(chosen) - allowed or TokenScope.READ.value not in chosen:
        errors.add("scopes", 'Use ["read"] or ["read", "write"].', ErrorCode.INVALID_SCOPES)
    return [scope for scope in (TokenScope.READ.value, TokenScope.WRITE.value) if scope in chosen]


@transaction.atomic
def access_token_create(
    *, user: Any, name: str, scopes: list[str], expires_at: datetime | None = None
) -> tuple[PersonalAccessToken, str]:
    """A new personal access token; returns it and its secret, which is never shown again."""
    errors = FieldErrors()
    name = name.strip()
    if not name:
        errors.add("name", "This field may not be blank.", ErrorCode.BLANK)
    scopes = _check_scopes(errors, scopes)
    if expires_at is not None and expires_at <= timezone.now():
        errors.add("expires_at", "Must be in the future.", ErrorCode.PAST)
    errors.raise_if_any()
    active = PersonalAccessToken.objects.filter(user=user, revoked_at=None).count()
    if active >= MAX_ACTIVE_TOKENS:
        raise Conflict(f"At most {MAX_ACTIVE_TOKENS} active tokens; revoke one first.", code=ErrorCode.TOO_MANY_TOKENS)
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = PersonalAccessToken.objects.create(
        user=user, name=name, scopes=scopes, token_hash=hash_access_token(raw), expires_at=expires_at
    )
    audit_record(
        action=AuditAction.TOKEN_CREATED,
        actor=user,
        target=token,
        changes={"name": name, "scopes": scopes, "expires_at": expires_at},
    )
    return token, raw


@transaction.atomic
def access_token_revoke(*, user: Any, token_id: Any) -> None:
    """Revoke one of the user's tokens (404 for anyone else's); it stops working at once."""
    revoked = PersonalAccessToken.objects.filter(pk=token_id, user=user, revoked_at=None).update(
        revoked_at=timezone.now()
    )
    if not revoked:
        raise NotFound("Token not found.")
    audit_record(
        action=AuditAction.TOKEN_REVOKED, actor=user, target_type="users.personalaccesstoken", target_id=token_id
    )
    transaction.on_commit(lambda: cache.delete(f"auth:pat-touch:{token_id}"))


def access_token_record_use(*, token_id: Any, ip: str | None, method: str, path: str, status: int) -> None:
    """Audit one request made with a token; refresh its last-used time at most once a minute."""
    now = timezone.now()
    TokenUsage.objects.create(token_id=token_id, used_at=now, ip=ip, method=method[:10], path=path[:255], status=status)
    if cache.add(f"auth:pat-touch:{token_id}", 1, TOUCH_INTERVAL):
        PersonalAccessToken.objects.filter(pk=token_id).update(last_used_at=now, last_used_ip=ip)


# Housekeeping ----------------------------------------------------------------------


def auth_audit_purge() -> int:
    """Delete sign-in attempts and token usage older than ``AUDIT_RETENTION``, and stale OAuth requests."""
    cutoff = timezone.now() - settings.AUDIT_RETENTION
    attempts, _ = SignInAttempt.objects.filter(created_at__lt=cutoff).delete()
    usages, _ = TokenUsage.objects.filter(used_at__lt=cutoff).delete()
    stale, _ = OAuthRequest.objects.filter(created_at__lt=timezone.now() - settings.OAUTH_REQUEST_TIMEOUT).delete()
    return attempts + usages + stale
