from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets

from finance.audit import selectors
from finance.audit.api.serializers import AuditEventOutputSerializer
from finance.audit.filtersets import AuditEventFilterSet
from finance.audit.models import AuditEvent
from finance.core.api.filters import FilterBackend
from finance.core.api.pagination import CursorPagination


class AuditPagination(CursorPagination):
    ordering = ("-created_at", "-id")  # type: ignore[assignment]


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
