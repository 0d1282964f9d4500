"""TOTP two-factor authentication: setup, confirm, sign-in with codes and recovery codes, disable."""

from __future__ import annotations

import pyotp
import pytest
from rest_framework.test import APIClient

from finance.core import crypto
from finance.users.models import RecoveryCode, SignInAttempt, TOTPDevice
from finance.users.tests.factories import PASSWORD
from finance.users.tests.helpers import bearer, error_attrs, error_codes, tokens_for

pytestmark = pytest.mark.django_db


def login(body):
    return APIClient().post("/api/v1/auth/login/", body, format="json")


@pytest.fixture
def signed_in(user, clock):
    return bearer(tokens_for(APIClient(), user.username, PASSWORD)["access"])


def enable(client, clock):
    setup = client.post("/api/v1/auth/2fa/setup/", {"password": PASSWORD}, format="json").json()
    totp = pyotp.TOTP(setup["secret"])
    codes = client.post("/api/v1/auth/2fa/confirm/", {"code": totp.now()}, format="json").json()["recovery_codes"]
    clock.shift(30)
    return totp, codes


def test_setup_returns_secret_uri_and_qr_and_stores_the_secret_encrypted(signed_in, user):
    response = signed_in.post("/api/v1/auth/2fa/setup/", {"password": PASSWORD}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"secret", "otpauth_uri", "qr_svg"}
    assert len(body["secret"]) == 32
    assert body["otpauth_uri"].startswith("otpauth://totp/")
    assert f"secret={body['secret']}" in body["otpauth_uri"]
    assert "issuer=Personal%20Finance%20Tracker" in body["otpauth_uri"]
    assert body["qr_svg"].startswith("<svg")
    assert body["qr_svg"].rstrip().endswith("</svg>")

    device = TOTPDevice.objects.get(user=user)
    assert body["secret"] not in device.secret_encrypted
    assert crypto.decrypt(device.secret_encrypted) == body["secret"]
    assert device.confirmed_at is None
    # Not active yet: sign-in needs no code.
    assert login({"username": user.username, "password": PASSWORD}).status_code == 200
    me = signed_in.get("/api/v1/auth/me/").json()
    assert me["two_factor_enabled"] is False
    assert body["secret"] not in str(me)


