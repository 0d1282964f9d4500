from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from finance.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the log is append-only, even for staff."""

    list_display = ("created_at", "action", "actor_id", "household_id", "target_type", "target_id", "ip")
    list_filter = ("action",)
    search_fields = ("request_id", "target_id")
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
