"""Member management: roles, leaving, and the last-owner guard (joining is by invitation: test_api_invitations)."""

from __future__ import annotations

import pytest

from finance.households.models import Membership, Role
from finance.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def members_url(household_id: object) -> str:
    return f"/api/v1/households/{household_id}/members/"


def test_inviting_an_existing_member_is_conflict(roles):
    response = roles.client("owner").post(
        members_url(roles.household.pk), {"username": roles.users["viewer"].username}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "already_member"


def test_last_owner_cannot_be_demoted_or_leave(roles):
    owner_membership = Membership.objects.get(household=roles.household, user=roles.users["owner"])
    client = roles.client("owner")
    url = f"{members_url(roles.household.pk)}{owner_membership.pk}/"

    demote = client.patch(url, {"role": "viewer"}, format="json")
    assert demote.status_code == 409
    assert demote.json()["errors"][0]["code"] == "last_owner"

    leave = client.delete(url)
    assert leave.status_code == 409
    owner_membership.refresh_from_db()
    assert owner_membership.role == Role.OWNER


def test_owner_can_leave_once_another_owner_exists(roles):
    editor_membership = Membership.objects.get(household=roles.household, user=roles.users["editor"])
    client = roles.client("owner")
    promote = client.patch(
        f"{members_url(roles.household.pk)}{editor_membership.pk}/", {"role": "owner"}, format="json"
    )
    assert promote.status_code == 200
    own = Membership.objects.get(household=roles.household, user=roles.users["owner"])
    assert client.delete(f"{members_url(roles.household.pk)}{own.pk}/").status_code == 204
    assert not Membership.objects.filter(pk=own.pk).exists()


def test_viewer_may_leave(roles):
    own = Membership.objects.get(household=roles.household, user=roles.users["viewer"])
    response = roles.client("viewer").delete(f"{members_url(roles.household.pk)}{own.pk}/")
    assert response.status_code == 204
    assert not Membership.objects.filter(pk=own.pk).exists()


def test_editor_cannot_remove_someone_else(roles):
    viewer = Membership.objects.get(household=roles.household, user=roles.users["viewer"])
    response = roles.client("editor").delete(f"{members_url(roles.household.pk)}{viewer.pk}/")
    assert response.status_code == 403
    assert Membership.objects.filter(pk=viewer.pk).exists()


def test_invalid_role_is_field_error(roles):
    response = roles.client("owner").post(
        members_url(roles.household.pk), {"username": UserFactory().username, "role": "admin"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "role"


def test_members_of_unknown_or_foreign_household_are_404(roles):
    client = roles.client("outsider")
    assert client.get(members_url(roles.household.pk)).status_code == 404
    assert client.get(members_url("not-a-uuid")).status_code == 404
