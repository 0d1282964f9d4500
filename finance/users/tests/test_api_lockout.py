"""Failed sign-ins: slow-down, lockout and its expiry, per account and per address; the activity log."""

from __future__ import annotations

import logging

import pyotp
import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from finance.core import crypto
from finance.users.models import SignInAttempt, TOTPDevice
from finance.users.tests.factories import PASSWORD, UserFactory
from finance.users.tests.helpers import bearer, error_codes, tokens_for

pytestmark = pytest.mark.django_db

WRONG = "not-the-password-1"


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.LOGIN_SLOWDOWN_AFTER = 2
    settings.LOGIN_LOCKOUT_AFTER = 4
    settings.LOGIN_ADDRESS_SLOWDOWN_AFTER = 5
    settings.LOGIN_ADDRESS_LOCKOUT_AFTER = 8


def attempt(username, password, ip="203.0.113.7"):
    return APIClient(REMOTE_ADDR=ip).post(
        "/api/v1/auth/login/", {"username": username, "password": password}, format="json"
    )


def test_failures_slow_down_then_lock_the_account_until_the_period_ends(user, clock, settings):
    assert [attempt(user.username, WRONG).status_code for _ in range(2)] == [401, 401]

    slowed = attempt(user.username, PASSWORD)  # even the right password waits
    assert slowed.status_code == 429
    assert slowed.json()["type"] == "client_error"
    assert error_codes(slowed) == ["login_slowed"]
    assert slowed["Retry-After"] == "5"

    clock.shift(5)
    assert attempt(user.email, WRONG).status_code == 401  # third failure, by email: same account
    third = attempt(user.username, PASSWORD)
    assert error_codes(third) == ["login_slowed"]
    assert third["Retry-After"] == "10"  # the pause doubles

    clock.shift(10)
    assert attempt(user.username, WRONG).status_code == 401  # fourth: locked
    locked = attempt(user.username, PASSWORD)
    assert locked.status_code == 429
    assert error_codes(locked) == ["login_locked"]
    assert int(locked["Retry-After"]) == settings.LOGIN_LOCKOUT_PERIOD.total_seconds()

    clock.shift(settings.LOGIN_LOCKOUT_PERIOD.total_seconds() - 60)
    assert error_codes(attempt(user.username, PASSWORD)) == ["login_locked"]
    clock.shift(61)
    assert attempt(user.username, PASSWORD).status_code == 200


def test_lockout_is_per_account_and_success_resets_it(user, clock):
    other = UserFactory()
    attempt(user.username, WRONG)
    assert attempt(user.username, PASSWORD).status_code == 200
    attempt(user.username, WRONG)
    # One failure since the last success: not slowed.
    assert attempt(user.username, WRONG).status_code == 401
    assert attempt(user.username, PASSWORD).status_code == 429
    # Another account from the same address is unaffected.
    assert attempt(other.username, PASSWORD).status_code == 200


def test_unknown_names_are_treated_like_real_accounts(db, clock):
    codes = [attempt("ghost", WRONG).status_code for _ in range(3)]
    assert codes == [401, 401, 429]
    assert SignInAttempt.objects.filter(identifier="ghost", user=None).count() == 3


def test_many_accounts_from_one_address_slow_that_address(db, clock):
    users = UserFactory.create_batch(5)
    for victim in users:
        assert attempt(victim.username, WRONG).status_code == 401
    fresh = UserFactory()
    response = attempt(fresh.username, PASSWORD)
    assert response.status_code == 429
    assert error_codes(response) == ["login_slowed"]
    # The same account from elsewhere is fine: the address is what is slowed.
    assert attempt(fresh.username, PASSWORD, ip="198.51.100.9").status_code == 200


def test_second_factor_failures_count_towards_lockout(user, clock):
    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    TOTPDevice.objects.create(user=user, secret_encrypted=crypto.encrypt(secret), confirmed_at=timezone.now())
    wrong = str((int(pyotp.TOTP(secret).now()) + 1) % 1_000_000).zfill(6)
    body = {"username": user.username, "password": PASSWORD, "otp": wrong}
    client = APIClient(REMOTE_ADDR="203.0.113.7")
    codes = [client.post("/api/v1/auth/login/", body, format="json") for _ in range(3)]
    assert [error_codes(r)[0] for r in codes] == ["otp_invalid", "otp_invalid", "login_slowed"]


def test_failures_are_logged_with_address_and_reason(user, caplog, clock):
    with caplog.at_level(logging.WARNING, logger="finance.auth"):
        attempt(user.username, WRONG, ip="192.0.2.44")
    records = [r for r in caplog.records if r.name == "finance.auth"]
    assert len(records) == 1
    assert records[0].getMessage() == "sign-in failed"
    assert records[0].ip == "192.0.2.44"
    assert records[0].reason == "bad_credentials"
    assert records[0].user_id == str(user.pk)


def test_activity_lists_my_successes_and_failures_only(user, clock):
    ua = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
    APIClient(REMOTE_ADDR="192.0.2.10", HTTP_USER_AGENT=ua).post(
        "/api/v1/auth/login/", {"username": user.username, "password": WRONG}, format="json"
    )
    clock.shift(1)
    other = UserFactory()
    attempt(other.username, WRONG)
    clock.shift(1)
    tokens = tokens_for(APIClient(REMOTE_ADDR="192.0.2.11", HTTP_USER_AGENT=ua), user.username, PASSWORD)

    response = bearer(tokens["access"]).get("/api/v1/auth/activity/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [(r["succeeded"], r["reason"], r["ip"], r["device"], r["method"]) for r in rows] == [
        (True, "ok", "192.0.2.11", "Firefox 133 on Ubuntu", "password"),
        (False, "bad_credentials", "192.0.2.10", "Firefox 133 on Ubuntu", "password"),
    ]
    assert set(rows[0]) == {"id", "created_at", "succeeded", "reason", "method", "ip", "device"}


def test_activity_needs_authentication(db):
    assert APIClient().get("/api/v1/auth/activity/").status_code == 401


def test_purge_drops_old_audit_rows(user, clock, settings):
    from finance.users.tasks import purge_auth_audit

    attempt(user.username, WRONG)
    clock.shift(settings.AUDIT_RETENTION.total_seconds() + 1)
    attempt(user.username, WRONG)
    assert purge_auth_audit() == 1
    assert SignInAttempt.objects.count() == 1
