"""Privacy reads: a user's exports and pending deletion."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from finance.privacy.models import AccountDeletion, DataExport


def export_list(*, user: Any) -> QuerySet[DataExport]:
    return DataExport.objects.filter(user=user).order_by("-created_at", "-id")


def account_deletion_for(*, user: Any) -> AccountDeletion | None:
    return AccountDeletion.objects.filter(user=user).first()
