"""The net-worth page: the analytics selector's figures per month, in the base currency, as chart data and
as a table; the period choice; the empty state."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from finance.analytics import selectors as analytics
from finance.core.dates import add_months, first_of_month
from finance.currency.services import rate_create
from finance.ledger.tests.factories import make_account, make_txn
from finance.web.common import formatting

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def book(roles):
    """USD household: checking (opening 1,000), a loan (owing 5,000), a EUR account at 1.10.

    Two months ago: salary 3,000. Last month: rent 500, 200 paid off the loan, EUR income 100 (= 110.00 USD).
    This month: groceries 100.
    """
    household = roles.household
    this_month = first_of_month(timezone.localdate())
    two_ago, last = add_months(this_month, -2), add_months(this_month, -1)
    rate_create(
        household=household, actor=None, base="EUR", quote="USD", rate=D("1.10"), date=add_months(this_month, -13)
    )
    checking = make_account(household, "Checking", opening_balance=D("1000"))
    loan = make_account(household, "Car loan", type="loan", opening_balance=D("-5000"))
    euro = make_account(household, "Euro", currency="EUR")
    make_txn(household, checking, "income", "3000", two_ago + timedelta(days=1))
    make_txn(household, checking, "expense", "500", last + timedelta(days=2))
    make_txn(household, checking, "transfer", "200", last + timedelta(days=3), transfer_account=loan)
    make_txn(household, euro, "income", "100", last + timedelta(days=4))
    make_txn(household, checking, "expense", "100", this_month)
    return {"household": household, "this_month": this_month, "two_ago": two_ago, "last": last}


def _table(page: str) -> dict[str, list[str]]:
    rows = re.findall(r'<tr data-month="(\d{4}-\d{2})"><th scope="row">[^<]*</th>(.*?)</tr>', page, re.S)
    return {month: re.findall(r"<td[^>]*>([^<]*)</td>", cells) for month, cells in rows}


def test_the_page_shows_the_selectors_figures_per_month_in_the_base_currency(roles, book, web_client):
    response = web_client(roles.users["viewer"]).get(reverse("web:net-worth"))
    assert response.status_code == 200
    page = response.content.decode()
    today = timezone.localdate()
    expected = analytics.net_worth(book["household"], start=add_months(book["this_month"], -11), end=today)
    assert expected["currency"] == "USD"
    assert len(expected["results"]) == 12

    # The known book, month by month (liabilities are what is owed).
    by_month = {row["period"]: row for row in expected["results"]}
    assert by_month[f"{add_months(book['two_ago'], -1):%Y-%m}"] == {
        "period": f"{add_months(book['two_ago'], -1):%Y-%m}",
        "assets": "1000.00",
        "liabilities": "5000.00",
        "net_worth": "-4000.00",
    }
    assert {k: by_month[f"{book['two_ago']:%Y-%m}"][k] for k in ("assets", "liabilities", "net_worth")} == {
        "assets": "4000.00",
        "liabilities": "5000.00",
        "net_worth": "-1000.00",
    }
    assert {k: by_month[f"{book['last']:%Y-%m}"][k] for k in ("assets", "liabilities", "net_worth")} == {
        "assets": "3410.00",
        "liabilities": "4800.00",
        "net_worth": "-1390.00",
    }
    assert {k: by_month[f"{book['this_month']:%Y-%m}"][k] for k in ("assets", "liabilities", "net_worth")} == {
        "assets": "3310.00",
        "liabilities": "4800.00",
        "net_worth": "-1490.00",
    }

    # The table: every month of the selector, newest first, formatted in the person's locale.
    table = _table(page)
    assert list(table) == [row["period"] for row in reversed(expected["results"])]
    for row in expected["results"]:
        assert table[row["period"]] == [
            formatting.money(D(row[k]), "USD", "en") for k in ("assets", "liabilities", "net_worth")
        ]
    assert table[f"{book['last']:%Y-%m}"] == ["$3,410.00", "$4,800.00", "-$1,390.00"]

    # The chart's data: the same figures, oldest first.
    chart = json.loads(re.search(r'<script id="networth-data" type="application/json">(.*?)</script>', page).group(1))
    assert chart["currency"] == "USD"
    series = {s["kind"]: s["values"] for s in chart["series"]}
    assert series == {
        "net": [row["net_worth"] for row in expected["results"]],
        "assets": [row["assets"] for row in expected["results"]],
        "liabilities": [row["liabilities"] for row in expected["results"]],
    }
    assert len(chart["labels"]) == 12

    # The latest month at the top, and the change over the period.
    assert re.search(r'data-figure="net-worth">-\$1,490\.00<', page)
    assert re.search(r'data-figure="assets">\$3,310\.00<', page)
    assert re.search(r'data-figure="liabilities">\$4,800\.00<', page)
    assert "+$2,510.00 since" in page  # −4,000.00 eleven months ago → −1,490.00


def test_the_period_choice_changes_the_months_shown(roles, book, web_client):
    client = web_client(roles.users["owner"])
    three_years = _table(client.get(reverse("web:net-worth"), {"period": "3-years"}).content.decode())
    assert len(three_years) == 36
    everything = client.get(reverse("web:net-worth"), {"period": "all"}).content.decode()
    # "All": from the first month with money in it.
    assert list(_table(everything)) == [f"{book[k]:%Y-%m}" for k in ("this_month", "last", "two_ago")]
    assert 'href="?period=all" aria-current="page"' in everything
    unknown = client.get(reverse("web:net-worth"), {"period": "forever"}).content.decode()
    assert len(_table(unknown)) == 12


def test_the_page_is_in_the_persons_locale(roles, book, web_client):
    owner = roles.users["owner"]
    owner.locale = "de_DE"
    owner.save()
    page = web_client(owner).get(reverse("web:net-worth")).content.decode()
    assert "<h1>Nettovermögen</h1>" in page
    assert _table(page)[f"{book['last']:%Y-%m}"] == ["3.410,00\xa0$", "4.800,00\xa0$", "-1.390,00\xa0$"]


def test_without_accounts_the_page_says_how_to_start(roles, web_client):
    page = web_client(roles.users["owner"]).get(reverse("web:net-worth")).content.decode()
    assert "No account counts towards net worth yet." in page
    assert "networth-chart" not in page
    assert reverse("web:account-create") in page
    viewer_page = web_client(roles.users["viewer"]).get(reverse("web:net-worth")).content.decode()
    assert reverse("web:account-create") not in viewer_page


def test_the_dashboard_links_the_page(roles, web_client):
    make_account(roles.household, "Checking")  # a household with no account gets the first steps instead
    page = web_client(roles.users["viewer"]).get(reverse("web:dashboard")).content.decode()
    assert f'<a href="{reverse("web:net-worth")}">Net worth over time</a>' in page
