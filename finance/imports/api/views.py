from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from finance.core.api.parsers import JSONParser
from finance.households.api.viewsets import HouseholdScopedViewSet
from finance.households.models import Household
from finance.imports import selectors, services
from finance.imports.api.serializers import (
    ImportBatchOutputSerializer,
    ImportCommitInputSerializer,
    ImportedRowOutputSerializer,
    ImportMappingInputSerializer,
    ImportUploadInputSerializer,
)
from finance.imports.commit import Decision, import_commit
from finance.imports.models import ImportBatch, ImportStatus, RowStatus
from finance.imports.revert import import_revert
from finance.users.selectors import actor_of

HOUSEHOLD_QUERY = OpenApiParameter(
    "household", str, description="Household id; defaults to your default household.", required=False
)
CONFLICT = OpenApiResponse(description="Not possible in the batch's status (the envelope's code says why).")
ROW_ERRORS = OpenApiResponse(
    description="Refused, nothing imported: one error per row, `attr` = `rows.<row>` "
    "(codes such as `invalid_amount`, `currency_mismatch`, `decision_required`), or `decisions.<i>.<field>`."
)


@extend_schema_view(
    list=extend_schema(summary="List import batches", parameters=[HOUSEHOLD_QUERY]),
    retrieve=extend_schema(summary="An import batch"),
    create=extend_schema(
        summary="Upload a statement file",
        description="Multipart: `file`, `account`, optional `format` (csv, xlsx, ofx, qfx, qif, camt053, camt052, "
        "camt054, mt940, mt942; detected from the content when left out). The file is analysed at once: every row "
        "with its values, category and duplicate status (see preview). OFX/QFX/QIF/CAMT/MT940 files, and CSV/XLSX "
        "files read with the mapping saved for the account, are `mapped`; other CSV/XLSX files are `uploaded` with "
        "the detected mapping proposed in `detected` (confirm or change it with `mapping/`). Accepts "
        "`Idempotency-Key`. 413 above 50 MiB; 400 with the parser's message for a file that cannot be read.",
        request={"multipart/form-data": ImportUploadInputSerializer},
        responses={201: ImportBatchOutputSerializer, 413: OpenApiResponse(description="File too large.")},
    ),
    destroy=extend_schema(
        summary="Discard an uncommitted batch",
        description="Deletes the batch, its rows and its file. Committed batches are reverted instead (409).",
        responses={204: None, 409: CONFLICT},
    ),
)
class ImportBatchViewSet(HouseholdScopedViewSet):
    queryset = ImportBatch.objects.select_related("account")
    http_method_names = ["get", "post", "delete", "head", "options"]
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    input_serializer_class = ImportUploadInputSerializer
    output_serializer_class = ImportBatchOutputSerializer
    filterset_fields = ["status", "account"]

    def perform_service_create(self, *, household: Household, data: dict[str, Any]) -> ImportBatch:
        upload = data["file"]
        return services.import_upload(
            household=household,
            actor=actor_of(self.request),
            account=data["account"],
            file=upload,
            filename=upload.name or "",
            format=data.get("format"),
            statement_account=data.get("statement_account", ""),
        )

    def perform_service_destroy(self, *, instance: ImportBatch) -> None:
        services.import_discard(batch=instance, actor=actor_of(self.request))

    def _fresh(self, batch: ImportBatch) -> Any:
        # A commit's background task may have run (eagerly) after the service's transaction: show what is stored.
        return self.output(ImportBatch.objects.select_related("account").get(pk=batch.pk))

    @extend_schema(
        summary="Confirm or change the column mapping (CSV/XLSX)",
        description="Empty body: confirm the proposed mapping. `overrides`: change some fields. `mapping`: a whole "
        "mapping. The file is analysed again; errors name the mapping field in `attr` (e.g. `date_format`).",
        request=ImportMappingInputSerializer,
        responses={200: ImportBatchOutputSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="mapping")
    def set_mapping(self, request: Request, pk: str | None = None) -> Response:
        batch = self.get_object()
        data = self.validated(ImportMappingInputSerializer)
        batch = services.import_set_mapping(
            batch=batch, actor=actor_of(request), mapping=data.get("mapping"), overrides=data.get("overrides")
        )
        return Response(self._fresh(batch))

    @extend_schema(
        summary="Preview the rows",
        description="Every row in file order: parsed values, the category it would get, its duplicate status "
        "(`new`, `duplicate`, `possible_duplicate` with `duplicate_of`, `invalid` with `errors`) and, after "
        "commit, what it became. Paginated (`page`, `page_size` up to 500).",
        parameters=[
            OpenApiParameter(
                "status", str, enum=RowStatus.values, required=False, description="Only rows in this status."
            )
        ],
        responses={200: ImportedRowOutputSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], url_path="preview", filter_backends=[])
    def preview(self, request: Request, pk: str | None = None) -> Response:
        batch = self.get_object()
        wanted = request.query_params.get("status") or None
        if wanted is not None and wanted not in RowStatus.values:
            wanted = "-"  # an unknown status matches nothing
        rows = selectors.batch_rows(batch=batch, status=wanted)
        page = self.paginate_queryset(rows)
        data = ImportedRowOutputSerializer(page if page is not None else rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        summary="Commit the batch",
        description="All or nothing. Refused (400, per-row errors) while a row cannot be read, unless "
        "`skip_invalid`, and while a possible duplicate has no decision. Exact duplicates are skipped. Decisions "
        "are remembered: re-importing the rows never brings them back. Batches of more than 5,000 rows to import "
        "are committed in the background: 202 with status `processing` and `progress`.",
        request=ImportCommitInputSerializer,
        responses={
            200: ImportBatchOutputSerializer,
            202: ImportBatchOutputSerializer,
            400: ROW_ERRORS,
            409: CONFLICT,
        },
    )
    @action(detail=True, methods=["post"], url_path="commit")
    def commit(self, request: Request, pk: str | None = None) -> Response:
        batch = self.get_object()
        data = self.validated(ImportCommitInputSerializer)
        batch = import_commit(
            batch=batch,
            actor=actor_of(request),
            skip_invalid=data["skip_invalid"],
            decisions=[Decision(d["row"], d["action"]) for d in data["decisions"]],
        )
        body = self._fresh(batch)
        accepted = body["status"] == ImportStatus.PROCESSING
        return Response(body, status=status.HTTP_202_ACCEPTED if accepted else status.HTTP_200_OK)

    @extend_schema(
        summary="Revert a committed batch",
        description="Deletes exactly the transactions the batch created (not those it merged into) and restores "
        "balances and aggregates. The rows are kept as `reverted`. A second revert is 409.",
        request=None,
        responses={200: ImportBatchOutputSerializer, 409: CONFLICT},
    )
    @action(detail=True, methods=["post"], url_path="revert")
    def revert(self, request: Request, pk: str | None = None) -> Response:
        batch = import_revert(batch=self.get_object(), actor=actor_of(request))
        return Response(self._fresh(batch))
