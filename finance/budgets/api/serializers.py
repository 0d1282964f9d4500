from __future__ import annotations

import datetime
from typing import Any, cast

from drf_spectacular.utils import OpenApiExample, extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from finance.budgets import selectors
from finance.budgets.models import (
    TOTAL_SCOPE,
    Budget,
    BudgetLine,
    BudgetMove,
    BudgetPeriod,
    BudgetStyle,
    BudgetThresholdCrossed,
    Goal,
    GoalAchieved,
    GoalContribution,
    GoalStatus,
    GoalType,
)
from finance.budgets.periods import EARLIEST, LATEST
from finance.budgets.services import MAX_LINES
from finance.core.api.fields import BoundedListSerializer, MoneyField, ScopedPrimaryKeyField
from finance.core.money import present
from finance.ledger.models import Account, Category

HOUSEHOLD_HELP = "Household to create in; defaults to your default household."
EXAMPLE_BUDGET = "5b0e7f6a-3c1d-4e2f-8a9b-0c1d2e3f4a5b"
EXAMPLE_GROCERIES = "7d7a1c2e-0b6f-4f51-8f43-1b2c3d4e5f60"
EXAMPLE_DINING = "2b4c6d8e-0f1a-4b3c-8d5e-7f9a1b3c5d7e"
EXAMPLE_TRANSPORT = "9c8b7a6d-5e4f-4a3b-9c2d-1e0f9a8b7c6d"


# --- Budgets -----------------------------------------------------------------------------------------


class BudgetLineOutputSerializer(serializers.ModelSerializer):
    amount = MoneyField(currency="budget.currency", read_only=True)

    class Meta:
        model = BudgetLine
        fields = ["id", "category", "amount"]
        read_only_fields = fields


class BudgetLineInputSerializer(serializers.Serializer):
    category = ScopedPrimaryKeyField(
        model=Category, help_text="An expense category; the line covers its subcategories too."
    )
    amount = MoneyField(min_value=0, help_text="Per period, in the budget's currency.")

    class Meta:
        list_serializer_class = BoundedListSerializer


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Monthly envelopes with rollover",
            value={
                "id": EXAMPLE_BUDGET,
                "household": "3f0c2d1e-7a41-4f0e-9d57-5f1b2b9f8a10",
                "name": "Monthly spending",
                "style": "envelope",
                "period": "monthly",
                "start_date": "2026-01-01",
                "end_date": None,
                "currency": "USD",
                "rollover": True,
                "total_amount": None,
                "is_active": True,
                "lines": [
                    {"id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "category": EXAMPLE_GROCERIES, "amount": "1200.00"},
                    {"id": "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e", "category": EXAMPLE_DINING, "amount": "650.00"},
                ],
                "created_at": "2026-01-01T09:00:00Z",
                "updated_at": "2026-01-01T09:00:00Z",
            },
            response_only=True,
        )
    ]
)
class BudgetOutputSerializer(serializers.ModelSerializer):
    total_amount = MoneyField(
        currency="currency",
        read_only=True,
        allow_null=True,
        help_text="A cap on the lines' combined spending, or the whole budget when there are no lines.",
    )
    lines = BudgetLineOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Budget
        fields = [
            "id",
            "household",
            "name",
            "style",
            "period",
            "start_date",
            "end_date",
            "currency",
            "rollover",
            "total_amount",
            "is_active",
            "lines",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class BudgetUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    style = serializers.ChoiceField(  # type: ignore[assignment]
        choices=BudgetStyle.choices,
        required=False,
        help_text="`tracking`: a limit per category per period. `envelope`: money assigned to categories, "
        "movable between them, rolled over when `rollover` is on.",
    )
    period = serializers.ChoiceField(choices=BudgetPeriod.choices, required=False)
    start_date = serializers.DateField(required=False, help_text="Anchors the periods.")
    end_date = serializers.DateField(
        required=False, allow_null=True, help_text="Required for `custom`; ends a recurring budget if set."
    )
    currency = serializers.CharField(max_length=10, required=False, help_text="ISO 4217.")
    rollover = serializers.BooleanField(
        required=False, help_text="Envelope budgets only: carry what is left (or overspent) into the next period."
    )
    total_amount = MoneyField(
        required=False,
        allow_null=True,
        min_value=0,
        help_text="Without lines: a total-only budget. With lines: a cap on their combined spending.",
    )
    is_active = serializers.BooleanField(required=False)
    lines = BudgetLineInputSerializer(  # type: ignore[call-arg]  # ListSerializer takes max_length
        many=True,
        required=False,
        max_length=MAX_LINES,
        help_text=f"Replaces all lines when given. At most {MAX_LINES}.",
    )


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Monthly envelopes",
            value={
                "name": "Monthly spending",
                "style": "envelope",
                "period": "monthly",
                "start_date": "2026-01-01",
                "rollover": True,
                "lines": [
                    {"category": EXAMPLE_GROCERIES, "amount": "1200.00"},
                    {"category": EXAMPLE_DINING, "amount": "650.00"},
                ],
            },
            request_only=True,
        ),
        OpenApiExample(
            "Total-only weekly budget",
            value={"name": "Weekly cap", "period": "weekly", "start_date": "2026-03-02", "total_amount": "400"},
            request_only=True,
        ),
    ]
)
class BudgetInputSerializer(BudgetUpdateSerializer):
    household = serializers.UUIDField(required=False, write_only=True, help_text=HOUSEHOLD_HELP)
    name = serializers.CharField(max_length=120)
    period = serializers.ChoiceField(choices=BudgetPeriod.choices, default=BudgetPeriod.MONTHLY)
    style = serializers.ChoiceField(choices=BudgetStyle.choices, default=BudgetStyle.TRACKING)
    start_date = serializers.DateField(help_text="Anchors the periods.")
    currency = serializers.CharField(max_length=10, required=False, help_text="Defaults to the base currency.")


class BudgetStatusQuerySerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="Show the period containing this date; default today.")
    member = serializers.UUIDField(
        required=False, help_text="A household member's user id: spending of the transactions they created."
    )
    history = serializers.IntegerField(
        required=False, default=0, min_value=0, max_value=selectors.MAX_HISTORY, help_text="Previous periods to add."
    )

    def validate_date(self, value: datetime.date) -> datetime.date:
        if not EARLIEST <= value <= LATEST:
            raise serializers.ValidationError(f"Between {EARLIEST} and {LATEST}.", code="out_of_range")
        return value


class PaceSerializer(serializers.Serializer):
    as_of = serializers.DateField()
    elapsed_days = serializers.IntegerField()
    total_days = serializers.IntegerField()
    expected_spent = serializers.CharField(allow_null=True, help_text="Available money × elapsed / total days.")
    actual_spent = serializers.CharField(allow_null=True, help_text="Spent from the period's start to `as_of`.")
    difference = serializers.CharField(allow_null=True, help_text="actual − expected: positive is ahead of pace.")
    on_track = serializers.BooleanField(allow_null=True)


class _FiguresSerializer(serializers.Serializer):
    budgeted = serializers.CharField()
    rollover_in = serializers.CharField(allow_null=True, help_text="Left over (negative: overspent) last period.")
    moved = serializers.CharField(help_text="Money moved in minus money moved out this period.")
    available = serializers.CharField(allow_null=True, help_text="budgeted + rollover_in + moved.")
    spent = serializers.CharField(allow_null=True, help_text="Null when no rate converts it.")
    remaining = serializers.CharField(allow_null=True, help_text="available − spent.")
    percent = serializers.FloatField(allow_null=True, help_text="spent / available × 100; null when none available.")
    household_spent = serializers.CharField(required=False, help_text="With `member`: everyone's spending.")
    pace = PaceSerializer(required=False, help_text="The current period only.")


