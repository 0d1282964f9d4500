from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, tzinfo
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from finance.core.api.fields import BoundedListSerializer, MoneyField, ScopedPrimaryKeyField
from finance.core.api.serializers import PrototypeFields
from finance.core.money import present
from finance.ledger import selectors
from finance.ledger.inputs import SplitInput, TransactionInput
from finance.ledger.models import (
    Account,
    AccountType,
    CategorizationSource,
    Category,
    CategoryType,
    Split,
    Tag,
    Transaction,
    TransactionType,
)
from finance.ledger.services import MAX_SPLITS, MAX_TAGS

HOUSEHOLD_HELP = "Household to create in; defaults to your default household."


# --- Accounts ------------------------------------------------------------------------------------


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Checking account",
            value={
                "id": "0f8fad5b-d9cb-469f-a165-70867728950e",
                "household": "3f0c2d1e-7a41-4f0e-9d57-5f1b2b9f8a10",
                "name": "Everyday",
                "type": "checking",
                "institution": "Example Bank",
                "currency": "EUR",
                "opening_balance": "1200.00",
                "balance": "1834.17",
                "color": "#2e7d32",
                "icon": "bank",
                "group": "Cash",
                "is_active": True,
                "include_in_net_worth": True,
                "created_at": "2026-01-05T09:30:00Z",
                "updated_at": "2026-03-01T10:00:00Z",
            },
            response_only=True,
        )
    ]
)
class AccountOutputSerializer(serializers.ModelSerializer):
    opening_balance = MoneyField(currency="currency", read_only=True)
    balance = MoneyField(
        currency="currency", read_only=True, help_text="Opening balance + income − expense ± transfers."
    )

    class Meta:
        model = Account
        fields = [
            "id",
            "household",
            "name",
            "type",
            "institution",
            "currency",
            "opening_balance",
            "balance",
            "color",
            "icon",
            "group",
            "is_active",
            "include_in_net_worth",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AccountUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    type = serializers.ChoiceField(choices=AccountType.choices, required=False)
    institution = serializers.CharField(max_length=120, required=False, allow_blank=True)
    currency = serializers.CharField(max_length=10, required=False, help_text="ISO 4217; fixed once used.")
    opening_balance = MoneyField(required=False)
    color = serializers.CharField(max_length=20, required=False, allow_blank=True)
    icon = serializers.CharField(max_length=40, required=False, allow_blank=True)
    group = serializers.CharField(max_length=60, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, help_text="False archives the account.")
    include_in_net_worth = serializers.BooleanField(required=False)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "New account",
            value={"name": "Everyday", "type": "checking", "currency": "EUR", "opening_balance": "1200.00"},
            request_only=True,
        )
    ]
)
class AccountInputSerializer(AccountUpdateSerializer):
    household = serializers.UUIDField(required=False, write_only=True, help_text=HOUSEHOLD_HELP)
    name = serializers.CharField(max_length=120)
    currency = serializers.CharField(max_length=10, required=False, help_text="Defaults to the base currency.")


# --- Categories ----------------------------------------------------------------------------------


class CategoryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "household", "name", "type", "parent", "icon", "color", "is_system", "sort_order"]
        read_only_fields = fields


class CategoryUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    type = serializers.ChoiceField(choices=CategoryType.choices, required=False)
    parent = ScopedPrimaryKeyField(model=Category, required=False, allow_null=True)  # type: ignore[assignment]
    icon = serializers.CharField(max_length=40, required=False, allow_blank=True)
    color = serializers.CharField(max_length=20, required=False, allow_blank=True)
    sort_order = serializers.IntegerField(required=False)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Subcategory", value={"name": "Bakery", "type": "expense", "parent": "…id of Food…"}, request_only=True
        )
    ]
)
class CategoryInputSerializer(CategoryUpdateSerializer):
    household = serializers.UUIDField(required=False, write_only=True, help_text=HOUSEHOLD_HELP)
    name = serializers.CharField(max_length=80)
    type = serializers.ChoiceField(choices=CategoryType.choices)


# --- Tags ----------------------------------------------------------------------------------------------


class TagOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "color"]
        read_only_fields = fields


class TagUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=60, required=False)
    color = serializers.CharField(max_length=20, required=False, allow_blank=True)


