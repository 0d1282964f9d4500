"""Sessions (devices): listing, revoking one or all others, rotation, logout, password change."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from finance.users.models import AuthSession
from finance.users.tests.factories import PASSWORD, UserFactory
from finance.users.tests.helpers import bearer, error_codes, tokens_for

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
)


def sign_in(user, user_agent, ip):
    client = APIClient(HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)
    tokens = tokens_for(client, user.username, PASSWORD)
    return tokens, bearer(tokens["access"], HTTP_USER_AGENT=user_agent, REMOTE_ADDR=ip)


def refresh(token):
    return APIClient().post("/api/v1/auth/refresh/", {"refresh": token}, format="json")


def test_sessions_list_devices_with_the_current_one_marked(user):
    _, laptop = sign_in(user, FIREFOX, "203.0.113.7")
    _, phone = sign_in(user, IPHONE, "198.51.100.20")
    sign_in(UserFactory(), FIREFOX, "192.0.2.1")  # someone else's session

    response = laptop.get("/api/v1/auth/sessions/")
    assert response.status_code == 200
    rows = {row["device"]: row for row in response.json()["results"]}
    assert set(rows) == {"Firefox 133 on Ubuntu", "Mobile Safari 17 on iOS 17 (iPhone)"}
    assert rows["Firefox 133 on Ubuntu"]["current"] is True
    assert rows["Firefox 133 on Ubuntu"]["ip"] == "203.0.113.7"
    assert rows["Mobile Safari 17 on iOS 17 (iPhone)"]["current"] is False
    assert rows["Mobile Safari 17 on iOS 17 (iPhone)"]["ip"] == "198.51.100.20"
    assert set(rows["Firefox 133 on Ubuntu"]) == {"id", "device", "ip", "created_at", "last_used_at", "current"}
    phone_rows = phone.get("/api/v1/auth/sessions/").json()["results"]
    assert [row["current"] for row in phone_rows if row["device"].startswith("Mobile Safari")] == [True]


def test_rotation_keeps_the_session_and_updates_last_use(user, clock):
    tokens, _ = sign_in(user, FIREFOX, "203.0.113.7")
    session = AuthSession.objects.get(user=user)
    clock.shift(3600)
    rotated = APIClient(REMOTE_ADDR="203.0.113.99").post(
        "/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json"
    )
    assert rotated.status_code == 200
    assert AuthSession.objects.filter(user=user).count() == 1
    moved = AuthSession.objects.get(pk=session.pk)
    assert (moved.last_used_at - session.last_used_at).total_seconds() == 3600
    assert moved.ip == "203.0.113.99"
    listed = bearer(rotated.json()["access"]).get("/api/v1/auth/sessions/").json()["results"]
    assert [(row["id"], row["current"]) for row in listed] == [(str(session.pk), True)]


def test_revoking_a_session_kills_its_refresh_and_access_tokens_at_once(user):
    laptop_tokens, laptop = sign_in(user, FIREFOX, "203.0.113.7")
    phone_tokens, phone = sign_in(user, IPHONE, "198.51.100.20")
    assert phone.get("/api/v1/auth/me/").status_code == 200  # its state is now cached
    phone_session = AuthSession.objects.get(user=user, device__startswith="Mobile Safari")

    assert laptop.delete(f"/api/v1/auth/sessions/{phone_session.pk}/").status_code == 204

    denied = phone.get("/api/v1/auth/me/")
    assert denied.status_code == 401
    assert error_codes(denied) == ["token_not_valid"]
    assert refresh(phone_tokens["refresh"]).status_code == 401
    assert laptop.get("/api/v1/auth/me/").status_code == 200
    assert refresh(laptop_tokens["refresh"]).status_code == 200
    assert [row["device"] for row in laptop.get("/api/v1/auth/sessions/").json()["results"]] == [
        "Firefox 133 on Ubuntu"
    ]
    assert laptop.delete(f"/api/v1/auth/sessions/{phone_session.pk}/").status_code == 404


def test_another_users_session_is_404_and_survives(user):
    _, mine = sign_in(user, FIREFOX, "203.0.113.7")
    other = UserFactory()
    other_tokens, other_client = sign_in(other, IPHONE, "198.51.100.20")
    theirs = AuthSession.objects.get(user=other)
    for path in (f"/api/v1/auth/sessions/{theirs.pk}/", f"/api/v1/auth/sessions/{uuid.uuid4()}/"):
        response = mine.delete(path)
        assert response.status_code == 404
        assert error_codes(response) == ["not_found"]
    assert mine.delete("/api/v1/auth/sessions/not-a-uuid/").status_code == 404
    assert other_client.get("/api/v1/auth/me/").status_code == 200
    assert refresh(other_tokens["refresh"]).status_code == 200


def test_revoke_others_keeps_only_the_current_session(user):
    tokens = [sign_in(user, ua, f"203.0.113.{n}") for n, ua in enumerate((FIREFOX, IPHONE, FIREFOX), start=1)]
    (_, current), *others = tokens
    response = current.post("/api/v1/auth/sessions/revoke-others/")
    assert response.status_code == 200
    assert response.json() == {"revoked": 2}
    for pair, client in others:
        assert client.get("/api/v1/auth/me/").status_code == 401
        assert refresh(pair["refresh"]).status_code == 401
    assert current.get("/api/v1/auth/me/").status_code == 200
    assert len(current.get("/api/v1/auth/sessions/").json()["results"]) == 1


def test_logout_ends_the_session_and_its_access_token(user):
    tokens, client = sign_in(user, FIREFOX, "203.0.113.7")
    assert client.post("/api/v1/auth/logout/", {"refresh": tokens["refresh"]}, format="json").status_code == 204
    assert client.get("/api/v1/auth/me/").status_code == 401
    assert AuthSession.objects.get(user=user).revoke_reason == "logout"


def test_password_change_ends_every_session_and_starts_a_new_one(user):
    old_tokens, old_client = sign_in(user, IPHONE, "198.51.100.20")
    _, client = sign_in(user, FIREFOX, "203.0.113.7")
    response = client.post(
        "/api/v1/auth/password/change/",
        {"old_password": PASSWORD, "new_password": "a-long-unusual-passphrase-42"},
        format="json",
    )
    assert response.status_code == 200
    fresh = response.json()
    assert client.get("/api/v1/auth/me/").status_code == 401
    assert old_client.get("/api/v1/auth/me/").status_code == 401
    assert refresh(old_tokens["refresh"]).status_code == 401
    new_client = bearer(fresh["access"])
    rows = new_client.get("/api/v1/auth/sessions/").json()["results"]
    assert len(rows) == 1
    assert rows[0]["current"] is True


def test_tokens_outside_a_session_are_refused(user):
    forged = RefreshToken.for_user(user)  # signed with the real key, but no session id
    assert bearer(str(forged.access_token)).get("/api/v1/auth/me/").status_code == 401
    assert refresh(str(forged)).status_code == 401


def test_access_token_of_a_deleted_user_session_is_refused(user):
    tokens, client = sign_in(user, FIREFOX, "203.0.113.7")
    AuthSession.objects.filter(user=user).delete()
    from django.core.cache import cache

    cache.clear()
    assert client.get("/api/v1/auth/me/").status_code == 401
    assert refresh(tokens["refresh"]).status_code == 401


def test_sessions_need_authentication(db):
    assert APIClient().get("/api/v1/auth/sessions/").status_code == 401
    assert APIClient().post("/api/v1/auth/sessions/revoke-others/").status_code == 401


def test_listing_sessions_does_not_grow_queries_with_sessions(user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _, client = sign_in(user, FIREFOX, "203.0.113.7")

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/api/v1/auth/sessions/").status_code == 200
        return len(ctx.captured_queries)

    count()  # warm: the session's state is cached and its last use recorded
    few = count()
    assert few <= 3
    for n in range(4):
        sign_in(user, IPHONE, f"198.51.100.{n}")
    count()  # each sign-in saved the user (last_login), which replaces the cached principal
    assert count() == few


def _token_with_session(user, session_id):
    """A token signed with the real key for ``user`` that names ``session_id`` (as a leaked key could mint)."""
    forged = RefreshToken.for_user(user)
    forged["sid"] = str(session_id)
    return forged


@pytest.mark.parametrize("cached", [True, False], ids=["session-state-cached", "session-state-not-cached"])
def test_a_session_counts_only_for_its_own_user(user, cached):
    _, victim = sign_in(user, FIREFOX, "203.0.113.7")
    session = AuthSession.objects.get(user=user)
    if cached:
        assert victim.get("/api/v1/auth/me/").status_code == 200  # the session's state is now cached
    else:
        from django.core.cache import cache

        cache.clear()
    other = UserFactory()
    forged = _token_with_session(other, session.pk)

    response = bearer(str(forged.access_token)).get("/api/v1/auth/me/")
    assert response.status_code == 401
    assert error_codes(response) == ["token_not_valid"]
    assert refresh(str(forged)).status_code == 401
    # The real session is untouched and still works for its owner.
    session.refresh_from_db()
    assert session.revoked_at is None
    assert victim.get("/api/v1/auth/me/").json()["username"] == user.username
    assert not AuthSession.objects.filter(user=other).exists()


def test_a_browser_session_counts_only_for_its_own_user(user):
    """The web's cookie session names an account session too: another user's is the same refusal."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.test import Client

    _, victim = sign_in(user, FIREFOX, "203.0.113.7")
    session = AuthSession.objects.get(user=user)
    assert victim.get("/api/v1/auth/me/").status_code == 200  # cached as the victim's
    other = UserFactory()
    browser = Client()
    browser.force_login(other)
    cookie = browser.session
    cookie["finance_auth_session"] = str(session.pk)
    cookie.save()
    assert {SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY} <= set(cookie.keys())

    response = browser.get("/api/v1/auth/me/")
    assert response.status_code in (401, 403)
    assert SESSION_KEY not in browser.session  # signed out
    session.refresh_from_db()
    assert session.revoked_at is None
    assert session.last_used_at is not None