def test_confirm_needs_a_right_code_and_returns_ten_single_use_recovery_codes(signed_in, user, clock):
    secret = signed_in.post("/api/v1/auth/2fa/setup/", {"password": PASSWORD}, format="json").json()["secret"]
    wrong = signed_in.post("/api/v1/auth/2fa/confirm/", {"code": "000000"}, format="json")
    assert wrong.status_code == 400
    assert error_attrs(wrong) == {"code"}

    response = signed_in.post("/api/v1/auth/2fa/confirm/", {"code": pyotp.TOTP(secret).now()}, format="json")
    assert response.status_code == 200
    codes = response.json()["recovery_codes"]
    assert len(codes) == 10
    assert len(set(codes)) == 10
    stored = set(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10
    assert not stored & set(codes)
    assert signed_in.get("/api/v1/auth/me/").json()["two_factor_enabled"] is True

    again = signed_in.post("/api/v1/auth/2fa/setup/", {"password": PASSWORD}, format="json")
    assert again.status_code == 409
    assert error_codes(again) == ["two_factor_enabled"]


def test_confirm_without_setup_is_409(signed_in):
    response = signed_in.post("/api/v1/auth/2fa/confirm/", {"code": "123456"}, format="json")
    assert response.status_code == 409


def test_login_needs_otp_and_a_code_works_once(signed_in, user, clock):
    totp, _ = enable(signed_in, clock)
    body = {"username": user.username, "password": PASSWORD}

    missing = login(body)
    assert missing.status_code == 401
    assert error_codes(missing) == ["otp_required"]

    wrong = login({**body, "otp": "000000" if totp.now() != "000000" else "111111"})
    assert wrong.status_code == 401
    assert error_codes(wrong) == ["otp_invalid"]

    code = totp.now()
    assert login({**body, "otp": code}).status_code == 200
    replay = login({**body, "otp": code})
    assert replay.status_code == 401
    assert error_codes(replay) == ["otp_invalid"]

    # One step later the used code is still inside the drift window, but spent; the new one works.
    clock.shift(30)
    assert login({**body, "otp": code}).status_code == 401
    assert login({**body, "otp": totp.now()}).status_code == 200

    # A wrong password with a right code is just bad credentials.
    clock.shift(30)
    bad = login({"username": user.username, "password": "not-the-password", "otp": totp.now()})
    assert error_codes(bad) == ["invalid_credentials"]

    reasons = list(SignInAttempt.objects.filter(user=user).order_by("id").values_list("reason", flat=True))
    assert reasons[-7:] == ["otp_required", "otp_invalid", "ok", "otp_invalid", "otp_invalid", "ok", "bad_credentials"]


def test_code_used_to_confirm_cannot_sign_in(signed_in, user):
    secret = signed_in.post("/api/v1/auth/2fa/setup/", {"password": PASSWORD}, format="json").json()["secret"]
    code = pyotp.TOTP(secret).now()
    signed_in.post("/api/v1/auth/2fa/confirm/", {"code": code}, format="json")
    response = login({"username": user.username, "password": PASSWORD, "otp": code})
    assert response.status_code == 401
    assert error_codes(response) == ["otp_invalid"]


def test_recovery_codes_sign_in_once_each(signed_in, user, clock):
    _, codes = enable(signed_in, clock)
    body = {"username": user.username, "password": PASSWORD}
    assert login({**body, "otp": codes[0]}).status_code == 200
    replay = login({**body, "otp": codes[0]})
    assert replay.status_code == 401
    assert error_codes(replay) == ["otp_invalid"]
    # Case, spaces and the dash do not matter.
    assert login({**body, "otp": f" {codes[1].upper().replace('-', ' ')} "}).status_code == 200
    assert RecoveryCode.objects.filter(user=user, used_at__isnull=False).count() == 2
    assert SignInAttempt.objects.filter(user=user, method="password+recovery", succeeded=True).count() == 2


def test_disable_needs_password_and_code(signed_in, user, clock):
    totp, codes = enable(signed_in, clock)
    wrong = signed_in.post(
        "/api/v1/auth/2fa/disable/", {"password": "wrong-password-1", "code": totp.now()}, format="json"
    )
    assert wrong.status_code == 400
    assert error_attrs(wrong) == {"password"}
    bad_code = signed_in.post("/api/v1/auth/2fa/disable/", {"password": PASSWORD, "code": "12345"}, format="json")
    assert bad_code.status_code == 400
    assert error_attrs(bad_code) == {"code"}
    assert TOTPDevice.objects.filter(user=user).exists()

    response = signed_in.post("/api/v1/auth/2fa/disable/", {"password": PASSWORD, "code": codes[3]}, format="json")
    assert response.status_code == 204
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(user=user).exists()
    assert login({"username": user.username, "password": PASSWORD}).status_code == 200
    assert signed_in.get("/api/v1/auth/me/").json()["two_factor_enabled"] is False
    assert (
        signed_in.post("/api/v1/auth/2fa/disable/", {"password": PASSWORD, "code": "1"}, format="json").status_code
        == 409
    )


def test_disable_with_totp_code(signed_in, user, clock):
    totp, _ = enable(signed_in, clock)
    response = signed_in.post("/api/v1/auth/2fa/disable/", {"password": PASSWORD, "code": totp.now()}, format="json")
    assert response.status_code == 204


def test_two_factor_endpoints_need_a_session(db):
    for path in ("/api/v1/auth/2fa/setup/", "/api/v1/auth/2fa/confirm/", "/api/v1/auth/2fa/disable/"):
        assert APIClient().post(path, {}, format="json").status_code == 401
