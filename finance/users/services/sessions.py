"""Sessions (one per device): opening, refreshing, revoking, signing out, and their last use."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, cast

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenBackendError, TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.state import token_backend
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core.exceptions import (
    FieldError,
    NotFound,
    Unauthenticated,
)
from finance.users.devices import device_name
from finance.users.errors import ErrorCode
from finance.users.models import (
    AuthSession,
)
from finance.users.selectors import (
    SESSION_CACHE_TTL,
    session_cache_key,
    session_cache_value,
)
from finance.users.services._common import SESSION_CLAIM, TOUCH_INTERVAL, logger


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
    transaction.on_commit(lambda: cache.set(key, session_cache_value(session), SESSION_CACHE_TTL))


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


# When this process last asked the cache whether a session's use is due to be written (monotonic seconds):
# within TOUCH_INTERVAL the answer is no, so a busy session costs no cache round trip per request.
_touched: dict[str, float] = {}
_TOUCHED_MAX = 10_000


def session_touch(*, session_id: str, user_id: Any, ip: str | None) -> None:
    """Record that the user's session was used (at most once a minute per session)."""
    now = time.monotonic()
    if now - _touched.get(session_id, -TOUCH_INTERVAL) < TOUCH_INTERVAL:
        return
    if len(_touched) >= _TOUCHED_MAX:
        _touched.clear()
    _touched[session_id] = now
    if not cache.add(f"auth:session-touch:{session_id}", 1, TOUCH_INTERVAL):
        return
    AuthSession.objects.filter(pk=session_id, user_id=user_id, revoked_at=None).update(
        last_used_at=timezone.now(), ip=ip
    )
