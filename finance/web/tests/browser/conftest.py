"""Browser tests: Playwright for Python driving the system Chromium against pytest-django's live server.

Chromium is Debian's package (``apt-get install chromium``, ``make chromium``),
never a browser downloaded by Playwright. axe-core comes from node_modules
(``npm ci``) and is injected into every page by Playwright as an init script,
which the pages' Content-Security-Policy does not apply to.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from config import env
from finance.households.models import Membership, Role
from finance.ledger.inputs import Categorization, SplitInput
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.users.tests.factories import PASSWORD, HouseholdFactory, UserFactory

# Playwright's synchronous API runs an event loop in this thread; the tests' own ORM calls
# (making data, checking results) are synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = Path(env.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _unavailable(reason: str) -> None:
    if env.REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES is set but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (requirements/dev.txt)")
    if not os.access(env.CHROMIUM_PATH, os.X_OK):
        _unavailable(f"no Chromium at {env.CHROMIUM_PATH} (make chromium, or set CHROMIUM_PATH)")
    if not AXE.exists():
        _unavailable("axe-core is not in node_modules (make assets)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=env.CHROMIUM_PATH, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


class Console:
    """Errors the page reported: a CSP violation or a script error fails the test."""

    def __init__(self) -> None:
        self.errors: list[str] = []

    def record(self, message: Any) -> None:
        if message.type == "error":
            self.errors.append(message.text)

    def page_error(self, error: Any) -> None:
        self.errors.append(str(error))

    def response(self, response: Any) -> None:
        # A missing script, style sheet or image; pages themselves may answer 403/404 on purpose.
        if response.status >= 400 and response.request.resource_type != "document":
            self.errors.append(f"{response.status} {response.url}")

    def forget(self, text: str) -> None:
        """Drop errors a test caused on purpose (a page that must answer 404)."""
        self.errors[:] = [error for error in self.errors if text not in error]


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(chromium: Any, live_server: Any, console: Console) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", base_url=live_server.url)
    context.add_init_script(path=str(AXE))
    # Generous waits: CI shares a 2-core machine with the test workers, PostgreSQL and the server,
    # and a first request may load the categorizer model. A failing expectation still fails, only later.
    context.set_default_timeout(30_000)
    expect.set_options(timeout=20_000)
    page = context.new_page()
    page.on("console", console.record)
    page.on("pageerror", console.page_error)
    page.on("response", console.response)
    yield page
    context.close()
    assert console.errors == [], console.errors


@pytest.fixture
def books(transactional_db: None) -> dict[str, Any]:
    """A person with a household of a few months' activity, and a second household they edit."""
    owner = UserFactory(username="alex", email="alex@example.com", first_name="Alex", last_name="Doe")
    home = HouseholdFactory(name="Home")
    Membership.objects.create(household=home, user=owner, role=Role.OWNER, is_default=True)
    checking = make_account(home, "Checking", opening_balance=Decimal("2500.00"))
    savings = make_account(home, "Savings", type="savings", opening_balance=Decimal("10000.00"))
    today = timezone.localdate()
    this_month = today.replace(day=1)
    for months_back in range(3):
        day = (this_month - timedelta(days=months_back * 30)).replace(day=1)
        make_txn(home, checking, "income", "4200.00", day, category=category(home, "Salary"), payee="Employer")
        make_txn(home, checking, "expense", "1450.00", day, category=category(home, "Rent"), payee="Landlord")
    make_txn(home, checking, "expense", "86.40", today, category=category(home, "Groceries"), payee="Fresh Market")
    make_txn(home, checking, "expense", "4.20", today, payee="Bean Bar")
    make_txn(
        home,
        checking,
        "expense",
        "60.00",
        today,
        payee="Department Store",
        splits=[
            SplitInput(category(home, "Clothing"), Decimal("45.00")),
            SplitInput(category(home, "Gifts and donations"), Decimal("15.00")),
        ],
    )
    make_txn(
        home,
        checking,
        "expense",
        "23.99",
        today,
        payee="Mystery Merchant",
        categorization=Categorization(source="model", confidence=Decimal("0.41"), needs_review=True),
    )
    cabin = HouseholdFactory(name="Lake cabin")
    Membership.objects.create(household=cabin, user=owner, role=Role.EDITOR)
    make_account(cabin, "Cabin fund", opening_balance=Decimal("750.00"))
    return {"owner": owner, "home": home, "cabin": cabin, "checking": checking, "savings": savings}


def sign_in(page: Any, username: str = "alex", password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/app/")


AXE_RUN = """async () => {
            const results = await axe.run(document, {
                runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
            });
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
            }));
        }"""


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA and best-practice violations on the current page.

    A click that navigates may still be loading the next page: axe runs once it has loaded,
    and again if the navigation replaced the document while axe was running.
    """
    page.wait_for_load_state("load")
    try:
        result = page.evaluate(AXE_RUN)
    except PlaywrightError:
        page.wait_for_load_state("load")
        result = page.evaluate(AXE_RUN)
    return list(result)