class TagInputSerializer(TagUpdateSerializer):
    household = serializers.UUIDField(required=False, write_only=True, help_text=HOUSEHOLD_HELP)
    name = serializers.CharField(max_length=60)


# --- Transactions ------------------------------------------------------------------------------------


class SplitOutputSerializer(serializers.ModelSerializer):
    amount = MoneyField(currency="transaction.currency", read_only=True)

    class Meta:
        model = Split
        fields = ["category", "amount", "description"]
        read_only_fields = fields


class SplitInputSerializer(PrototypeFields, serializers.Serializer):
    category = ScopedPrimaryKeyField(model=Category)
    amount = MoneyField(positive=True)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")

    class Meta:
        list_serializer_class = BoundedListSerializer


class CategorizationSerializer(serializers.Serializer):
    source = serializers.ChoiceField(choices=CategorizationSource.choices, allow_null=True)  # type: ignore[assignment]
    confidence = serializers.DecimalField(max_digits=5, decimal_places=4, allow_null=True, coerce_to_string=False)
    rule = serializers.UUIDField(allow_null=True)


_RATE_FIELD = serializers.DecimalField(max_digits=28, decimal_places=12)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "An expense",
            value={
                "id": "9b2f5c1e-52a5-4c86-9c1f-2f0c8d6b7a11",
                "household": "3f0c2d1e-7a41-4f0e-9d57-5f1b2b9f8a10",
                "account": "0f8fad5b-d9cb-469f-a165-70867728950e",
                "type": "expense",
                "amount": "42.50",
                "currency": "EUR",
                "date": "2026-03-14",
                "posted_date": None,
                "category": "7d7a1c2e-0b6f-4f51-8f43-1b2c3d4e5f60",
                "payee": "Green Grocer",
                "description": "Weekly shop",
                "notes": "",
                "tags": ["family"],
                "transfer_account": None,
                "transfer_amount": None,
                "splits": [],
                "is_pending": False,
                "is_excluded": False,
                "is_reconciled": False,
                "reference_number": "",
                "amount_in_base_currency": "46.12",
                "exchange_rate": "1.085200000000",
                "exchange_rate_date": "2026-03-14",
                "needs_review": False,
                "categorization": {"source": "user", "confidence": 1.0, "rule": None},
                "import_batch": None,
                "created_by": "5d1f1c8e-1b0a-4bb2-9a55-0e2a3c4d5e6f",
                "created_at": "2026-03-14T18:02:11Z",
                "updated_at": "2026-03-14T18:02:11Z",
            },
            response_only=True,
        )
    ]
)
class TransactionOutputSerializer(serializers.ModelSerializer):
    amount = MoneyField(currency="currency", read_only=True)
    transfer_amount = MoneyField(currency="transfer_account.currency", read_only=True, allow_null=True)
    amount_in_base_currency = MoneyField(
        currency="household.base_currency",
        read_only=True,
        allow_null=True,
        help_text="Null when no exchange rate was available (reported as unconverted, never 1:1).",
    )
    exchange_rate = serializers.DecimalField(max_digits=28, decimal_places=12, read_only=True, allow_null=True)
    tags = serializers.SerializerMethodField()
    splits = SplitOutputSerializer(many=True, read_only=True)
    categorization = serializers.SerializerMethodField()

    class Meta:
        model = Transaction
        fields = [
            "id",
            "household",
            "account",
            "type",
            "amount",
            "currency",
            "date",
            "posted_date",
            "category",
            "payee",
            "description",
            "notes",
            "tags",
            "transfer_account",
            "transfer_amount",
            "splits",
            "is_pending",
            "is_excluded",
            "is_reconciled",
            "reference_number",
            "amount_in_base_currency",
            "exchange_rate",
            "exchange_rate_date",
            "needs_review",
            "categorization",
            "import_batch",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, obj: Transaction) -> dict[str, Any]:
        """Built directly (DRF's generic per-field path was ~40 % of a list page), from the row a list page
        reads: one shape for a page of rows and for a single transaction.

        The declared fields above stay the contract (and the OpenAPI schema);
        ``test_serializers.py`` checks this output against the generic path field by field.
        """
        return transaction_representation(selectors.transaction_row(obj))

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_tags(self, obj: Transaction) -> list[str]:
        names = getattr(obj, "tag_names", None)  # selectors.attach_details
        return sorted(names if names is not None else (tag.name for tag in obj.tags.all()))

    @extend_schema_field(CategorizationSerializer)
    def get_categorization(self, obj: Transaction) -> dict[str, Any]:
        confidence = obj.categorization_confidence
        return {
            "source": obj.categorization_source or None,
            "confidence": float(confidence) if confidence is not None else None,
            "rule": obj.categorization_rule,
        }


