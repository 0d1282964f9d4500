"""The data pages in a real browser: exporting and downloading the ZIP, and reaching the exchange rates, the
activity log, the export and the account deletion with the keyboard alone, axe-clean in each state."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from finance.currency import services as rates
from finance.currency.models import ExchangeRate
from finance.ledger.models import Transaction
from finance.ledger.tests.factories import make_account, make_txn
from finance.web.tests.browser.conftest import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_to(page, name: str, limit: int = 80) -> None:
    """Press Tab until a control whose text is ``name`` has focus; fail if the keyboard never gets there."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate("() => document.activeElement && document.activeElement.textContent.trim()")
        if focused == name:
            return
    raise AssertionError(f"“{name}” cannot be reached with the Tab key")


def test_export_my_data_and_download_the_zip(page, books, celery_eager, tmp_path):
    sign_in(page)
    page.get_by_role("link", name="Security").click()
    page.get_by_role("link", name="Export your data").click()
    expect(page.get_by_role("heading", name="Export your data", level=1)).to_be_visible()
    page.get_by_role("button", name="Export my data").click()
    expect(page.get_by_role("status").first).to_contain_text("Export requested.")
    download_link = page.get_by_role("link", name=re.compile(r"Download the ZIP \("))
    expect(download_link).to_be_visible()
    assert axe_violations(page) == []
    with page.expect_download() as info:
        download_link.click()
    download = info.value
    assert re.fullmatch(r"finance-export-\d{8}-\d{6}\.zip", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None  # every member's CRC is right
        manifest = json.loads(archive.read("manifest.json"))
        assert manifest["user"]["username"] == "alex"
        households = {h["name"] for h in json.loads(archive.read("json/households.json"))}
        assert households == {"Home", "Lake cabin"}
        payees = {t["payee"] for t in json.loads(archive.read("json/transactions.json"))}
        assert {"Fresh Market", "Bean Bar", "Landlord"} <= payees
        assert "csv/transactions.csv" in archive.namelist()
    expect(page.get_by_role("table", name="Your recent exports")).to_contain_text("Ready to download")


def test_the_new_screens_by_keyboard_without_axe_violations(page, books, console):
    home = books["home"]
    travel = make_account(home, "Travel", currency="EUR")
    today = timezone.localdate()
    rates.rate_create(
        household=home, actor=None, base="EUR", quote="USD", rate=Decimal("1.1"), date=today - timedelta(days=30)
    )
    trip = make_txn(home, travel, "expense", "100.00", today - timedelta(days=2), payee="Hotel")
    found: dict[str, list] = {}
    sign_in(page)

    # Household → Exchange rates, by keyboard.
    page.goto("/app/household/")
    tab_to(page, "Exchange rates")
    page.keyboard.press("Enter")
    page.wait_for_url("**/app/household/rates/")
    expect(page.get_by_role("row", name=re.compile("1 EUR = 1.1 USD"))).to_be_visible()
    found["rates"] = axe_violations(page)
    tab_to(page, "Add a rate")
    page.keyboard.press("Enter")
    page.wait_for_url("**/rates/new/")
    found["rate form"] = axe_violations(page)
    tab_to(page, "Continue")
    page.keyboard.press("Enter")  # empty: every field says what it needs
    expect(page.get_by_role("alert")).to_contain_text("Please correct the highlighted fields.")
    found["rate form with errors"] = axe_violations(page)
    page.locator("#id_base").focus()
    page.keyboard.type("EUR")
    page.keyboard.press("Tab")
    page.keyboard.type("USD")
    page.keyboard.press("Tab")
    page.keyboard.type("1.25")
    page.locator("#id_date").fill((today - timedelta(days=5)).isoformat())
    tab_to(page, "Continue")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Confirm the rate")).to_be_visible()
    expect(page.get_by_text("This converts 1 transaction into USD again:")).to_be_visible()
    found["rate confirmation"] = axe_violations(page)
    tab_to(page, "Save and convert again")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status").first).to_contain_text("Rate saved. 1 transaction was converted again.")
    assert Transaction.objects.get(pk=trip.pk).amount_in_base_currency == Decimal("125.00")
    newest = ExchangeRate.objects.get(rate=Decimal("1.25"))
    page.goto(f"/app/household/rates/{newest.pk}/delete/")
    expect(page.get_by_text("This converts 1 transaction into USD again:")).to_be_visible()
    found["rate delete"] = axe_violations(page)

    # Household → Activity log, with a filter applied.
    tab_to(page, "Activity log")
    page.keyboard.press("Enter")
    page.wait_for_url("**/app/household/audit/")
    found["activity log"] = axe_violations(page)
    page.get_by_label("Kind").select_option(label="Accounts, categories and transactions")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No events match these filters.")).to_be_visible()
    found["activity log filtered"] = axe_violations(page)

    # Profile → Export your data → Delete account.
    tab_to(page, "Security")
    page.keyboard.press("Enter")
    page.wait_for_url("**/app/profile/security/")
    tab_to(page, "Export your data")
    page.keyboard.press("Enter")
    page.wait_for_url("**/app/profile/export/")
    found["export"] = axe_violations(page)
    tab_to(page, "Delete account")
    page.keyboard.press("Enter")
    page.wait_for_url("**/app/profile/delete/")
    expect(page.get_by_text("Home: deleted with everything in it")).to_be_visible()
    found["delete account"] = axe_violations(page)
    tab_to(page, "Delete my account")
    page.keyboard.press("Enter")  # no password: a field error, nothing scheduled
    expect(page.locator("#id_password_errors")).to_contain_text("This field is required.")
    found["delete account with errors"] = axe_violations(page)
    console.forget("400 (Bad Request)")  # the refused forms answer 400, as they should
    assert {name: v for name, v in found.items() if v} == {}
