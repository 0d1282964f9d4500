"""``Idempotency-Key`` on creates: replay, conflict, per-user keys, expiry."""

from __future__ import annotations

from datetime import timedelta

import pytest

from finance.core.api.idempotency import purge_expired
from finance.core.models import IdempotencyKey
from finance.households.models import Household
from finance.users.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/households/"


def post(client, body, key="key-1"):
    return client.post(URL, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_replay_returns_original_response_and_creates_nothing(client_for):
    first = post(client_for, {"name": "Flat", "base_currency": "EUR"})
    assert first.status_code == 201
    count = Household.objects.count()
    again = post(client_for, {"base_currency": "EUR", "name": "Flat"})  # same body, other key order
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Household.objects.count() == count


def test_same_key_different_body_is_409_and_creates_nothing(client_for):
    assert post(client_for, {"name": "Flat"}).status_code == 201
    count = Household.objects.count()
    response = post(client_for, {"name": "Other flat"})
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "idempotency_key_reused"
    assert Household.objects.count() == count


def test_keys_of_different_users_do_not_collide(client_for, make_client):
    other = UserFactory()
    MembershipFactory(user=other, is_default=True)
    first = post(client_for, {"name": "Mine"})
    second = post(make_client(other), {"name": "Theirs"})
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert second.json()["name"] == "Theirs"


def test_failed_request_is_not_stored_and_can_be_retried(client_for):
    bad = post(client_for, {"name": ""})
    assert bad.status_code == 400
    assert not IdempotencyKey.objects.exists()
    assert post(client_for, {"name": "Fixed"}).status_code == 201


def test_without_header_each_post_creates(client_for):
    before = Household.objects.count()
    client_for.post(URL, {"name": "A"}, format="json")
    client_for.post(URL, {"name": "A"}, format="json")
    assert Household.objects.count() == before + 2


def test_expired_key_is_treated_as_new(client_for, settings):
    assert post(client_for, {"name": "Flat"}).status_code == 201
    IdempotencyKey.objects.update(created_at=IdempotencyKey.objects.get().created_at - timedelta(days=2))
    before = Household.objects.count()
    response = post(client_for, {"name": "Different"})
    assert response.status_code == 201
    assert Household.objects.count() == before + 1


def test_purge_drops_only_expired_keys(client_for):
    post(client_for, {"name": "Old"}, key="old")
    post(client_for, {"name": "New"}, key="new")
    IdempotencyKey.objects.filter(key="old").update(
        created_at=IdempotencyKey.objects.get(key="old").created_at - timedelta(days=2)
    )
    assert purge_expired() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_overlong_key_is_a_field_error(client_for):
    response = post(client_for, {"name": "Flat"}, key="k" * 256)
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "Idempotency-Key"
