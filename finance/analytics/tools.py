"""Service functions small enough to hand to an LLM agent as tools (AI-1).

Each takes a household the caller has already been authorised for and
returns small, JSON-ready structures (amounts as exact decimal strings in
the household's base currency unless stated). The MCP server, the web app
and tasks call these; they never reach outside the household.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from finance.analytics import selectors
from finance.core.dates import Period, last_of_month
from finance.core.money import present
from finance.households.models import Household
from finance.ledger.models import CategoryType, Transaction

MAX_TRANSACTIONS = 500


def _month(month: str | date) -> date:
    if isinstance(month, date):
        return month.replace(day=1)
    year, number = (int(part) for part in month.split("-"))
    return date(year, number, 1)


def get_transactions(household: Household, date_range: tuple[date, date], limit: int = 100) -> dict[str, Any]:
    """Transactions between two dates (inclusive), newest first, at most ``limit`` (≤ 500)."""
    start, end = date_range
    limit = max(1, min(limit, MAX_TRANSACTIONS))
    rows = list(
        Transaction.objects.filter(household=household, date__gte=start, date__lte=end)
        .select_related("account", "category", "transfer_account")
        .order_by("-date", "-created_at", "-id")[: limit + 1]
    )
    return {
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "truncated": len(rows) > limit,
        "transactions": [
            {
                "id": str(t.id),
                "date": t.date.isoformat(),
                "type": t.type,
                "amount": present(t.amount, t.currency),
                "currency": t.currency,
                "amount_in_base_currency": present(t.amount_in_base_currency, household.base_currency),
                "payee": t.payee,
                "description": t.description,
                "category": t.category.name if t.category else None,
                "account": t.account.name,
                "transfer_account": t.transfer_account.name if t.transfer_account else None,
                "excluded": t.is_excluded,
            }
            for t in rows[:limit]
        ],
    }


def get_category_breakdown(household: Household, month: str | date, type: str = CategoryType.EXPENSE) -> dict[str, Any]:
    """Spending (or income) per category in one month, largest first."""
    first = _month(month)
    body = selectors.category_breakdown(household, Period(first, last_of_month(first)), type)
    return {
        "month": f"{first:%Y-%m}",
        "currency": body["currency"],
        "type": type,
        "total": body["total"],
        "categories": [
            {"name": r["name"], "total": r["total"], "count": r["count"], "share": r["share"]} for r in body["results"]
        ],
    }


def get_income_vs_expense(household: Household, month: str | date) -> dict[str, Any]:
    """Income, expense, net and savings rate in one month."""
    first = _month(month)
    row = selectors.summary(household, Period(first, last_of_month(first)))["results"][0]
    return {
        "month": row["period"],
        "currency": household.base_currency,
        **{k: row[k] for k in ("income", "expense", "net", "savings_rate")},
    }
