"""Registration, login, token rotation, logout, profile and password change."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from finance.households.models import Membership, Role
from finance.users.models import User
from finance.users.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

STRONG = "a-long-unusual-passphrase-42"


def register(client: APIClient, **overrides: object):
    body = {"username": "alex", "email": "alex@example.com", "password": STRONG, **overrides}
    return client.post("/api/v1/auth/register/", body, format="json")


def login(client: APIClient, **body: object):
    return client.post("/api/v1/auth/login/", body, format="json")


def attrs(response) -> set[str]:
    return {error["attr"] for error in response.json()["errors"]}


def test_register_creates_user_and_default_household(api_client):
    response = register(api_client, first_name="Alex", default_currency="eur")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["username"] == "alex"
    assert body["email"] == "alex@example.com"
    assert body["default_currency"] == "EUR"
    assert "password" not in body
    user = User.objects.get(pk=body["id"])
    assert user.password.startswith("argon2$")
    membership = Membership.objects.get(user=user)
    assert membership.is_default is True
    assert membership.role == Role.OWNER
    assert membership.household.base_currency == "EUR"
    assert membership.household.name == "Alex's household"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"username": "ALEX"}, "username"),
        ({"email": "ALEX@Example.com"}, "email"),
    ],
)
def test_register_duplicate_is_400_on_field(api_client, overrides, field):
    assert register(api_client).status_code == 201
    response = register(api_client, **{"username": "other", "email": "other@example.com", **overrides})
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"
    assert field in attrs(response)
    assert User.objects.count() == 1


@pytest.mark.parametrize("password", ["short", "1234567890123", "password123", "alex@example.com"])
def test_register_weak_password_is_400_on_password(api_client, password):
    response = register(api_client, password=password)
    assert response.status_code == 400
    assert attrs(response) == {"password"}
    assert not User.objects.exists()


def test_register_reports_every_bad_field_at_once(api_client):
    response = register(api_client, username="bad name!", email="nope", password="x", default_currency="ZZZ")
    assert response.status_code == 400
    assert {"username", "email", "password", "default_currency"} <= attrs(response)


def test_register_missing_fields(api_client):
    response = api_client.post("/api/v1/auth/register/", {}, format="json")
    assert response.status_code == 400
    assert attrs(response) == {"username", "email", "password"}
    assert {e["code"] for e in response.json()["errors"]} == {"required"}


def test_login_by_username_or_email_any_case():
    user = UserFactory(username="Robin", email="Robin.Hood@Example.org")
    client = APIClient()
    for identifier in ("Robin", "robin", "robin.hood@example.org", "ROBIN.HOOD@EXAMPLE.ORG"):
        response = login(client, username=identifier, password=PASSWORD)
        assert response.status_code == 200, (identifier, response.content)
        assert set(response.json()) == {"access", "refresh"}
    response = login(client, email="robin.hood@EXAMPLE.org", password=PASSWORD)
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.last_login is not None


def test_login_wrong_password_is_401(user):
    response = login(APIClient(), username=user.username, password="wrong-password-123")
    assert response.status_code == 401
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "invalid_credentials",
                "detail": "No active account found with the given credentials.",
                "attr": None,
            }
        ],
    }


def test_login_unknown_user_is_401(db):
    assert login(APIClient(), username="ghost", password=PASSWORD).status_code == 401


def test_login_inactive_user_is_401():
    user = UserFactory(is_active=False)
    assert login(APIClient(), username=user.username, password=PASSWORD).status_code == 401


def test_login_without_identifier_is_400(db):
    response = login(APIClient(), password=PASSWORD)
    assert response.status_code == 400
    assert attrs(response) == {"username"}


def test_access_token_reaches_me_and_refresh_rotates(user):
    client = APIClient()
    tokens = login(client, username=user.username, password=PASSWORD).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get("/api/v1/auth/me/").json()["username"] == user.username

    rotated = client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert rotated.status_code == 200
    new = rotated.json()
    assert new["refresh"] != tokens["refresh"]
    assert new["access"] != tokens["access"]

    again = client.post("/api/v1/auth/refresh/", {"refresh": new["refresh"]}, format="json")
    assert again.status_code == 200
    newest = again.json()

    # Replaying a rotated token means it was copied: the whole session (token family) ends.
    replay = client.post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json")
    assert replay.status_code == 401
    assert replay.json()["errors"][0]["code"] == "token_not_valid"
    assert client.post("/api/v1/auth/refresh/", {"refresh": newest["refresh"]}, format="json").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {newest['access']}")
    assert client.get("/api/v1/auth/me/").status_code == 401


def test_refresh_garbage_is_401(db):
    response = APIClient().post("/api/v1/auth/refresh/", {"refresh": "garbage"}, format="json")
    assert response.status_code == 401


def test_logout_kills_that_refresh_token_only(user):
    client = APIClient()
    first = login(client, username=user.username, password=PASSWORD).json()
    second = login(client, username=user.username, password=PASSWORD).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {first['access']}")
    assert client.post("/api/v1/auth/logout/", {"refresh": first["refresh"]}, format="json").status_code == 204
    assert client.post("/api/v1/auth/refresh/", {"refresh": first["refresh"]}, format="json").status_code == 401
    assert client.post("/api/v1/auth/refresh/", {"refresh": second["refresh"]}, format="json").status_code == 200


def test_logout_with_someone_elses_token_is_refused(user):
    other = UserFactory()
    client = APIClient()
    theirs = login(client, username=other.username, password=PASSWORD).json()
    mine = login(client, username=user.username, password=PASSWORD).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {mine['access']}")
    response = client.post("/api/v1/auth/logout/", {"refresh": theirs["refresh"]}, format="json")
    assert response.status_code == 400
    assert attrs(response) == {"refresh"}
    assert client.post("/api/v1/auth/refresh/", {"refresh": theirs["refresh"]}, format="json").status_code == 200


def test_logout_requires_authentication(db):
    assert APIClient().post("/api/v1/auth/logout/", {"refresh": "x"}, format="json").status_code == 401


def test_me_patch_updates_profile_fields(client_for, user):
    response = client_for.patch(
        "/api/v1/auth/me/",
        {
            "first_name": "Ana",
            "default_currency": "gbp",
            "country": "gb",
            "locale": "en-GB",
            "timezone": "Europe/London",
        },
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["first_name"], body["default_currency"], body["country"], body["locale"], body["timezone"]) == (
        "Ana",
        "GBP",
        "GB",
        "en_GB",
        "Europe/London",
    )
    user.refresh_from_db()
    assert user.timezone == "Europe/London"


def test_me_patch_rejects_bad_values_and_changes_nothing(client_for, user):
    other = UserFactory(email="taken@example.com")
    response = client_for.patch(
        "/api/v1/auth/me/",
        {
            "email": other.email.upper(),
            "current_password": PASSWORD,
            "country": "XX",
            "timezone": "Mars/Base",
            "locale": "zz-ZZ-ZZ",
        },
        format="json",
    )
    assert response.status_code == 400
    assert attrs(response) == {"email", "country", "timezone", "locale"}
    before = user.email
    user.refresh_from_db()
    assert user.email == before


def test_me_ignores_read_only_username(client_for, user):
    response = client_for.patch("/api/v1/auth/me/", {"username": "hijack"}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.username != "hijack"


def test_password_change_revokes_sessions_and_issues_new_pair(user):
    client = APIClient()
    old = login(client, username=user.username, password=PASSWORD).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {old['access']}")
    response = client.post(
        "/api/v1/auth/password/change/", {"old_password": PASSWORD, "new_password": STRONG}, format="json"
    )
    assert response.status_code == 200, response.content
    fresh = response.json()
    assert client.post("/api/v1/auth/refresh/", {"refresh": old["refresh"]}, format="json").status_code == 401
    assert client.post("/api/v1/auth/refresh/", {"refresh": fresh["refresh"]}, format="json").status_code == 200
    assert login(APIClient(), username=user.username, password=STRONG).status_code == 200
    assert login(APIClient(), username=user.username, password=PASSWORD).status_code == 401


def test_password_change_checks_old_and_new(client_for, user):
    response = client_for.post(
        "/api/v1/auth/password/change/", {"old_password": "wrong", "new_password": "123"}, format="json"
    )
    assert response.status_code == 400
    assert attrs(response) == {"old_password", "new_password"}
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


@pytest.mark.parametrize(
    ("path", "body_key"),
    [("/api/register/", None), ("/api/auth/register/", None)],
)
def test_compat_register_routes(api_client, path, body_key):
    response = api_client.post(path, {"username": "old", "email": "old@example.com", "password": STRONG}, format="json")
    assert response.status_code == 201
    assert response.json()["username"] == "old"


@pytest.mark.parametrize("path", ["/api/login/", "/api/token/"])
def test_compat_login_routes_take_username(user, path):
    response = APIClient().post(path, {"username": user.username, "password": PASSWORD}, format="json")
    assert response.status_code == 200
    assert set(response.json()) == {"access", "refresh"}


def test_compat_auth_login_takes_email_and_refresh_routes_rotate(user):
    client = APIClient()
    for path in ("/api/token/refresh/", "/api/auth/refresh/"):
        tokens = client.post("/api/auth/login/", {"email": user.email, "password": PASSWORD}, format="json").json()
        response = client.post(path, {"refresh": tokens["refresh"]}, format="json")
        assert response.status_code == 200, path
        assert set(response.json()) == {"access", "refresh"}
        assert client.post(path, {"refresh": tokens["refresh"]}, format="json").status_code == 401
