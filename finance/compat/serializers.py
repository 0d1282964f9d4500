"""The request/response shapes the first implementations' clients were written against."""

from __future__ import annotations

from rest_framework import serializers

from finance.core.api.fields import MoneyField
from finance.ledger.models import Category, Transaction

INCOME_EXPENSE = [("income", "income"), ("expense", "expense")]
INCOME_EXPENSE_UPPER = [("INCOME", "INCOME"), ("EXPENSE", "EXPENSE")]


class CategoryNameField(serializers.CharField):
    """A category shown and given by name."""

    def to_representation(self, value: object) -> str | None:  # type: ignore[override]
        return value.name if isinstance(value, Category) else None


class SimpleTransactionSerializer(serializers.ModelSerializer):
    """`/api/transactions/`: {id, amount, type, category (name), description, created_at}."""

    amount = MoneyField(currency="currency", positive=True)
    type = serializers.ChoiceField(choices=INCOME_EXPENSE)
    category = CategoryNameField(
        required=False, allow_blank=True, allow_null=True, max_length=80, help_text="Created if new; null: none."
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)

    class Meta:
        model = Transaction
        fields = ["id", "amount", "type", "category", "description", "created_at"]
        read_only_fields = ["id", "created_at"]


class TypedTransactionSerializer(serializers.ModelSerializer):
    """`/api/incomes/` and `/api/expenses/`: {id, amount, category (name), description, date, created_at}."""

    amount = MoneyField(currency="currency", positive=True)
    category = CategoryNameField(
        required=False, allow_blank=True, allow_null=True, max_length=80, help_text="Created if new; null: none."
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=500)
    date = serializers.DateField(required=False)

    class Meta:
        model = Transaction
        fields = ["id", "amount", "category", "description", "date", "created_at"]
        read_only_fields = ["id", "created_at"]


class FinanceCategorySerializer(serializers.ModelSerializer):
    """`/api/finance/categories/`: {id, name}."""

    type = serializers.ChoiceField(choices=INCOME_EXPENSE, default="expense", write_only=True, required=False)

    class Meta:
        model = Category
        fields = ["id", "name", "type"]
        read_only_fields = ["id"]


class FinanceTransactionSerializer(serializers.ModelSerializer):
    """`/api/finance/transactions/`: {id, category (id), type (INCOME|EXPENSE), amount, date, note, created_at}."""

    category = serializers.PrimaryKeyRelatedField(queryset=Category.objects.none(), required=False, allow_null=True)
    type = serializers.ChoiceField(choices=INCOME_EXPENSE_UPPER)
    amount = MoneyField(currency="currency", positive=True)
    date = serializers.DateField(required=False)
    note = serializers.CharField(source="notes", required=False, allow_blank=True)

    class Meta:
        model = Transaction
        fields = ["id", "category", "type", "amount", "date", "note", "created_at"]
        read_only_fields = ["id", "created_at"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        household = self.context.get("household")
        if household is not None:
            self.fields["category"].queryset = Category.objects.filter(household=household)  # type: ignore[attr-defined]

    def to_representation(self, instance: Transaction) -> dict[str, object]:
        data = super().to_representation(instance)
        data["type"] = instance.type.upper()
        return data


class LegacySummaryMonthSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    month = serializers.IntegerField()
    total_income = serializers.CharField()
    total_expense = serializers.CharField()
    savings = serializers.CharField()


class LegacySummarySerializer(serializers.Serializer):
    total_income = serializers.CharField()
    total_expense = serializers.CharField()
    savings = serializers.CharField()
    months = LegacySummaryMonthSerializer(many=True)


class LegacySummaryQuerySerializer(serializers.Serializer):
    start_date = serializers.DateField(required=False)
    end_date = serializers.DateField(required=False)
    # Year 0000 is no calendar year: the first digit is 1-9.
    month = serializers.RegexField(r"^[1-9]\d{3}-(0[1-9]|1[0-2])$", required=False, help_text="YYYY-MM")


class LegacyAnalyticsSerializer(serializers.Serializer):
    balance = serializers.CharField(help_text="All-time income − expense, in the base currency.")
    transaction_count = serializers.IntegerField()
    last_updated = serializers.DateTimeField()
