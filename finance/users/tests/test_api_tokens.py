"""Personal access tokens: creation, use as a bearer token, scopes, expiry, revocation, usage audit."""

from __future__ import annotations

import hashlib
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from finance.households.models import Household
from finance.users.models import PersonalAccessToken, TokenUsage
from finance.users.tests.factories import UserFactory
from finance.users.tests.helpers import bearer, error_attrs, error_codes

pytestmark = pytest.mark.django_db


def create(client, **body):
    return client.post("/api/v1/auth/tokens/", {"name": "sync", "scopes": ["read"], **body}, format="json")


def test_create_shows_the_secret_once_and_stores_only_its_digest(client_for, user):
    response = create(client_for, name="spreadsheet", expires_at="2030-01-01T00:00:00Z")
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "name", "scopes", "token", "expires_at", "last_used_at", "last_used_ip", "created_at"}
    assert body["name"] == "spreadsheet"
    assert body["scopes"] == ["read"]
    assert body["expires_at"] == "2030-01-01T00:00:00Z"
    assert body["last_used_at"] is None
    raw = body["token"]
    assert raw.startswith("pft_")
    assert len(raw) >= 40

    stored = PersonalAccessToken.objects.get(pk=body["id"])
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(PersonalAccessToken.objects.filter(pk=body["id"]).values().first())

    listed = client_for.get("/api/v1/auth/tokens/").json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]
    assert "token" not in listed[0]


def test_a_token_authenticates_and_its_use_is_audited(client_for, user):
    raw = create(client_for).json()["token"]
    api = bearer(raw, REMOTE_ADDR="203.0.113.5")
    response = api.get("/api/v1/auth/me/")
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    api.get("/api/v1/households/")
    api.get("/api/v1/households/00000000-0000-0000-0000-000000000000/")

    token = PersonalAccessToken.objects.get(user=user)
    assert token.last_used_ip == "203.0.113.5"
    assert token.last_used_at is not None
    audit = list(TokenUsage.objects.filter(token=token).order_by("id").values_list("method", "path", "status", "ip"))
    assert audit == [
        ("GET", "/api/v1/auth/me/", 200, "203.0.113.5"),
        ("GET", "/api/v1/households/", 200, "203.0.113.5"),
        ("GET", "/api/v1/households/00000000-0000-0000-0000-000000000000/", 404, "203.0.113.5"),
    ]
    usage = client_for.get(f"/api/v1/auth/tokens/{token.pk}/usage/").json()["results"]
    assert next((row["path"], row["status"]) for row in usage) == (
        "/api/v1/households/00000000-0000-0000-0000-000000000000/",
        404,
    )
    assert len(usage) == 3


def test_read_only_token_gets_403_on_every_write(client_for, user, household):
    raw = create(client_for, scopes=["read"]).json()["token"]
    api = bearer(raw)
    assert api.get(f"/api/v1/households/{household.pk}/").status_code == 200
    before = Household.objects.count()
    for response in (
        api.post("/api/v1/households/", {"name": "Side", "base_currency": "EUR"}, format="json"),
        api.patch(f"/api/v1/households/{household.pk}/", {"name": "Renamed"}, format="json"),
        api.delete(f"/api/v1/households/{household.pk}/"),
        api.patch("/api/v1/auth/me/", {"first_name": "Mallory"}, format="json"),
        api.post("/api/v1/auth/logout/", {"refresh": "x"}, format="json"),
    ):
        assert response.status_code == 403, response.content
        assert response.json()["type"] == "client_error"
        assert error_codes(response) == ["token_read_only"]
    assert Household.objects.count() == before
    household.refresh_from_db()
    assert household.name != "Renamed"
    assert TokenUsage.objects.filter(status=403).count() == 5


def test_write_token_may_write(client_for, user):
    raw = create(client_for, scopes=["read", "write"]).json()["token"]
    response = bearer(raw).post("/api/v1/households/", {"name": "Side", "base_currency": "EUR"}, format="json")
    assert response.status_code == 201
    assert response.json()["name"] == "Side"


def test_tokens_cannot_manage_credentials(client_for):
    raw = create(client_for, scopes=["read", "write"]).json()["token"]
    api = bearer(raw)
    for response in (
        api.get("/api/v1/auth/tokens/"),
        create(api),
        api.get("/api/v1/auth/sessions/"),
        api.get("/api/v1/auth/activity/"),
        api.post("/api/v1/auth/2fa/setup/"),
        api.post("/api/v1/auth/password/change/", {"old_password": "x", "new_password": "y"}, format="json"),
    ):
        assert response.status_code == 403, response.content
        assert error_codes(response) == ["session_required"]
    assert PersonalAccessToken.objects.count() == 1


def test_revoked_token_stops_working(client_for):
    body = create(client_for).json()
    api = bearer(body["token"])
    assert api.get("/api/v1/auth/me/").status_code == 200
    assert client_for.delete(f"/api/v1/auth/tokens/{body['id']}/").status_code == 204
    response = api.get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert error_codes(response) == ["token_not_valid"]
    assert client_for.get("/api/v1/auth/tokens/").json()["results"] == []
    assert client_for.delete(f"/api/v1/auth/tokens/{body['id']}/").status_code == 404


def test_expired_token_stops_working(clock, client_for):
    body = create(client_for, expires_at=(timezone.now() + timedelta(hours=1)).isoformat()).json()
    api = bearer(body["token"])
    assert api.get("/api/v1/auth/me/").status_code == 200
    clock.shift(3601)
    assert api.get("/api/v1/auth/me/").status_code == 401


def test_unknown_or_mangled_token_is_401(db):
    for raw in ("pft_nope", "pft_" + "A" * 43):
        response = bearer(raw).get("/api/v1/auth/me/")
        assert response.status_code == 401
        assert error_codes(response) == ["token_not_valid"]


def test_other_users_cannot_see_or_revoke_tokens(client_for, user):
    mine = create(client_for).json()
    stranger = bearer(
        APIClient()
        .post(
            "/api/v1/auth/login/",
            {"username": UserFactory(username="stranger").username, "password": "correct-horse-battery-staple"},
            format="json",
        )
        .json()["access"]
    )
    assert stranger.get("/api/v1/auth/tokens/").json()["results"] == []
    assert stranger.delete(f"/api/v1/auth/tokens/{mine['id']}/").status_code == 404
    assert stranger.get(f"/api/v1/auth/tokens/{mine['id']}/usage/").status_code == 404
    assert stranger.delete(f"/api/v1/auth/tokens/{uuid.uuid4()}/").status_code == 404
    assert bearer(mine["token"]).get("/api/v1/auth/me/").status_code == 200


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"scopes": ["write"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"scopes": ["admin"]}, "scopes.0"),
        ({"name": "  "}, "name"),
        ({"expires_at": "2001-01-01T00:00:00Z"}, "expires_at"),
    ],
)
def test_bad_token_requests_are_400_on_the_field(client_for, body, attr):
    response = create(client_for, **body)
    assert response.status_code == 400
    assert attr in error_attrs(response)
    assert not PersonalAccessToken.objects.exists()


def test_tokens_need_authentication(db):
    assert APIClient().get("/api/v1/auth/tokens/").status_code == 401
    assert create(APIClient()).status_code == 401
