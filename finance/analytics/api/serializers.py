from __future__ import annotations

from datetime import date
from typing import Any

from rest_framework import serializers

from finance.core.dates import date_problem
from finance.ledger.models import CategoryType


def _within(value: date) -> date:
    """A period's bound inside the application's dates: months and weeks after it must exist (year 9999's
    December has no month after it)."""
    problem = date_problem(value)
    if problem is not None:
        raise serializers.ValidationError(problem.message, code=problem.code)
    return value


class PeriodQuerySerializer(serializers.Serializer):
    household = serializers.UUIDField(required=False)
    start_date = serializers.DateField(required=False, help_text="Inclusive; default: 12 months ago (month start).")
    end_date = serializers.DateField(required=False, help_text="Inclusive; default: the end of this month.")

    def validate_start_date(self, value: date) -> date:
        return _within(value)

    def validate_end_date(self, value: date) -> date:
        return _within(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = attrs.get("start_date"), attrs.get("end_date")
        if start and end and start > end:
            raise serializers.ValidationError({"end_date": "Must not be before start_date."}, code="invalid_range")
        if start and end and (end - start).days > 366 * 10:
            raise serializers.ValidationError({"end_date": "At most ten years at a time."}, code="range_too_long")
        return attrs


class CategoryQuerySerializer(PeriodQuerySerializer):
    type = serializers.ChoiceField(choices=CategoryType.choices, default=CategoryType.EXPENSE)
    level = serializers.ChoiceField(
        choices=[("leaf", "leaf"), ("top", "top")],
        default="leaf",
        help_text="`top` rolls subcategories up into their top-level category.",
    )


class CashflowQuerySerializer(PeriodQuerySerializer):
    interval = serializers.ChoiceField(choices=[("day", "day"), ("week", "week"), ("month", "month")], default="month")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = super().validate(attrs)
        start, end = attrs.get("start_date"), attrs.get("end_date")
        if attrs["interval"] == "day" and start and end and (end - start).days > 731:
            raise serializers.ValidationError(
                {"interval": "Daily cashflow covers at most two years."}, code="range_too_long"
            )
        return attrs


class NetWorthQuerySerializer(PeriodQuerySerializer):
    interval = serializers.ChoiceField(choices=[("month", "month")], default="month")


class BalanceQuerySerializer(serializers.Serializer):
    household = serializers.UUIDField(required=False)
    account = serializers.UUIDField(required=False, help_text="One account, in its own currency.")


class UnconvertedSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    by_currency = serializers.DictField(child=serializers.CharField(), help_text="Currency → amount not converted.")


class SummaryRowSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM")
    income = serializers.CharField()
    expense = serializers.CharField()
    net = serializers.CharField()
    savings_rate = serializers.FloatField(allow_null=True, help_text="net / income; null without income.")


class SummarySerializer(serializers.Serializer):
    currency = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    results = SummaryRowSerializer(many=True)
    unconverted = UnconvertedSerializer(help_text="Amounts left out for want of an exchange rate.")


class CategoryRowSerializer(serializers.Serializer):
    category = serializers.UUIDField(allow_null=True, help_text="Null for uncategorized.")
    name = serializers.CharField()
    parent = serializers.UUIDField(allow_null=True)  # type: ignore[assignment]
    total = serializers.CharField()
    count = serializers.IntegerField()
    share = serializers.FloatField(help_text="Share of the total, 0–1.")


class CategoryBreakdownSerializer(serializers.Serializer):
    currency = serializers.CharField()
    type = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    total = serializers.CharField()
    results = CategoryRowSerializer(many=True)


class CashflowRowSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="YYYY-MM for months, the first day for days and weeks.")
    income = serializers.CharField()
    expense = serializers.CharField()
    net = serializers.CharField()


class CashflowSerializer(serializers.Serializer):
    currency = serializers.CharField()
    interval = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    results = CashflowRowSerializer(many=True)


class NetWorthRowSerializer(serializers.Serializer):
    period = serializers.CharField()
    assets = serializers.CharField()
    liabilities = serializers.CharField(help_text="Owed, as a positive amount.")
    net_worth = serializers.CharField()


class NetWorthSerializer(serializers.Serializer):
    currency = serializers.CharField()
    interval = serializers.CharField()
    results = NetWorthRowSerializer(many=True)
    unconverted_currencies = serializers.ListField(child=serializers.CharField())


class BalanceSerializer(serializers.Serializer):
    balance = serializers.CharField(
        help_text="Household: income − expense. Account: its running balance, excluded transactions included."
    )
    income = serializers.CharField(help_text="All-time income of non-excluded transactions.")
    expense = serializers.CharField(help_text="All-time expense of non-excluded transactions.")
    currency = serializers.CharField()
    transaction_count = serializers.IntegerField(help_text="Non-excluded transactions (transfers included).")
    unconverted_transactions = serializers.IntegerField(
        required=False, help_text="Household only: income and expense left out for want of an exchange rate."
    )
    unconverted_currencies = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Household only: the currencies of those."
    )
    as_of = serializers.DateTimeField()
