"""The access matrix for households and their members."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from finance.core.tests.access import AccessMatrixTests
from finance.households.models import Household, Invitation, InvitationStatus, Membership, Role
from finance.users.tests.factories import UserFactory


class TestHouseholdAccess(AccessMatrixTests):
    write_roles = frozenset({"owner"})
    create_roles = frozenset({"viewer", "editor", "owner", "outsider"})
    actions = frozenset({"list", "retrieve", "create", "update"})
    list_is_household_scoped = False

    def make_object(self, household: Household, roles: Any) -> Household:
        return household

    def list_url(self, roles: Any) -> str:
        return "/api/v1/households/"

    def detail_url(self, roles: Any, obj: Household) -> str:
        return f"/api/v1/households/{obj.pk}/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        return {"name": "Holiday flat", "base_currency": "EUR"}

    def update_payload(self, roles: Any, obj: Household) -> dict[str, Any]:
        return {"name": "Renamed"}

    def _expected(self, who: str, allowed: frozenset[str], ok: int) -> int:
        # Anyone signed in may create a household of their own.
        if ok == 201 and who == "outsider":
            return 201
        return super()._expected(who, allowed, ok)


class TestMemberAccess(AccessMatrixTests):
    write_roles = frozenset({"owner"})
    create_status = 202  # an invitation: nobody is a member before accepting

    def make_object(self, household: Household, roles: Any) -> Membership:
        return Membership.objects.create(household=household, user=UserFactory(), role=Role.VIEWER)

    def list_url(self, roles: Any) -> str:
        return f"/api/v1/households/{roles.household.pk}/members/"

    def detail_url(self, roles: Any, obj: Membership) -> str:
        return f"/api/v1/households/{roles.household.pk}/members/{obj.pk}/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        return {"username": UserFactory().username, "role": "editor"}

    def update_payload(self, roles: Any, obj: Membership) -> dict[str, Any]:
        return {"role": "editor"}


class TestHouseholdInvitationAccess(AccessMatrixTests):
    """A household's invitations name people by what an owner typed: owners only, reading included."""

    read_roles = frozenset({"owner"})
    write_roles = frozenset({"owner"})
    actions = frozenset({"list", "retrieve", "delete"})

    def make_object(self, household: Household, roles: Any) -> Invitation:
        return Invitation.objects.create(
            household=household,
            role=Role.EDITOR,
            identifier="sam@example.com",
            email="sam@example.com",
            invited_by=roles.users["owner"],
            expires_at=timezone.now() + timedelta(days=7),
        )

    def object_exists(self, obj: Invitation) -> bool:
        # Withdrawing keeps the row (the household's history); it is no longer pending.
        obj.refresh_from_db()
        return obj.status == InvitationStatus.PENDING

    def list_url(self, roles: Any) -> str:
        return f"/api/v1/households/{roles.household.pk}/invitations/"

    def detail_url(self, roles: Any, obj: Invitation) -> str:
        return f"/api/v1/households/{roles.household.pk}/invitations/{obj.pk}/"

    def create_payload(self, roles: Any) -> dict[str, Any]:
        return {}

    def update_payload(self, roles: Any, obj: Invitation) -> dict[str, Any]:
        return {}
