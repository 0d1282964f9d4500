"""The profile's security pages: password, two-factor, sessions, API tokens, sign-in activity."""

from __future__ import annotations

from datetime import timedelta

import pyotp
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from finance.core import crypto
from finance.users import services
from finance.users.models import AuthSession, PersonalAccessToken, RecoveryCode, SignInAttempt, TOTPDevice
from finance.users.tests.factories import PASSWORD, UserFactory
from finance.users.tests.helpers import clock
from finance.web.account.signin import AUTH_SESSION_KEY

pytestmark = pytest.mark.django_db
__all__ = ["clock"]
CLIENT = services.ClientInfo(
    ip="203.0.113.9", user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
)


@pytest.fixture
def browser(user, household):
    """A browser signed in through the sign-in page (so it has an account session)."""
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36")
    response = client.post(reverse("web:login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return client


def test_every_security_page_renders_for_the_person(browser):
    for name, heading in [
        ("web:security", "Security"),
        ("web:security-password", "Change password"),
        ("web:security-2fa", "Two-factor authentication"),
        ("web:security-sessions", "Sessions"),
        ("web:security-tokens", "API tokens"),
        ("web:security-activity", "Sign-in activity"),
    ]:
        page = browser.get(reverse(name))
        assert page.status_code == 200, name
        assert f"<h1>{heading}</h1>" in page.content.decode(), name
        assert "no-store" in page["Cache-Control"] or "no-cache" in page["Cache-Control"]


# Password -----------------------------------------------------------------------------


def test_password_change_keeps_this_browser_and_ends_every_other_session(browser, user):
    other = Client()
    other.post(reverse("web:login"), {"username": user.username, "password": PASSWORD})
    api_tokens = services.session_start(user=user, client=CLIENT)
    assert AuthSession.objects.filter(user=user, revoked_at=None).count() == 3
    response = browser.post(
        reverse("web:security-password"),
        {
            "old_password": PASSWORD,
            "new_password": "a-brand-new-passphrase",
            "new_password_again": "a-brand-new-passphrase",
        },
    )
    assert response["Location"] == reverse("web:security")
    user.refresh_from_db()
    assert user.check_password("a-brand-new-passphrase")
    active = AuthSession.objects.filter(user=user, revoked_at=None)
    assert [str(s.pk) for s in active] == [browser.session[AUTH_SESSION_KEY]]
    assert browser.get(reverse("web:security")).status_code == 200
    assert other.get(reverse("web:dashboard")).status_code == 302  # signed out
    api = Client().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {api_tokens['access']}")
    assert api.status_code == 401


def test_password_change_errors_are_the_apis_and_change_nothing(browser, user):
    url = reverse("web:security-password")
    wrong = browser.post(url, {"old_password": "nope-nope-nope", "new_password": "x", "new_password_again": "x"})
    body = wrong.content.decode()
    assert "The current password is wrong." in body
    assert "This password is too short. It must contain at least 10 characters." in body
    mismatch = browser.post(
        url, {"old_password": PASSWORD, "new_password": "one-long-passphrase", "new_password_again": "another-one-here"}
    )
    assert "The two new passwords do not match." in mismatch.content.decode()
    common = browser.post(
        url, {"old_password": PASSWORD, "new_password": "password123", "new_password_again": "password123"}
    )
    assert "This password is too common." in common.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert AuthSession.objects.filter(user=user, revoked_at=None).count() == 1


def test_password_errors_in_german(browser, user):
    user.locale = "de"
    user.save(update_fields=["locale"])
    page = browser.post(
        reverse("web:security-password"),
        {"old_password": "nope-nope-nope", "new_password": "x", "new_password_again": "x"},
    ).content.decode()
    assert "Das aktuelle Passwort ist falsch." in page
    assert "Dieses Passwort ist zu kurz." in page  # Django's own catalogue for its validators


# Two-factor ---------------------------------------------------------------------------


def test_two_factor_setup_confirm_recovery_codes_then_disable(browser, user, clock):
    url = reverse("web:security-2fa")
    assert "Set up two-factor authentication" in browser.get(url).content.decode()
    setup = browser.post(url, {"action": "setup", "password": PASSWORD}).content.decode()
    device = TOTPDevice.objects.get(user=user)
    secret = crypto.decrypt(device.secret_encrypted)
    assert secret in setup
    uri = setup.split('id="totp-uri">')[1].split("</code>")[0]
    assert uri.startswith("otpauth://totp/")
    assert f"secret={secret}" in uri
    assert '<svg width="' in setup  # the QR code (segno), inline
    totp = pyotp.TOTP(secret)
    # A wrong code: refused with the API's message, 2FA stays off, the set-up stays pending.
    wrong = "000000" if totp.now() != "000000" else "111111"
    refused = browser.post(url, {"action": "confirm", "code": wrong}).content.decode()
    assert "The code is wrong; check the time on your device." in refused
    assert "Start again" in refused
    assert TOTPDevice.objects.get(user=user).confirmed_at is None
    # The right code: on, and ten recovery codes shown this once.
    done = browser.post(url, {"action": "confirm", "code": totp.now()}).content.decode()
    assert TOTPDevice.objects.get(user=user).confirmed_at is not None
    codes = [line.split("<code>")[1].split("</code>")[0] for line in done.split("<li>") if "<code>" in line]
    assert len(codes) == 10
    assert RecoveryCode.objects.filter(user=user, used_at=None).count() == 10
    later = browser.get(url).content.decode()
    assert codes[0] not in later
    assert "10 unused recovery codes left." in later
    # Disable needs the password and a code; each wrong one says so, and 2FA stays on.
    clock.shift(30)
    bad = browser.post(url, {"action": "disable", "password": "wrong-password", "code": totp.now()}).content.decode()
    assert "The password is wrong." in bad
    bad_code = browser.post(url, {"action": "disable", "password": PASSWORD, "code": "zzzzz-zzzzz"}).content.decode()
    assert "The code is wrong or was already used." in bad_code
    assert TOTPDevice.objects.filter(user=user, confirmed_at__isnull=False).exists()
    off = browser.post(url, {"action": "disable", "password": PASSWORD, "code": codes[3]}, follow=True)
    assert "Two-factor authentication is off." in off.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()


def test_setup_is_refused_while_two_factor_is_on(browser, user, clock):
    secret = services.two_factor_setup(user=user, password=PASSWORD)["secret"]
    services.two_factor_confirm(user=user, code=pyotp.TOTP(secret).now())
    response = browser.post(reverse("web:security-2fa"), {"action": "setup", "password": PASSWORD}, follow=True)
    assert "Two-factor authentication is already on." in response.content.decode()
    device = TOTPDevice.objects.get(user=user)
    assert crypto.decrypt(device.secret_encrypted) == secret  # unchanged


# Sessions -----------------------------------------------------------------------------


def test_sessions_list_marks_this_one_and_revokes_one_or_all_others(browser, user):
    phone = services.session_open(
        user=user,
        client=services.ClientInfo(
            ip="198.51.100.4",
            user_agent=(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                "Version/17.5 Mobile/15E148 Safari/604.1"
            ),
        ),
        method="password+totp",
    )
    laptop = services.session_open(user=user, client=CLIENT)
    page = browser.get(reverse("web:security-sessions")).content.decode()
    assert page.count("This device") == 1
    assert "Password and app code" in page
    assert "198.51.100.4" in page
    assert "203.0.113.9" in page
    assert "Firefox 133 on Linux" in page
    current = browser.session[AUTH_SESSION_KEY]
    assert f"/sessions/{current}/revoke/" not in page  # no sign-out button on this one
    response = browser.post(reverse("web:security-session-revoke", args=[phone.pk]))
    assert response["Location"] == reverse("web:security-sessions")
    phone.refresh_from_db()
    assert phone.revoked_at is not None
    browser.post(reverse("web:security-sessions-revoke-others"))
    laptop.refresh_from_db()
    assert laptop.revoked_at is not None
    assert [str(s.pk) for s in AuthSession.objects.filter(user=user, revoked_at=None)] == [current]
    assert browser.get(reverse("web:security-sessions")).status_code == 200


def test_another_persons_session_is_404_and_stays(browser):
    stranger = UserFactory()
    theirs = services.session_open(user=stranger, client=CLIENT)
    assert browser.post(reverse("web:security-session-revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert "203.0.113.9" not in browser.get(reverse("web:security-sessions")).content.decode()


# API tokens ---------------------------------------------------------------------------


def test_create_a_token_shows_it_once_and_it_works(browser, user):
    url = reverse("web:security-tokens")
    response = browser.post(url, {"name": "spreadsheet sync", "access": "read", "expires": "30"})
    assert response.status_code == 201
    body = response.content.decode()
    token = PersonalAccessToken.objects.get(user=user)
    raw = body.split('id="new-token" class="secret" value="')[1].split('"')[0]
    assert raw.startswith("pft_")
    assert services.hash_access_token(raw) == token.token_hash
    assert token.scopes == ["read"]
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    listing = browser.get(url).content.decode()
    assert "spreadsheet sync" in listing
    assert raw not in listing
    api = Client().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.status_code == 200
    write = browser.post(url, {"name": "importer", "access": "write", "expires": ""})
    assert write.status_code == 201
    importer = PersonalAccessToken.objects.get(user=user, name="importer")
    assert (importer.scopes, importer.expires_at) == (["read", "write"], None)


def test_token_errors_change_nothing(browser, user):
    response = browser.post(reverse("web:security-tokens"), {"name": "  ", "access": "read", "expires": "90"})
    assert response.status_code == 200
    assert "This field may not be blank." in response.content.decode()
    bad_choice = browser.post(reverse("web:security-tokens"), {"name": "x", "access": "admin", "expires": "90"})
    assert "Select a valid choice." in bad_choice.content.decode()
    assert not PersonalAccessToken.objects.filter(user=user).exists()


def test_revoke_a_token_and_another_persons_is_404(browser, user):
    mine, raw = services.access_token_create(user=user, name="cron", scopes=["read"])
    stranger = UserFactory()
    theirs, _raw = services.access_token_create(user=stranger, name="theirs", scopes=["read"])
    assert browser.post(reverse("web:security-token-revoke", args=[theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert "theirs" not in browser.get(reverse("web:security-tokens")).content.decode()
    response = browser.post(reverse("web:security-token-revoke", args=[mine.pk]))
    assert response["Location"] == reverse("web:security-tokens")
    mine.refresh_from_db()
    assert mine.revoked_at is not None
    assert Client().get("/api/v1/auth/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


# Sign-in activity ---------------------------------------------------------------------


def test_activity_lists_only_the_persons_own_attempts(browser, user):
    Client().post(reverse("web:login"), {"username": user.username, "password": "wrong-password-1"})
    stranger = UserFactory()
    Client().post(reverse("web:login"), {"username": stranger.username, "password": "wrong-password-2"})
    page = browser.get(reverse("web:security-activity")).content.decode()
    assert page.count("<tr>") - 1 == SignInAttempt.objects.filter(user=user).count() == 2
    assert "Wrong password" in page
    assert "Signed in" in page
    assert "Chrome 131 on Linux" in page
    assert SignInAttempt.objects.filter(user=stranger).count() == 1
    user.locale = "de"
    user.save(update_fields=["locale"])
    german = browser.get(reverse("web:security-activity")).content.decode()
    assert "Falsches Passwort" in german
    assert "<td>Passwort</td>" in german
