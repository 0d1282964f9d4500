"""Reads about users: lookups, sessions, tokens, sign-in activity, lockout state."""

from __future__ import annotations

import math
import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone

from finance.core.exceptions import ErrorCode, Unauthenticated
from finance.users.models import (
    AuthSession,
    PersonalAccessToken,
    RecoveryCode,
    SignInAttempt,
    TokenUsage,
    TOTPDevice,
    User,
)

SESSION_CACHE_TTL = 300  # seconds a session's active/revoked state is cached; revocation overwrites it
SLOWDOWN_BASE_SECONDS = 5
SLOWDOWN_MAX_SECONDS = 300


def user_identifier_taken(*, field: str, value: str, exclude_pk: Any = None) -> bool:
    """Whether another user already has this username or email (case-insensitive)."""
    qs = get_user_model().objects.filter(Q(**{f"{field}__iexact": value.strip()}))
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()


def user_by_identifier(*, identifier: str, email_only: bool = False) -> Any:
    """The user whose username or email (any case) this is, or None."""
    identifier = identifier.strip()
    if not identifier:
        return None
    match = Q(email__iexact=identifier) if email_only else Q(username__iexact=identifier) | Q(email__iexact=identifier)
    return get_user_model().objects.filter(match).first()


def avatar_version(*, user: Any) -> str | None:
    """A short token that changes with every new picture (for cache-busting its URL); ``None`` without one."""
    name: str = user.avatar.name or ""
    if not name:
        return None
    return name.rsplit("/", 1)[-1].split(".", 1)[0][:12]


def avatar_content(*, user: Any) -> bytes | None:
    """The person's own picture (WebP bytes, a few kilobytes), or ``None`` without one or if its file is gone."""
    name: str = user.avatar.name or ""
    if not name:
        return None
    try:
        with default_storage.open(name, "rb") as handle:
            content: bytes = handle.read()
    except FileNotFoundError:
        return None
    return content


def user_two_factor_enabled(*, user: Any) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()


# Sessions --------------------------------------------------------------------------


def session_cache_key(session_id: Any) -> str:
    return f"auth:session:{session_id}"


def session_cache_value(session: AuthSession) -> str:
    """What the cache holds for a session: its owner's id while it is on, ``""`` once it has ended."""
    return "" if session.revoked_at is not None else str(session.user_id)


def session_is_active(*, session_id: str, user_id: Any, cached: Any = None) -> bool:
    """Whether the session is still on **and belongs to** ``user_id``; cached, and overwritten the
    moment it is revoked.

    The cache holds the session's owner, not a yes/no for whoever asked first, so a token naming
    one user and another user's session id is refused whether the answer comes from the cache or
    the database, and such a token cannot make the owner's own session look ended either.
    """
    try:
        uuid.UUID(str(session_id))
    except ValueError:
        return False
    key = session_cache_key(session_id)
    # ``cached``: what the cache held under the session's key when the caller read it with other keys.
    owner = cached if isinstance(cached, str) else cache.get(key)
    if not isinstance(owner, str):  # a miss (or an entry of the old yes/no format)
        session = AuthSession.objects.filter(pk=session_id).only("user_id", "revoked_at").first()
        owner = "" if session is None else session_cache_value(session)
        cache.set(key, owner, SESSION_CACHE_TTL)
    return bool(owner) and owner == str(user_id)


def session_list(*, user: Any) -> QuerySet[AuthSession]:
    return AuthSession.objects.filter(user=user, revoked_at=None).order_by("-last_used_at")


# Personal access tokens --------------------------------------------------------------


def access_token_list(*, user: Any) -> QuerySet[PersonalAccessToken]:
    return PersonalAccessToken.objects.filter(user=user, revoked_at=None).order_by("-created_at")


def access_token_get(*, user: Any, token_id: Any) -> PersonalAccessToken | None:
    return PersonalAccessToken.objects.filter(pk=token_id, user=user, revoked_at=None).first()


