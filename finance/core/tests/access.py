"""A reusable access-matrix test base.

Every household-scoped resource plugs in by subclassing
:class:`AccessMatrixTests` and describing how to make an object, where it
lives and what a valid create/update body is. The base then checks, for
anonymous callers, outsiders (members of another household) and each role,
that list/retrieve/create/update/delete answer 401 / 404 / 403 / 2xx as the
resource's roles demand, and that a refused write changed nothing.
"""

from __future__ import annotations

from typing import Any, ClassVar

import pytest
from rest_framework.test import APIClient

from finance.households.models import Household

WHO = ["anonymous", "outsider", "viewer", "editor", "owner"]
MEMBERS = ("viewer", "editor", "owner")


class AccessMatrixTests:
    """Subclass, set the class attributes and implement the hooks."""

    read_roles: ClassVar[frozenset[str]] = frozenset(MEMBERS)
    write_roles: ClassVar[frozenset[str]] = frozenset({"editor", "owner"})
    create_roles: ClassVar[frozenset[str] | None] = None  # defaults to write_roles
    delete_roles: ClassVar[frozenset[str] | None] = None  # defaults to write_roles
    actions: ClassVar[frozenset[str]] = frozenset({"list", "retrieve", "create", "update", "delete"})
    # The list is of one household chosen by ?household= (the default): outsiders get 404 for it.
    list_is_household_scoped: ClassVar[bool] = True
    # What a successful create answers (202 where a create only proposes, as an invitation does).
    create_status: ClassVar[int] = 201

    # Hooks -----------------------------------------------------------------
    def make_object(self, household: Household, roles: Any) -> Any:
        raise NotImplementedError

    def list_url(self, roles: Any) -> str:
        raise NotImplementedError

    def detail_url(self, roles: Any, obj: Any) -> str:
        raise NotImplementedError

    def create_payload(self, roles: Any) -> dict[str, Any]:
        raise NotImplementedError

    def update_payload(self, roles: Any, obj: Any) -> dict[str, Any]:
        raise NotImplementedError

    def object_exists(self, obj: Any) -> bool:
        return type(obj).objects.filter(pk=obj.pk).exists()

    def snapshot(self, obj: Any) -> Any:
        """What must not change when a write is refused."""
        obj.refresh_from_db()
        return {f.attname: getattr(obj, f.attname) for f in obj._meta.concrete_fields}

    # Expectations ------------------------------------------------------------
    def _expected(self, who: str, allowed: frozenset[str], ok: int) -> int:
        if who == "anonymous":
            return 401
        if who == "outsider":
            return 404
        return ok if who in allowed else 403

    def _offered(self, action: str, roles: Any) -> bool:
        """Whether the resource offers ``action``; if not, check it answers 405 instead."""
        if action in self.actions:
            return True
        obj = self.make_object(roles.household, roles)
        client = roles.client("owner")
        response = {
            "list": lambda: client.get(self.list_url(roles)),
            "retrieve": lambda: client.get(self.detail_url(roles, obj)),
            "create": lambda: client.post(self.list_url(roles), {}, format="json"),
            "update": lambda: client.patch(self.detail_url(roles, obj), {}, format="json"),
            "delete": lambda: client.delete(self.detail_url(roles, obj)),
        }[action]()
        assert response.status_code == 405, response.content
        assert response.json()["type"] == "client_error"
        return False

    # Tests ---------------------------------------------------------------------
    @pytest.mark.parametrize("who", WHO)
    def test_list(self, roles: Any, who: str) -> None:
        if not self._offered("list", roles):
            return
        obj = self.make_object(roles.household, roles)
        client: APIClient = roles.client(who)
        url = self.list_url(roles)
        sep = "&" if "?" in url else "?"
        response = client.get(f"{url}{sep}household={roles.household.pk}" if self.list_is_household_scoped else url)
        if who == "anonymous":
            assert response.status_code == 401, response.content
            return
        if who == "outsider":
            if self.list_is_household_scoped:
                assert response.status_code == 404, response.content
            else:
                assert response.status_code == 200, response.content
                assert str(obj.pk) not in {str(row["id"]) for row in response.json()["results"]}
            return
        if who not in self.read_roles:
            assert response.status_code == 403, response.content
            assert response.json()["type"] == "client_error"
            return
        assert response.status_code == 200, response.content
        assert str(obj.pk) in {str(row["id"]) for row in response.json()["results"]}

    @pytest.mark.parametrize("who", WHO)
    def test_retrieve(self, roles: Any, who: str) -> None:
        if not self._offered("retrieve", roles):
            return
        obj = self.make_object(roles.household, roles)
        response = roles.client(who).get(self.detail_url(roles, obj))
        expected = self._expected(who, self.read_roles, 200)
        assert response.status_code == expected, response.content
        if expected == 200:
            assert response.json()["id"] == str(obj.pk)
        else:
            assert response.json()["type"] == "client_error"

    @pytest.mark.parametrize("who", WHO)
    def test_create(self, roles: Any, who: str) -> None:
        if not self._offered("create", roles):
            return
        allowed = self.create_roles if self.create_roles is not None else self.write_roles
        payload = self.create_payload(roles)
        response = roles.client(who).post(self.list_url(roles), payload, format="json")
        assert response.status_code == self._expected(who, allowed, self.create_status), response.content

    @pytest.mark.parametrize("who", WHO)
    def test_update(self, roles: Any, who: str) -> None:
        if not self._offered("update", roles):
            return
        obj = self.make_object(roles.household, roles)
        before = self.snapshot(obj)
        payload = self.update_payload(roles, obj)
        response = roles.client(who).patch(self.detail_url(roles, obj), payload, format="json")
        expected = self._expected(who, self.write_roles, 200)
        assert response.status_code == expected, response.content
        if expected != 200:
            assert self.snapshot(obj) == before

    @pytest.mark.parametrize("who", WHO)
    def test_delete(self, roles: Any, who: str) -> None:
        if not self._offered("delete", roles):
            return
        allowed = self.delete_roles if self.delete_roles is not None else self.write_roles
        obj = self.make_object(roles.household, roles)
        response = roles.client(who).delete(self.detail_url(roles, obj))
        expected = self._expected(who, allowed, 204)
        assert response.status_code == expected, response.content
        assert self.object_exists(obj) is (expected != 204)

    def test_malformed_id_is_404(self, roles: Any) -> None:
        if not self._offered("retrieve", roles):
            return
        obj = self.make_object(roles.household, roles)
        url = self.detail_url(roles, obj).replace(str(obj.pk), "not-a-uuid")
        response = roles.client("owner").get(url)
        assert response.status_code == 404
        assert response.json()["errors"][0]["code"] == "not_found"
