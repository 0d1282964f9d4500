"""Every page of the web app, on the demo household, photographed at 1280 px and 360 px.

The screenshots go to ``SCREENSHOT_DIR`` (default ``var/screenshots/``, git-ignored), one folder per width,
for a person to look at: ``make screenshots`` runs only this test. The test itself checks what a machine
can: every route of the web app is visited (a new screen without an entry below fails it), each page
answers without an error, axe-core finds no violation on it, and no page scrolls sideways at 360 px.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.urls import reverse

from config import env
from finance.budgets.models import Budget, Goal
from finance.categorization.models import Rule
from finance.currency.models import ExchangeRate
from finance.households.models import Household, Invitation, Membership, Role
from finance.households.services import invitation_create
from finance.imports.models import ImportBatch
from finance.ledger.models import Account, Category, Tag, Transaction
from finance.users.models import User
from finance.users.services import user_register
from finance.users.tests.factories import PASSWORD
from finance.web import urls as web_urls
from finance.web.tests.browser.conftest import AXE, axe_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = {1280: 900, 360: 740}

# Routes that only take a POST (an action behind a button): nothing to photograph.
ACTIONS = {
    "logout",
    "household-switch",
    "account-archive",
    "budget-move",
    "member-role",
    "member-remove",
    "household-invitation-revoke",
    "invitation-accept",
    "invitation-decline",
    "goal-contribution-delete",
    "budget-move-delete",
    "import-commit",
    "security-sessions-revoke-others",
    "security-session-revoke",
    "security-token-revoke",
    "transaction-category",
    "transaction-bulk",
    "review-resolve",
    "rule-from-transaction",
    "account-delete-cancel",
    "export-download",
    "oauth-start",  # a redirect to the provider
    "profile-avatar",  # the picture itself, shown on the profile page
    "profile-avatar-remove",
}
# Pages a signed-in person is sent away from, or that need a one-time link: photographed signed out.
PUBLIC = {
    "home",
    "login",
    "login-code",
    "email-undo",
    "manifest",
    "signup",
    "password-forgot",
    "password-reset",
    "verify-email",
    "verify-email-resend",
    "oauth-callback",
}
# Pages of the person invited to the demo household, photographed signed in as them.
INVITEE = {"invitations", "invitation"}


def _demo() -> tuple[User, Household]:
    user = User.objects.get(username="demo")
    membership = Membership.objects.select_related("household").get(user=user, is_default=True)
    return user, membership.household


def _first(model: Any, **where: Any) -> Any:
    return model.objects.filter(**where).order_by("pk").first()


def _invite(household: Household, owner: User) -> User:
    """Someone with an account of their own, invited to the demo household by its owner."""
    invitee = user_register(
        username="pat", email="pat@example.com", password=PASSWORD, first_name="Pat", last_name="Okafor"
    )
    invitation_create(household=household, actor=owner, identifier="pat", role=Role.EDITOR)
    return invitee


def _arguments(household: Household) -> dict[str, Callable[[], dict[str, Any]]]:
    """For each route with arguments, where in the demo household its object comes from."""

    def pk(model: Any, **where: Any) -> Callable[[], dict[str, Any]]:
        return lambda: {"pk": _first(model, **where).pk}

    budget = lambda: _first(Budget, household=household)  # noqa: E731
    goal = lambda: _first(Goal, household=household, name="Summer in Lisbon")  # noqa: E731
    return {
        "transaction-edit": pk(Transaction, household=household, splits__isnull=False),
        "transaction-delete": pk(Transaction, household=household, type="expense"),
        "account-edit": pk(Account, household=household, type="credit_card"),
        "category-edit": pk(Category, household=household, name="Groceries"),
        "category-delete": pk(Category, household=household, name="Books"),
        "tag-edit": pk(Tag, household=household),
        "budget-detail": lambda: {"pk": budget().pk},
        "budget-edit": lambda: {"pk": budget().pk},
        "budget-delete": lambda: {"pk": budget().pk},
        "goal-edit": lambda: {"pk": goal().pk},
        "goal-delete": lambda: {"pk": goal().pk},
        "goal-contribute": lambda: {"pk": goal().pk},
        "rule-edit": pk(Rule, household=household),
        "rule-delete": pk(Rule, household=household),
        "rule-apply": pk(Rule, household=household),
        "import-detail": pk(ImportBatch, household=household),
        "import-mapping": pk(ImportBatch, household=household),
        "import-preview": pk(ImportBatch, household=household),
        "import-revert": pk(ImportBatch, household=household),
        "import-discard": pk(ImportBatch, household=household),
        "rate-edit": pk(ExchangeRate, household=household),
        "rate-delete": pk(ExchangeRate, household=household),
        "invitation": pk(Invitation, household=household, invitee__username="pat"),
    }


def _pages(household: Household) -> tuple[dict[str, str], set[str]]:
    """The path of every page of the web app, by route name, and the routes nobody said how to reach."""
    arguments = _arguments(household)
    paths: dict[str, str] = {}
    unknown: set[str] = set()
    for pattern in web_urls.urlpatterns:
        name = pattern.name
        if name in ACTIONS:
            continue
        if pattern.pattern.converters:
            if name not in arguments:
                unknown.add(name)
                continue
            paths[name] = reverse(f"web:{name}", kwargs=arguments[name]())
        else:
            paths[name] = reverse(f"web:{name}")
    return paths, unknown


# The innermost elements that reach past the window's right edge: what to fix when a page scrolls sideways.
OVERFLOWING = """() => {
    const wide = [...document.querySelectorAll("body *")].filter(
        (e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 && e.getClientRects().length);
    return wide.filter((e) => !wide.some((other) => other !== e && e.contains(other))).slice(0, 5).map(
        (e) => `${e.tagName.toLowerCase()}${e.id ? "#" + e.id : ""}.${[...e.classList].join(".")} `
            + `${Math.round(e.getBoundingClientRect().right)}px`);
}"""


def _shoot(page: Any, folder: Path, name: str, width: int) -> list[str]:
    """Save the page at ``width``; at 360 px, what overflows the window (nothing, on a page that fits)."""
    page.set_viewport_size({"width": width, "height": WIDTHS[width]})
    page.screenshot(path=str(folder / str(width) / f"{name}.png"), full_page=True)
    if width > 360 or page.evaluate("() => document.documentElement.scrollWidth") <= width:
        return []
    return list(page.evaluate(OVERFLOWING)) or ["the page, by a fraction of a pixel"]


def _sign_in(page: Any, username: str, password: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/app/")


def test_every_page_photographed_at_both_widths(chromium, live_server, console, settings, tmp_path):
    settings.BASE_CATEGORIZER_PATH = tmp_path / "missing.joblib"  # the same demo every run, model or not
    call_command("load_demo", "--years", "2", stdout=io.StringIO())
    user, household = _demo()
    _invite(household, user)
    folder = Path(os.environ.get("SCREENSHOT_DIR") or Path(env.BASE_DIR) / "var" / "screenshots")
    for width in WIDTHS:
        (folder / str(width)).mkdir(parents=True, exist_ok=True)
    paths, unknown = _pages(household)
    assert unknown == set(), "say in _arguments (or ACTIONS) how to reach these routes"

    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", base_url=live_server.url)
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.on("console", console.record)
    page.on("pageerror", console.page_error)
    page.on("response", console.response)
    failures: dict[str, Any] = {}
    too_wide: dict[str, list[str]] = {}
    inaccessible: dict[str, Any] = {}
    try:
        for name in sorted(PUBLIC & paths.keys()):
            response = page.goto(paths[name])
            if name == "manifest":
                continue
            for width in WIDTHS:
                if overflowing := _shoot(page, folder, f"public-{name}", width):
                    too_wide[name] = overflowing
            page.set_viewport_size({"width": 1280, "height": 900})
        console.forget("400 (Bad Request)")  # a one-time-link page opened without its link answers 400, as it should
        for username, password, names in [
            ("demo", "finance-demo", paths.keys() - PUBLIC - INVITEE),
            ("pat", PASSWORD, INVITEE),
        ]:
            page.context.clear_cookies()
            _sign_in(page, username, password)
            for name in sorted(names):
                response = page.goto(paths[name])
                if response is None or response.status >= 400:
                    failures[name] = None if response is None else response.status
                if violations := axe_violations(page):
                    inaccessible[name] = violations
                for width in WIDTHS:
                    if overflowing := _shoot(page, folder, name, width):
                        too_wide[name] = overflowing
                page.set_viewport_size({"width": 1280, "height": 900})
        page.goto("/app/no-such-page/")
        for width in WIDTHS:
            _shoot(page, folder, "not-found", width)
        console.forget("404 (Not Found)")
    finally:
        context.close()
    assert failures == {}
    assert too_wide == {}
    assert inaccessible == {}
    assert console.errors == []
    shots = sorted(p.name for p in (folder / "360").iterdir())
    assert {f"{name}.png" for name in paths if name not in PUBLIC and name != "manifest"} <= set(shots)
