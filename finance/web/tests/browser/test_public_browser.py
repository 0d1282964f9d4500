"""The public pages in a real browser: sign-up with the emailed confirmation link, a forgotten password reset
through its emailed link, OAuth sign-in against the local OpenID provider (with and without 2FA), and every
public page reached by keyboard with no axe-core violations.

Mail goes over SMTP to a real server the test starts (aiosmtpd, ``finance.users.tests.helpers.mailbox``);
the provider is ``finance.users.tests.oidc_provider``, a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pyotp
import pytest
from playwright.sync_api import expect

from finance.households.models import Membership
from finance.users import links, services
from finance.users.models import AuthSession, SocialIdentity, User
from finance.users.tests.factories import PASSWORD
from finance.users.tests.helpers import mailbox
from finance.users.tests.oidc_provider import LocalOIDCProvider, provider_setting
from finance.web.tests.browser.conftest import axe_violations, sign_in
from finance.web.tests.browser.test_web_app import tab_to

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
__all__ = ["mailbox"]

NEW_PASSWORD = "lantern-orchard-97-quietly"

# The public pages, each in the state a visitor first sees (link pages with a spent or forged link).
PUBLIC_PAGES = [
    "/login/",
    "/signup/",
    "/password/forgot/",
    "/verify-email/resend/",
    "/reset-password",
    "/verify-email?key=forged",
    "/oauth/callback?state=unknown&code=x",
]


@pytest.fixture
def idp(settings: Any, live_server: Any) -> Any:
    provider = LocalOIDCProvider(client_id="finance-web", client_secret="s3cret-for-tests").start()
    settings.OAUTH_REDIRECT_URL = f"{live_server.url}/oauth/callback"
    settings.OAUTH_PROVIDERS = {"google": provider_setting(provider)}
    yield provider
    provider.stop()


def test_sign_up_confirm_the_emailed_link_then_sign_in(page, live_server, settings, mailbox):
    settings.REQUIRE_EMAIL_VERIFICATION = True
    settings.FRONTEND_URL = live_server.url
    page.goto("/login/")
    page.get_by_role("link", name="Create an account").click()
    expect(page.get_by_role("heading", name="Create an account", level=1)).to_be_visible()
    expect(page.locator("#id_password_help")).to_contain_text("at least 10 characters")
    page.get_by_label("Username").fill("sam")
    page.get_by_label("Email address").fill("sam@example.com")
    page.locator("#id_password").fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    page.get_by_label("Currency").fill("eur")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/login/")
    expect(page.get_by_role("status")).to_contain_text("We sent a link to sam@example.com")
    user = User.objects.get(username="sam")
    assert Membership.objects.get(user=user).household.base_currency == "EUR"

    # Not yet: the address must be confirmed first; the refusal offers the link again.
    page.get_by_label("Username or email").fill("sam")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("Confirm your email address first")
    expect(page.get_by_role("link", name="Send the confirmation link again")).to_be_visible()

    link = mailbox.link(to="sam@example.com")
    assert link.startswith(f"{live_server.url}/verify-email?key=")
    page.goto(link)
    assert urlparse(page.url).query == ""  # the key left the address bar at once
    expect(page.get_by_text("Confirm that sam@example.com is your address.")).to_be_visible()
    page.get_by_role("button", name="Confirm my address").click()
    expect(page.get_by_role("status")).to_contain_text("sam@example.com is confirmed")
    page.get_by_role("link", name="Sign in", exact=True).click()
    page.wait_for_url("**/login/")
    page.get_by_label("Username or email").fill("sam@example.com")
    page.get_by_label("Password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/app/")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    user.refresh_from_db()
    assert user.email_verified
    assert AuthSession.objects.filter(user=user, revoked_at=None).count() == 1


def test_reset_a_forgotten_password_through_the_emailed_link(page, books, live_server, settings, mailbox, console):
    settings.FRONTEND_URL = live_server.url
    page.goto("/login/")
    page.get_by_role("link", name="Forgot your password?").click()
    page.get_by_label("Email address").fill("alex@example.com")
    page.get_by_role("button", name="Send the link").click()
    page.wait_for_url("**/login/")
    expect(page.get_by_role("status")).to_contain_text("If an account has this address, we sent it a link")

    link = mailbox.link(to="alex@example.com")
    assert "/reset-password?uid=" in link
    page.goto(link)
    # The token left the address bar at once.
    assert urlparse(page.url).path == "/reset-password"
    assert urlparse(page.url).query == ""
    expect(page.locator("#id_new_password_help")).to_contain_text("at least 10 characters")
    page.locator("#id_new_password").fill("short")
    page.get_by_label("New password again").fill("short")
    page.get_by_role("button", name="Set the new password").click()
    expect(page.locator("#id_new_password_errors")).to_contain_text("at least 10 characters")
    expect(page.locator("#id_new_password")).to_have_attribute("aria-invalid", "true")
    page.locator("#id_new_password").fill(NEW_PASSWORD)
    page.get_by_label("New password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    page.wait_for_url("**/login/")
    expect(page.get_by_role("status")).to_contain_text("Your password has been changed")

    # The old password no longer works; the new one does.
    page.get_by_label("Username or email").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    sign_in(page, password=NEW_PASSWORD)
    # The link worked once.
    page.get_by_role("button", name="Sign out").click()
    page.goto(link)
    expect(page.get_by_role("alert")).to_contain_text("ask for a new one")
    expect(page.get_by_role("link", name="Send me a new link")).to_be_visible()
    console.forget("400 (Bad Request)")  # the spent link answers 400, as it should


def test_sign_in_with_the_providers_button(page, live_server, idp):
    idp.person = {"sub": "g-77", "email": "jo@example.com", "email_verified": True, "given_name": "Jo"}
    page.goto("/login/")
    page.get_by_role("link", name="Sign in with Google").click()
    page.wait_for_url("**/app/")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Jo", exact=False).first).to_be_visible()
    user = User.objects.get(email="jo@example.com")
    assert SocialIdentity.objects.get(user=user).subject == "g-77"
    assert AuthSession.objects.get(user=user).method == "oauth:google"


def test_sign_in_with_the_provider_and_two_factor_reaches_the_code_step(page, books, live_server, idp):
    owner = books["owner"]
    secret = services.two_factor_setup(user=owner, password=PASSWORD)["secret"]
    codes = services.two_factor_confirm(user=owner, code=pyotp.TOTP(secret).now())
    idp.person = {"sub": "g-alex", "email": "alex@example.com", "email_verified": True}
    page.goto("/login/?next=/app/accounts/")
    page.get_by_role("link", name="Sign in with Google").click()
    page.wait_for_url("**/login/code/")
    expect(page.get_by_text("Your sign-in provider confirmed who you are.")).to_be_visible()
    found = {"code step after a provider": axe_violations(page)}
    # The provider alone opened nothing.
    assert not AuthSession.objects.filter(user=owner).exists()
    page.get_by_label("Authentication code").fill(codes[3])
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/app/accounts/")
    assert AuthSession.objects.get(user=owner).method == "oauth:google+recovery"
    assert {k: v for k, v in found.items() if v} == {}


def test_sign_up_by_keyboard_alone(page, books):
    page.goto("/signup/")
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
    page.keyboard.press("Enter")
    for field, value in (
        ("id_username", "kay"),
        ("id_email", "kay@example.com"),
        ("id_password", NEW_PASSWORD),
        ("id_password_again", NEW_PASSWORD),
        ("id_first_name", "Kay"),
    ):
        tab_to(page, field)
        page.keyboard.type(value)
    page.keyboard.press("Enter")  # submits the form
    page.wait_for_url("**/app/")
    expect(page.get_by_role("status")).to_contain_text("We sent a link to kay@example.com")
    assert User.objects.get(username="kay").first_name == "Kay"


def test_public_pages_by_keyboard_without_axe_violations(page, books, settings, console):
    settings.OAUTH_PROVIDERS = {
        "google": {
            "client_id": "x",
            "client_secret": "y",
            "issuer": "https://accounts.example.com",
            "trust_email": True,
        }
    }
    owner = books["owner"]
    reset_link = (
        f"/reset-password?uid={links.password_reset_uid(owner)}&token={links.password_reset_tokens.make_token(owner)}"
    )
    paths = [*PUBLIC_PAGES, reset_link, f"/verify-email?key={links.email_verification_key(owner)}"]
    found: dict[str, Any] = {}
    for path in paths:
        page.goto(path)
        found[path] = axe_violations(page)
        # Without a field focused on arrival, Tab reaches the skip link first; then the page's main button.
        if page.evaluate("() => document.activeElement === document.body"):
            page.keyboard.press("Tab")
            expect(page.get_by_role("link", name="Skip to main content")).to_be_focused()
        target = page.locator("main").locator("button[type=submit], a.button.primary").first
        target_id = target.get_attribute("id") or ""
        if not target_id:
            target.evaluate("(el) => { el.id = 'keyboard-target'; }")
            target_id = "keyboard-target"
        tab_to(page, target_id, limit=60)
    console.forget("400 (Bad Request)")  # the spent and forged links answer 400, as they should
    # Forms with their errors.
    page.goto("/signup/")
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("alert").first.wait_for()
    found["sign-up with errors"] = axe_violations(page)
    page.goto("/password/forgot/")
    page.get_by_role("button", name="Send the link").click()
    page.get_by_role("alert").first.wait_for()
    found["forgot with errors"] = axe_violations(page)
    # The profile's reminder for an unconfirmed address.
    sign_in(page)
    page.goto("/app/profile/")
    expect(page.get_by_role("button", name="Send the link again")).to_be_visible()
    found["profile with the reminder"] = axe_violations(page)
    assert {path: v for path, v in found.items() if v} == {}


def test_public_pages_fit_a_360_px_screen(page, books, console):
    page.set_viewport_size({"width": 360, "height": 740})
    widths = {}
    for path in PUBLIC_PAGES:
        page.goto(path)
        widths[path] = page.evaluate("() => document.documentElement.scrollWidth")
    console.forget("400 (Bad Request)")  # the spent and forged links answer 400, as they should
    assert {path: w for path, w in widths.items() if w > 360} == {}
