"""Security in a real browser: two-factor set-up and sign-in with real TOTP codes, and the pages at 360 px."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pyotp
import pytest
from playwright.sync_api import expect

from finance.users import services
from finance.users.models import AuthSession, TOTPDevice
from finance.users.tests.factories import PASSWORD
from finance.web.tests.browser.conftest import AXE, axe_violations, sign_in
from finance.web.tests.browser.test_web_app import PAGES

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SECURITY_PAGES = [
    "/app/profile/",
    "/app/profile/security/",
    "/app/profile/security/password/",
    "/app/profile/security/two-factor/",
    "/app/profile/security/sessions/",
    "/app/profile/security/tokens/",
    "/app/profile/security/activity/",
]


def test_turn_on_two_factor_then_sign_in_with_a_recovery_code(page, books):
    sign_in(page)
    page.get_by_role("link", name="Security", exact=True).first.click()
    page.get_by_role("link", name="Turn on two-factor authentication").click()
    page.get_by_label("Current password").fill(PASSWORD)
    page.get_by_role("button", name="Set up two-factor authentication").click()
    expect(page.get_by_role("img", name="QR code with the set-up link below")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    found = {"2fa set-up": axe_violations(page)}
    page.get_by_label("Code from the app").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    codes = page.get_by_role("list", name="Recovery codes").locator("code").all_inner_texts()
    assert len(codes) == 10
    found["recovery codes"] = axe_violations(page)
    assert TOTPDevice.objects.get(user=books["owner"]).confirmed_at is not None

    page.get_by_role("button", name="Sign out").click()
    page.get_by_label("Username or email").fill("alex")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/code/")
    found["code step"] = axe_violations(page)
    # The password alone opened nothing.
    page.goto("/app/transactions/")
    page.wait_for_url(re.compile(r"/login/\?next="))
    page.goto("/login/code/")
    page.get_by_label("Authentication code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/app/")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    assert AuthSession.objects.filter(user=books["owner"], revoked_at=None, method="password+recovery").count() == 1
    assert {k: v for k, v in found.items() if v} == {}


def test_sign_in_with_a_totp_code_and_a_wrong_one_first(page, books):
    owner = books["owner"]
    secret = services.two_factor_setup(user=owner, password=PASSWORD)["secret"]
    totp = pyotp.TOTP(secret)
    # Confirmed with the previous step's code (within the drift window), so the current one is unspent.
    services.two_factor_confirm(user=owner, code=totp.at(time.time() - 30))
    page.goto("/login/?next=/app/accounts/")
    page.get_by_label("Username or email").fill("alex@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/login/code/")
    code = totp.now()
    page.get_by_label("Authentication code").fill("000000" if code != "000000" else "111111")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#id_code_errors")).to_have_text("The code is wrong or was already used.")
    expect(page.get_by_label("Authentication code")).to_have_attribute("aria-invalid", "true")
    found = {"code step with error": axe_violations(page)}
    page.get_by_label("Authentication code").fill(totp.now())
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/app/accounts/")
    expect(page.get_by_role("heading", name="Accounts", level=1)).to_be_visible()
    # The sessions page marks this browser.
    page.goto("/app/profile/security/sessions/")
    expect(page.get_by_role("row", name=re.compile("This device"))).to_contain_text("Chrome")
    assert {k: v for k, v in found.items() if v} == {}


def test_security_pages_fit_a_360_px_screen(chromium, live_server, books, console, tmp_path):
    context = chromium.new_context(viewport={"width": 360, "height": 740}, locale="en-US", base_url=live_server.url)
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("console", console.record)
    page.on("pageerror", console.page_error)
    page.on("response", console.response)
    try:
        services.access_token_create(user=books["owner"], name="a rather long token name for the sync", scopes=["read"])
        sign_in(page)
        widths: dict[str, Any] = {}
        # The account pages and every other page of the app, the dashboard included.
        for path in dict.fromkeys([*SECURITY_PAGES, *(p for p in PAGES if not p.startswith("/app/?"))]):
            page.goto(path)
            widths[path] = page.evaluate("() => document.documentElement.scrollWidth")
        console.forget("404 (Not Found)")  # PAGES has an unknown page, which answers 404
        # The states with long secrets: the set-up key and URI, a new token.
        page.goto("/app/profile/security/two-factor/")
        page.get_by_label("Current password").fill(PASSWORD)
        page.get_by_role("button", name="Set up two-factor authentication").click()
        page.get_by_text("Set-up link (otpauth://)").click()
        widths["2fa set-up"] = page.evaluate("() => document.documentElement.scrollWidth")
        page.screenshot(path=str(tmp_path / "two-factor-360.png"), full_page=True)
        page.goto("/app/profile/security/tokens/")
        page.get_by_label("Name").fill("spreadsheet sync")
        page.get_by_role("button", name="Create token").click()
        expect(page.locator("#new-token")).to_have_value(re.compile("^pft_"))
        widths["new token"] = page.evaluate("() => document.documentElement.scrollWidth")
        page.screenshot(path=str(tmp_path / "tokens-360.png"), full_page=True)
        page.goto("/app/profile/security/sessions/")
        page.screenshot(path=str(tmp_path / "sessions-360.png"), full_page=True)
        assert {path: w for path, w in widths.items() if w > 360} == {}
        assert all(Path(tmp_path / name).stat().st_size > 0 for name in ("two-factor-360.png", "tokens-360.png"))
    finally:
        context.close()
    assert console.errors == []