def _uuid(value: Any) -> str | None:
    return str(value) if value is not None else None


def _day(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _instant(value: datetime, zone: tzinfo) -> str:
    """As DRF's DateTimeField writes it (in the current time zone, ISO 8601, UTC as ``Z``), with the zone
    looked up once per page rather than twice per row."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def transaction_representations(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page of rows as the API shows them."""
    zone = timezone.get_current_timezone()
    return [transaction_representation(row, zone) for row in rows]


def transaction_representation(row: dict[str, Any], zone: tzinfo | None = None) -> dict[str, Any]:
    """A transaction as the API shows it, from a row of ``selectors.transaction_rows`` with its details
    (``selectors.attach_details``); ``TransactionOutputSerializer`` declares the fields."""
    zone = zone or timezone.get_current_timezone()
    currency = row["currency"]
    confidence = row["categorization_confidence"]
    rate = row["exchange_rate"]
    return {
        "id": str(row["id"]),
        "household": str(row["household_id"]),
        "account": str(row["account_id"]),
        "type": row["type"],
        "amount": present(row["amount"], currency),
        "currency": currency,
        "date": row["date"].isoformat(),
        "posted_date": _day(row["posted_date"]),
        "category": _uuid(row["category_id"]),
        "payee": row["payee"],
        "description": row["description"],
        "notes": row["notes"],
        "tags": sorted(row["tags"]),
        "transfer_account": _uuid(row["transfer_account_id"]),
        "transfer_amount": present(row["transfer_amount"], row["transfer_currency"]),
        "splits": [
            {"category": str(category_id), "amount": present(amount, currency), "description": description}
            for category_id, amount, description in row["splits"]
        ],
        "is_pending": row["is_pending"],
        "is_excluded": row["is_excluded"],
        "is_reconciled": row["is_reconciled"],
        "reference_number": row["reference_number"],
        "amount_in_base_currency": present(row["amount_in_base_currency"], row["base_currency"]),
        "exchange_rate": _RATE_FIELD.to_representation(rate) if rate is not None else None,
        "exchange_rate_date": _day(row["exchange_rate_date"]),
        "needs_review": row["needs_review"],
        "categorization": {
            "source": row["categorization_source"] or None,
            "confidence": float(confidence) if confidence is not None else None,
            "rule": _uuid(row["categorization_rule"]),
        },
        "import_batch": _uuid(row["import_batch"]),
        "created_by": _uuid(row["created_by_id"]),
        "created_at": _instant(row["created_at"], zone),
        "updated_at": _instant(row["updated_at"], zone),
    }


class TransactionChangedOutputSerializer(TransactionOutputSerializer):
    """A changed transaction; with ``suggested_rule`` when the change set its category."""

    suggested_rule = serializers.JSONField(
        read_only=True,
        required=False,
        allow_null=True,
        help_text="A rule body for this payee → this category (POST it to /api/v1/rules/); "
        "present when the request set the category.",
    )

    class Meta(TransactionOutputSerializer.Meta):
        fields = [*TransactionOutputSerializer.Meta.fields, "suggested_rule"]
        read_only_fields = fields


class TransactionUpdateSerializer(PrototypeFields, serializers.Serializer):
    account = ScopedPrimaryKeyField(model=Account, required=False)
    type = serializers.ChoiceField(choices=TransactionType.choices, required=False)
    amount = MoneyField(required=False, positive=True, help_text="Positive; the type gives the direction.")
    date = serializers.DateField(required=False)
    posted_date = serializers.DateField(required=False, allow_null=True)
    category = ScopedPrimaryKeyField(model=Category, required=False, allow_null=True)
    payee = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=60),
        required=False,
        max_length=MAX_TAGS,
        help_text=f"Tag names; new ones are created. At most {MAX_TAGS}.",
    )
    transfer_account = ScopedPrimaryKeyField(
        model=Account, required=False, allow_null=True, help_text="Required for transfers: where the money goes."
    )
    transfer_amount = MoneyField(
        required=False,
        allow_null=True,
        positive=True,
        help_text="Amount received, in the destination account's currency (defaults to the converted amount).",
    )
    splits = SplitInputSerializer(  # type: ignore[call-arg]  # ListSerializer takes max_length
        many=True,
        required=False,
        max_length=MAX_SPLITS,
        help_text=f"Amounts must add up to the amount exactly. At most {MAX_SPLITS}.",
    )
    is_pending = serializers.BooleanField(required=False)
    is_excluded = serializers.BooleanField(required=False, help_text="Left out of analytics and budgets.")
    is_reconciled = serializers.BooleanField(required=False)
    reference_number = serializers.CharField(max_length=100, required=False, allow_blank=True)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Expense",
            value={
                "account": "0f8fad5b-d9cb-469f-a165-70867728950e",
                "type": "expense",
                "amount": "42.50",
                "date": "2026-03-14",
                "category": "7d7a1c2e-0b6f-4f51-8f43-1b2c3d4e5f60",
                "payee": "Green Grocer",
                "tags": ["family"],
            },
            request_only=True,
        ),
        OpenApiExample(
            "Transfer",
            value={
                "account": "0f8fad5b-d9cb-469f-a165-70867728950e",
                "type": "transfer",
                "amount": "500.00",
                "transfer_account": "c1a5e3f2-8d4b-4a9e-b6c7-d8e9f0a1b2c3",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Split",
            value={
                "account": "0f8fad5b-d9cb-469f-a165-70867728950e",
                "type": "expense",
                "amount": "100.00",
                "payee": "Hypermarket",
                "splits": [
                    {"category": "7d7a1c2e-0b6f-4f51-8f43-1b2c3d4e5f60", "amount": "70.00"},
                    {"category": "2b4c6d8e-0f1a-4b3c-8d5e-7f9a1b3c5d7e", "amount": "30.00"},
                ],
            },
            request_only=True,
        ),
    ]
)
class TransactionInputSerializer(TransactionUpdateSerializer):
    household = serializers.UUIDField(required=False, write_only=True, help_text=HOUSEHOLD_HELP)
    account = ScopedPrimaryKeyField(model=Account)
    type = serializers.ChoiceField(choices=TransactionType.choices)
    amount = MoneyField(positive=True, help_text="Positive; the type gives the direction.")
    date = serializers.DateField(required=False, help_text="Defaults to today.")

    class Meta:
        list_serializer_class = BoundedListSerializer


