"""The dashboard: net worth, this month against last, cashflow, spending, recent activity."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from finance.households.models import Household
from finance.ledger.models import AccountType
from finance.web.common import formatting
from finance.web.common.locale import user_today
from finance.web.common.plan_events import Wording, household_alerts
from finance.web.common.views import household_view, htmx_target
from finance.web.dashboard.presenters import dashboard_data, spending_periods

# Budget and goal events in "Recent alerts"; the alerts page has them all.
DASHBOARD_ALERTS = 5


def _cashflow_chart(data: dict[str, Any], locale: str) -> dict[str, Any]:
    return {
        "currency": data["currency"],
        "locale": locale.replace("_", "-"),
        "labels": [formatting.month(row["month"], locale) for row in data["cashflow"]],
        "series": [
            {"label": _("Income"), "kind": "income", "values": [str(r["income"]) for r in data["cashflow"]]},
            {"label": _("Expenses"), "kind": "expense", "values": [str(r["expense"]) for r in data["cashflow"]]},
        ],
    }


def _spending_chart(rows: list[dict[str, Any]], currency: str, locale: str) -> dict[str, Any]:
    return {
        "currency": currency,
        "locale": locale.replace("_", "-"),
        "labels": [row["name"] for row in rows],
        "values": [str(row["total"]) for row in rows],
    }


@household_view()
def dashboard(request: HttpRequest, household: Household) -> HttpResponse:
    today = user_today(request)
    periods = spending_periods(today)
    period = periods.get(request.GET.get("spending", ""), periods["this-month"])
    data = dashboard_data(household, today, period)
    locale: str = getattr(request, "locale", "en")
    spending_rows = [
        {**row, "name": row["name"] if row["category"] else _("Uncategorized")} for row in data["spending"]["rows"]
    ]
    period_labels = {
        "this-month": _("This month"),
        "last-month": _("Last month"),
        "12-months": _("Last 12 months"),
    }
    accounts = [{**a, "type_label": AccountType(a["type"]).label} for a in data["accounts"]]
    context: dict[str, Any] = {
        "section": "dashboard",
        "accounts": accounts,
        "data": data,
        "spending_rows": spending_rows,
        "period_choices": [(key, period_labels[key], key == period.key) for key in periods],
        "period_label": period_labels[period.key],
        "cashflow_chart": _cashflow_chart(data, locale),
        "spending_chart": _spending_chart(spending_rows, data["currency"], locale),
    }
    if htmx_target(request) == "spending":
        return render(request, "web/dashboard/_spending.html", context)
    # Read on every request, not cached with the bundle (see common/plan_events.py).
    context["alerts"] = household_alerts(household, Wording.of(request), limit=DASHBOARD_ALERTS)[0]
    return render(request, "web/dashboard/index.html", context)
