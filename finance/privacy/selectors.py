"""Privacy reads: a user's exports, pending deletion and the audit log they may read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from finance.audit.models import AuditAction, AuditEvent
from finance.households.models import Household, Membership, Role
from finance.privacy.models import AccountDeletion, DataExport, ExportStatus


def audit_event_list(*, user: Any) -> QuerySet[AuditEvent]:
    """Events the user acted in, and every event of the households they own, newest first."""
    if not getattr(user, "is_authenticated", False):
        return AuditEvent.objects.none()
    owned = Membership.objects.filter(user=user, role=Role.OWNER).values("household_id")
    return AuditEvent.objects.filter(Q(actor=user) | Q(household_id__in=owned)).order_by("-created_at", "-id")


def export_list(*, user: Any) -> QuerySet[DataExport]:
    return DataExport.objects.filter(user=user).order_by("-created_at", "-id")


def export_downloadable(*, user_id: Any, export_id: Any) -> DataExport | None:
    """The user's export with this id while its file can be downloaded (ready and not expired)."""
    export = DataExport.objects.filter(pk=export_id, user_id=user_id, status=ExportStatus.READY).first()
    if export is None or (export.expires_at is not None and export.expires_at <= timezone.now()):
        return None
    return export


def account_deletion_cancelled_since(*, user: Any, since: datetime) -> bool:
    """Whether a scheduled deletion of the user's account was cancelled since then (signing in does it)."""
    return AuditEvent.objects.filter(actor=user, action=AuditAction.DELETION_CANCEL, created_at__gte=since).exists()


def account_deletion_for(*, user: Any) -> AccountDeletion | None:
    return AccountDeletion.objects.filter(user=user).first()


def account_deletion_outcome(*, user: Any) -> dict[str, list[Household]]:
    """What deleting the account would do to each of the user's households, as ``account_purge`` does it:
    ``deleted`` (only they belong to it: it goes with everything in it), ``handed_over`` (they are its only
    owner: another member becomes owner) and ``kept`` (it stays with its other members and owners)."""
    memberships = (
        Membership.objects.filter(user=user)
        .select_related("household")
        .annotate(
            members=Count("household__memberships", distinct=True),
            owners=Count("household__memberships", filter=Q(household__memberships__role=Role.OWNER), distinct=True),
        )
    )
    outcome: dict[str, list[Household]] = {"deleted": [], "handed_over": [], "kept": []}
    for membership in memberships.order_by("household__name"):
        if membership.members <= 1:
            outcome["deleted"].append(membership.household)
        elif membership.role == Role.OWNER and membership.owners <= 1:
            outcome["handed_over"].append(membership.household)
        else:
            outcome["kept"].append(membership.household)
    return outcome
