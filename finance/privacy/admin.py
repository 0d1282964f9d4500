from django.contrib import admin

from finance.privacy.models import AccountDeletion, DataExport


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin):
    list_display = ("user", "status", "created_at", "expires_at", "size")
    list_filter = ("status",)
    raw_id_fields = ("user",)
    readonly_fields = ("file", "sha256", "counts", "size")


@admin.register(AccountDeletion)
class AccountDeletionAdmin(admin.ModelAdmin):
    list_display = ("user", "requested_at", "purge_after")
    raw_id_fields = ("user",)