class LineStatusSerializer(_FiguresSerializer):
    category = serializers.UUIDField()
    name = serializers.CharField()


class TotalStatusSerializer(_FiguresSerializer):
    cap = serializers.CharField(allow_null=True, help_text="The budget's `total_amount`, if any.")
    unbudgeted_spent = serializers.CharField(allow_null=True, help_text="Spending in categories without a line.")


class ExchangeRateInfoSerializer(serializers.Serializer):
    base = serializers.CharField()
    quote = serializers.CharField()
    rate = serializers.CharField()
    date = serializers.DateField()


class PeriodStatusSerializer(serializers.Serializer):
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    exchange_rate = ExchangeRateInfoSerializer(
        allow_null=True, help_text="Base → budget currency at the period's end date, when they differ."
    )
    unconverted = serializers.BooleanField(help_text="No rate converts the base currency: spending is unknown.")
    lines = LineStatusSerializer(many=True)
    total = TotalStatusSerializer()


class MemberRefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    username = serializers.CharField()


STATUS_EXAMPLE = {
    "budget": EXAMPLE_BUDGET,
    "name": "Monthly spending",
    "style": "envelope",
    "period": "monthly",
    "currency": "USD",
    "date": "2026-03-14",
    "member": None,
    "period_start": "2026-03-01",
    "period_end": "2026-03-31",
    "exchange_rate": None,
    "unconverted": False,
    "lines": [
        {
            "category": EXAMPLE_GROCERIES,
            "name": "Groceries",
            "budgeted": "1200.00",
            "rollover_in": "84.10",
            "moved": "0.00",
            "available": "1284.10",
            "spent": "655.40",
            "remaining": "628.70",
            "percent": 51.04,
            "pace": {
                "as_of": "2026-03-14",
                "elapsed_days": 14,
                "total_days": 31,
                "expected_spent": "579.92",
                "actual_spent": "655.40",
                "difference": "75.48",
                "on_track": False,
            },
        }
    ],
    "total": {
        "budgeted": "1200.00",
        "rollover_in": "84.10",
        "moved": "0.00",
        "available": "1284.10",
        "spent": "655.40",
        "remaining": "628.70",
        "percent": 51.04,
        "pace": {
            "as_of": "2026-03-14",
            "elapsed_days": 14,
            "total_days": 31,
            "expected_spent": "579.92",
            "actual_spent": "655.40",
            "difference": "75.48",
            "on_track": False,
        },
        "cap": None,
        "unbudgeted_spent": "2311.97",
    },
    "history": [],
}


@extend_schema_serializer(examples=[OpenApiExample("Envelope budget in March", value=STATUS_EXAMPLE)])
class BudgetStatusSerializer(PeriodStatusSerializer):
    budget = serializers.UUIDField()
    name = serializers.CharField()
    style = serializers.ChoiceField(choices=BudgetStyle.choices)  # type: ignore[assignment]
    period = serializers.ChoiceField(choices=BudgetPeriod.choices)
    currency = serializers.CharField()
    date = serializers.DateField(help_text="The date asked about; its period is the one shown.")
    member = MemberRefSerializer(allow_null=True)
    history = PeriodStatusSerializer(many=True, help_text="The previous periods, oldest first.")


