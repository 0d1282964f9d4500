"""Input and output shapes of the imports API."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from finance.core.api.fields import ScopedPrimaryKeyField
from finance.imports.models import ImportBatch, ImportedRow, ImportFormat, RowDecision, RowStatus
from finance.imports.selectors import batch_progress, row_category, row_duplicate_of, row_transaction, row_transfer
from finance.ledger.models import Account, CategorizationSource

HOUSEHOLD_HELP = "Household to import into; defaults to your default household."
BATCH_EXAMPLE = {
    "id": "5b1f6a8e-2c4d-4e8f-9a0b-1c2d3e4f5a6b",
    "household": "3f0c2d1e-7a41-4f0e-9d57-5f1b2b9f8a10",
    "account": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "status": "committed",
    "format": "ofx",
    "filename": "checking-2026-03.ofx",
    "file_size": 18231,
    "detected": None,
    "mapping": None,
    "mapping_source": "",
    "statement": {
        "account": {"iban": None, "account_id": "1234567", "account_number": None, "bank_id": "021000021"},
        "currency": "EUR",
        "opening_balance": None,
        "closing_balance": {"amount": "1834.17", "date": "2026-03-31", "currency": "EUR"},
        "period_start": "2026-03-01",
        "period_end": "2026-03-31",
    },
    "rows_total": 42,
    "rows_new": 39,
    "rows_imported": 40,
    "duplicates": 2,
    "possible_duplicates": 1,
    "rows_invalid": 0,
    "rows_merged": 0,
    "rows_skipped": 0,
    "possible_transfers": 0,
    "rows_transferred": 0,
    "errors": [],
    "warnings": [],
    "balance_check": {
        "statement_balance": "1834.17",
        "computed_balance": "1834.17",
        "difference": "0.00",
        "as_of": "2026-03-31",
        "currency": "EUR",
        "matches": True,
    },
    "progress": 1.0,
    "failure": "",
    "created_by": "5d1f1c8e-1b0a-4bb2-9a55-0e2a3c4d5e6f",
    "created_at": "2026-04-01T08:00:00Z",
    "committed_at": "2026-04-01T08:01:10Z",
    "reverted_at": None,
}


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Upload an OFX file",
            value={"account": "0f8fad5b-d9cb-469f-a165-70867728950e", "file": "(binary)"},
            request_only=True,
        )
    ]
)
class ImportUploadInputSerializer(serializers.Serializer):
    household = serializers.UUIDField(required=False, write_only=True, help_text=HOUSEHOLD_HELP)
    account = ScopedPrimaryKeyField(model=Account, help_text="The account the statement belongs to.")
    file = serializers.FileField(help_text="The statement file (at most 50 MiB).")
    format = serializers.ChoiceField(
        choices=ImportFormat.choices, required=False, help_text="Detected from the content when left out."
    )
    statement_account = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        help_text="For files holding several accounts: the IBAN or account number of the one to import.",
    )


class ImportRowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="The row's line in the file (the sheet row for XLSX).")
    column = serializers.CharField(allow_null=True, required=False)
    code = serializers.CharField()
    detail = serializers.CharField()
    value = serializers.CharField(allow_null=True, required=False)


class BalanceCheckSerializer(serializers.Serializer):
    statement_balance = serializers.CharField(help_text="The closing balance the file states.")
    computed_balance = serializers.CharField(
        help_text="Opening balance + every flow of the account up to as_of, after the import."
    )
    difference = serializers.CharField(help_text="statement_balance − computed_balance.")
    as_of = serializers.DateField(allow_null=True)
    currency = serializers.CharField()
    matches = serializers.BooleanField()


@extend_schema_serializer(examples=[OpenApiExample("A committed batch", value=BATCH_EXAMPLE, response_only=True)])
class ImportBatchOutputSerializer(serializers.ModelSerializer):
    detected = serializers.JSONField(
        read_only=True, allow_null=True, help_text="CSV/XLSX: the proposed mapping, confidences, header, preview."
    )
    mapping = serializers.JSONField(read_only=True, allow_null=True, help_text="CSV/XLSX: the mapping in use.")
    statement = serializers.JSONField(read_only=True, help_text="What the file says about itself.")
    errors = ImportRowErrorSerializer(  # type: ignore[assignment]
        many=True, read_only=True, help_text="Rows that cannot be imported, and why."
    )
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)
    balance_check = BalanceCheckSerializer(read_only=True, allow_null=True)
    progress = serializers.SerializerMethodField(help_text="0 to 1; a background commit reports as it goes.")

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "household",
            "account",
            "status",
            "format",
            "filename",
            "file_size",
            "detected",
            "mapping",
            "mapping_source",
            "statement",
            "rows_total",
            "rows_new",
            "rows_imported",
            "duplicates",
            "possible_duplicates",
            "rows_invalid",
            "rows_merged",
            "rows_skipped",
            "possible_transfers",
            "rows_transferred",
            "errors",
            "warnings",
            "balance_check",
            "progress",
            "failure",
            "created_by",
            "created_at",
            "committed_at",
            "reverted_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.FloatField())
    def get_progress(self, obj: ImportBatch) -> float:
        return batch_progress(obj)


@extend_schema_serializer(
    examples=[
        OpenApiExample("Confirm the proposed mapping", value={}, request_only=True),
        OpenApiExample(
            "Change some fields",
            value={"overrides": {"date_format": "%d/%m/%Y", "sign_convention": "inverted"}},
            request_only=True,
        ),
        OpenApiExample(
            "A whole mapping",
            value={
                "mapping": {
                    "date_column": "Date",
                    "date_format": "%m/%d/%Y",
                    "amount_column": "Amount",
                    "payee_column": "Description",
                }
            },
            request_only=True,
        ),
    ]
)
class ImportMappingInputSerializer(serializers.Serializer):
    mapping = serializers.DictField(
        required=False, help_text="A whole column mapping (fields as in docs/imports.md); replaces the current one."
    )
    overrides = serializers.DictField(required=False, help_text="Fields to change in the current (or given) mapping.")


class ImportDecisionSerializer(serializers.Serializer):
    row = serializers.IntegerField(min_value=0, help_text="The row number, as the preview shows it.")
    action = serializers.ChoiceField(
        choices=RowDecision.choices,
        help_text="import: keep both (for a possible transfer: import as a plain income or expense); skip: do not "
        "import; merge: link to the possible duplicate (a pending transaction becomes posted with the row's amount); "
        "transfer: link to the possible transfer (the other account's transaction becomes one transfer).",
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample("Commit", value={}, request_only=True),
        OpenApiExample(
            "Skip unreadable rows and decide duplicates",
            value={
                "skip_invalid": True,
                "decisions": [{"row": 12, "action": "merge"}, {"row": 17, "action": "import"}],
            },
            request_only=True,
        ),
    ]
)
class ImportCommitInputSerializer(serializers.Serializer):
    skip_invalid = serializers.BooleanField(
        default=False, help_text="Import the readable rows and leave out those that cannot be read."
    )
    decisions = ImportDecisionSerializer(many=True, required=False, default=list)


class RowCategorySerializer(serializers.Serializer):
    id = serializers.UUIDField()
    name = serializers.CharField()
    source = serializers.ChoiceField(choices=CategorizationSource.choices)  # type: ignore[assignment]
    confidence = serializers.FloatField(allow_null=True)
    needs_review = serializers.BooleanField()


class DuplicateOfSerializer(serializers.Serializer):
    transaction = serializers.UUIDField(allow_null=True, help_text="Null when that transaction was deleted since.")
    date = serializers.DateField(allow_null=True)
    amount = serializers.CharField(allow_null=True, help_text="Signed, from the account's side.")
    payee = serializers.CharField(allow_null=True)
    score = serializers.FloatField(allow_null=True, help_text="Possible duplicates: 0 to 1.")
    reason = serializers.CharField()


class PossibleTransferSerializer(serializers.Serializer):
    transaction = serializers.UUIDField(allow_null=True, help_text="Null when that transaction was deleted since.")
    account = serializers.UUIDField(allow_null=True, help_text="The household's other account.")
    account_name = serializers.CharField(allow_null=True)
    date = serializers.DateField(allow_null=True)
    amount = serializers.CharField(
        allow_null=True, help_text="Signed, from the other account's side, in that account's currency."
    )
    currency = serializers.CharField(allow_null=True, help_text="The other account's currency.")
    payee = serializers.CharField(allow_null=True)
    suggested = serializers.BooleanField(
        help_text="Linked on commit unless the row is decided `import`: exact amount, at most 3 days apart and "
        "a transfer-like text. Otherwise linked only when decided `transfer`."
    )
    linked = serializers.BooleanField(help_text="Committed: the row is this transfer's side.")
    reason = serializers.CharField()


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "A possible duplicate",
            value={
                "row": 14,
                "status": "possible_duplicate",
                "decision": "",
                "date": "2026-03-12",
                "posted_date": None,
                "amount": "-54.20",
                "type": "expense",
                "currency": "EUR",
                "payee": "SUSHI PLACE 123",
                "description": "Card payment",
                "reference": None,
                "provider_id": "202603120001",
                "check_number": None,
                "is_pending": False,
                "category": {
                    "id": "7d7a1c2e-0b6f-4f51-8f43-1b2c3d4e5f60",
                    "name": "Dining out",
                    "source": "history",
                    "confidence": 0.9,
                    "needs_review": False,
                },
                "duplicate_of": {
                    "transaction": "9b2f5c1e-52a5-4c86-9c1f-2f0c8d6b7a11",
                    "date": "2026-03-10",
                    "amount": "-45.00",
                    "payee": "Sushi Place",
                    "score": 0.87,
                    "reason": "Possible duplicate: pending 45.00, posted 54.20, 2 day(s) apart, payee similarity 100%.",
                },
                "transfer": None,
                "transaction": None,
                "errors": [],
                "raw": {"STMTTRN/NAME": "SUSHI PLACE 123", "STMTTRN/TRNAMT": "-54.20"},
            },
            response_only=True,
        )
    ]
)
class ImportedRowOutputSerializer(serializers.ModelSerializer):
    row = serializers.IntegerField(source="row_number")
    status = serializers.ChoiceField(choices=RowStatus.choices)
    decision = serializers.CharField(help_text="import, skip, merge, or empty.")
    amount = serializers.SerializerMethodField(help_text="Signed: negative is money out.")
    type = serializers.SerializerMethodField(help_text="income or expense; null for unreadable rows.")
    posted_date = serializers.SerializerMethodField()
    currency = serializers.SerializerMethodField()
    payee = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    reference = serializers.SerializerMethodField()
    provider_id = serializers.SerializerMethodField()
    check_number = serializers.SerializerMethodField()
    is_pending = serializers.SerializerMethodField()
    category = serializers.SerializerMethodField()
    duplicate_of = serializers.SerializerMethodField()
    transfer = serializers.SerializerMethodField(
        help_text="A possible transfer with another account of the household, or the transfer the row was linked to."
    )
    transaction = serializers.SerializerMethodField(help_text="The transaction this row created or was linked to.")
    errors = serializers.SerializerMethodField()  # type: ignore[assignment]
    raw = serializers.JSONField(help_text="The values as the file wrote them.")

    class Meta:
        model = ImportedRow
        fields = [
            "row",
            "status",
            "decision",
            "date",
            "posted_date",
            "amount",
            "type",
            "currency",
            "payee",
            "description",
            "reference",
            "provider_id",
            "check_number",
            "is_pending",
            "category",
            "duplicate_of",
            "transfer",
            "transaction",
            "errors",
            "raw",
        ]
        read_only_fields = fields

    @extend_schema_field(ImportRowErrorSerializer(many=True))
    def get_errors(self, obj: ImportedRow) -> list[dict[str, Any]]:
        return [{"row": obj.row_number, **error} for error in obj.errors]

    def _parsed(self, obj: ImportedRow, name: str) -> Any:
        return obj.parsed.get(name) if obj.parsed else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_amount(self, obj: ImportedRow) -> str | None:
        return str(obj.amount.normalize().quantize(Decimal("0.01"))) if obj.amount is not None else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_type(self, obj: ImportedRow) -> str | None:
        if obj.amount is None:
            return None
        return "expense" if obj.amount < 0 else "income"

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_posted_date(self, obj: ImportedRow) -> str | None:
        value = self._parsed(obj, "posted_date")
        return str(value) if value else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_currency(self, obj: ImportedRow) -> str | None:
        value = self._parsed(obj, "currency")
        return str(value) if value else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_payee(self, obj: ImportedRow) -> str | None:
        return self._parsed(obj, "payee")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_description(self, obj: ImportedRow) -> str | None:
        return self._parsed(obj, "description")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_reference(self, obj: ImportedRow) -> str | None:
        return self._parsed(obj, "reference")

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_provider_id(self, obj: ImportedRow) -> str | None:
        return obj.provider_id or None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_check_number(self, obj: ImportedRow) -> str | None:
        return obj.check_number or None

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_is_pending(self, obj: ImportedRow) -> bool | None:
        return self._parsed(obj, "is_pending")

    @extend_schema_field(RowCategorySerializer(allow_null=True))
    def get_category(self, obj: ImportedRow) -> dict[str, Any] | None:
        return row_category(obj)

    @extend_schema_field(DuplicateOfSerializer(allow_null=True))
    def get_duplicate_of(self, obj: ImportedRow) -> dict[str, Any] | None:
        return row_duplicate_of(obj)

    @extend_schema_field(PossibleTransferSerializer(allow_null=True))
    def get_transfer(self, obj: ImportedRow) -> dict[str, Any] | None:
        return row_transfer(obj)

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_transaction(self, obj: ImportedRow) -> Any:
        return row_transaction(obj)
