"""Net worth over time, budget and goal alerts, and the profile picture in a real browser: reached by
keyboard, drawn, free of axe violations, usable at 360 px; a picture uploaded through the file input."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from finance.analytics import selectors as analytics
from finance.budgets import services as budget_services
from finance.ledger.tests.factories import category
from finance.users.tests.images import image_bytes
from finance.web.tests.browser.conftest import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _tab_to(page, name: str, limit: int = 60) -> None:
    """Press Tab until the focused element's accessible text is ``name``."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate("() => (document.activeElement.innerText || document.activeElement.value || '').trim()")
        if text == name:
            return
    raise AssertionError(f"{name!r} was not reached with Tab")


@pytest.fixture
def alerts(books):
    """Groceries 100 this month (86.40 spent: past 80 %) and a goal reached."""
    home = books["home"]
    budget = budget_services.budget_create(
        household=home,
        actor=None,
        name="Food",
        start_date=timezone.localdate().replace(day=1),
        lines=[budget_services.LineInput(category(home, "Groceries"), Decimal("100"))],
    )
    budget_services.budget_thresholds_evaluate(household_id=home.pk)
    goal = budget_services.goal_create(household=home, actor=None, name="Rainy day", target_amount=Decimal("50"))
    budget_services.goal_contribution_create(goal=goal, actor=None, amount=Decimal("50"))
    return {"budget": budget, "goal": goal}


def test_net_worth_and_alerts_by_keyboard_without_axe_violations(page, books, alerts):
    sign_in(page)
    found = {}
    # The net-worth page from the main navigation, by keyboard.
    _tab_to(page, "Net worth")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Net worth", level=1)).to_be_visible()
    page.wait_for_function("() => !!Chart.getChart(document.getElementById('networth-chart'))")
    expect(page.get_by_role("img", name=re.compile("Line chart of net worth"))).to_be_visible()
    _tab_to(page, "Show the figures as a table")
    page.keyboard.press("Enter")
    table = page.get_by_role("table", name="Assets, liabilities and net worth per month, newest first")
    expect(table).to_be_visible()
    today = timezone.localdate()
    latest = analytics.net_worth(books["home"], start=today.replace(day=1), end=today)["results"][-1]
    assert latest["net_worth"] == "20575.41"  # 2,500 + 10,000 + 3 × (4,200 − 1,450) − 86.40 − 4.20 − 60 − 23.99
    expect(table.get_by_role("row").nth(1)).to_have_text(re.compile(r"\$20,575\.41\s*\$0\.00\s*\$20,575\.41"))
    found["net worth"] = axe_violations(page)
    _tab_to(page, "All")
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="All")).to_have_attribute("aria-current", "page")
    page.wait_for_function("() => !!Chart.getChart(document.getElementById('networth-chart'))")
    found["net worth, all"] = axe_violations(page)

    # The dashboard's recent alerts, then the budget they point to.
    page.goto("/app/")
    region = page.get_by_role("region", name="Recent alerts")
    expect(region).to_contain_text("The goal “Rainy day” reached its target of $50.00")
    expect(region).to_contain_text("Groceries reached 80% of its budget in “Food”")
    found["dashboard with alerts"] = axe_violations(page)
    _tab_to(page, next(t for t in region.get_by_role("link").all_inner_texts() if t.startswith("Groceries")))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Food", level=1)).to_be_visible()
    expect(page.get_by_role("region", name="Alerts")).to_contain_text("Groceries reached 80% of its budget on")
    found["budget with alerts"] = axe_violations(page)
    page.goto(f"/app/goals/{alerts['goal'].pk}/")
    expect(page.get_by_role("region", name="Alerts")).to_contain_text("The goal reached its target of $50.00")
    found["goal with alerts"] = axe_violations(page)
    page.goto("/app/alerts/")
    found["alerts page"] = axe_violations(page)
    assert {name: v for name, v in found.items() if v} == {}

    # At 360 px nothing is wider than the screen.
    page.set_viewport_size({"width": 360, "height": 740})
    for path in ("/app/net-worth/", "/app/alerts/", f"/app/budgets/{alerts['budget'].pk}/", "/app/profile/"):
        page.goto(path)
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 360, path


def test_upload_a_profile_picture_through_the_file_input(page, books, console, tmp_path):
    photo = tmp_path / "me.jpg"
    photo.write_bytes(image_bytes("JPEG", (600, 400), exif=True))
    text = tmp_path / "notes.png"
    text.write_bytes(b"this is not a picture\n" * 10)
    sign_in(page)
    page.goto("/app/profile/")
    preview = page.locator("#avatar-preview")
    expect(preview).to_have_attribute("alt", "No profile picture yet")

    # A text file named .png: refused on the field, nothing saved.
    page.locator("#id_avatar").set_input_files(str(text))
    page.get_by_role("button", name="Upload picture").click()
    expect(page.locator("#id_avatar_errors")).to_have_text("This file is not an image that can be read.")
    expect(page.locator("#id_avatar")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []
    console.forget("400 (Bad Request)")
    books["owner"].refresh_from_db()
    assert books["owner"].avatar.name == ""

    # A photo: previewed before upload, then stored and shown in the header.
    page.locator("#id_avatar").set_input_files(str(photo))
    expect(preview).to_have_attribute("src", re.compile(r"^data:image/jpeg;base64,"))
    expect(preview).to_have_attribute("alt", "The picture you chose (not saved yet)")
    page.get_by_role("button", name="Upload picture").click()
    expect(page.get_by_role("status")).to_contain_text("Picture saved.")
    header = page.locator(".user-nav img.avatar")
    expect(header).to_be_visible()
    # The picture arrives after the page: wait for it to load before reading its size.
    page.wait_for_function("() => document.querySelector('.user-nav img.avatar')?.complete")
    assert page.evaluate("() => document.querySelector('.user-nav img.avatar').naturalWidth") == 256
    expect(preview).to_have_attribute("alt", "Your profile picture")
    assert axe_violations(page) == []
    books["owner"].refresh_from_db()
    assert books["owner"].avatar.name.endswith(".webp")

    # Removed again.
    page.get_by_role("button", name="Remove picture").click()
    expect(page.get_by_role("status")).to_contain_text("Picture removed.")
    expect(page.locator(".user-nav img.avatar")).to_have_count(0)
