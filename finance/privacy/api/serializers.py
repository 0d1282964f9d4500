from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from finance.households.api.serializers import HouseholdOutputSerializer
from finance.privacy.models import DataExport, ExportStatus
from finance.privacy.services import export_download_token


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A finished export",
            value={
                "id": "3f9b6a3e-51e5-4c50-9d8e-1f2a3b4c5d6e",
                "status": "ready",
                "created_at": "2026-03-02T09:00:00Z",
                "finished_at": "2026-03-02T09:00:04Z",
                "expires_at": "2026-03-09T09:00:04Z",
                "size": 48213,
                "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "counts": {"accounts": 3, "transactions": 412},
                "download_url": "https://finance.example.com/api/v1/privacy/export/3f9b6a3e-51e5-4c50-9d8e-1f2a3b4c5d6e/"
                "download/?token=…",
                "download_expires_at": "2026-03-02T10:00:00Z",
            },
            response_only=True,
        )
    ]
)
class ExportOutputSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=ExportStatus.choices, read_only=True)
    counts = serializers.DictField(child=serializers.IntegerField(), read_only=True)
    download_url = serializers.SerializerMethodField(help_text="A signed link to the ZIP while it is ready.")
    download_expires_at = serializers.SerializerMethodField(help_text="When `download_url` stops working.")

    class Meta:
        model = DataExport
        fields = [
            "id",
            "status",
            "created_at",
            "finished_at",
            "expires_at",
            "size",
            "sha256",
            "counts",
            "download_url",
            "download_expires_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_download_url(self, export: DataExport) -> str | None:
        if export.status != ExportStatus.READY:
            return None
        path = reverse("privacy-export-download", kwargs={"pk": export.pk})
        url = f"{path}?token={export_download_token(export=export)}"
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request is not None else url

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_download_expires_at(self, export: DataExport) -> Any:
        if export.status != ExportStatus.READY:
            return None
        until = timezone.now() + settings.EXPORT_LINK_MAX_AGE
        if export.expires_at is not None:
            until = min(until, export.expires_at)
        return serializers.DateTimeField().to_representation(until)


@extend_schema_serializer(examples=[OpenApiExample("Restore", value={"file": "export.zip"}, request_only=True)])
class ImportInputSerializer(serializers.Serializer):
    file = serializers.FileField(help_text="A ZIP made by a data export.")
    household = serializers.ListField(
        child=serializers.UUIDField(),
        required=False,
        help_text="Restore only these households of the export (their ids in the file); default: all.",
    )


class ImportOutputSerializer(serializers.Serializer):
    households = HouseholdOutputSerializer(many=True, help_text="The new households, owned by you.")
    counts = serializers.DictField(child=serializers.IntegerField(), help_text="Rows restored per resource.")
    skipped = serializers.ListField(
        child=serializers.CharField(), help_text="Resources in the file this server does not know; not restored."
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample("With 2FA on", value={"password": "a-long-unusual-passphrase", "code": "492039"}),
    ]
)
class DeleteAccountInputSerializer(serializers.Serializer):
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=32,
        help_text="With two-factor authentication on: a current code or an unused recovery code.",
    )


class DeleteAccountOutputSerializer(serializers.Serializer):
    requested_at = serializers.DateTimeField()
    purge_after = serializers.DateTimeField(help_text="Signing in before then cancels the deletion.")
