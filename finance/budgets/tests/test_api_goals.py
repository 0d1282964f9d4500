"""The goals API: read-only progress fields, contributions, field errors, list query count."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finance.budgets.models import Goal, GoalAchieved, GoalContribution
from finance.budgets.tests.factories import make_goal
from finance.ledger.tests.factories import make_account
from finance.users.tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db
D = Decimal


def errors(response):
    assert response.status_code == 400, response.content
    return {(e["attr"], e["code"]) for e in response.json()["errors"]}


def test_create_contribute_and_reach_a_goal(client_for, household):
    today = timezone.localdate()
    response = client_for.post(
        "/api/v1/goals/",
        {
            "name": "Bike",
            "goal_type": "purchase",
            "target_amount": "600",
            "target_date": str(today + timedelta(days=59)),
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    goal = response.json()
    assert {k: goal[k] for k in ("name", "goal_type", "currency", "status", "account", "achieved_at")} == {
        "name": "Bike",
        "goal_type": "purchase",
        "currency": "USD",
        "status": "active",
        "account": None,
        "achieved_at": None,
    }
    # 59 days are 1.94 average months: two contributions of 300.
    assert (goal["current_amount"], goal["progress"], goal["required_monthly"], goal["projected_date"]) == (
        "0.00",
        0.0,
        "300.00",
        None,
    )
    url = f"/api/v1/goals/{goal['id']}/contributions/"
    first = client_for.post(url, {"amount": "450", "date": str(today), "note": " birthday "}, format="json")
    assert first.status_code == 201, first.content
    assert {k: first.json()[k] for k in ("amount", "date", "note", "goal")} == {
        "amount": "450.00",
        "date": str(today),
        "note": "birthday",
        "goal": goal["id"],
    }
    detail = client_for.get(f"/api/v1/goals/{goal['id']}/").json()
    # 450 in the last 90 days: 150 more takes 30 days at that pace.
    assert (detail["current_amount"], detail["remaining_amount"], detail["progress"], detail["projected_date"]) == (
        "450.00",
        "150.00",
        0.75,
        str(today + timedelta(days=30)),
    )
    assert detail["monthly_pace"] == "152.18"
    client_for.post(url, {"amount": "150"}, format="json")
    reached = client_for.get(f"/api/v1/goals/{goal['id']}/").json()
    assert (reached["status"], reached["progress"], reached["projected_date"]) == ("achieved", 1.0, str(today))
    events = client_for.get(f"/api/v1/goals/{goal['id']}/events/").json()["results"]
    assert [(e["type"], e["amount"], e["target_amount"]) for e in events] == [("goal_achieved", "600.00", "600.00")]
    assert [c["amount"] for c in client_for.get(url).json()["results"]] == ["150.00", "450.00"]
    # Deleting a contribution keeps the achievement on record.
    assert client_for.delete(f"{url}{first.json()['id']}/").status_code == 204
    after = client_for.get(f"/api/v1/goals/{goal['id']}/").json()
    assert (after["current_amount"], after["status"]) == ("150.00", "achieved")


def test_linked_goal_over_the_api(client_for, household):
    savings = make_account(household, "Savings", type="savings", opening_balance=D("2500"))
    response = client_for.post(
        "/api/v1/goals/",
        {"name": "Rainy day", "goal_type": "emergency_fund", "target_amount": "10000", "account": str(savings.pk)},
        format="json",
    )
    assert response.status_code == 201, response.content
    goal = response.json()
    assert (goal["account"], goal["current_amount"], goal["progress"], goal["monthly_pace"]) == (
        str(savings.pk),
        "2500.00",
        0.25,
        "0.00",
    )
    refused = client_for.post(f"/api/v1/goals/{goal['id']}/contributions/", {"amount": "5"}, format="json")
    assert refused.status_code == 409
    assert refused.json()["errors"][0]["code"] == "goal_linked"
    unlinked = client_for.patch(f"/api/v1/goals/{goal['id']}/", {"account": None}, format="json").json()
    assert (unlinked["account"], unlinked["current_amount"]) == (None, "0.00")


def test_debt_payoff_target_defaults_to_the_debt(client_for, household):
    loan = make_account(household, "Loan", type="loan", opening_balance=D("-12000"))
    goal = client_for.post(
        "/api/v1/goals/", {"name": "Loan", "goal_type": "debt_payoff", "account": str(loan.pk)}, format="json"
    ).json()
    assert (goal["target_amount"], goal["current_amount"], goal["progress"]) == ("12000.00", "0.00", 0.0)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"target_amount": "-5"}, {("target_amount", "not_positive")}),
        ({"target_amount": "0"}, {("target_amount", "not_positive")}),
        ({}, {("target_amount", "required")}),
        ({"target_amount": "10", "goal_type": "lottery"}, {("goal_type", "invalid_choice")}),
        ({"target_amount": "10", "status": "won"}, {("status", "invalid_choice")}),
        ({"target_amount": "10", "currency": "ABC"}, {("currency", "invalid_currency")}),
        ({"target_amount": "10.005"}, {("target_amount", "max_decimal_places")}),
        ({"target_amount": "10", "name": ""}, {("name", "blank")}),
    ],
)
def test_goal_field_errors(client_for, household, body, expected):
    assert errors(client_for.post("/api/v1/goals/", {"name": "Goal", **body}, format="json")) == expected
    assert not Goal.objects.exists()


def test_foreign_account_and_bad_contributions_are_field_errors(client_for, household):
    elsewhere = make_account(HouseholdFactory(), "Theirs")
    assert errors(
        client_for.post(
            "/api/v1/goals/", {"name": "G", "target_amount": "5", "account": str(elsewhere.pk)}, format="json"
        )
    ) == {("account", "does_not_exist")}
    goal = make_goal(household, "100")
    url = f"/api/v1/goals/{goal.pk}/contributions/"
    assert errors(client_for.post(url, {"amount": "-3"}, format="json")) == {("amount", "not_positive")}
    assert errors(client_for.post(url, {"amount": "3.001", "date": "soon"}, format="json")) == {("date", "invalid")}
    assert errors(client_for.post(url, {"amount": "3.001"}, format="json")) == {("amount", "max_decimal_places")}
    assert not GoalContribution.objects.exists()


def test_manual_status_changes(client_for, household):
    goal = make_goal(household, "100")
    url = f"/api/v1/goals/{goal.pk}/"
    done = client_for.patch(url, {"status": "achieved"}, format="json").json()
    assert (done["status"], done["achieved_at"] is not None) == ("achieved", True)
    assert GoalAchieved.objects.filter(goal=goal).count() == 1
    reopened = client_for.patch(url, {"status": "cancelled"}, format="json").json()
    assert (reopened["status"], reopened["achieved_at"], reopened["projected_date"]) == ("cancelled", None, None)


def test_goal_list_costs_the_same_for_any_number_of_goals(client_for, household):
    savings = make_account(household, "Savings", type="savings", opening_balance=D("100"))

    def list_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client_for.get("/api/v1/goals/")
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    make_goal(household, "1000", name="Manual")
    make_goal(household, "1000", name="Linked", account=savings)
    client_for.get("/api/v1/auth/me/")  # warm the per-session authentication caches
    few = list_queries()
    for i in range(6):
        goal = make_goal(household, "1000", name=f"Manual {i}")
        goal.contributions.create(household=household, amount=D("5"), date=date(2026, 1, 1))
        make_goal(household, "1000", name=f"Linked {i}", account=savings)
    many = list_queries()
    assert (few[1], many[1]) == (2, 14)
    assert few[0] == many[0]


def test_a_repeated_contribution_with_one_idempotency_key_is_made_once(client_for, household):
    goal = make_goal(household, "1000")
    url = f"/api/v1/goals/{goal.pk}/contributions/"
    first = client_for.post(url, {"amount": "20"}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    again = client_for.post(url, {"amount": "20"}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert (first.status_code, again.status_code, again.headers["Idempotent-Replayed"]) == (201, 201, "true")
    assert first.json() == again.json()
    assert GoalContribution.objects.count() == 1
    other = client_for.post(url, {"amount": "25"}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    assert other.status_code == 409