class BudgetMoveOutputSerializer(serializers.ModelSerializer):
    amount = MoneyField(currency="budget.currency", read_only=True)

    class Meta:
        model = BudgetMove
        fields = ["id", "from_category", "to_category", "amount", "date", "note", "created_by", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Cover dining out from groceries",
            value={
                "from_category": EXAMPLE_GROCERIES,
                "to_category": EXAMPLE_DINING,
                "amount": "50.00",
                "date": "2026-03-14",
            },
            request_only=True,
        )
    ]
)
class BudgetMoveInputSerializer(serializers.Serializer):
    from_category = ScopedPrimaryKeyField(model=Category, help_text="A category with a line in this budget.")
    to_category = ScopedPrimaryKeyField(model=Category, help_text="A category with a line in this budget.")
    amount = MoneyField(positive=True)
    date = serializers.DateField(required=False, help_text="Picks the period; default today.")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class BudgetEventOutputSerializer(serializers.ModelSerializer):
    type = serializers.SerializerMethodField()
    scope = serializers.SerializerMethodField()
    spent = MoneyField(currency="currency", read_only=True)
    available = MoneyField(currency="currency", read_only=True)

    class Meta:
        model = BudgetThresholdCrossed
        fields = [
            "id",
            "type",
            "scope",
            "category",
            "period_start",
            "period_end",
            "threshold",
            "spent",
            "available",
            "currency",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=[("threshold_crossed", "threshold_crossed")]))
    def get_type(self, obj: BudgetThresholdCrossed) -> str:
        return "threshold_crossed"

    @extend_schema_field(serializers.ChoiceField(choices=[("line", "line"), ("total", "total")]))
    def get_scope(self, obj: BudgetThresholdCrossed) -> str:
        return "total" if obj.scope_key == TOTAL_SCOPE else "line"


# --- Goals -------------------------------------------------------------------------------------------


class GoalListSerializer(serializers.ListSerializer):
    """Computes every goal's progress in one batch before showing the list."""

    def to_representation(self, data: Any) -> list[Any]:
        goals = list(data.all() if hasattr(data, "all") else data)
        context = cast(dict[str, Any], self.context)
        context["progress"] = selectors.goal_progress(goals)
        return super().to_representation(goals)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Holiday fund",
            value={
                "id": "6e5d4c3b-2a19-4f8e-b7d6-c5b4a3928170",
                "household": "3f0c2d1e-7a41-4f0e-9d57-5f1b2b9f8a10",
                "name": "Summer in Lisbon",
                "goal_type": "purchase",
                "target_amount": "3000.00",
                "current_amount": "1250.00",
                "remaining_amount": "1750.00",
                "currency": "USD",
                "target_date": "2026-07-01",
                "account": None,
                "status": "active",
                "progress": 0.4167,
                "required_monthly": "437.50",
                "monthly_pace": "304.37",
                "projected_date": "2026-08-30",
                "achieved_at": None,
                "created_at": "2025-11-01T09:00:00Z",
                "updated_at": "2026-03-01T09:00:00Z",
            },
            response_only=True,
        )
    ]
)
class GoalOutputSerializer(serializers.ModelSerializer):
    target_amount = MoneyField(currency="currency", read_only=True)
    current_amount = serializers.SerializerMethodField()
    remaining_amount = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()
    required_monthly = serializers.SerializerMethodField()
    monthly_pace = serializers.SerializerMethodField()
    projected_date = serializers.SerializerMethodField()

    class Meta:
        model = Goal
        list_serializer_class = GoalListSerializer
        fields = [
            "id",
            "household",
            "name",
            "goal_type",
            "target_amount",
            "current_amount",
            "remaining_amount",
            "currency",
            "target_date",
            "account",
            "status",
            "progress",
            "required_monthly",
            "monthly_pace",
            "projected_date",
            "achieved_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _progress(self, goal: Goal) -> selectors.GoalProgress:
        known: dict[Any, selectors.GoalProgress] = cast(dict[str, Any], self.context).setdefault("progress", {})
        if goal.id not in known:
            known.update(selectors.goal_progress([goal]))
        return known[goal.id]

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="Contributions so far, or the linked account's balance (debt payoff: paid since linking); "
            "null when no rate converts the account's currency.",
        )
    )
    def get_current_amount(self, goal: Goal) -> str | None:
        return present(self._progress(goal).current_amount, goal.currency)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_remaining_amount(self, goal: Goal) -> str | None:
        return present(self._progress(goal).remaining_amount, goal.currency)

    @extend_schema_field(serializers.FloatField(allow_null=True, help_text="current / target, from 0 to 1."))
    def get_progress(self, goal: Goal) -> float | None:
        return self._progress(goal).progress

    @extend_schema_field(
        serializers.CharField(
            allow_null=True, help_text="What to put in each month from now to reach the target by target_date."
        )
    )
    def get_required_monthly(self, goal: Goal) -> str | None:
        return present(self._progress(goal).required_monthly, goal.currency)

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="The recent pace per month: contributions of the last 90 days, or the linked account's net "
            "change over the last 3 whole months.",
        )
    )
    def get_monthly_pace(self, goal: Goal) -> str | None:
        return present(self._progress(goal).monthly_pace, goal.currency)

    @extend_schema_field(
        serializers.DateField(
            allow_null=True,
            help_text="When the target is reached at the recent pace (contributions of the last 90 days, or the "
            "linked account's net change over the last 3 months); null when the pace is not positive.",
        )
    )
    def get_projected_date(self, goal: Goal) -> Any:
        return self._progress(goal).projected_date


class GoalUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    goal_type = serializers.ChoiceField(choices=GoalType.choices, required=False)
    target_amount = MoneyField(required=False, positive=True)
    currency = serializers.CharField(max_length=10, required=False, help_text="ISO 4217.")
    target_date = serializers.DateField(required=False, allow_null=True)
    account = ScopedPrimaryKeyField(
        model=Account,
        required=False,
        allow_null=True,
        help_text="Progress follows this account's balance (converted if needed) instead of contributions.",
    )
    status = serializers.ChoiceField(choices=GoalStatus.choices, required=False)


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Purchase with a date",
            value={
                "name": "Summer in Lisbon",
                "goal_type": "purchase",
                "target_amount": "3000",
                "target_date": "2026-07-01",
            },
            request_only=True,
        ),
        OpenApiExample(
            "Emergency fund on a savings account",
            value={
                "name": "Emergency fund",
                "goal_type": "emergency_fund",
                "target_amount": "25000",
                "account": "0f8fad5b-d9cb-469f-a165-70867728950e",
            },
            request_only=True,
        ),
    ]
)
class GoalInputSerializer(GoalUpdateSerializer):
    household = serializers.UUIDField(required=False, write_only=True, help_text=HOUSEHOLD_HELP)
    name = serializers.CharField(max_length=120)
    target_amount = MoneyField(
        required=False, positive=True, help_text="Required, except for debt payoff on a liability account (the debt)."
    )
    currency = serializers.CharField(
        max_length=10, required=False, help_text="Defaults to the account's currency, else the base currency."
    )


class GoalContributionOutputSerializer(serializers.ModelSerializer):
    amount = MoneyField(currency="goal.currency", read_only=True)

    class Meta:
        model = GoalContribution
        fields = ["id", "goal", "amount", "date", "note", "created_by", "created_at"]
        read_only_fields = fields


@extend_schema_serializer(
    examples=[
        OpenApiExample(
            "Monthly saving", value={"amount": "250.00", "date": "2026-03-01", "note": "March"}, request_only=True
        )
    ]
)
class GoalContributionInputSerializer(serializers.Serializer):
    amount = MoneyField(positive=True)
    date = serializers.DateField(required=False, help_text="Default today.")
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class GoalEventOutputSerializer(serializers.ModelSerializer):
    type = serializers.SerializerMethodField()
    amount = MoneyField(currency="currency", read_only=True)
    target_amount = MoneyField(currency="currency", read_only=True)

    class Meta:
        model = GoalAchieved
        fields = ["id", "type", "amount", "target_amount", "currency", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=[("goal_achieved", "goal_achieved")]))
    def get_type(self, obj: GoalAchieved) -> str:
        return "goal_achieved"