def access_token_by_hash(*, token_hash: str) -> PersonalAccessToken | None:
    """An active, unexpired token with this digest (with its user)."""
    token = PersonalAccessToken.objects.select_related("user").filter(token_hash=token_hash, revoked_at=None).first()
    if token is None or (token.expires_at is not None and token.expires_at <= timezone.now()):
        return None
    return token


def token_usage_list(*, token: PersonalAccessToken) -> QuerySet[TokenUsage]:
    return TokenUsage.objects.filter(token=token).order_by("-used_at", "-id")


# Sign-in activity and lockout -----------------------------------------------------------


def sign_in_activity(*, user: Any) -> QuerySet[SignInAttempt]:
    return SignInAttempt.objects.filter(user=user).order_by("-created_at", "-id")


def account_filter(*, user: Any, identifier: str) -> Q:
    """The attempts that count against one account: its own, or those naming an unknown name."""
    if user is not None:
        return Q(user=user)
    return Q(user__isnull=True, identifier=identifier)


def _delay(failures: int, last_failure: Any, *, slowdown_after: int, lockout_after: int) -> tuple[int, bool] | None:
    if failures < slowdown_after or last_failure is None:
        return None
    if failures >= lockout_after:
        until = last_failure + settings.LOGIN_LOCKOUT_PERIOD
        locked = True
    else:
        pause = min(SLOWDOWN_BASE_SECONDS * 2 ** (failures - slowdown_after), SLOWDOWN_MAX_SECONDS)
        until = last_failure + timedelta(seconds=pause)
        locked = False
    remaining = (until - timezone.now()).total_seconds()
    return (math.ceil(remaining), locked) if remaining > 0 else None


def login_wait(*, account: Q, ip: str | None) -> tuple[int, bool] | None:
    """Seconds to wait before this account may try again from this address, and whether it is a lockout.

    Counted are wrong credentials in the last ``LOGIN_LOCKOUT_PERIOD``: for the account only
    since its last successful sign-in, for the address regardless. ``LOGIN_SLOWDOWN_AFTER``
    failures start a growing pause after each failure; ``LOGIN_LOCKOUT_AFTER`` lock it.
    """
    since = timezone.now() - settings.LOGIN_LOCKOUT_PERIOD
    recent = SignInAttempt.objects.filter(account, created_at__gte=since)
    # By id rather than time: attempts in the same instant still keep their order.
    last_success = recent.filter(succeeded=True).aggregate(id=Max("id"))["id"]
    failures = recent.filter(counts=True)
    if last_success is not None:
        failures = failures.filter(id__gt=last_success)
    stats = failures.aggregate(n=Count("id"), last=Max("created_at"))
    delays = [
        _delay(
            stats["n"],
            stats["last"],
            slowdown_after=settings.LOGIN_SLOWDOWN_AFTER,
            lockout_after=settings.LOGIN_LOCKOUT_AFTER,
        )
    ]
    if ip:
        by_address = SignInAttempt.objects.filter(ip=ip, counts=True, created_at__gte=since).aggregate(
            n=Count("id"), last=Max("created_at")
        )
        delays.append(
            _delay(
                by_address["n"],
                by_address["last"],
                slowdown_after=settings.LOGIN_ADDRESS_SLOWDOWN_AFTER,
                lockout_after=settings.LOGIN_ADDRESS_LOCKOUT_AFTER,
            )
        )
    found = [d for d in delays if d is not None]
    if not found:
        return None
    return max(found)


# Two-factor state for the security settings page ----------------------------------------


def user_two_factor_pending(*, user: Any) -> bool:
    """A set-up was started (a secret exists) but not yet confirmed with a code."""
    return TOTPDevice.objects.filter(user=user, confirmed_at__isnull=True).exists()


def recovery_codes_left(*, user: Any) -> int:
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def actor_of(request: Any) -> User:
    """The person a request acts as, for the services it calls: views reach a service only once
    authentication has passed, so an anonymous user here is a programming error."""
    user = request.user
    if not isinstance(user, User):
        raise Unauthenticated("Authentication credentials were not provided.", code=ErrorCode.NOT_AUTHENTICATED)
    return user
