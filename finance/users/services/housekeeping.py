"""Purging old sign-in attempts and token usage."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from finance.users.models import (
    OAuthRequest,
    SignInAttempt,
    TokenUsage,
)


def auth_audit_purge() -> int:
    """Delete sign-in attempts and token usage older than ``AUDIT_RETENTION``, and stale OAuth requests."""
    cutoff = timezone.now() - settings.AUDIT_RETENTION
    attempts, _ = SignInAttempt.objects.filter(created_at__lt=cutoff).delete()
    usages, _ = TokenUsage.objects.filter(used_at__lt=cutoff).delete()
    stale, _ = OAuthRequest.objects.filter(created_at__lt=timezone.now() - settings.OAUTH_REQUEST_TIMEOUT).delete()
    return attempts + usages + stale
