"""The dashboard's numbers, read from the analytics selectors and cached per household version.

Everything here comes from the maintained aggregates (monthly summaries,
category and account months) plus two small indexed reads (the latest
transactions and the review queue), so the page costs the same with five
years of history as with five days. The whole bundle is cached under the
household's version (``finance.core.cache``): any write invalidates it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from finance.analytics import selectors as analytics
from finance.budgets import selectors as budgets
from finance.budgets.models import GoalStatus
from finance.core.cache import cached_for_household
from finance.core.dates import Period, add_months, first_of_month, last_of_month
from finance.households.models import Household
from finance.ledger.models import LIABILITY_TYPES, CategoryType, Transaction
from finance.ledger.selectors import account_list, category_list
from finance.web.common.plan_figures import budget_summary

RECENT = 8
REVIEW = 5
# Budgets and goals on the dashboard: a fixed number, so the page's cost does not grow with them.
PLAN_BUDGETS = 3
PLAN_GOALS = 4


@dataclass(frozen=True)
class SpendingPeriod:
    key: str
    start: date
    end: date


def spending_periods(today: date) -> dict[str, SpendingPeriod]:
    this_month = first_of_month(today)
    last_month = add_months(this_month, -1)
    return {
        "this-month": SpendingPeriod("this-month", this_month, last_of_month(this_month)),
        "last-month": SpendingPeriod("last-month", last_month, last_of_month(last_month)),
        "12-months": SpendingPeriod("12-months", add_months(this_month, -11), last_of_month(this_month)),
    }


def _change(current: Decimal, previous: Decimal) -> Decimal | None:
    """Relative change from last month (``None`` when last month was zero)."""
    if not previous:
        return None
    return (current - previous) / abs(previous)


def _transaction_rows(queryset: Any, names: dict[Any, str]) -> list[dict[str, Any]]:
    """The first rows of ``queryset`` (already ordered and sliced) as plain data.

    Plain columns only, so the query stays an index scan with a limit whatever the
    planner's statistics say; account and category names come from ``names``.
    """
    rows = queryset.values(
        "id",
        "date",
        "type",
        "amount",
        "currency",
        "payee",
        "description",
        "account_id",
        "category_id",
        "transfer_account_id",
    )
    return [
        {
            "id": t["id"],
            "date": t["date"],
            "type": t["type"],
            "amount": t["amount"],
            "currency": t["currency"],
            "payee": t["payee"] or t["description"],
            "account": names.get(t["account_id"], ""),
            "transfer_account": names.get(t["transfer_account_id"]),
            "category": names.get(t["category_id"]),
        }
        for t in rows
    ]


def _plan(household: Household, today: date) -> dict[str, Any]:
    """The first active budgets' current period (total) and the open goals' progress, as plain data."""
    active = budgets.budget_list(household=household).filter(is_active=True).select_related("household")
    budget_rows = []
    for budget in active[:PLAN_BUDGETS]:
        total = budget_summary(budget, today, today=today)["total"]
        budget_rows.append(
            {
                "id": budget.id,
                "name": budget.name,
                "currency": budget.currency,
                **{k: total[k] for k in ("spent", "available", "remaining", "share", "bar", "over", "near")},
            }
        )
    open_goals = list(
        budgets.goal_list(household=household).filter(status__in=[GoalStatus.ACTIVE, GoalStatus.PAUSED])[:PLAN_GOALS]
    )
    progress = budgets.goal_progress(open_goals, today=today)
    goal_rows = []
    for goal in open_goals:
        p = progress[goal.id]
        goal_rows.append(
            {
                "id": goal.id,
                "name": goal.name,
                "currency": goal.currency,
                "current": p.current_amount,
                "target": goal.target_amount,
                "share": None if p.progress is None else Decimal(str(p.progress)),
                "bar": None if p.progress is None else round(p.progress * 100),
                "projected_date": p.projected_date,
            }
        )
    return {"budgets": budget_rows, "budget_count": active.count(), "goals": goal_rows}


def compute(household: Household, today: date, period: SpendingPeriod) -> dict[str, Any]:
    code = household.base_currency
    this_month = first_of_month(today)
    last_month = add_months(this_month, -1)

    months = analytics.summary(household, Period(last_month, last_of_month(this_month)))
    previous, current = months["results"]
    income, expense = Decimal(current["income"]), Decimal(current["expense"])
    prev_income, prev_expense = Decimal(previous["income"]), Decimal(previous["expense"])

    cashflow = analytics.cashflow(household, Period(add_months(this_month, -11), last_of_month(this_month)))
    worth = analytics.net_worth(household, start=this_month, end=today)["results"][-1]
    breakdown = analytics.category_breakdown(
        household, Period(period.start, period.end), CategoryType.EXPENSE, level="top"
    )

    all_accounts = list(account_list(household=household).order_by("group", "name"))
    accounts = [
        {
            "id": a.id,
            "name": a.name,
            "type": a.type,  # a code: the cache is shared by every language, labels are added per request
            "currency": a.currency,
            "balance": a.balance,
            "is_liability": a.type in LIABILITY_TYPES,
        }
        for a in all_accounts
        if a.is_active
    ]
    names: dict[Any, str] = {a.id: a.name for a in all_accounts}
    names.update(category_list(household=household).values_list("id", "name"))
    newest_first = Transaction.objects.in_household(household).order_by("-date", "-created_at", "-id")
    review = newest_first.filter(needs_review=True)
    return {
        "currency": code,
        "today": today,
        "month": this_month,
        "net_worth": {k: Decimal(worth[k]) for k in ("assets", "liabilities", "net_worth")},
        "unconverted_currencies": months["unconverted"]["by_currency"],
        "this_month": {
            "income": income,
            "expense": expense,
            "savings": income - expense,
            "savings_rate": current["savings_rate"],
            "income_change": _change(income, prev_income),
            "expense_change": _change(expense, prev_expense),
            "savings_change": _change(income - expense, prev_income - prev_expense),
        },
        "last_month": {"income": prev_income, "expense": prev_expense, "savings": prev_income - prev_expense},
        "cashflow": [
            {
                "month": date.fromisoformat(row["period"] + "-01"),
                "income": Decimal(row["income"]),
                "expense": Decimal(row["expense"]),
                "net": Decimal(row["net"]),
            }
            for row in cashflow["results"]
        ],
        "spending": {
            "period": period.key,
            "start": period.start,
            "end": period.end,
            "total": Decimal(breakdown["total"]),
            "rows": [
                {
                    "category": row["category"],
                    "name": row["name"],
                    "total": Decimal(row["total"]),
                    "share": row["share"],
                    "count": row["count"],
                }
                for row in breakdown["results"]
            ],
        },
        "accounts": accounts,
        "recent": _transaction_rows(newest_first[:RECENT], names),
        "review_count": review.count(),
        "review": _transaction_rows(review[:REVIEW], names),
        "plan": _plan(household, today),
    }


def dashboard_data(household: Household, today: date, period: SpendingPeriod) -> dict[str, Any]:
    return cached_for_household(
        household.id,
        "web-dashboard",
        {"today": today.isoformat(), "period": period.key},
        lambda: compute(household, today, period),
    )
