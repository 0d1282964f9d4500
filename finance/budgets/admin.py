from django.contrib import admin

from finance.budgets.models import (
    Budget,
    BudgetLine,
    BudgetMove,
    BudgetThresholdCrossed,
    Goal,
    GoalAchieved,
    GoalContribution,
)


class BudgetLineInline(admin.TabularInline):
    model = BudgetLine
    extra = 0
    raw_id_fields = ["category"]
    fields = ["category", "amount", "position"]


@admin.register(Budget)
class BudgetAdmin(admin.ModelAdmin):
    list_display = ["name", "household", "style", "period", "start_date", "end_date", "currency", "is_active"]
    list_filter = ["style", "period", "is_active"]
    search_fields = ["name"]
    raw_id_fields = ["household"]
    inlines = [BudgetLineInline]


@admin.register(BudgetMove)
class BudgetMoveAdmin(admin.ModelAdmin):
    list_display = ["budget", "from_category", "to_category", "amount", "date"]
    raw_id_fields = ["household", "budget", "from_category", "to_category", "created_by"]


@admin.register(BudgetThresholdCrossed)
class BudgetThresholdCrossedAdmin(admin.ModelAdmin):
    list_display = ["budget", "scope_key", "period_start", "threshold", "spent", "available", "created_at"]
    list_filter = ["threshold"]
    raw_id_fields = ["household", "budget", "category"]


class GoalContributionInline(admin.TabularInline):
    model = GoalContribution
    extra = 0
    fields = ["amount", "date", "note"]


@admin.register(Goal)
class GoalAdmin(admin.ModelAdmin):
    list_display = ["name", "household", "goal_type", "target_amount", "currency", "target_date", "status"]
    list_filter = ["goal_type", "status"]
    search_fields = ["name"]
    raw_id_fields = ["household", "account"]
    inlines = [GoalContributionInline]


@admin.register(GoalAchieved)
class GoalAchievedAdmin(admin.ModelAdmin):
    list_display = ["goal", "amount", "target_amount", "currency", "created_at"]
    raw_id_fields = ["household", "goal"]
