"""The audit log as the API serves it (``GET /api/v1/audit/``): a person's own actions and everything
done in the households they own. The log itself is ``finance.audit``; who may read what needs households."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_serializer, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from finance.audit.models import AuditAction, AuditEvent
from finance.core.api.filters import FilterBackend
from finance.core.api.pagination import CursorPagination
from finance.privacy import selectors
from finance.privacy.filtersets import AuditEventFilterSet


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A profile change",
            value={
                "id": "0b6f0f5e-3a52-4c2c-9a64-1b0f5c2a9e11",
                "created_at": "2026-03-02T09:00:00Z",
                "action": "profile.update",
                "actor": "5d1f1c8e-1b0a-4bb2-9a55-0e2a3c4d5e6f",
                "household": None,
                "target_type": "users.user",
                "target_id": "5d1f1c8e-1b0a-4bb2-9a55-0e2a3c4d5e6f",
                "changes": {"timezone": ["UTC", "Europe/Berlin"]},
                "ip": "203.0.113.7",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
                "request_id": "8d0c1f3c5a6b4e2f9a7d3c1b2a4e6f80",
            },
            response_only=True,
        )
    ]
)
class AuditEventOutputSerializer(serializers.ModelSerializer):
    action = serializers.ChoiceField(choices=AuditAction.choices, read_only=True)
    actor = serializers.UUIDField(source="actor_id", read_only=True, allow_null=True)
    household = serializers.UUIDField(source="household_id", read_only=True, allow_null=True)
    changes = serializers.DictField(read_only=True, help_text="What changed: `{field: [old, new]}` or a summary.")

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "action",
            "actor",
            "household",
            "target_type",
            "target_id",
            "changes",
            "ip",
            "user_agent",
            "request_id",
        ]
        read_only_fields = fields


class AuditPagination(CursorPagination):
    ordering = ("-created_at", "-id")


@extend_schema_view(
    list=extend_schema(
        summary="The audit log",
        description=(
            "Sensitive actions, newest first: your own (sign-ins, credential and profile changes, exports, "
            "deletions, ...) and, for households you own, everything done in them. Filter by `action` "
            "(repeatable), `household`, `date_after` and `date_before`. Keyset pages: follow `next`. "
            "The log is append-only: there is no way to change or delete an entry."
        ),
        tags=["audit"],
    ),
    retrieve=extend_schema(summary="An audit event", tags=["audit"]),
)
class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AuditEventOutputSerializer
    queryset = AuditEvent.objects.none()
    filter_backends = [FilterBackend]
    filterset_class = AuditEventFilterSet
    pagination_class = AuditPagination

    def get_queryset(self) -> QuerySet[AuditEvent]:
        return selectors.audit_event_list(user=self.request.user)
