"""The first implementations' routes, in the exact shapes their clients used, over the v1 services."""

from __future__ import annotations

from decimal import Decimal

import pytest

from finance.ledger.models import Account, Category, Transaction
from finance.ledger.tests.factories import category

pytestmark = pytest.mark.django_db


def test_transactions_route_creates_category_by_name_and_uses_a_default_account(client_for, household):
    response = client_for.post(
        "/api/transactions/",
        {"amount": "12.50", "type": "expense", "category": "Snacks", "description": "chips"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "amount", "type", "category", "description", "created_at"}
    assert (body["amount"], body["type"], body["category"], body["description"]) == (
        "12.50",
        "expense",
        "Snacks",
        "chips",
    )
    snacks = Category.objects.get(household=household, name="Snacks")
    assert snacks.type == "expense"
    account = Account.objects.get(household=household)
    assert (account.name, account.balance) == ("Main account", Decimal("-12.50"))
    # An existing category is found by name, any case, at any level.
    again = client_for.post(
        "/api/transactions/", {"amount": 3, "type": "expense", "category": "groceries"}, format="json"
    )
    assert again.json()["category"] == "Groceries"
    listing = client_for.get("/api/transactions/").json()
    assert [row["amount"] for row in listing["results"]] == ["3.00", "12.50"]


def test_transactions_route_validates(client_for):
    response = client_for.post("/api/transactions/", {"amount": "-1", "type": "gift"}, format="json")
    assert response.status_code == 400
    assert {e["attr"] for e in response.json()["errors"]} == {"amount", "type"}
    assert not Transaction.objects.exists()


def test_legacy_analytics_balance_is_fresh_after_each_write(client_for, django_capture_on_commit_callbacks):
    assert client_for.get("/api/analytics/").json()["balance"] == "0.00"
    with django_capture_on_commit_callbacks(execute=True):
        client_for.post("/api/incomes/", {"amount": "100.00", "category": "Salary"}, format="json")
    with django_capture_on_commit_callbacks(execute=True):
        client_for.post("/api/expenses/", {"amount": "30.25"}, format="json")
    body = client_for.get("/api/analytics/").json()
    assert set(body) == {"balance", "transaction_count", "last_updated"}
    assert (body["balance"], body["transaction_count"]) == ("69.75", 2)


def test_incomes_and_expenses_are_separate_resources(client_for, household):
    income = client_for.post(
        "/api/incomes/", {"amount": "2500", "category": "Salary", "date": "2026-03-01"}, format="json"
    )
    expense = client_for.post(
        "/api/expenses/",
        {"amount": "40", "category": "Groceries", "description": "food", "date": "2026-03-02"},
        format="json",
    )
    assert income.status_code == expense.status_code == 201
    assert set(expense.json()) == {"id", "amount", "category", "description", "date", "created_at"}
    assert [r["id"] for r in client_for.get("/api/incomes/").json()["results"]] == [income.json()["id"]]
    assert [r["id"] for r in client_for.get("/api/expenses/").json()["results"]] == [expense.json()["id"]]
    # An income is not reachable as an expense.
    assert client_for.get(f"/api/expenses/{income.json()['id']}/").status_code == 404

    url = f"/api/expenses/{expense.json()['id']}/"
    assert client_for.patch(url, {"amount": "45.00"}, format="json").json()["amount"] == "45.00"
    replaced = client_for.put(
        url, {"amount": "50", "category": "Coffee", "description": "beans", "date": "2026-03-03"}, format="json"
    )
    assert replaced.status_code == 200
    assert (replaced.json()["category"], replaced.json()["date"]) == ("Coffee", "2026-03-03")
    assert client_for.delete(url).status_code == 204
    assert client_for.get(url).status_code == 404


def test_summary_route_by_range_and_by_month(client_for):
    client_for.post("/api/incomes/", {"amount": "1000", "date": "2026-02-10"}, format="json")
    client_for.post("/api/expenses/", {"amount": "250", "date": "2026-02-11"}, format="json")
    client_for.post("/api/expenses/", {"amount": "100", "date": "2026-03-05"}, format="json")
    body = client_for.get("/api/summary/?start_date=2026-02-01&end_date=2026-03-31").json()
    assert body == {
        "total_income": "1000.00",
        "total_expense": "350.00",
        "savings": "650.00",
        "months": [
            {"year": 2026, "month": 2, "total_income": "1000.00", "total_expense": "250.00", "savings": "750.00"},
            {"year": 2026, "month": 3, "total_income": "0.00", "total_expense": "100.00", "savings": "-100.00"},
        ],
    }
    month = client_for.get("/api/summary/?month=2026-03").json()
    assert (month["total_expense"], len(month["months"])) == ("100.00", 1)
    assert client_for.get("/api/summary/?month=2026-13").status_code == 400


def test_finance_categories_route(client_for, household):
    listing = client_for.get("/api/finance/categories/").json()
    assert {"id", "name"} == set(listing["results"][0])
    created = client_for.post("/api/finance/categories/", {"name": "Garden"}, format="json")
    assert created.status_code == 201
    assert set(created.json()) == {"id", "name"}
    assert Category.objects.get(pk=created.json()["id"]).type == "expense"


def test_finance_transactions_route(client_for, household):
    coffee = category(household, "Coffee")
    created = client_for.post(
        "/api/finance/transactions/",
        {"category": str(coffee.pk), "type": "EXPENSE", "amount": "4.20", "date": "2026-03-01", "note": "flat white"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == {"id", "category", "type", "amount", "date", "note", "created_at"}
    assert (body["category"], body["type"], body["amount"], body["note"]) == (
        str(coffee.pk),
        "EXPENSE",
        "4.20",
        "flat white",
    )
    url = f"/api/finance/transactions/{body['id']}/"
    assert client_for.patch(url, {"note": "cortado"}, format="json").json()["note"] == "cortado"
    assert client_for.get(url).json()["amount"] == "4.20"
    assert client_for.delete(url).status_code == 204
    bad = client_for.post("/api/finance/transactions/", {"type": "expense", "amount": "1"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["attr"] == "type"


def test_compat_routes_require_auth_and_respect_roles(roles):
    assert roles.client("anonymous").get("/api/transactions/").status_code == 401
    viewer = roles.client("viewer")
    assert viewer.get("/api/expenses/").status_code == 200
    assert viewer.post("/api/expenses/", {"amount": "1"}, format="json").status_code == 403
    assert not Transaction.objects.filter(household=roles.household).exists()


def test_summary_of_month_zero_is_a_validation_error_not_a_crash(client_for):
    response = client_for.get("/api/summary/?month=0000-01")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "month"


def test_uncategorized_typed_transactions_show_a_null_category_as_documented(client_for, db):
    created = client_for.post("/api/expenses/", {"amount": "5.00"}, format="json")
    assert created.status_code == 201
    assert created.json()["category"] is None


@pytest.mark.parametrize("kind", ["incomes", "expenses"])
def test_put_and_patch_keep_the_description_they_do_not_change(client_for, kind):
    created = client_for.post(
        f"/api/{kind}/", {"amount": "10", "description": "March pay", "category": "Pay", "date": "2026-03-01"}
    ).json()
    url = f"/api/{kind}/{created['id']}/"
    replaced = client_for.put(url, {"amount": "50", "category": "Pay", "description": "beans"}, format="json")
    assert replaced.status_code == 200, replaced.content
    assert (replaced.json()["amount"], replaced.json()["description"]) == ("50.00", "beans")
    assert client_for.get(url).json()["description"] == "beans"

    kept = client_for.put(url, {"amount": "52"}, format="json")
    assert kept.status_code == 200, kept.content
    assert {k: kept.json()[k] for k in ("amount", "description", "category", "date")} == {
        "amount": "52.00",
        "description": "beans",
        "category": "Pay",
        "date": "2026-03-01",
    }
    patched = client_for.patch(url, {"amount": "53"}, format="json").json()
    assert (patched["amount"], patched["description"]) == ("53.00", "beans")
    cleared = client_for.patch(url, {"description": ""}, format="json").json()
    assert (cleared["amount"], cleared["description"]) == ("53.00", "")
    assert Transaction.objects.get(pk=created["id"]).description == ""


def test_finance_transaction_patch_keeps_the_note_it_does_not_change(client_for):
    created = client_for.post(
        "/api/finance/transactions/", {"type": "EXPENSE", "amount": "4.20", "note": "coffee"}, format="json"
    ).json()
    patched = client_for.patch(f"/api/finance/transactions/{created['id']}/", {"amount": "5"}, format="json").json()
    assert (patched["amount"], patched["note"]) == ("5.00", "coffee")
