"""Privacy reads: a user's exports, pending deletion and the audit log they may read."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from finance.audit.models import AuditEvent
from finance.households.models import Membership, Role
from finance.privacy.models import AccountDeletion, DataExport


def audit_event_list(*, user: Any) -> QuerySet[AuditEvent]:
    """Events the user acted in, and every event of the households they own, newest first."""
    if not getattr(user, "is_authenticated", False):
        return AuditEvent.objects.none()
    owned = Membership.objects.filter(user=user, role=Role.OWNER).values("household_id")
    return AuditEvent.objects.filter(Q(actor=user) | Q(household_id__in=owned)).order_by("-created_at", "-id")


def export_list(*, user: Any) -> QuerySet[DataExport]:
    return DataExport.objects.filter(user=user).order_by("-created_at", "-id")


def account_deletion_for(*, user: Any) -> AccountDeletion | None:
    return AccountDeletion.objects.filter(user=user).first()
