"""Web sign-in: the API's lockout and activity record, and the second step for people with 2FA on."""

from __future__ import annotations

import re

import pyotp
import pytest
from django.test import Client
from django.urls import URLPattern, get_resolver, reverse

from finance.audit.models import AuditAction, AuditEvent
from finance.users import services
from finance.users.models import AuthSession, RecoveryCode, SignInAttempt
from finance.users.tests.factories import PASSWORD
from finance.users.tests.helpers import clock
from finance.web.account.signin import AUTH_SESSION_KEY, PENDING_KEY, PENDING_SECONDS

pytestmark = pytest.mark.django_db
__all__ = ["clock"]


@pytest.fixture
def two_factor(user, household, clock):
    """The user with 2FA on: their authenticator (pyotp) and recovery codes."""
    secret = services.two_factor_setup(user=user, password=PASSWORD)["secret"]
    totp = pyotp.TOTP(secret)
    codes = services.two_factor_confirm(user=user, code=totp.now())
    clock.shift(30)  # the confirming code is spent; the next step's is fresh
    return totp, codes


def app_pages() -> list[str]:
    """Every /app/ route of the web app (ids filled with a random UUID)."""
    paths = []
    for pattern in get_resolver().url_patterns:
        for sub in getattr(pattern, "url_patterns", []):
            if isinstance(sub, URLPattern) and str(sub.pattern).startswith("app/"):
                path = re.sub(r"<uuid:\w+>", "0b6c2f7e-3f1a-4d2b-9a7e-5c4d3b2a1f00", str(sub.pattern))
                assert "<" not in path, path  # every converter filled in
                paths.append("/" + path)
    return paths


def password_step(client: Client, user, password: str = PASSWORD):
    return client.post(reverse("web:login"), {"username": user.username, "password": password})


def test_password_alone_does_not_sign_a_two_factor_user_in(client, user, two_factor):
    response = password_step(client, user)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:login-code")
    assert "_auth_user_id" not in client.session
    assert PENDING_KEY in client.session
    pages = app_pages()
    assert len(pages) > 20
    assert "/app/profile/security/" in pages
    for path in pages:
        page = client.get(path)
        if page.status_code == 405:  # POST-only routes
            page = client.post(path)
        assert page.status_code == 302, path
        assert page["Location"].startswith(reverse("web:login") + "?next="), path
    # The API does not take the cookie either.
    assert client.get("/api/v1/auth/me/").status_code in (401, 403)
    assert not AuthSession.objects.filter(user=user).exists()
    attempt = SignInAttempt.objects.get(user=user)
    assert (attempt.succeeded, attempt.reason, attempt.counts) == (False, "otp_required", False)


def test_a_wrong_code_is_refused_and_counts_towards_the_lockout(client, user, two_factor):
    totp, _codes = two_factor
    password_step(client, user)
    wrong = "000000" if totp.now() != "000000" else "111111"
    response = client.post(reverse("web:login-code"), {"code": wrong})
    assert response.status_code == 200
    assert "The code is wrong or was already used." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("web:dashboard")).status_code == 302
    failed = SignInAttempt.objects.filter(user=user, reason="otp_invalid")
    assert [(a.counts, a.succeeded) for a in failed] == [(True, False)]
    # Two more wrong codes reach LOGIN_SLOWDOWN_AFTER (3): even the right code must wait now.
    client.post(reverse("web:login-code"), {"code": wrong})
    client.post(reverse("web:login-code"), {"code": wrong})
    slowed = client.post(reverse("web:login-code"), {"code": totp.now()})
    assert slowed.status_code == 429
    assert int(slowed["Retry-After"]) == 5
    assert "Too many failed attempts. Try again in 5 seconds." in slowed.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_pending_sign_in_expires(client, user, two_factor, clock):
    totp, _codes = two_factor
    password_step(client, user)
    clock.shift(PENDING_SECONDS + 1)
    response = client.post(reverse("web:login-code"), {"code": totp.now()}, follow=True)
    assert response.redirect_chain[0] == (reverse("web:login"), 302)
    assert "Your sign-in has expired. Enter your password again." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert PENDING_KEY not in client.session
    assert not AuthSession.objects.filter(user=user).exists()


def test_a_tampered_marker_is_worthless(client, user, two_factor):
    password_step(client, user)
    session = client.session
    session[PENDING_KEY] = session[PENDING_KEY][:-2] + ("AA" if not session[PENDING_KEY].endswith("AA") else "BB")
    session.save()
    response = client.get(reverse("web:login-code"))
    assert response["Location"] == reverse("web:login")


def test_the_right_code_signs_in_once(client, user, two_factor):
    totp, _codes = two_factor
    password_step(client, user)
    page = client.get(reverse("web:login-code"))
    assert 'autocomplete="one-time-code"' in page.content.decode()
    code = totp.now()
    response = client.post(reverse("web:login-code"), {"code": code})
    assert response.status_code == 302
    assert response["Location"] == reverse("web:dashboard")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert PENDING_KEY not in client.session
    assert client.get(reverse("web:dashboard")).status_code == 200
    session = AuthSession.objects.get(user=user)
    assert client.session[AUTH_SESSION_KEY] == str(session.pk)
    assert session.method == "password+totp"
    attempt = SignInAttempt.objects.filter(user=user).latest("id")
    assert (attempt.succeeded, attempt.reason, attempt.method) == (True, "ok", "password+totp")
    assert AuditEvent.objects.filter(actor=user, action=AuditAction.SIGN_IN).count() == 1
    # The same code cannot sign in a second browser (each code works once).
    other = Client()
    password_step(other, user)
    again = other.post(reverse("web:login-code"), {"code": code})
    assert again.status_code == 200
    assert "_auth_user_id" not in other.session


