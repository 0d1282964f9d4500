"""Budgets (per-category limits or envelopes over recurring periods) and savings goals."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from finance.core.money import CurrencyField, MoneyField
from finance.households.models import HouseholdOwned

# The scope key of a budget's total in threshold events (lines use their category's id).
TOTAL_SCOPE = uuid.UUID(int=0)


class BudgetPeriod(models.TextChoices):
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    YEARLY = "yearly", _("Yearly")
    CUSTOM = "custom", _("Custom range")


class BudgetStyle(models.TextChoices):
    TRACKING = "tracking", _("Tracking: a limit per category per period")
    ENVELOPE = "envelope", _("Envelope: money assigned to categories, optionally rolled over")


class Budget(HouseholdOwned):
    """A plan for spending over recurring periods (or one custom range), per category and/or in total."""

    name = models.CharField(max_length=120)
    style = models.CharField(max_length=10, choices=BudgetStyle.choices, default=BudgetStyle.TRACKING)
    period = models.CharField(max_length=10, choices=BudgetPeriod.choices, default=BudgetPeriod.MONTHLY)
    start_date = models.DateField(help_text="The first period starts here; later periods keep its day.")
    end_date = models.DateField(null=True, blank=True, help_text="Custom ranges end here; others stop here if set.")
    currency = CurrencyField()
    rollover = models.BooleanField(default=False)
    total_amount = MoneyField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "created_at"]
        indexes = [models.Index(fields=["household", "is_active"], name="budgets_budget_household")]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="budgets_budget_end_after_start",
                violation_error_message="The end date cannot be before the start date.",
            ),
            models.CheckConstraint(
                condition=~Q(period="custom") | Q(end_date__isnull=False),
                name="budgets_budget_custom_has_end",
                violation_error_message="A custom range needs an end date.",
            ),
            models.CheckConstraint(
                condition=Q(total_amount__isnull=True) | Q(total_amount__gte=0),
                name="budgets_budget_total_not_negative",
                violation_error_message="The total cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class BudgetLine(HouseholdOwned):
    """The amount for one expense category (and everything below it) per period."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="lines")
    # Deleting a category (the ledger allows it only when unused) removes its lines.
    category = models.ForeignKey("ledger.Category", on_delete=models.CASCADE, related_name="+")
    amount = MoneyField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "budget", "category"],
                name="budgets_line_unique_category",
                violation_error_message="This budget already has a line for this category.",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="budgets_line_amount_not_negative",
                violation_error_message="A line's amount cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.amount}"


class BudgetMove(HouseholdOwned):
    """Money moved from one envelope (line) to another for the period containing ``date``."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="moves")
    from_category = models.ForeignKey("ledger.Category", on_delete=models.CASCADE, related_name="+")
    to_category = models.ForeignKey("ledger.Category", on_delete=models.CASCADE, related_name="+")
    amount = MoneyField()
    date = models.DateField()
    note = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-date", "-created_at"]
        indexes = [models.Index(fields=["budget", "date"], name="budgets_move_budget_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="budgets_move_amount_positive",
                violation_error_message="A move's amount is positive.",
            ),
            models.CheckConstraint(
                condition=~Q(from_category=models.F("to_category")),
                name="budgets_move_distinct_lines",
                violation_error_message="Money moves between two different lines.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.from_category_id}→{self.to_category_id} on {self.date}"


class BudgetThresholdCrossed(HouseholdOwned):
    """A line (or the total) of a budget reached 80 % or 100 % of its money in one period: recorded once."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="events")
    # The line's category id, or TOTAL_SCOPE for the budget's total.
    scope_key = models.UUIDField()
    category = models.ForeignKey("ledger.Category", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    period_start = models.DateField()
    period_end = models.DateField()
    threshold = models.PositiveSmallIntegerField(help_text="Percent: 80 or 100.")
    spent = MoneyField()
    available = MoneyField()
    currency = CurrencyField()

    class Meta:
        ordering = ["-period_start", "-threshold", "-scope_key"]
        constraints = [
            models.UniqueConstraint(
                fields=["household", "budget", "scope_key", "period_start", "threshold"],
                name="budgets_threshold_once_per_period",
                violation_error_message="This threshold was already recorded for this period.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.budget_id} {self.scope_key} {self.period_start} {self.threshold}%"


# --- Goals --------------------------------------------------------------------------------------


class GoalType(models.TextChoices):
    SAVINGS = "savings", _("Savings")
    EMERGENCY_FUND = "emergency_fund", _("Emergency fund")
    DEBT_PAYOFF = "debt_payoff", _("Debt payoff")
    PURCHASE = "purchase", _("Purchase")
    OTHER = "other", _("Other")


class GoalStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ACHIEVED = "achieved", _("Achieved")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")


class Goal(HouseholdOwned):
    """An amount to reach, by manual contributions or by following a linked account's balance."""

    name = models.CharField(max_length=120)
    goal_type = models.CharField(max_length=20, choices=GoalType.choices, default=GoalType.SAVINGS)
    target_amount = MoneyField()
    currency = CurrencyField()
    target_date = models.DateField(null=True, blank=True)
    account = models.ForeignKey("ledger.Account", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Debt payoff from a liability account: its balance when the goal was linked (negative while owing).
    baseline_balance = MoneyField(null=True, blank=True, editable=False)
    status = models.CharField(max_length=10, choices=GoalStatus.choices, default=GoalStatus.ACTIVE)
    achieved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["target_date", "name", "created_at"]
        indexes = [models.Index(fields=["household", "status"], name="budgets_goal_household")]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_amount__gt=0),
                name="budgets_goal_target_positive",
                violation_error_message="The target amount is positive.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class GoalContribution(HouseholdOwned):
    """Money put toward a goal without a linked account."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="contributions")
    amount = MoneyField()
    date = models.DateField()
    note = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-date", "-created_at"]
        indexes = [models.Index(fields=["goal", "date"], name="budgets_contribution_goal_date")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="budgets_contribution_positive",
                violation_error_message="A contribution is positive.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.amount} to {self.goal_id} on {self.date}"


class GoalAchieved(HouseholdOwned):
    """A goal reached its target (recorded when its status turned to achieved)."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="events")
    amount = MoneyField(help_text="The goal's current amount when it was reached.")
    target_amount = MoneyField()
    currency = CurrencyField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.goal_id} reached {self.target_amount} {self.currency}"
