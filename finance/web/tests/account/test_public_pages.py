"""The public pages: sign-up, a forgotten password, email verification, OAuth sign-in, and the emailed links.

Each page calls the service the API calls; these tests hold the refusals (field errors, nothing changed) and
the shared budgets. The browser runs of the same flows are in ``tests/browser/test_public_browser.py``.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
import requests
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from finance.households import mail as household_mail
from finance.households.models import Invitation, Membership, Role
from finance.households.services import invitation_create
from finance.users import links, mail, services
from finance.users.models import AuthSession, OAuthRequest, SignInAttempt, User
from finance.users.tests.factories import PASSWORD, UserFactory
from finance.users.tests.oidc_provider import LocalOIDCProvider, new_signing_key, provider_setting
from finance.web.account.public import OAUTH_KEY, RESET_KEY
from finance.web.account.signin import AUTH_SESSION_KEY, PENDING_KEY

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-42"
LINK = re.compile(r"https?://\S+")


def signup_data(**overrides: str) -> dict[str, str]:
    return {
        "username": "robin",
        "email": "robin@example.com",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
        "first_name": "Robin",
        "last_name": "Hale",
        "default_currency": "EUR",
        **overrides,
    }


def field_errors(response, field: str) -> list[str]:
    return list(response.context["form"].errors.get(field, []))


def link_of(message) -> str:
    match = LINK.search(message.body)
    assert match is not None, message.body
    return match.group(0)


def path_of(url: str) -> str:
    parts = urlparse(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


# --- Sign-up ------------------------------------------------------------------------------------------


def test_sign_up_page_shows_the_password_rules_and_links_sign_in(client):
    page = client.get(reverse("web:signup"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Your password must contain at least 10 characters." in body
    assert "Your password can’t be entirely numeric." in body
    assert 'id="id_password_help"' in body
    assert 'aria-describedby="id_password_help"' in body
    assert f'href="{reverse("web:login")}"' in body
    # And the sign-in page links here and to the forgotten-password page.
    login = client.get(reverse("web:login")).content.decode()
    assert f'href="{reverse("web:signup")}"' in login
    assert f'href="{reverse("web:password-forgot")}"' in login


def test_sign_up_creates_the_user_and_household_signs_in_and_sends_the_link(
    client, mailoutbox, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:signup"), signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("web:dashboard")
    user = User.objects.get(username="robin")
    assert (user.email, user.first_name, user.last_name, user.default_currency) == (
        "robin@example.com",
        "Robin",
        "Hale",
        "EUR",
    )
    assert user.check_password(NEW_PASSWORD)
    assert not user.email_verified
    membership = Membership.objects.get(user=user)
    assert (membership.role, membership.is_default, membership.household.base_currency) == (Role.OWNER, True, "EUR")
    # Signed in as the sign-in page does it: an account session, its id in the browser session.
    session = AuthSession.objects.get(user=user)
    assert client.session[AUTH_SESSION_KEY] == str(session.pk)
    assert session.method == "password"
    dashboard = client.get(reverse("web:dashboard"))
    assert dashboard.status_code == 200
    assert "We sent a link to robin@example.com to confirm your address." in dashboard.content.decode()
    [message] = mailoutbox
    assert message.to == ["robin@example.com"]
    assert "/verify-email?key=" in link_of(message)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"password": "1234567890123", "password_again": "1234567890123"}, "password", "entirely numeric"),
        ({"password": "short", "password_again": "short"}, "password", "at least 10 characters"),
        ({"password_again": "something-else-entirely"}, "password_again", "The two passwords do not match."),
        ({"default_currency": "XYZ"}, "default_currency", "Not an ISO 4217 currency code."),
        ({"email": "not-an-address"}, "email", "Enter a valid email address."),
    ],
)
def test_sign_up_refusals_are_on_their_field_and_create_nothing(client, overrides, field, message):
    response = client.post(reverse("web:signup"), signup_data(**overrides))
    assert response.status_code == 200
    assert any(message in error for error in field_errors(response, field)), response.context["form"].errors
    assert not User.objects.filter(username="robin").exists()
    assert "_auth_user_id" not in client.session


def test_sign_up_with_a_taken_username_or_address_says_so_on_the_field(client):
    UserFactory(username="robin", email="someone@example.com")
    UserFactory(username="other", email="robin.hale@example.com")
    before = User.objects.count()
    response = client.post(reverse("web:signup"), signup_data(username="ROBIN", email="Robin.Hale@example.com"))
    assert response.status_code == 200
    assert field_errors(response, "username") == ["This username is taken; choose another."]
    assert field_errors(response, "email") == [
        "An account with this email address exists. Sign in, or reset your password."
    ]
    assert User.objects.count() == before
    assert not Membership.objects.filter(user__username="ROBIN").exists()


def test_sign_up_errors_are_translated(client):
    UserFactory(username="robin")
    response = client.post(
        reverse("web:signup"), signup_data(password="12345", password_again="12345"), HTTP_ACCEPT_LANGUAGE="de"
    )
    assert field_errors(response, "username") == ["Dieser Benutzername ist vergeben; wählen Sie einen anderen."]
    assert any("mindestens 10 Zeichen" in error for error in field_errors(response, "password"))
    spanish = client.get(reverse("web:signup"), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "<h1>Crear una cuenta</h1>" in spanish
    assert "Su contraseña debe contener al menos 10 caracteres." in spanish  # Django's own catalogue
    forgot = client.get(reverse("web:password-forgot"), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "<h1>Passwort vergessen?</h1>" in forgot


def test_with_verification_required_sign_up_asks_to_open_the_link_and_sign_in_refuses_until_then(
    client, settings, mailoutbox, celery_eager, django_capture_on_commit_callbacks
):
    settings.REQUIRE_EMAIL_VERIFICATION = True
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:signup"), signup_data(), follow=True)
    assert response.redirect_chain == [(reverse("web:login"), 302)]
    assert "We sent a link to robin@example.com: open it to confirm your address, then sign in." in (
        response.content.decode()
    )
    assert "_auth_user_id" not in client.session
    refused = client.post(reverse("web:login"), {"username": "robin", "password": NEW_PASSWORD})
    assert refused.status_code == 200
    body = refused.content.decode()
    assert "Confirm your email address first; we sent you a link." in body
    assert f'href="{reverse("web:verify-email-resend")}"' in body
    assert "_auth_user_id" not in client.session
    assert SignInAttempt.objects.filter(user__username="robin").latest("created_at").reason == "email_not_verified"
    # The link opens the page, its button confirms; then sign-in works.
    key = parse_qs(urlparse(link_of(mailoutbox[0])).query)["key"][0]
    client.get(f"{reverse('web:verify-email')}?key={key}")
    assert client.post(reverse("web:verify-email")).status_code == 200
    signed_in = client.post(reverse("web:login"), {"username": "robin", "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    assert signed_in["Location"] == reverse("web:dashboard")


def test_sign_up_keeps_next_for_an_invitation_link(client):
    target = "/app/invitations/"
    response = client.post(f"{reverse('web:signup')}?next={target}", signup_data(next=target))
    assert response["Location"] == target


def test_an_empty_post_is_field_errors_not_a_crash(client, user, settings):
    settings.API_THROTTLE = True
    for name in ("web:signup", "web:password-forgot"):
        page = client.post(reverse(name))
        assert page.status_code == 200
        assert field_errors(page, "email") == ["This field is required."]
    for _ in range(5):  # the register budget spent on empty forms: the refusal is still a page
        client.post(reverse("web:signup"))
    assert client.post(reverse("web:signup")).status_code == 429


def test_sign_up_shares_the_apis_register_budget(client, settings):
    settings.API_THROTTLE = True
    api = APIClient()
    for n in range(3):  # THROTTLE_RATE_REGISTER: 5/min per address, shared with /api/v1/auth/register/
        body = {"username": f"api{n}", "email": f"api{n}@example.com", "password": NEW_PASSWORD}
        assert api.post("/api/v1/auth/register/", body, format="json").status_code == 201
    assert client.post(reverse("web:signup"), signup_data(password="short", password_again="short")).status_code == 200
    assert client.post(reverse("web:signup"), signup_data(password="short", password_again="short")).status_code == 200
    refused = client.post(reverse("web:signup"), signup_data())
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Too many requests from here." in refused.content.decode()
    assert not User.objects.filter(username="robin").exists()


# --- Forgotten password and the reset link ------------------------------------------------------------


def test_forgot_password_answers_the_same_whether_or_not_the_address_exists(
    client, user, mailoutbox, celery_eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(reverse("web:password-forgot"), {"email": user.email.upper()}, follow=True)
        unknown = client.post(reverse("web:password-forgot"), {"email": "nobody@example.com"}, follow=True)
    assert known.redirect_chain == unknown.redirect_chain == [(reverse("web:login"), 302)]
    notice = "If an account has this address, we sent it a link to choose a new password."
    assert notice in known.content.decode()
    assert notice in unknown.content.decode()
    [message] = mailoutbox
    assert message.to == [user.email]
    assert "/reset-password?uid=" in link_of(message)


def _reset_url(user) -> str:
    return link_of(mail.compose(mail.PASSWORD_RESET, user))


def test_the_reset_link_moves_its_token_into_the_session_and_sets_the_new_password(client, user):
    other_browser = Client()
    other_browser.post(reverse("web:login"), {"username": user.username, "password": PASSWORD})
    assert AuthSession.objects.filter(user=user, revoked_at__isnull=True).count() == 1
    user.refresh_from_db()  # the link is made from the account as it is now (last sign-in included)
    opened = client.get(path_of(_reset_url(user)))
    assert opened.status_code == 302
    assert opened["Location"] == reverse("web:password-reset")  # the token is out of the address
    assert opened["Referrer-Policy"] == "no-referrer"
    form = client.get(reverse("web:password-reset"))
    assert form.status_code == 200
    body = form.content.decode()
    assert f'value="{user.username}" autocomplete="username"' in body
    assert "Your password must contain at least 10 characters." in body
    # A weak password is refused on its field; the link still works afterwards.
    weak = client.post(reverse("web:password-reset"), {"new_password": "password1", "new_password_again": "password1"})
    assert weak.status_code == 200
    assert any("too common" in error for error in field_errors(weak, "new_password"))
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    done = client.post(
        reverse("web:password-reset"), {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}, follow=True
    )
    assert done.redirect_chain == [(reverse("web:login"), 302)]
    assert "Your password has been changed. Sign in with the new one." in done.content.decode()
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert RESET_KEY not in client.session
    # Every session ended, the other browser's too.
    assert AuthSession.objects.filter(user=user, revoked_at__isnull=True).count() == 0
    assert other_browser.get(reverse("web:dashboard")).status_code == 302


@pytest.mark.parametrize(
    "query",
    [
        "uid=bm9ib2R5&token=abc-123",  # no such user
        "uid={uid}&token=abc-123",  # a forged token
        "uid={uid}&token=",  # no token
        "",  # no link at all
    ],
)
def test_a_bad_reset_link_changes_nothing_and_offers_a_new_one(client, user, query):
    path = reverse("web:password-reset") + ("?" + query.format(uid=links.password_reset_uid(user)) if query else "")
    page = client.get(path, follow=True)
    assert page.status_code == 400
    body = page.content.decode()
    assert "This link is not valid, has expired or was already used; ask for a new one." in body
    assert f'href="{reverse("web:password-forgot")}"' in body
    assert "new_password" not in body
    posted = client.post(
        reverse("web:password-reset"), {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD}
    )
    assert posted.status_code == 400
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_a_used_or_expired_reset_link_changes_nothing(client, user, settings):
    url = path_of(_reset_url(user))
    client.get(url)
    client.post(reverse("web:password-reset"), {"new_password": NEW_PASSWORD, "new_password_again": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    # The same link again: spent (the password it was made for has changed).
    again = client.get(url, follow=True)
    assert again.status_code == 400
    assert "ask for a new one" in again.content.decode()
    # A fresh link past PASSWORD_RESET_TIMEOUT.
    fresh = path_of(_reset_url(user))
    settings.PASSWORD_RESET_TIMEOUT = -1
    late = Client()
    late.get(fresh)
    refused = late.post(
        reverse("web:password-reset"),
        {"new_password": "yet-another-passphrase", "new_password_again": "yet-another-passphrase"},
    )
    assert refused.status_code == 400
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)


# --- Email verification -------------------------------------------------------------------------------


def test_opening_the_verification_link_changes_nothing_until_its_button(client, user):
    key = links.email_verification_key(user)
    opened = client.get(f"{reverse('web:verify-email')}?key={key}")
    assert opened.status_code == 302
    assert opened["Location"] == reverse("web:verify-email")  # the key is out of the address
    assert opened["Referrer-Policy"] == "no-referrer"
    page = client.get(reverse("web:verify-email"))
    assert page.status_code == 200
    assert f"Confirm that {user.email} is your address." in page.content.decode()
    user.refresh_from_db()
    assert not user.email_verified
    done = client.post(reverse("web:verify-email"))
    assert done.status_code == 200
    assert f"Thank you: {user.email} is confirmed." in done.content.decode()
    user.refresh_from_db()
    assert user.email_verified
    # The key worked once.
    again = client.get(f"{reverse('web:verify-email')}?key={key}", follow=True)
    assert again.status_code == 400
    assert "This link is not valid or was already used." in again.content.decode()


@pytest.mark.parametrize("key", ["", "not-a-key", "eyJ1IjoiMSJ9:forged:signature"])
def test_an_invalid_verification_key_is_a_clear_page_with_a_way_to_get_a_new_link(client, user, key):
    page = client.get(f"{reverse('web:verify-email')}?key={key}", follow=True)
    assert page.status_code == 400
    body = page.content.decode()
    assert "This link is not valid or was already used." in body
    assert f'href="{reverse("web:verify-email-resend")}"' in body
    assert client.post(reverse("web:verify-email")).status_code == 400
    assert Client().get(reverse("web:verify-email")).status_code == 400  # no link at all
    user.refresh_from_db()
    assert not user.email_verified


def test_an_expired_verification_key_says_so(client, user, settings):
    key = links.email_verification_key(user)
    settings.EMAIL_VERIFICATION_TIMEOUT = timezone.timedelta(seconds=-1)
    page = client.get(f"{reverse('web:verify-email')}?key={key}", follow=True)
    assert page.status_code == 400
    assert "This link has expired; ask for a new one." in page.content.decode()
    user.refresh_from_db()
    assert not user.email_verified


def test_resend_signed_out_answers_the_same_and_signed_in_sends_to_ones_own_address(
    client, user, mailoutbox, celery_eager, django_capture_on_commit_callbacks
):
    for address in (user.email, "nobody@example.com"):
        with django_capture_on_commit_callbacks(execute=True):
            answer = client.post(reverse("web:verify-email-resend"), {"email": address}, follow=True)
        assert answer.redirect_chain == [(reverse("web:login"), 302)]
        assert "If an account with this address is waiting for confirmation" in answer.content.decode()
    assert [m.to for m in mailoutbox] == [[user.email]]
    client.force_login(user)
    profile = client.get(reverse("web:profile")).content.decode()
    assert "Your email address is not confirmed yet" in profile
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(reverse("web:verify-email-resend"), follow=True)
    assert sent.redirect_chain == [(reverse("web:profile"), 302)]
    assert f"We sent a new link to {user.email}." in sent.content.decode()
    assert [m.to for m in mailoutbox] == [[user.email], [user.email]]
    client.get(path_of(link_of(mailoutbox[-1])))
    client.post(reverse("web:verify-email"))
    user.refresh_from_db()
    assert user.email_verified
    assert "Your email address is not confirmed yet" not in client.get(reverse("web:profile")).content.decode()


def test_forgot_and_resend_share_the_apis_email_budget(client, user, settings):
    settings.API_THROTTLE = True
    for _ in range(3):  # THROTTLE_RATE_EMAIL: 5/hour per address, shared with the API's email endpoints
        assert APIClient().post("/api/v1/auth/password/reset/", {"email": user.email}, format="json").status_code == 202
    assert client.post(reverse("web:password-forgot"), {"email": user.email}).status_code == 302
    assert client.post(reverse("web:verify-email-resend"), {"email": user.email}).status_code == 302
    refused = client.post(reverse("web:password-forgot"), {"email": user.email})
    assert refused.status_code == 429
    assert "Too many requests from here." in refused.content.decode()
    assert client.post(reverse("web:verify-email-resend"), {"email": user.email}).status_code == 429
    # Signed in, the budget is the person's own (as the API's), and the button's page says when it is spent.
    client.force_login(user)
    for _ in range(5):
        assert client.post(reverse("web:verify-email-resend")).status_code == 302
    spent = client.post(reverse("web:verify-email-resend"))
    assert spent.status_code == 429
    assert "Too many requests from here. Try again in" in spent.content.decode()


# --- OAuth --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def signing_key():
    return new_signing_key()


@pytest.fixture
def idp(settings, signing_key):
    provider = LocalOIDCProvider(client_id="finance-web", client_secret="s3cret-for-tests", key=signing_key)
    provider.start()
    settings.OAUTH_REDIRECT_URL = "http://testserver/oauth/callback"
    settings.OAUTH_PROVIDERS = {"google": provider_setting(provider)}
    yield provider
    provider.stop()


def provider_redirect(client: Client, next_url: str = "") -> str:
    """Press the button; the provider (consent implied) answers with the callback's address."""
    start = client.get(reverse("web:oauth-start", args=["google"]) + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302
    back = requests.get(start["Location"], allow_redirects=False, timeout=5)
    assert back.status_code == 302
    return path_of(back.headers["Location"])


def test_the_sign_in_page_has_a_button_per_configured_provider(client, idp):
    body = client.get(reverse("web:login")).content.decode()
    assert f'href="{reverse("web:oauth-start", args=["google"])}"' in body
    assert "Sign in with Google" in body
    assert "Sign in with Google" in client.get(reverse("web:signup")).content.decode()


def test_oauth_sign_in_finishes_in_the_browser_session(client, idp):
    idp.person = {"sub": "g-9", "email": "kim@example.com", "email_verified": True, "given_name": "Kim"}
    callback = provider_redirect(client, next_url="/app/accounts/")
    assert callback.startswith("/oauth/callback?")
    response = client.get(callback)
    assert response.status_code == 302
    assert response["Location"] == "/app/accounts/"
    user = User.objects.get(email="kim@example.com")
    session = AuthSession.objects.get(user=user)
    assert (session.method, client.session[AUTH_SESSION_KEY]) == ("oauth:google", str(session.pk))
    assert OAUTH_KEY not in client.session
    assert not OAuthRequest.objects.exists()
    assert client.get(reverse("web:dashboard")).status_code == 200


def test_oauth_with_two_factor_on_goes_to_the_code_step(client, idp, user, household):
    secret = services.two_factor_setup(user=user, password=PASSWORD)["secret"]
    codes = services.two_factor_confirm(user=user, code=pyotp.TOTP(secret).now())
    user.email_verified = True
    user.save(update_fields=["email_verified"])
    idp.person = {"sub": "g-2fa", "email": user.email, "email_verified": True}
    response = client.get(provider_redirect(client))
    assert response["Location"] == reverse("web:login-code")
    assert "_auth_user_id" not in client.session
    assert PENDING_KEY in client.session
    page = client.get(reverse("web:login-code")).content.decode()
    assert "Your sign-in provider confirmed who you are." in page
    assert client.post(reverse("web:login-code"), {"code": codes[0]})["Location"] == reverse("web:dashboard")
    assert AuthSession.objects.get(user=user).method == "oauth:google+recovery"
    reasons = list(SignInAttempt.objects.filter(user=user).order_by("created_at").values_list("method", "reason"))
    assert reasons == [("oauth:google", "otp_required"), ("oauth:google+recovery", "ok")]


def test_oauth_callback_with_a_state_this_browser_did_not_start_spends_nothing(client, idp):
    callback = provider_redirect(Client())  # another browser (or an API client) started it
    state = parse_qs(urlparse(callback).query)["state"][0]
    page = client.get(callback)
    assert page.status_code == 400
    body = page.content.decode()
    assert "This sign-in attempt has expired or was already finished; start again." in body
    assert f'href="{reverse("web:login")}"' in body
    assert OAuthRequest.objects.filter(state=state).exists()  # still usable by whoever started it
    assert not User.objects.exists()
    assert "_auth_user_id" not in client.session


def test_oauth_callback_with_a_tampered_state_signs_nobody_in(client, idp):
    callback = provider_redirect(client)
    tampered = re.sub(r"state=[^&]+", "state=forged-state", callback)
    page = client.get(tampered)
    assert page.status_code == 400
    assert "start again" in page.content.decode()
    assert not User.objects.exists()
    assert not AuthSession.objects.exists()


def test_oauth_denied_consent_and_provider_errors_are_clear_pages(client, idp):
    provider_redirect(client)
    state = client.session[OAUTH_KEY]["state"]
    denied = client.get(f"{reverse('web:oauth-callback')}?error=access_denied&state={state}")
    assert denied.status_code == 400
    assert "You did not allow Google to sign you in." in denied.content.decode()
    assert OAUTH_KEY not in client.session
    provider_redirect(client)
    state = client.session[OAUTH_KEY]["state"]
    failed = client.get(f"{reverse('web:oauth-callback')}?error=server_error&state={state}")
    assert "Google could not sign you in." in failed.content.decode()
    assert not User.objects.exists()


def test_oauth_unknown_provider_is_a_404_page(client, idp):
    page = client.get(reverse("web:oauth-start", args=["myspace"]))
    assert page.status_code == 404
    assert "This server does not offer that sign-in provider." in page.content.decode()


def test_the_api_oauth_flow_still_works_with_the_same_redirect(idp):
    api = APIClient()
    started = api.post("/api/v1/auth/oauth/google/start/").json()
    back = requests.get(started["authorization_url"], allow_redirects=False, timeout=5).headers["Location"]
    assert back.startswith("http://testserver/oauth/callback?")
    params = {k: v[0] for k, v in parse_qs(urlparse(back).query).items()}
    # The web page leaves a state it did not start alone; the API client finishes its own sign-in.
    assert Client().get(path_of(back)).status_code == 400
    response = api.post("/api/v1/auth/oauth/google/callback/", params, format="json")
    assert response.status_code == 200
    assert set(response.json()) >= {"access", "refresh"}


# --- Every emailed link opens a page ------------------------------------------------------------------


def test_every_emailed_link_opens_a_page_on_this_server(client, user, settings, household):
    settings.FRONTEND_URL = "http://testserver"
    messages = {
        kind: mail.compose(kind, user, **params)
        for kind, params in (
            (mail.VERIFY_EMAIL, {}),
            (mail.PASSWORD_RESET, {}),
            (mail.EMAIL_CHANGED, {"old_email": "old@example.com", "changed_at": timezone.now().isoformat()}),
        )
    }
    assert set(messages) == set(mail._KINDS)  # every kind the users app sends
    invitee = UserFactory()
    invitation = invitation_create(household=household, actor=user, identifier=invitee.email)
    invitation_message = household_mail.invitation_message(invitation)
    assert invitation_message is not None
    messages["invitation"] = invitation_message
    for kind, message in messages.items():
        url = link_of(message)
        assert url.startswith("http://testserver/"), kind
        page = Client().get(path_of(url), follow=True)
        assert page.status_code == 200, (kind, url, page.redirect_chain)
        assert b"<h1>" in page.content, kind
    # The invitation's link asks a signed-out visitor to sign in (or sign up), then opens the invitation.
    signed_out = Client().get(path_of(link_of(invitation_message)), follow=True)
    assert signed_out.redirect_chain[-1][0].startswith(reverse("web:login") + "?next=")
    assert f'href="{reverse("web:signup")}?next=' in signed_out.content.decode()
    invitee_client = Client()
    invitee_client.force_login(invitee)
    opened = invitee_client.get(path_of(link_of(invitation_message)))
    assert opened.status_code == 200
    assert household.name in opened.content.decode()
    assert Invitation.objects.get(pk=invitation.pk).status == "pending"
