"""Reading the audit log: the caller's own events and those of the households they own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from finance.audit.models import AuditEvent


def audit_event_list(*, user: Any) -> QuerySet[AuditEvent]:
    """Events the user acted in, and every event of the households they own, newest first."""
    return AuditEvent.objects.visible_to(user).order_by("-created_at", "-id")
