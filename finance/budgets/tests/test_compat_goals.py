"""`/api/goals/` and `/api/goals/<id>/`: v1 goals on the caller's default household, through the same services."""

from __future__ import annotations

import pytest

from finance.budgets.models import Goal
from finance.budgets.tests.factories import make_goal
from finance.households.models import Membership, Role
from finance.users.tests.factories import HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db

V1_FIELDS = {
    "id",
    "household",
    "name",
    "goal_type",
    "target_amount",
    "current_amount",
    "remaining_amount",
    "currency",
    "target_date",
    "account",
    "status",
    "progress",
    "required_monthly",
    "monthly_pace",
    "projected_date",
    "achieved_at",
    "created_at",
    "updated_at",
}


def test_compat_goals_list_create_and_detail_have_the_v1_shape(client_for, household):
    created = client_for.post(
        "/api/goals/", {"name": "Holiday", "target_amount": 1500, "target_date": "2027-06-01"}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == V1_FIELDS
    assert (body["household"], body["goal_type"], body["target_amount"], body["current_amount"]) == (
        str(household.pk),
        "savings",
        "1500.00",
        "0.00",
    )
    goal_id = body["id"]
    assert client_for.get(f"/api/v1/goals/{goal_id}/").json() == client_for.get(f"/api/goals/{goal_id}/").json()
    listing = client_for.get("/api/goals/").json()
    assert set(listing) >= {"next", "previous", "results"}
    assert [(row["id"], set(row)) for row in listing["results"]] == [(goal_id, V1_FIELDS)]

    patched = client_for.patch(f"/api/goals/{goal_id}/", {"target_amount": "2000.5"}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["target_amount"] == "2000.50"
    replaced = client_for.put(
        f"/api/goals/{goal_id}/", {"name": "Car", "goal_type": "purchase", "target_amount": "9000"}, format="json"
    )
    assert replaced.status_code == 200, replaced.content
    assert (replaced.json()["name"], replaced.json()["goal_type"], replaced.json()["target_amount"]) == (
        "Car",
        "purchase",
        "9000.00",
    )
    assert client_for.delete(f"/api/goals/{goal_id}/").status_code == 204
    assert not Goal.objects.exists()


def test_compat_goals_errors_and_scoping(client_for, household):
    bad = client_for.post("/api/goals/", {"name": "X", "target_amount": "-1"}, format="json")
    assert bad.status_code == 400
    assert [(e["attr"], e["code"]) for e in bad.json()["errors"]] == [("target_amount", "not_positive")]
    theirs = make_goal(HouseholdFactory(), "100")
    assert client_for.get(f"/api/goals/{theirs.pk}/").status_code == 404
    assert client_for.get("/api/goals/").json()["results"] == []


def test_compat_goals_respect_roles(household, make_client):
    viewer = UserFactory()
    Membership.objects.create(household=household, user=viewer, role=Role.VIEWER, is_default=True)
    goal = make_goal(household, "100")
    client = make_client(viewer)
    assert client.get(f"/api/goals/{goal.pk}/").status_code == 200
    assert client.patch(f"/api/goals/{goal.pk}/", {"name": "Mine"}, format="json").status_code == 403
    assert client.post("/api/goals/", {"name": "New", "target_amount": "5"}, format="json").status_code == 403
    assert client.delete(f"/api/goals/{goal.pk}/").status_code == 403
    assert Goal.objects.get().name == "Goal"
