"""Personal access tokens: create, revoke, record their use."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from finance.audit.models import AuditAction
from finance.audit.services import audit_record
from finance.core.exceptions import (
    Conflict,
    FieldErrors,
    NotFound,
)
from finance.users.errors import ErrorCode
from finance.users.models import (
    PersonalAccessToken,
    TokenScope,
    TokenUsage,
)
from finance.users.services._common import MAX_ACTIVE_TOKENS, TOKEN_PREFIX, TOUCH_INTERVAL


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


@transaction.atomic
def access_tokens_revoke_all(*, user: Any) -> int:
    """Revoke every active token of the user (each recorded); returns how many."""
    ids = list(PersonalAccessToken.objects.filter(user=user, revoked_at=None).values_list("pk", flat=True))
    for token_id in ids:
        access_token_revoke(user=user, token_id=token_id)
    return len(ids)