def test_a_recovery_code_signs_in_and_is_spent(client, user, two_factor):
    _totp, codes = two_factor
    password_step(client, user)
    response = client.post(reverse("web:login-code"), {"code": codes[0].upper()})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=False).count() == 1
    assert AuthSession.objects.get(user=user).method == "password+recovery"


def test_next_survives_the_second_step(client, user, two_factor):
    totp, _codes = two_factor
    client.post(reverse("web:login"), {"username": user.username, "password": PASSWORD, "next": "/app/tags/"})
    response = client.post(reverse("web:login-code"), {"code": totp.now()})
    assert response["Location"] == "/app/tags/"


def test_a_wrong_password_never_reaches_the_code_step(client, user, two_factor):
    response = password_step(client, user, "wrong-password-123")
    assert response.status_code == 200
    assert "do not match an account" in response.content.decode()
    assert PENDING_KEY not in client.session
    assert client.get(reverse("web:login-code"))["Location"] == reverse("web:login")


def test_sign_in_without_2fa_opens_an_account_session_and_sign_out_ends_it(client, user, household):
    response = password_step(client, user)
    assert response["Location"] == reverse("web:dashboard")
    session = AuthSession.objects.get(user=user, revoked_at=None)
    assert client.session[AUTH_SESSION_KEY] == str(session.pk)
    attempt = SignInAttempt.objects.get(user=user)
    assert (attempt.succeeded, attempt.reason) == (True, "ok")
    client.post(reverse("web:logout"))
    session.refresh_from_db()
    assert (session.revoked_at is not None, session.revoke_reason) == (True, "logout")


def test_revoking_the_account_session_signs_the_browser_out_everywhere(client, user, household):
    password_step(client, user)
    assert client.get("/api/v1/auth/me/").status_code == 200  # the API takes the cookie session
    session = AuthSession.objects.get(user=user, revoked_at=None)
    services.session_revoke(user=user, session_id=session.pk)
    assert client.get("/api/v1/auth/me/").status_code in (401, 403)
    assert client.get(reverse("web:dashboard"))["Location"].startswith(reverse("web:login"))
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_slow_the_web_sign_in_like_the_api(client, user, household):
    for _ in range(3):
        assert password_step(client, user, "wrong-password-123").status_code == 200
    response = password_step(client, user)  # right, but too soon
    assert response.status_code == 429
    assert int(response["Retry-After"]) == 5
    assert "Too many failed attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert SignInAttempt.objects.filter(user=user).latest("id").reason == "slowed"


def test_the_code_step_draws_on_the_apis_sign_in_budget(client, user, two_factor, settings):
    settings.API_THROTTLE = True
    # Only the request budget here (10/min per address, shared with /api/v1/auth/login/).
    settings.LOGIN_SLOWDOWN_AFTER = settings.LOGIN_ADDRESS_SLOWDOWN_AFTER = 100
    settings.LOGIN_LOCKOUT_AFTER = settings.LOGIN_ADDRESS_LOCKOUT_AFTER = 200
    totp, _codes = two_factor
    password_step(client, user)  # 1
    wrong = "000000" if totp.now() != "000000" else "111111"
    for _ in range(9):  # 2 … 10
        assert client.post(reverse("web:login-code"), {"code": wrong}).status_code == 200
    response = client.post(reverse("web:login-code"), {"code": totp.now()})
    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_security_forms_share_the_apis_password_and_otp_budgets(client, user, household, settings):
    settings.API_THROTTLE = True
    password_step(client, user)
    for _ in range(5):  # THROTTLE_RATE_PASSWORD: 5/min per user
        page = client.post(
            reverse("web:security-password"), {"old_password": "wrong", "new_password": "x", "new_password_again": "x"}
        )
        assert page.status_code == 200
    refused = client.post(
        reverse("web:security-password"),
        {
            "old_password": PASSWORD,
            "new_password": "a-fine-new-passphrase",
            "new_password_again": "a-fine-new-passphrase",
        },
    )
    assert refused.status_code == 429
    assert "Too many failed attempts. Try again in" in refused.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    services.two_factor_setup(user=user, password=PASSWORD)
    for _ in range(10):  # THROTTLE_RATE_OTP: 10/min per user
        assert client.post(reverse("web:security-2fa"), {"action": "confirm", "code": "123456"}).status_code == 200
    assert client.post(reverse("web:security-2fa"), {"action": "confirm", "code": "123456"}).status_code == 429


def test_no_password_only_login_form_skips_the_code(client, user, two_factor):
    # The admin's and the browsable API's login pages send people to the web sign-in.
    assert client.get("/api-auth/login/?next=/api/v1/auth/me/")["Location"] == "/login/?next=/api/v1/auth/me/"
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/login/?next=/admin/"
    # And a cookie session made by any password-only login is ended for a person with 2FA on.
    client.force_login(user)
    response = client.get(reverse("web:dashboard"))
    assert response["Location"].startswith(reverse("web:login"))
    assert "_auth_user_id" not in client.session


def test_a_signed_in_person_who_is_not_staff_gets_403_from_the_admin_login(client, user, household):
    password_step(client, user)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_an_unverified_address_is_refused_after_the_code_and_recorded(client, user, two_factor, settings):
    settings.REQUIRE_EMAIL_VERIFICATION = True
    totp, _codes = two_factor
    password_step(client, user)
    response = client.post(reverse("web:login-code"), {"code": totp.now()}, follow=True)
    assert "Confirm your email address first; we sent you a link." in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert SignInAttempt.objects.filter(user=user).latest("id").reason == "email_not_verified"
    assert not AuthSession.objects.filter(user=user).exists()
