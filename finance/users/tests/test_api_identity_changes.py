"""What signs in (the email address, a second factor) changes only with a password session and the
current password; the previous address is told, with a link that undoes the change.

The attack these pin: with only a read-write API token, ``PATCH me/ {"email": …}`` used to work, and a
password reset then went to the new address.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from finance.audit.models import AuditAction, AuditEvent
from finance.users import links
from finance.users.models import AuthSession, PersonalAccessToken, RecoveryCode, SocialIdentity, TOTPDevice
from finance.users.tests.factories import PASSWORD, UserFactory
from finance.users.tests.helpers import bearer, error_attrs, error_codes, tokens_for

pytestmark = pytest.mark.django_db

ATTACKER = "mallory@attacker.example"


def token_for(client: APIClient, scopes: list[str]) -> str:
    response = client.post("/api/v1/auth/tokens/", {"name": "sync", "scopes": scopes}, format="json")
    assert response.status_code == 201, response.content
    return str(response.json()["token"])


def signed_in(user) -> APIClient:
    return bearer(tokens_for(APIClient(), user.username, PASSWORD)["access"])


def undo_params(mailbox, to: str) -> dict[str, str]:
    message = next(m for m in reversed(mailbox.wait()) if m["To"] == to and "was changed" in m["Subject"])
    link = next(word for word in message.get_content().split() if word.startswith("http"))
    assert urlparse(link).path == "/email/undo/"
    return {k: v[0] for k, v in parse_qs(urlparse(link).query).items()}


# --- API tokens cannot change identity data -------------------------------------------------------------


def test_a_read_write_token_cannot_change_the_email_even_with_the_password(mailbox, committed):
    user: Any = UserFactory(email="owner@example.com")
    api = bearer(token_for(signed_in(user), ["read", "write"]))
    before = AuditEvent.objects.count()
    sent = len(mailbox.messages)

    for body in ({"email": ATTACKER}, {"email": ATTACKER, "current_password": PASSWORD}):
        response = committed(api.patch, "/api/v1/auth/me/", body, format="json")
        assert response.status_code == 403, response.content
        assert response.json()["type"] == "client_error"
        assert error_codes(response) == ["session_required"]

    user.refresh_from_db()
    assert (user.email, user.email_verified) == ("owner@example.com", False)
    assert AuditEvent.objects.count() == before
    # The takeover's second step finds nothing to send to the attacker.
    reset = committed(APIClient().post, "/api/v1/auth/password/reset/", {"email": ATTACKER}, format="json")
    assert reset.status_code == 202
    assert len(mailbox.messages) == sent
    # The token still does what tokens may: other profile fields.
    assert api.patch("/api/v1/auth/me/", {"timezone": "Europe/Berlin"}, format="json").status_code == 200


def test_a_token_cannot_set_up_a_second_factor(db):
    user = UserFactory()
    api = bearer(token_for(signed_in(user), ["read", "write"]))
    response = api.post("/api/v1/auth/2fa/setup/", {"password": PASSWORD}, format="json")
    assert response.status_code == 403
    assert error_codes(response) == ["session_required"]
    assert not TOTPDevice.objects.filter(user=user).exists()


# --- A session needs the current password -----------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "code"),
    [(None, "required"), ("", "required"), ("not-the-password", "wrong_password")],
)
def test_changing_the_email_needs_the_current_password(user, mailbox, committed, password, code):
    api = signed_in(user)
    email = user.email
    body = {"email": ATTACKER, "first_name": "Changed"}
    if password is not None:
        body["current_password"] = password
    response = committed(api.patch, "/api/v1/auth/me/", body, format="json")
    assert response.status_code == 400
    assert error_attrs(response) == {"current_password"}
    assert error_codes(response) == [code]
    user.refresh_from_db()
    assert (user.email, user.first_name) != (ATTACKER, "Changed")
    assert user.email == email
    assert not AuditEvent.objects.filter(action=AuditAction.EMAIL_CHANGE).exists()
    assert mailbox.messages == []


def test_the_same_address_in_another_case_needs_no_password(user):
    api = signed_in(user)
    response = api.patch("/api/v1/auth/me/", {"email": user.email.upper()}, format="json")
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action=AuditAction.EMAIL_CHANGE).exists()


def test_password_guesses_through_the_profile_share_the_password_budget(user, settings, monkeypatch):
    settings.API_THROTTLE = True
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "password": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    api = signed_in(user)
    for n in range(2):
        guess = api.patch("/api/v1/auth/me/", {"email": ATTACKER, "current_password": f"guess-{n}"}, format="json")
        assert guess.status_code == 400
    refused = api.patch("/api/v1/auth/me/", {"email": ATTACKER, "current_password": PASSWORD}, format="json")
    assert refused.status_code == 429
    user.refresh_from_db()
    assert user.email != ATTACKER
    # Reads and other edits do not spend it.
    assert api.patch("/api/v1/auth/me/", {"first_name": "Ada"}, format="json").status_code == 200


def test_setting_up_a_second_factor_needs_the_current_password(user):
    api = signed_in(user)
    for body, code in (({}, "required"), ({"password": "not-the-password"}, "wrong_password")):
        response = api.post("/api/v1/auth/2fa/setup/", body, format="json")
        assert response.status_code == 400
        assert error_attrs(response) == {"password"}
        assert error_codes(response) == [code]
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert api.post("/api/v1/auth/2fa/setup/", {"password": PASSWORD}, format="json").status_code == 200


# --- The previous address is told, and can undo --------------------------------------------------------


def test_the_old_address_can_undo_a_takeover(mailbox, committed, clock, settings):
    """Someone with the password changes the address, adds a token, a second factor and a provider;
    the link sent to the old address undoes all of it and lets the owner choose a new password."""
    settings.FRONTEND_URL = "https://app.example.com"
    owner: Any = UserFactory(email="owner@example.com", email_verified=True)
    intruder = signed_in(owner)
    changed = committed(
        intruder.patch, "/api/v1/auth/me/", {"email": ATTACKER, "current_password": PASSWORD}, format="json"
    )
    assert changed.status_code == 200
    assert changed.json()["email"] == ATTACKER

    notice = next(m for m in mailbox.wait(2) if m["To"] == "owner@example.com")
    assert "your email address was changed" in notice["Subject"]
    body = notice.get_content()
    assert "m•••@attacker.example" in body
    assert ATTACKER not in body
    assert "https://app.example.com/email/undo/?key=" in body
    key = undo_params(mailbox, "owner@example.com")["key"]
    # The key names the old address only (the recipient's own), never the new one.
    assert ATTACKER not in json.dumps(signing.loads(key, salt=links.EMAIL_UNDO_SALT))

    # The intruder settles in.
    clock.shift(60)
    raw = token_for(intruder, ["read", "write"])
    secret = intruder.post("/api/v1/auth/2fa/setup/", {"password": PASSWORD}, format="json").json()["secret"]
    confirmed = intruder.post("/api/v1/auth/2fa/confirm/", {"code": pyotp.TOTP(secret).now()}, format="json")
    assert confirmed.status_code == 200
    SocialIdentity.objects.create(user=owner, provider="google", subject="intruder-sub", email=ATTACKER)
    sent = len(mailbox.messages)

    undone = committed(APIClient().post, "/api/v1/auth/email/undo/", {"key": key}, format="json")
    assert undone.status_code == 204, undone.content

    owner.refresh_from_db()
    assert (owner.email, owner.email_verified) == ("owner@example.com", True)
    assert intruder.get("/api/v1/auth/me/").status_code == 401
    assert bearer(raw).get("/api/v1/auth/me/").status_code == 401
    assert not AuthSession.objects.filter(user=owner, revoked_at=None).exists()
    assert not PersonalAccessToken.objects.filter(user=owner, revoked_at=None).exists()
    assert not TOTPDevice.objects.filter(user=owner).exists()
    assert not RecoveryCode.objects.filter(user=owner).exists()
    assert not SocialIdentity.objects.filter(user=owner).exists()
    event = AuditEvent.objects.get(action=AuditAction.EMAIL_CHANGE_UNDO)
    assert event.changes == {
        "email": [ATTACKER, "owner@example.com"],
        "api_access_revoked": 1,
        "two_factor_removed": True,
        "providers_unlinked": 1,
    }
    # A link to choose a new password went to the restored address.
    reset = mailbox.wait(sent + 1)[-1]
    assert (reset["To"], "reset your password" in reset["Subject"]) == ("owner@example.com", True)

    again = APIClient().post("/api/v1/auth/email/undo/", {"key": key}, format="json")
    assert again.status_code == 400
    assert error_codes(again) == ["invalid_key"]


def test_undo_keeps_what_the_owner_had_before_the_change(mailbox, committed, clock):
    owner = UserFactory(email="owner@example.com")
    api = signed_in(owner)
    secret = api.post("/api/v1/auth/2fa/setup/", {"password": PASSWORD}, format="json").json()["secret"]
    api.post("/api/v1/auth/2fa/confirm/", {"code": pyotp.TOTP(secret).now()}, format="json")
    SocialIdentity.objects.create(user=owner, provider="google", subject="owner-sub", email="owner@example.com")
    clock.shift(60)
    committed(api.patch, "/api/v1/auth/me/", {"email": ATTACKER, "current_password": PASSWORD}, format="json")
    key = undo_params(mailbox, "owner@example.com")["key"]
    assert committed(APIClient().post, "/api/v1/auth/email/undo/", {"key": key}, format="json").status_code == 204
    assert TOTPDevice.objects.filter(user=owner, confirmed_at__isnull=False).exists()
    assert SocialIdentity.objects.filter(user=owner, subject="owner-sub").exists()
    assert AuditEvent.objects.get(action=AuditAction.EMAIL_CHANGE_UNDO).changes["two_factor_removed"] is False


def test_an_expired_or_forged_undo_link_changes_nothing(user, mailbox, committed, clock, settings):
    old = user.email
    api = signed_in(user)
    committed(api.patch, "/api/v1/auth/me/", {"email": ATTACKER, "current_password": PASSWORD}, format="json")
    key = undo_params(mailbox, old)["key"]
    forged = links.email_change_undo_key(user_id=user.pk, old_email=old, changed_at=timezone.now()) + "x"
    other_salt = signing.dumps({"u": str(user.pk), "o": old, "t": "2026-03-02T09:00:00+00:00"})
    for bad in (forged, other_salt, "garbage"):
        response = APIClient().post("/api/v1/auth/email/undo/", {"key": bad}, format="json")
        assert response.status_code == 400
        assert error_codes(response) == ["invalid_key"]
    clock.shift(settings.EMAIL_CHANGE_UNDO_TIMEOUT + timedelta(seconds=1))
    expired = APIClient().post("/api/v1/auth/email/undo/", {"key": key}, format="json")
    assert expired.status_code == 400
    assert error_codes(expired) == ["expired_key"]
    user.refresh_from_db()
    assert user.email == ATTACKER
    assert not AuditEvent.objects.filter(action=AuditAction.EMAIL_CHANGE_UNDO).exists()


def test_undo_is_refused_when_another_account_took_the_address(user, mailbox, committed):
    old = user.email
    api = signed_in(user)
    committed(api.patch, "/api/v1/auth/me/", {"email": ATTACKER, "current_password": PASSWORD}, format="json")
    key = undo_params(mailbox, old)["key"]
    UserFactory(email=old.upper())
    response = APIClient().post("/api/v1/auth/email/undo/", {"key": key}, format="json")
    assert response.status_code == 409
    assert error_codes(response) == ["address_taken"]
    user.refresh_from_db()
    assert user.email == ATTACKER
    assert api.get("/api/v1/auth/me/").status_code == 200  # nothing was ended either


def test_the_web_page_asks_first_then_puts_the_address_back(user, mailbox, committed):
    old = user.email
    api = signed_in(user)
    committed(api.patch, "/api/v1/auth/me/", {"email": ATTACKER, "current_password": PASSWORD}, format="json")
    key = undo_params(mailbox, old)["key"]
    browser = Client()

    page = browser.get("/email/undo/", {"key": key})
    assert page.status_code == 200
    assert "Put my previous address back" in page.content.decode()
    user.refresh_from_db()
    assert user.email == ATTACKER  # opening the link (a mail scanner does) changes nothing

    done = committed(browser.post, "/email/undo/", {"key": key})
    assert done.status_code == 200
    assert f"The email address of your account is {old} again." in done.content.decode()
    user.refresh_from_db()
    assert user.email == old

    again = browser.post("/email/undo/", {"key": key})
    assert again.status_code == 400
    assert "This link is not valid or was already used." in again.content.decode()
    assert browser.get("/email/undo/").status_code == 400


def test_the_web_page_speaks_the_browsers_language(user, mailbox, committed):
    api = signed_in(user)
    old = user.email
    committed(api.patch, "/api/v1/auth/me/", {"email": ATTACKER, "current_password": PASSWORD}, format="json")
    key = undo_params(mailbox, old)["key"]
    page = Client(HTTP_ACCEPT_LANGUAGE="de").get("/email/undo/", {"key": key}).content.decode()
    assert "Meine vorherige Adresse wiederherstellen" in page


def test_password_guesses_through_two_factor_setup_share_the_password_budget(user, settings, monkeypatch):
    settings.API_THROTTLE = True
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "password": "2/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    api = signed_in(user)
    for n in range(2):
        assert api.post("/api/v1/auth/2fa/setup/", {"password": f"guess-{n}"}, format="json").status_code == 400
    refused = api.post("/api/v1/auth/2fa/setup/", {"password": PASSWORD}, format="json")
    assert refused.status_code == 429
    assert not TOTPDevice.objects.filter(user=user).exists()
