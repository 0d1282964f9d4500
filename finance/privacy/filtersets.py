"""The audit log's filters (``GET /api/v1/audit/``), for the API and a web view alike."""

from __future__ import annotations

import django_filters

from finance.audit.models import AuditAction, AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    action = django_filters.MultipleChoiceFilter(
        choices=AuditAction.choices, help_text="One or more actions (repeat the parameter)."
    )
    household = django_filters.UUIDFilter(field_name="household_id", help_text="Only this household's events.")
    actor = django_filters.UUIDFilter(field_name="actor_id", help_text="Only what this user did.")
    date_after = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", help_text="On or after this day (UTC), YYYY-MM-DD."
    )
    date_before = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__lte", help_text="On or before this day (UTC), YYYY-MM-DD."
    )

    class Meta:
        model = AuditEvent
        fields = ["action", "household", "actor", "date_after", "date_before"]
