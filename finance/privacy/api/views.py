from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, permissions, status
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from finance.core.api.throttling import ScopedRateThrottle
from finance.households.api.serializers import HouseholdOutputSerializer
from finance.households.api.viewsets import HouseholdScopedMixin
from finance.households.models import OWNER_ROLES, READ_ROLES, Household
from finance.households.selectors import household_list
from finance.privacy import selectors, services
from finance.privacy.api.serializers import (
    DeleteAccountInputSerializer,
    DeleteAccountOutputSerializer,
    ExportOutputSerializer,
    ImportInputSerializer,
    ImportOutputSerializer,
)
from finance.privacy.models import DataExport
from finance.users.authentication import IsSessionAuthenticated
from finance.users.selectors import actor_of


class ExportListView(generics.ListAPIView):
    serializer_class = ExportOutputSerializer
    queryset = DataExport.objects.none()

    def get_queryset(self) -> QuerySet[DataExport]:
        return selectors.export_list(user=self.request.user)

    @extend_schema(
        summary="Your data exports",
        description=(
            "Newest first, with their status. A `ready` export has a `download_url`: a signed link that works "
            "without the Authorization header until `download_expires_at`; list again for a fresh one. Files "
            "are deleted at `expires_at`."
        ),
        tags=["privacy"],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        summary="Export all your data",
        description=(
            "Starts building a ZIP of everything you can see: your profile, your households, their members, "
            "accounts, categories, tags, transactions (with splits and tags) and exchange rates, as JSON and as "
            "CSV, with a manifest of counts and SHA-256 checksums (docs/privacy.md). 202: poll the list until it "
            "is `ready`. 409 `export_in_progress` while another export of yours is being built."
        ),
        request=None,
        responses={202: ExportOutputSerializer, 409: OpenApiResponse(description="An export is being built.")},
        tags=["privacy"],
    )
    def post(self, request: Request) -> Response:
        export = services.export_request(user=request.user)
        export.refresh_from_db()
        return Response(ExportOutputSerializer(export, context={"request": request}).data, status=202)


class ExportDownloadView(APIView):
    """The signed link is the credential: it works from a browser without a bearer token."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        summary="Download an export",
        description=(
            "The ZIP, streamed. `token` comes from the export's `download_url`; an expired link is 409 "
            "`link_expired`, a wrong one or an expired export 404. Every download is recorded in the audit log."
        ),
        parameters=[OpenApiParameter("token", str, required=True, description="From `download_url`.")],
        responses={(200, "application/zip"): OpenApiTypes.BINARY, 404: None, 409: None},
        tags=["privacy"],
    )
    def get(self, request: Request, pk: str) -> FileResponse:
        export = services.export_for_download(export_id=pk, token=request.query_params.get("token", ""))
        handle = services.export_open(export=export, request=request)
        name = f"finance-export-{export.created_at:%Y%m%d-%H%M%S}.zip"
        return FileResponse(handle, as_attachment=True, filename=name, content_type="application/zip")


class ImportView(APIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Restore an export",
        description=(
            "Recreates the households of a data export (all, or those named in `household`) as new households "
            "that you own, with new ids; balances and monthly aggregates are rebuilt. Other members are not "
            "added. The archive's checksums must match (400 `invalid_file` otherwise)."
        ),
        request={"multipart/form-data": ImportInputSerializer},
        responses={201: ImportOutputSerializer},
        tags=["privacy"],
    )
    def post(self, request: Request) -> Response:
        data = ImportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.export_restore(
            owner=request.user,
            file=data.validated_data["file"],
            household_ids=[str(h) for h in data.validated_data.get("household", [])] or None,
            request=request,
        )
        households = household_list(user=request.user).filter(pk__in=[h.pk for h in result.households])
        body = {"households": households, "counts": result.counts, "skipped": result.skipped}
        return Response(ImportOutputSerializer(body).data, status=status.HTTP_201_CREATED)


class DeleteAccountView(APIView):
    permission_classes = [IsSessionAuthenticated]
    # Password guesses here share the budget of password changes.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "password"

    @extend_schema(
        summary="Delete your account",
        description=(
            "Needs your password (and a 2FA code when it is on). Every session and API token ends now; the "
            "account and its personal data are deleted for good after the grace period "
            "(`ACCOUNT_DELETION_GRACE_DAYS`, 14 days by default) unless you sign in before then, which cancels "
            "it. Households only you belong to are deleted with it; shared ones stay with their other members "
            "(if you were the only owner, the longest-standing editor, else viewer, becomes owner). "
            "409 `deletion_pending` if already requested."
        ),
        request=DeleteAccountInputSerializer,
        responses={202: DeleteAccountOutputSerializer},
        tags=["privacy"],
    )
    def post(self, request: Request) -> Response:
        data = DeleteAccountInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        deletion = services.account_deletion_request(user=request.user, **data.validated_data)
        return Response(DeleteAccountOutputSerializer(deletion).data, status=status.HTTP_202_ACCEPTED)


class HouseholdAnonymizeView(HouseholdScopedMixin):
    """``POST /households/{id}/anonymize/``: scoped like the household routes (404 elsewhere, owners only)."""

    serializer_class = HouseholdOutputSerializer
    queryset = Household.objects.none()  # the model, for the schema; rows come from get_queryset
    read_roles = READ_ROLES
    write_roles = OWNER_ROLES

    def household_id_of(self, obj: Household) -> Any:
        return obj.id

    def get_queryset(self) -> QuerySet[Household]:
        if getattr(self, "swagger_fake_view", False):
            return Household.objects.none()
        return household_list(user=self.request.user)

    @extend_schema(
        summary="Make an anonymized copy (owner)",
        description=(
            "Creates a new household that you own: a copy of this one with payees, descriptions, notes, "
            "references and tag names replaced by made-up words (the same text always gets the same "
            'pseudonym within the copy), account names generalized ("Checking 1") and institutions removed. '
            "Amounts, dates, categories and rates stay; balances and aggregates are rebuilt. "
            "The original is not changed."
        ),
        request=None,
        responses={201: HouseholdOutputSerializer},
    )
    def post(self, request: Request, pk: str) -> Response:
        copy = services.household_anonymize(household=self.get_object(), actor=actor_of(request))
        return Response(HouseholdOutputSerializer(self.get_queryset().get(pk=copy.id)).data, status=201)
