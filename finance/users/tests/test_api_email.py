"""Email verification and password reset, end to end through a real SMTP server."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from finance.users.models import AuthSession, User
from finance.users.tests.factories import PASSWORD, UserFactory
from finance.users.tests.helpers import bearer, error_attrs, error_codes, tokens_for

pytestmark = pytest.mark.django_db

STRONG = "a-long-unusual-passphrase-42"
NEW = "a-brand-new-passphrase-7"


def register(client, committed, **overrides):
    body = {"username": "alex", "email": "alex@example.com", "password": STRONG, **overrides}
    return committed(client.post, "/api/v1/auth/register/", body, format="json")


def verify(client, key):
    return client.post("/api/v1/auth/email/verify/", {"key": key}, format="json")


def test_registration_emails_a_link_that_verifies_the_address_once(mailbox, committed, settings):
    settings.FRONTEND_URL = "https://app.example.com"
    client = APIClient()
    response = register(client, committed)
    assert response.status_code == 201
    assert response.json()["email_verified"] is False

    message = mailbox.last()
    assert message["To"] == "alex@example.com"
    assert message["X-Envelope-To"] == "alex@example.com"
    assert message["From"] == settings.DEFAULT_FROM_EMAIL
    assert "confirm your email address" in message["Subject"]
    link = mailbox.link()
    assert link.startswith("https://app.example.com/verify-email?key=")

    tokens = tokens_for(client, "alex", STRONG)
    me = bearer(tokens["access"]).get("/api/v1/auth/me/").json()
    assert me["email_verified"] is False

    key = mailbox.link_params()["key"]
    response = verify(APIClient(), key)
    assert response.status_code == 200
    assert response.json()["email_verified"] is True
    assert bearer(tokens["access"]).get("/api/v1/auth/me/").json()["email_verified"] is True

    again = verify(APIClient(), key)
    assert again.status_code == 400
    assert error_attrs(again) == {"key"}
    assert error_codes(again) == ["invalid_key"]


def test_verification_link_expires(mailbox, committed, clock, settings):
    register(APIClient(), committed)
    key = mailbox.link_params()["key"]
    clock.shift(settings.EMAIL_VERIFICATION_TIMEOUT.total_seconds() + 1)
    response = verify(APIClient(), key)
    assert response.status_code == 400
    assert error_codes(response) == ["expired_key"]
    assert User.objects.get(username="alex").email_verified is False


def test_tampered_key_is_refused(mailbox, committed):
    register(APIClient(), committed)
    key = mailbox.link_params()["key"]
    response = verify(APIClient(), key[:-2] + ("A" if key[-2] != "A" else "B") + key[-1])
    assert response.status_code == 400
    assert error_codes(response) == ["invalid_key"]


def test_resend_signed_in_and_signed_out(mailbox, committed):
    user = UserFactory(email="sam@example.com")
    client = bearer(tokens_for(APIClient(), user.username, PASSWORD)["access"])
    assert committed(client.post, "/api/v1/auth/email/resend/", {}, format="json").status_code == 202
    assert len(mailbox.wait(1)) == 1

    anonymous = APIClient()
    response = committed(anonymous.post, "/api/v1/auth/email/resend/", {"email": "SAM@example.com"}, format="json")
    assert response.status_code == 202
    assert len(mailbox.wait(2)) == 2
    assert verify(anonymous, mailbox.link_params()["key"]).status_code == 200

    # Verified now, or unknown: same answer, nothing sent.
    for address in ("sam@example.com", "nobody@example.com"):
        response = committed(anonymous.post, "/api/v1/auth/email/resend/", {"email": address}, format="json")
        assert response.status_code == 202
    assert len(mailbox.messages) == 2


def test_sign_in_can_require_a_verified_address(mailbox, committed, settings):
    settings.REQUIRE_EMAIL_VERIFICATION = True
    client = APIClient()
    register(client, committed)
    response = client.post("/api/v1/auth/login/", {"username": "alex", "password": STRONG}, format="json")
    assert response.status_code == 403
    assert error_codes(response) == ["email_not_verified"]
    assert not AuthSession.objects.exists()

    assert verify(client, mailbox.link_params()["key"]).status_code == 200
    assert (
        client.post("/api/v1/auth/login/", {"username": "alex", "password": STRONG}, format="json").status_code == 200
    )


def test_changing_the_address_needs_a_new_verification(mailbox, committed):
    client = APIClient()
    register(client, committed)
    old_key = mailbox.link_params()["key"]
    assert verify(client, old_key).status_code == 200
    register_mails = len(mailbox.messages)

    # A second key for the first address, issued before the change, must not verify the new one.
    committed(client.post, "/api/v1/auth/email/resend/", {"email": "alex@example.com"}, format="json")
    assert len(mailbox.messages) == register_mails  # already verified: nothing sent

    authed = bearer(tokens_for(client, "alex", STRONG)["access"])
    response = committed(
        authed.patch, "/api/v1/auth/me/", {"email": "alex@new.example", "current_password": STRONG}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["email_verified"] is False
    message = mailbox.last(to="alex@new.example")
    assert "confirm your email address" in message["Subject"]

    assert verify(client, old_key).status_code == 400
    assert verify(client, mailbox.link_params(to="alex@new.example")["key"]).status_code == 200
    assert authed.get("/api/v1/auth/me/").json()["email_verified"] is True


def reset(client, committed, address):
    return committed(client.post, "/api/v1/auth/password/reset/", {"email": address}, format="json")


def confirm(client, params, password=NEW):
    body = {"uid": params["uid"], "token": params["token"], "new_password": password}
    return client.post("/api/v1/auth/password/reset/confirm/", body, format="json")


def test_password_reset_is_202_for_unknown_addresses_and_sends_nothing(mailbox, committed):
    UserFactory(email="kim@example.com")
    response = reset(APIClient(), committed, "nobody@example.com")
    assert response.status_code == 202
    assert response.content == b""
    assert mailbox.messages == []


def test_password_reset_link_sets_password_once_and_ends_every_session(mailbox, committed, settings):
    settings.FRONTEND_URL = "https://app.example.com"
    user = UserFactory(email="kim@example.com")
    client = APIClient()
    first = tokens_for(client, user.username, PASSWORD)
    second = tokens_for(client, user.email, PASSWORD)

    assert reset(client, committed, "KIM@example.com").status_code == 202
    message = mailbox.last()
    assert message["To"] == "kim@example.com"
    assert mailbox.link().startswith("https://app.example.com/reset-password?")
    params = mailbox.link_params()

    response = confirm(client, params)
    assert response.status_code == 204

    # Every session ended: refresh and access tokens are dead.
    for pair in (first, second):
        assert client.post("/api/v1/auth/refresh/", {"refresh": pair["refresh"]}, format="json").status_code == 401
        assert bearer(pair["access"]).get("/api/v1/auth/me/").status_code == 401
    assert not AuthSession.objects.filter(user=user, revoked_at=None).exists()
    assert set(AuthSession.objects.filter(user=user).values_list("revoke_reason", flat=True)) == {"password_reset"}

    login = client.post("/api/v1/auth/login/", {"username": user.username, "password": PASSWORD}, format="json")
    assert login.status_code == 401
    tokens_for(client, user.username, NEW)

    # Single use: the same link does nothing the second time.
    again = confirm(client, params, password="yet-another-passphrase-9")
    assert again.status_code == 400
    assert error_codes(again) == ["invalid_token"]
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_password_reset_link_expires(mailbox, committed, clock, settings):
    user = UserFactory(email="kim@example.com")
    reset(APIClient(), committed, user.email)
    params = mailbox.link_params()
    clock.shift(settings.PASSWORD_RESET_TIMEOUT + 1)
    response = confirm(APIClient(), params)
    assert response.status_code == 400
    assert error_codes(response) == ["invalid_token"]
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_reset_checks_the_new_password_and_keeps_the_link(mailbox, committed):
    user = UserFactory(email="kim@example.com")
    reset(APIClient(), committed, user.email)
    params = mailbox.link_params()
    weak = confirm(APIClient(), params, password="123")
    assert weak.status_code == 400
    assert error_attrs(weak) == {"new_password"}
    assert confirm(APIClient(), params).status_code == 204


@pytest.mark.parametrize(
    "params",
    [{"uid": "garbage", "token": "x-y"}, {"uid": "", "token": ""}],
)
def test_password_reset_confirm_with_garbage_is_400(params, db):
    response = APIClient().post("/api/v1/auth/password/reset/confirm/", {**params, "new_password": NEW}, format="json")
    assert response.status_code == 400
