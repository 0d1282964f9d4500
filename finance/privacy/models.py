"""Data exports and pending account deletions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from finance.core.models import UUIDModel


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for a worker")
    RUNNING = "running", _("Being built")
    READY = "ready", _("Ready to download")
    FAILED = "failed", _("Failed")
    EXPIRED = "expired", _("Expired; the file is gone")


class DataExport(UUIDModel):
    """One export of everything a user can see: a ZIP under ``MEDIA_ROOT`` while it is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports")
    status = models.CharField(max_length=10, choices=ExportStatus.choices, default=ExportStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file = models.CharField(max_length=255, blank=True, default="", help_text="Path below MEDIA_ROOT.")
    size = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    counts = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="privacy_export_user_recent"),
            models.Index(fields=["status", "expires_at"], name="privacy_export_expiry"),
        ]

    def __str__(self) -> str:
        return f"export {self.pk} ({self.status})"


class AccountDeletion(models.Model):
    """A confirmed request to delete an account: purged after the grace period unless cancelled."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="deletion_request"
    )
    requested_at = models.DateTimeField()
    purge_after = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"deletion of {self.user_id} after {self.purge_after:%Y-%m-%d}"
