"""Sign-in with an OpenID Connect provider: the full authorization-code flow against a local provider."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
import requests
from rest_framework.test import APIClient

from finance.households.models import Membership
from finance.users.models import AuthSession, OAuthRequest, SignInAttempt, SocialIdentity, User
from finance.users.tests.factories import PASSWORD, UserFactory
from finance.users.tests.helpers import bearer, error_attrs, error_codes
from finance.users.tests.oidc_provider import LocalOIDCProvider, new_signing_key

pytestmark = pytest.mark.django_db

REDIRECT = "https://app.example.com/oauth/callback"


@pytest.fixture(scope="module")
def signing_keys():
    # RSA key generation is slow: one provider key and one foreign key for the whole module.
    return new_signing_key(), new_signing_key()


@pytest.fixture
def idp(settings, signing_keys):
    provider = LocalOIDCProvider(client_id="finance-web", client_secret="s3cret-for-tests", key=signing_keys[0])
    provider.start()
    settings.OAUTH_REDIRECT_URL = REDIRECT
    settings.OAUTH_PROVIDERS = {
        "google": {
            "client_id": provider.client_id,
            "client_secret": provider.client_secret,
            "issuer": provider.issuer,
            "trust_email": True,
        },
        "microsoft": {
            "client_id": provider.client_id,
            "client_secret": provider.client_secret,
            "issuer": provider.issuer,
            "trust_email": False,
        },
    }
    yield provider
    provider.stop()


def start(client, provider_name="google"):
    response = client.post(f"/api/v1/auth/oauth/{provider_name}/start/")
    assert response.status_code == 200, response.content
    return response.json()


def browser_visits(authorization_url):
    """What the person's browser does: open the provider's page, which redirects back with a code."""
    response = requests.get(authorization_url, allow_redirects=False, timeout=5)
    assert response.status_code == 302, response.text
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}


def sign_in_with(client, provider_name="google", **extra):
    started = start(client, provider_name)
    back = browser_visits(started["authorization_url"])
    assert back["state"] == started["state"]
    return client.post(f"/api/v1/auth/oauth/{provider_name}/callback/", {**back, **extra}, format="json"), back


def test_providers_lists_the_configured_ones(idp):
    assert APIClient().get("/api/v1/auth/oauth/providers/").json() == [{"name": "google"}, {"name": "microsoft"}]


def test_authorization_url_uses_pkce_nonce_and_the_configured_redirect(idp):
    started = start(APIClient())
    url = urlparse(started["authorization_url"])
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{idp.issuer}/authorize"
    query = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert query["client_id"] == "finance-web"
    assert query["redirect_uri"] == REDIRECT
    assert query["response_type"] == "code"
    assert set(query["scope"].split()) == {"openid", "email", "profile"}
    assert query["code_challenge_method"] == "S256"
    stored = OAuthRequest.objects.get(state=started["state"])
    assert query["nonce"] == stored.nonce
    assert stored.code_verifier not in started["authorization_url"]


def test_first_sign_in_creates_a_verified_user_with_a_household_and_a_session(idp):
    idp.person = {
        "sub": "g-123",
        "email": "pat@example.com",
        "email_verified": True,
        "given_name": "Pat",
        "family_name": "Lee",
    }
    client = APIClient(HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0")
    response, _ = sign_in_with(client)
    assert response.status_code == 200, response.content
    tokens = response.json()
    me = bearer(tokens["access"]).get("/api/v1/auth/me/").json()
    assert (me["email"], me["first_name"], me["last_name"], me["email_verified"]) == (
        "pat@example.com",
        "Pat",
        "Lee",
        True,
    )
    user = User.objects.get(pk=me["id"])
    assert not user.has_usable_password()
    assert Membership.objects.filter(user=user, is_default=True).exists()
    assert SocialIdentity.objects.get(provider="google", subject="g-123").user == user
    session = AuthSession.objects.get(user=user)
    assert session.method == "oauth:google"
    assert APIClient().post("/api/v1/auth/refresh/", {"refresh": tokens["refresh"]}, format="json").status_code == 200
    # The code was exchanged with the client secret and the PKCE verifier.
    assert idp.token_requests[-1]["code_verifier"]

    again, _ = sign_in_with(APIClient())
    assert again.status_code == 200
    assert User.objects.filter(email__iexact="pat@example.com").count() == 1
    assert SignInAttempt.objects.filter(user=user, succeeded=True, method="oauth:google").count() == 2


def test_trusted_verified_address_links_the_existing_account(idp):
    existing = UserFactory(email="Pat@Example.com")
    idp.person = {"sub": "g-9", "email": "pat@example.com", "email_verified": True}
    response, _ = sign_in_with(APIClient())
    assert response.status_code == 200
    assert bearer(response.json()["access"]).get("/api/v1/auth/me/").json()["id"] == str(existing.pk)
    assert SocialIdentity.objects.get(subject="g-9").user_id == existing.pk


@pytest.mark.parametrize(("provider_name", "verified"), [("microsoft", True), ("google", False)])
def test_unvouched_address_never_takes_over_an_account(idp, provider_name, verified):
    UserFactory(email="pat@example.com")
    idp.person = {"sub": "m-1", "email": "pat@example.com", "email_verified": verified}
    response, _ = sign_in_with(APIClient(), provider_name)
    assert response.status_code == 409
    assert error_codes(response) == ["account_exists"]
    assert not SocialIdentity.objects.exists()


def test_state_works_once_and_expires(idp, clock, settings):
    client = APIClient()
    response, back = sign_in_with(client)
    assert response.status_code == 200
    replay = client.post("/api/v1/auth/oauth/google/callback/", back, format="json")
    assert replay.status_code == 400
    assert error_attrs(replay) == {"state"}
    assert error_codes(replay) == ["invalid_state"]

    started = start(client)
    back = browser_visits(started["authorization_url"])
    clock.shift(settings.OAUTH_REQUEST_TIMEOUT.total_seconds() + 1)
    late = client.post("/api/v1/auth/oauth/google/callback/", back, format="json")
    assert error_codes(late) == ["invalid_state"]


def test_state_of_another_provider_is_refused(idp):
    started = start(APIClient(), "google")
    back = browser_visits(started["authorization_url"])
    response = APIClient().post("/api/v1/auth/oauth/microsoft/callback/", back, format="json")
    assert error_codes(response) == ["invalid_state"]


@pytest.mark.parametrize(
    "tamper",
    [
        {"claim_overrides": {"nonce": "someone-elses"}},
        {"claim_overrides": {"aud": "another-client"}},
        {"claim_overrides": {"iss": "https://evil.example"}},
        {"claim_overrides": {"exp": 1_000_000_000}},
        {"signing_key": "foreign"},
    ],
)
def test_id_tokens_that_do_not_check_out_are_refused(idp, signing_keys, tamper):
    if tamper.get("signing_key"):
        idp.signing_key = signing_keys[1]  # same key id, different key
    idp.claim_overrides = tamper.get("claim_overrides", {})
    response, _ = sign_in_with(APIClient())
    assert response.status_code == 400
    assert error_codes(response) == ["oauth_failed"]
    assert not User.objects.exists()
    assert not AuthSession.objects.exists()


def test_a_forged_code_is_refused(idp):
    started = start(APIClient())
    response = APIClient().post(
        "/api/v1/auth/oauth/google/callback/", {"code": "made-up", "state": started["state"]}, format="json"
    )
    assert response.status_code == 400
    assert error_codes(response) == ["oauth_failed"]


def test_second_factor_is_still_required(idp, clock):
    user = UserFactory(email="pat@example.com")
    staff = bearer(
        APIClient()
        .post("/api/v1/auth/login/", {"username": user.username, "password": PASSWORD}, format="json")
        .json()["access"]
    )
    secret = staff.post("/api/v1/auth/2fa/setup/", {"password": PASSWORD}, format="json").json()["secret"]
    staff.post("/api/v1/auth/2fa/confirm/", {"code": pyotp.TOTP(secret).now()}, format="json")
    clock.shift(30)
    idp.person = {"sub": "g-2", "email": "pat@example.com", "email_verified": True}

    response, _ = sign_in_with(APIClient())
    assert response.status_code == 401
    assert error_codes(response) == ["otp_required"]
    response, _ = sign_in_with(APIClient(), otp=pyotp.TOTP(secret).now())
    assert response.status_code == 200
    assert AuthSession.objects.filter(user=user, method="oauth:google+totp").exists()


def test_unknown_provider_is_404(idp):
    assert APIClient().post("/api/v1/auth/oauth/github/start/").status_code == 404
    response = APIClient().post("/api/v1/auth/oauth/github/callback/", {"code": "x", "state": "y"}, format="json")
    assert response.status_code == 404


def test_unreachable_provider_is_503(settings, db):
    settings.OAUTH_PROVIDERS = {
        "google": {"client_id": "x", "client_secret": "y", "issuer": "http://127.0.0.1:9", "trust_email": True}
    }
    client = APIClient(raise_request_exception=False)
    response = client.post("/api/v1/auth/oauth/google/start/")
    assert response.status_code == 503
    assert response.json()["type"] == "server_error"
    assert not OAuthRequest.objects.exists()
