"""The budgets API: create/update with lines, field errors naming the line, status, moves, query counts."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from finance.budgets import selectors
from finance.budgets.models import Budget, BudgetLine
from finance.budgets.tests.factories import make_budget
from finance.households.models import Membership, Role
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.users.tests.factories import HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


def cat(household, name):
    return str(category(household, name).pk)


def errors(response):
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    return {(e["attr"], e["code"]) for e in body["errors"]}


def test_create_an_envelope_budget_with_lines(client_for, household):
    response = client_for.post(
        "/api/v1/budgets/",
        {
            "name": " Monthly spending ",
            "style": "envelope",
            "period": "monthly",
            "start_date": "2026-01-01",
            "rollover": True,
            "lines": [
                {"category": cat(household, "Groceries"), "amount": "1200"},
                {"category": cat(household, "Dining out"), "amount": 650.5},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (
        body["name"],
        body["style"],
        body["currency"],
        body["rollover"],
        body["end_date"],
        body["total_amount"],
    ) == (
        "Monthly spending",
        "envelope",
        "USD",
        True,
        None,
        None,
    )
    assert [(line["category"], line["amount"]) for line in body["lines"]] == [
        (cat(household, "Groceries"), "1200.00"),
        (cat(household, "Dining out"), "650.50"),
    ]


def test_update_replaces_lines_and_keeps_the_rest(client_for, household):
    budget = make_budget(household, {"Groceries": "100", "Dining out": "50"})
    groceries_line = BudgetLine.objects.get(budget=budget, category__name="Groceries")
    response = client_for.patch(
        f"/api/v1/budgets/{budget.pk}/",
        {
            "lines": [
                {"category": cat(household, "Taxi"), "amount": "40"},
                {"category": cat(household, "Groceries"), "amount": "120"},
            ]
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    assert [(line["id"], line["amount"]) for line in response.json()["lines"]][1] == (str(groceries_line.pk), "120.00")
    assert sorted(BudgetLine.objects.filter(budget=budget).values_list("category__name", "amount")) == [
        ("Groceries", D("120")),
        ("Taxi", D("40")),
    ]
    renamed = client_for.patch(f"/api/v1/budgets/{budget.pk}/", {"name": "Renamed"}, format="json").json()
    assert (renamed["name"], len(renamed["lines"])) == ("Renamed", 2)
    replaced = client_for.put(
        f"/api/v1/budgets/{budget.pk}/",
        {"name": "Yearly", "period": "yearly", "start_date": "2026-01-01", "total_amount": "9000", "lines": []},
        format="json",
    )
    assert replaced.status_code == 200, replaced.content
    assert (replaced.json()["period"], replaced.json()["lines"], replaced.json()["total_amount"]) == (
        "yearly",
        [],
        "9000.00",
    )
    assert client_for.delete(f"/api/v1/budgets/{budget.pk}/").status_code == 204
    assert not Budget.objects.exists()
    assert not BudgetLine.objects.exists()


def test_line_errors_name_the_line(client_for, household):
    other = HouseholdFactory()
    response = client_for.post(
        "/api/v1/budgets/",
        {
            "name": "Bad",
            "start_date": "2026-01-01",
            "lines": [
                {"category": cat(household, "Food"), "amount": "100"},
                {"category": cat(household, "Groceries"), "amount": "50"},  # inside Food
                {"category": cat(household, "Taxi"), "amount": "-5"},
                {"category": cat(household, "Food"), "amount": "10"},  # again
                {"category": cat(household, "Salary"), "amount": "10"},  # income
            ],
        },
        format="json",
    )
    # The serializer reports the negative amount first; fix it and the service reports the rest.
    assert errors(response) == {("lines.2.amount", "min_value")}
    response = client_for.post(
        "/api/v1/budgets/",
        {
            "name": "Bad",
            "start_date": "2026-01-01",
            "lines": [
                {"category": cat(household, "Food"), "amount": "100"},
                {"category": cat(household, "Groceries"), "amount": "50"},
                {"category": cat(household, "Taxi"), "amount": "5"},
                {"category": cat(household, "Food"), "amount": "10"},
                {"category": cat(household, "Salary"), "amount": "10"},
            ],
        },
        format="json",
    )
    assert errors(response) == {
        ("lines.1.category", "overlapping_category"),
        ("lines.3.category", "duplicate_category"),
        ("lines.4.category", "type_mismatch"),
    }
    # A subcategory first and its parent after overlaps too; another household's category does not exist.
    response = client_for.post(
        "/api/v1/budgets/",
        {
            "name": "Bad",
            "start_date": "2026-01-01",
            "lines": [
                {"category": cat(household, "Dining out"), "amount": "100"},
                {"category": cat(household, "Food"), "amount": "50"},
                {"category": cat(other, "Taxi"), "amount": "5"},
            ],
        },
        format="json",
    )
    # The serializer answers first (an id from elsewhere does not exist), then the service (overlap).
    assert errors(response) == {("lines.2.category", "does_not_exist")}
    response = client_for.post(
        "/api/v1/budgets/",
        {
            "name": "Bad",
            "start_date": "2026-01-01",
            "lines": [
                {"category": cat(household, "Dining out"), "amount": "100"},
                {"category": cat(household, "Food"), "amount": "50"},
            ],
        },
        format="json",
    )
    assert errors(response) == {("lines.1.category", "overlapping_category")}
    assert not Budget.objects.exists()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"end_date": "2025-12-31"}, {("end_date", "invalid_range")}),
        ({"period": "custom"}, {("end_date", "required")}),
        ({"rollover": True}, {("rollover", "invalid")}),
        ({"total_amount": "-1"}, {("total_amount", "min_value")}),
        ({"lines": []}, {("lines", "required")}),
        ({"currency": "XYZ"}, {("currency", "invalid_currency")}),
        ({"name": "  "}, {("name", "blank")}),
        ({"start_date": "not-a-date"}, {("start_date", "invalid")}),
        (
            {"start_date": "1900-01-01", "end_date": "9999-12-31"},
            {("start_date", "out_of_range"), ("end_date", "out_of_range")},
        ),
        ({"period": "fortnightly"}, {("period", "invalid_choice")}),
        (
            {"lines": [{"category": "4f9e7c1a-0000-4000-8000-000000000000", "amount": "1"}]},
            {("lines.0.category", "does_not_exist")},
        ),
        ({"lines": [{"category": "nope", "amount": "1"}]}, {("lines.0.category", "invalid")}),
        ({"lines": [{"category": "GROCERIES", "amount": "1.234"}]}, {("lines.0.amount", "max_decimal_places")}),
    ],
)
def test_budget_field_errors(client_for, household, changes, expected):
    body = {
        "name": "Budget",
        "start_date": "2026-01-01",
        "lines": [{"category": cat(household, "Groceries"), "amount": "100"}],
        **changes,
    }
    for line in body["lines"]:
        if line["category"] == "GROCERIES":
            line["category"] = cat(household, "Groceries")
    assert errors(client_for.post("/api/v1/budgets/", body, format="json")) == expected
    assert not Budget.objects.exists()


def test_an_update_is_validated_as_a_whole(client_for, household):
    budget = make_budget(household, {"Groceries": "100"}, start=date(2026, 3, 1))
    assert errors(client_for.patch(f"/api/v1/budgets/{budget.pk}/", {"end_date": "2026-02-01"}, format="json")) == {
        ("end_date", "invalid_range")
    }
    assert errors(
        client_for.patch(
            f"/api/v1/budgets/{budget.pk}/",
            {
                "lines": [
                    {"category": cat(household, "Food"), "amount": "1"},
                    {"category": cat(household, "Coffee"), "amount": "1"},
                ]
            },
            format="json",
        )
    ) == {("lines.1.category", "overlapping_category")}
    # Amounts have at most the currency's decimals (JPY: none), checked again when the currency changes.
    cents = make_budget(household, {"Groceries": "100.50"})
    assert errors(client_for.patch(f"/api/v1/budgets/{cents.pk}/", {"currency": "JPY"}, format="json")) == {
        ("lines.0.amount", "max_decimal_places")
    }
    assert Budget.objects.get(pk=cents.pk).currency == "USD"


def test_status_endpoint_is_fresh_after_writes(client_for, household, django_capture_on_commit_callbacks):
    account = make_account(household)
    budget = make_budget(household, {"Groceries": "100"})
    url = f"/api/v1/budgets/{budget.pk}/status/?date=2026-03-10"
    first = client_for.get(url).json()
    assert (first["period_start"], first["period_end"], first["lines"][0]["spent"]) == (
        "2026-03-01",
        "2026-03-31",
        "0.00",
    )
    with django_capture_on_commit_callbacks(execute=True):
        make_txn(household, account, "expense", "42", date(2026, 3, 5), category=category(household, "Groceries"))
    assert client_for.get(url).json()["lines"][0]["spent"] == "42.00"
    with django_capture_on_commit_callbacks(execute=True):
        client_for.patch(
            f"/api/v1/budgets/{budget.pk}/",
            {"lines": [{"category": cat(household, "Groceries"), "amount": "50"}]},
            format="json",
        )
    body = client_for.get(url).json()
    assert (body["lines"][0]["budgeted"], body["lines"][0]["remaining"], body["lines"][0]["percent"]) == (
        "50.00",
        "8.00",
        84.0,
    )


def test_status_query_errors(client_for, household):
    budget = make_budget(household, {"Groceries": "100"})
    stranger = UserFactory()
    url = f"/api/v1/budgets/{budget.pk}/status/"
    assert errors(client_for.get(f"{url}?member={stranger.pk}")) == {("member", "not_a_member")}
    assert errors(client_for.get(f"{url}?history=121&date=2026-13-01")) == {
        ("history", "max_value"),
        ("date", "invalid"),
    }
    assert errors(client_for.get(f"{url}?date=9999-12-15")) == {("date", "out_of_range")}


def test_member_status_over_the_api(client_for, household, user):
    partner = UserFactory()
    Membership.objects.create(household=household, user=partner, role=Role.VIEWER)
    budget = make_budget(household, {"Groceries": "100"})
    body = client_for.get(f"/api/v1/budgets/{budget.pk}/status/?date=2026-03-10&member={partner.pk}").json()
    assert body["member"] == {"id": str(partner.pk), "username": partner.username}
    assert (body["lines"][0]["spent"], body["lines"][0]["household_spent"]) == ("0.00", "0.00")


def test_moves_over_the_api(client_for, household):
    budget = make_budget(household, {"Groceries": "300", "Dining out": "100"}, style="envelope")
    url = f"/api/v1/budgets/{budget.pk}/moves/"
    response = client_for.post(
        url,
        {
            "from_category": cat(household, "Groceries"),
            "to_category": cat(household, "Dining out"),
            "amount": "40",
            "date": "2026-03-05",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    move = response.json()
    assert (move["amount"], move["date"], move["note"]) == ("40.00", "2026-03-05", "")
    assert [m["id"] for m in client_for.get(url).json()["results"]] == [move["id"]]
    status = client_for.get(f"/api/v1/budgets/{budget.pk}/status/?date=2026-03-10").json()
    assert [(line["name"], line["moved"], line["available"]) for line in status["lines"]] == [
        ("Groceries", "-40.00", "260.00"),
        ("Dining out", "40.00", "140.00"),
    ]
    bad = client_for.post(
        url,
        {"from_category": cat(household, "Taxi"), "to_category": cat(household, "Groceries"), "amount": "-1"},
        format="json",
    )
    assert errors(bad) == {("amount", "not_positive")}
    assert client_for.delete(f"{url}{move['id']}/").status_code == 204
    assert client_for.get(url).json()["results"] == []

    tracking = make_budget(household, {"Groceries": "300", "Dining out": "100"})
    refused = client_for.post(
        f"/api/v1/budgets/{tracking.pk}/moves/",
        {"from_category": cat(household, "Groceries"), "to_category": cat(household, "Dining out"), "amount": "1"},
        format="json",
    )
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "not_envelope"


def _status_queries(client, budget, history):
    client.get("/api/v1/auth/me/")  # warm the per-session authentication caches
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/budgets/{budget.pk}/status/?date=2026-06-10&history={history}")
    assert response.status_code == 200
    assert len(response.json()["history"]) == history
    return len(queries)


@pytest.mark.parametrize(("period", "start"), [("weekly", date(2025, 1, 6)), ("monthly", date(2024, 1, 15))])
def test_status_with_history_costs_the_same_for_any_number_of_periods(client_for, household, period, start):
    account = make_account(household)
    for month in range(1, 7):
        make_txn(household, account, "expense", "10", date(2026, month, 3), category=category(household, "Groceries"))
    tracking = make_budget(household, {"Food": "100", "Transport": "50"}, period=period, start=start)
    envelope = make_budget(household, {"Food": "100"}, period=period, start=start, style="envelope", rollover=True)
    for budget in (tracking, envelope):
        assert _status_queries(client_for, budget, 1) == _status_queries(client_for, budget, 20)


def test_status_selector_query_count_is_pinned(household, django_assert_num_queries):
    account = make_account(household)
    make_txn(household, account, "expense", "10", date(2026, 5, 3), category=category(household, "Groceries"))
    make_budget(household, {"Food": "100"}, period="weekly", start=date(2024, 1, 1), style="envelope", rollover=True)
    budget = Budget.objects.select_related("household").get()
    # lines, the category tree, the moves, whole months (none for weeks: skipped) and one raw query.
    with django_assert_num_queries(4):
        status = selectors.budget_status(budget=budget, on=date(2026, 6, 10), history=100)
    assert len(status.history) == 100
    monthly = make_budget(household, {"Food": "100"}, start=date(2024, 1, 1), style="envelope", rollover=True)
    monthly = Budget.objects.select_related("household").get(pk=monthly.pk)
    # lines, tree, moves, CategoryMonthly for the whole months, raw rows for the pace's partial month.
    with django_assert_num_queries(5):
        selectors.budget_status(budget=monthly, on=date(2026, 6, 10), history=24)


def test_budget_list_costs_the_same_for_any_number_of_budgets(client_for, household):
    def list_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client_for.get("/api/v1/budgets/")
        assert response.status_code == 200
        return len(queries), sum(len(b["lines"]) for b in response.json()["results"])

    make_budget(household, {"Groceries": "1"})
    client_for.get("/api/v1/auth/me/")  # warm the per-session authentication caches
    few = list_queries()
    for i in range(5):
        make_budget(household, {"Groceries": "1", "Taxi": "2", "Books": "3"}, name=f"Budget {i}")
    many = list_queries()
    assert (few[1], many[1]) == (1, 16)
    assert few[0] == many[0]
