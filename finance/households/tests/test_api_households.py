"""Households through the API: creation, defaults, listing with roles, updates."""

from __future__ import annotations

import pytest

from finance.households.models import Household, Membership, Role

pytestmark = pytest.mark.django_db


def test_create_household_makes_caller_owner_and_keeps_default(client_for, user, household):
    response = client_for.post("/api/v1/households/", {"name": "Holiday flat", "base_currency": "eur"}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "Holiday flat"
    assert body["base_currency"] == "EUR"
    assert body["role"] == "owner"
    assert body["is_default"] is False
    created = Household.objects.get(pk=body["id"])
    assert Membership.objects.get(household=created, user=user).role == Role.OWNER
    assert Membership.objects.get(household=household, user=user).is_default is True


def test_list_shows_only_own_households_with_roles(roles):
    response = roles.client("viewer").get("/api/v1/households/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(row["id"], row["role"]) for row in rows] == [(str(roles.household.pk), "viewer")]


def test_bad_currency_is_field_error_and_changes_nothing(client_for, household):
    response = client_for.patch(f"/api/v1/households/{household.pk}/", {"base_currency": "XYZ1"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "base_currency"
    household.refresh_from_db()
    assert household.base_currency == "USD"


def test_blank_name_is_rejected(client_for):
    response = client_for.post("/api/v1/households/", {"name": "   "}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "name"


def test_delete_is_not_offered(client_for, household):
    response = client_for.delete(f"/api/v1/households/{household.pk}/")
    assert response.status_code == 405
    assert Household.objects.filter(pk=household.pk).exists()