class TransactionBulkInputSerializer(serializers.Serializer):
    household = serializers.UUIDField(required=False, write_only=True, help_text=HOUSEHOLD_HELP)
    transactions = TransactionInputSerializer(many=True, allow_empty=False, max_length=1000)  # type: ignore[call-arg]


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField(
        allow_null=True,
        help_text="The type; the account's, category's or tag's id; the month (YYYY-MM). A null category: none of "
        "its own (uncategorized or split).",
    )
    name = serializers.CharField(required=False, help_text="The account's, category's or tag's name.")
    count = serializers.IntegerField()
    total = serializers.DecimalField(
        max_digits=30, decimal_places=2, help_text="Signed sum in the base currency: income +, expense −, transfers 0."
    )


class TransactionFacetsOutputSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    total = serializers.DecimalField(max_digits=30, decimal_places=2)
    type = FacetValueSerializer(many=True)
    account = FacetValueSerializer(many=True)
    category = FacetValueSerializer(many=True)
    tag = FacetValueSerializer(many=True)
    month = FacetValueSerializer(many=True)


class TransactionBulkOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    results = TransactionOutputSerializer(many=True)


def transaction_input(data: dict[str, Any]) -> TransactionInput:
    """Validated input → what the transaction services take (only the fields the request gave)."""
    values = {k: v for k, v in data.items() if k != "household"}
    if "splits" in values:
        values["splits"] = [SplitInput(s["category"], s["amount"], s.get("description", "")) for s in values["splits"]]
    return TransactionInput(**values)
