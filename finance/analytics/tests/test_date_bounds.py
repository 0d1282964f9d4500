"""Dates at the edge (issue #17): a period in year 9999 would run past ``date.max`` (its December has no month
after it); every date that comes in is kept between the application's bounds, as budgets always were."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from finance.budgets.services import budget_create
from finance.core.dates import EARLIEST, LATEST
from finance.ledger.models import Transaction
from finance.ledger.tests.factories import category, make_account, make_txn

pytestmark = pytest.mark.django_db

PERIODS = [
    "summary/?start_date={start}&end_date={end}",
    "categories/?start_date={start}&end_date={end}",
    "cashflow/?start_date={start}&end_date={end}",
    "cashflow/?start_date={start}&end_date={end}&interval=week",
    "net-worth/?start_date={start}&end_date={end}",
]


@pytest.mark.parametrize("path", PERIODS)
@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("9999-01-01", "9999-12-31", "start_date"),
        ("0001-01-01", "0001-12-31", "start_date"),
        ("2026-01-01", "9999-12-31", "end_date"),
    ],
)
def test_a_period_outside_the_supported_dates_is_a_400_on_its_field(client_for, household, path, start, end, field):
    response = client_for.get("/api/v1/analytics/" + path.format(start=start, end=end))
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    assert (body["errors"][0]["attr"], body["errors"][0]["code"]) == (field, "out_of_range")
    assert body["errors"][0]["detail"] == f"Dates run between {EARLIEST} and {LATEST}."


@pytest.mark.parametrize("path", PERIODS)
def test_the_last_supported_year_is_answered(client_for, household, path):
    make_txn(household, make_account(household, "A", currency="USD"), "expense", "5.00", LATEST)
    response = client_for.get("/api/v1/analytics/" + path.format(start="2100-01-01", end=LATEST.isoformat()))
    assert response.status_code == 200, response.content


def test_transactions_and_rates_outside_the_dates_are_refused(client_for, household):
    account = make_account(household, "A", currency="USD")
    body = {"account": str(account.pk), "type": "expense", "amount": "1.00", "date": "9999-12-31"}
    response = client_for.post("/api/v1/transactions/", body, format="json")
    assert response.status_code == 400
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("date", "out_of_range")]
    response = client_for.post(
        "/api/v1/transactions/", {**body, "date": "2026-01-01", "posted_date": "1900-01-01"}, format="json"
    )
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("posted_date", "out_of_range")]
    rate = {"base": "EUR", "quote": "USD", "rate": "1.1", "date": "9999-12-31"}
    response = client_for.post("/api/v1/exchange-rates/", rate, format="json")
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("date", "out_of_range")]
    goal = {"name": "Far", "target_amount": "10.00", "currency": "USD", "target_date": "9999-12-31"}
    response = client_for.post("/api/v1/goals/", goal, format="json")
    assert [(e["attr"], e["code"]) for e in response.json()["errors"]] == [("target_date", "out_of_range")]
    assert not Transaction.objects.filter(household=household).exists()


def test_a_budget_page_asked_for_year_9999_shows_today(user, household):
    budget = budget_create(
        household=household,
        actor=None,
        name="Food",
        start_date=date(2026, 1, 1),
        lines=[{"category": category(household, "Groceries"), "amount": Decimal("300")}],
    )
    web = Client()
    web.force_login(user)
    assert web.get(f"/app/budgets/{budget.pk}/?date=9999-12-31").status_code == 200
