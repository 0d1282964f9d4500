"""The per-user principal cache: no user/membership queries per request, and every change seen at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import auth_client
from finance.households import services as household_services
from finance.households.models import Membership, Role
from finance.users import principal
from finance.users.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ACCOUNTS = "/api/v1/accounts/"


def queries_of(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def test_a_cached_request_reads_neither_user_nor_memberships(roles):
    client = roles.client("viewer")
    client.get(ACCOUNTS)  # warm
    sql = " ".join(queries_of(client, ACCOUNTS))
    assert '"users_user"' not in sql
    assert '"households_membership"' not in sql


def test_the_cached_user_has_no_password_hash_and_saving_it_keeps_the_password(user):
    found = principal.principal(user.pk)
    cached = principal.principal(user.pk)
    assert cached is not None
    assert found is not None
    assert "password" not in cached.user.__dict__
    cached.user.first_name = "Renamed"
    cached.user.save()
    user.refresh_from_db()
    assert user.first_name == "Renamed"
    assert user.check_password(PASSWORD)


def test_a_promotion_is_seen_by_the_next_request(roles):
    viewer = roles.users["viewer"]
    client = roles.client("viewer")
    body = {"name": "Wallet", "type": "cash", "currency": "USD"}
    assert client.post(ACCOUNTS, body, format="json").status_code == 403
    membership = Membership.objects.get(user=viewer, household=roles.household)
    household_services.member_update_role(membership=membership, actor=roles.users["owner"], role=Role.EDITOR)
    assert client.post(ACCOUNTS, body, format="json").status_code == 201


def test_a_removed_member_loses_access_on_the_next_request(roles):
    client = roles.client("editor")
    url = f"{ACCOUNTS}?household={roles.household.pk}"
    assert client.get(url).status_code == 200
    membership = Membership.objects.get(user=roles.users["editor"], household=roles.household)
    household_services.member_remove(membership=membership, actor=roles.users["owner"])
    assert client.get(url).status_code == 404


def test_a_deactivated_user_is_refused_on_the_next_request(roles):
    client = roles.client("owner")
    assert client.get(ACCOUNTS).status_code == 200
    owner = roles.users["owner"]
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    response = client.get(ACCOUNTS)
    assert response.status_code == 401


def test_a_new_base_currency_reaches_every_member(roles):
    for who in ("owner", "viewer"):
        client = roles.client(who)
        client.get(ACCOUNTS)
    household = roles.household
    household.base_currency = "EUR"
    household.save(update_fields=["base_currency"])
    for who in ("owner", "viewer"):
        found = principal.principal(roles.users[who].pk)
        assert found is not None
        assert {m.household.base_currency for m in found.memberships} == {"EUR"}


def test_a_lost_version_never_revives_an_old_entry(user, household):
    first = principal.principal(user.pk)
    assert first is not None
    assert [m.role for m in first.memberships] == [Role.OWNER]
    from django.core.cache import cache

    cache.delete(f"principal:v:{user.pk}")  # evicted
    Membership.objects.filter(user=user).update(role=Role.VIEWER)  # a change that sends no signal
    again = principal.principal(user.pk)
    assert again is not None
    assert [m.role for m in again.memberships] == [Role.VIEWER]


def test_a_new_household_shows_up_at_once(user, household):
    client = auth_client(user)
    assert client.get("/api/v1/households/").json()["count"] == 1
    household_services.household_create(owner=user, name="Second")
    assert client.get("/api/v1/households/").json()["count"] == 2


def test_a_change_is_seen_while_the_clock_stands_still(user, household):
    import time_machine

    with time_machine.travel("2026-03-01 12:00:00", tick=False):
        assert len(principal.principal(user.pk).memberships) == 1
        household_services.household_create(owner=user, name="Second")
        assert len(principal.principal(user.pk).memberships) == 2


def test_a_process_reads_a_known_version_without_the_cache_and_shares_no_objects(user, household):
    from unittest import mock

    from django.core.cache import cache

    first = principal.principal(user.pk)
    with mock.patch.object(cache, "get", wraps=cache.get) as get:
        again = principal.principal(user.pk)
    # Only the version came from the cache; the principal itself from this process's own copy ...
    assert [call.args[0] for call in get.call_args_list] == [f"principal:v:{user.pk}"]
    assert again is not None
    assert [m.role for m in again.memberships] == [m.role for m in first.memberships]
    # ... unpickled for this caller: changing one request's objects cannot leak into the next.
    assert again.user is not first.user
    again.user.first_name = "Changed in one request"
    assert principal.principal(user.pk).user.first_name != "Changed in one request"
    # A change replaces the version: the kept copy is not used any more.
    household_services.household_create(owner=user, name="Second")
    assert len(principal.principal(user.pk).memberships) == 2
