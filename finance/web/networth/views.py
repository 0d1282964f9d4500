"""Net worth over time: assets, liabilities and net worth at each month's end, in the household's base currency.

The figures are ``finance.analytics.selectors.net_worth``'s, the same the API's
``GET /api/v1/analytics/net-worth/?interval=month`` answers, cached per household version like the
dashboard's bundle (any write shows at once).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from finance.analytics import selectors as analytics
from finance.core.cache import cached_for_household
from finance.core.dates import add_months, first_of_month
from finance.households.models import Household
from finance.ledger.selectors import account_list
from finance.web.common import formatting
from finance.web.common.locale import user_today
from finance.web.common.views import household_view

# The period choices: months back from this one (``None``: since the first month with money in it, at most
# the selector's ``MAX_MONTHS``).
PERIODS: dict[str, tuple[Any, int | None]] = {
    "12-months": (gettext_lazy("12 months"), 12),
    "3-years": (gettext_lazy("3 years"), 36),
    "all": (gettext_lazy("All"), None),
}
DEFAULT_PERIOD = "12-months"


def period_start(key: str, today: date) -> date | None:
    months = PERIODS[key][1]
    return None if months is None else add_months(first_of_month(today), -(months - 1))


def net_worth_rows(household: Household, key: str, today: date) -> dict[str, Any]:
    """The selector's answer for the period, amounts as Decimals (cached per household version)."""

    def compute() -> dict[str, Any]:
        answer = analytics.net_worth(household, start=period_start(key, today), end=today)
        return {
            "currency": answer["currency"],
            "unconverted": answer["unconverted_currencies"],
            "rows": [
                {
                    "month": date.fromisoformat(row["period"] + "-01"),
                    "assets": Decimal(row["assets"]),
                    "liabilities": Decimal(row["liabilities"]),
                    "net_worth": Decimal(row["net_worth"]),
                }
                for row in answer["results"]
            ],
        }

    return cached_for_household(household.id, "web-net-worth", {"today": today.isoformat(), "period": key}, compute)


def _chart(data: dict[str, Any], locale: str) -> dict[str, Any]:
    rows = data["rows"]
    return {
        "currency": data["currency"],
        "locale": locale.replace("_", "-"),
        "labels": [formatting.month(row["month"], locale) for row in rows],
        "series": [
            {"label": _("Net worth"), "kind": "net", "values": [str(r["net_worth"]) for r in rows]},
            {"label": _("Assets"), "kind": "assets", "values": [str(r["assets"]) for r in rows]},
            {"label": _("Liabilities"), "kind": "liabilities", "values": [str(r["liabilities"]) for r in rows]},
        ],
    }


@household_view()
def net_worth(request: HttpRequest, household: Household) -> HttpResponse:
    today = user_today(request)
    key = request.GET.get("period", DEFAULT_PERIOD)
    if key not in PERIODS:
        key = DEFAULT_PERIOD
    counted = account_list(household=household).filter(include_in_net_worth=True).exists()
    data: dict[str, Any] = (
        net_worth_rows(household, key, today) if counted else {"currency": household.base_currency, "rows": []}
    )
    rows: list[dict[str, Any]] = data["rows"]
    locale: str = getattr(request, "locale", "en")
    context = {
        "section": "net-worth",
        "data": data,
        "latest": rows[-1] if rows else None,
        "first": rows[0] if rows else None,
        "change": rows[-1]["net_worth"] - rows[0]["net_worth"] if len(rows) > 1 else None,
        "newest_first": list(reversed(rows)),
        "chart": _chart(data, locale),
        "periods": [(k, label, k == key) for k, (label, _months) in PERIODS.items()],
        "period_label": PERIODS[key][0],
    }
    return render(request, "web/networth/index.html", context)
