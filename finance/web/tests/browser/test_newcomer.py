"""A newcomer, from the home page to a household with an account, an imported statement and a budget.

No API, no demo user, no data made by the test: only what a person does in the browser.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from playwright.sync_api import expect

from finance.budgets.models import Budget
from finance.households.models import Membership
from finance.ledger.models import Account, Transaction
from finance.ledger.verify import verify
from finance.users.models import User
from finance.web.tests.browser.conftest import axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STATEMENT = Path(django_settings.BASE_DIR).parent / "shared" / "data" / "statements" / "ofx" / "ofxparse-checking.ofx"
PASSWORD = "a long newcomer passphrase 42"


def test_from_the_home_page_to_an_imported_statement_and_a_budget(page, settings, tmp_path):
    settings.BASE_CATEGORIZER_PATH = tmp_path / "missing.joblib"
    found = {}
    page.goto("/")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email address").fill("newcomer@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url("**/app/")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    found["empty dashboard"] = axe_violations(page)
    user = User.objects.get(username="newcomer")
    household = Membership.objects.get(user=user).household

    # An empty book says what to do first.
    start = page.get_by_role("region", name="Get started")
    expect(start.get_by_role("listitem")).to_have_count(4)
    start.get_by_role("link", name="Add an account").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("account")
    page.get_by_label("Name").fill("Everyday checking")
    page.get_by_label("Opening balance").fill("1000.00")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/app/accounts/")
    expect(page.get_by_text("Everyday checking").first).to_be_visible()
    account = Account.objects.get(household=household)

    # A statement, imported through the import screens.
    page.get_by_role("link", name="Imports", exact=True).click()
    page.get_by_role("link", name="Import a statement").click()
    page.locator("#id_account").select_option(label=f"Everyday checking ({account.currency})")
    page.locator("#id_file").set_input_files(str(STATEMENT))
    page.get_by_role("button", name="Upload and check").click()
    rows = page.get_by_role("table", name="The file's rows with what importing would do")
    expect(rows.locator("tbody tr")).to_have_count(3)
    found["import preview"] = axe_violations(page)
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_role("heading", name="Imported", level=2)).to_be_visible()
    imported = Transaction.objects.filter(account=account, import_batch__isnull=False)
    assert imported.count() == 3

    # A monthly budget for one category.
    page.get_by_role("link", name="Budgets", exact=True).click()
    page.get_by_role("link", name="Add budget").click()
    page.get_by_label("Name").fill("Monthly spending")
    page.locator("#id_lines-0-category").select_option(label="Food › Groceries")
    page.locator("#id_lines-0-amount").fill("400")
    page.get_by_role("button", name="Add budget").click()
    expect(page.get_by_role("heading", name="Monthly spending", level=1)).to_be_visible()
    found["budget"] = axe_violations(page)
    budget = Budget.objects.get(household=household)
    assert [(line.category.name, line.amount) for line in budget.lines.select_related("category")] == [
        ("Groceries", Decimal("400.00"))
    ]
    assert budget.start_date <= date.today()  # noqa: DTZ011 - the form's default, today's calendar date

    # The dashboard now shows the account's balance with the imported rows in it.
    page.get_by_role("link", name="Dashboard", exact=True).click()
    account.refresh_from_db()
    assert account.balance == Decimal("1000.00") + sum(
        (t.amount if t.type == "income" else -t.amount for t in imported), Decimal(0)
    )
    expect(page.get_by_role("region", name="Accounts")).to_contain_text("Everyday checking")
    assert verify(household.id) == []
    assert {name: v for name, v in found.items() if v} == {}
