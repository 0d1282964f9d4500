"""The web app in a real browser: sign-in, charts, forms, htmx edits, switches, keyboard use and axe-core."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from finance.budgets import services as budget_services
from finance.categorization import services as categorization
from finance.categorization.models import Rule
from finance.ledger.models import Transaction
from finance.ledger.tests.factories import category
from finance.ledger.verify import verify
from finance.web.tests.browser.conftest import axe_violations, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_dashboard_draws_both_charts_with_table_alternatives(page, books):
    sign_in(page, username="ALEX@example.com")  # email, any case
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    page.wait_for_function("() => !!Chart.getChart(document.getElementById('cashflow-chart'))")
    page.wait_for_function("() => !!Chart.getChart(document.getElementById('spending-chart'))")
    expect(page.get_by_role("img", name=re.compile("Bar chart of income and expenses"))).to_be_visible()
    # The cashflow chart's figures as a table, for screen readers and keyboards.
    page.get_by_text("Show the figures as a table").click()
    expect(page.get_by_role("table", name="Income, expenses and net per month")).to_be_visible()
    spending = page.get_by_role("table", name=re.compile("Spending by category"))
    expect(spending.get_by_role("row", name=re.compile("Housing"))).to_contain_text("$1,450.00")
    expect(page.locator(".kpi").first).to_contain_text("$")
    # Switching the spending period swaps the panel (htmx) and draws the chart again.
    page.get_by_role("link", name="Last 12 months").click()
    expect(page.get_by_role("link", name="Last 12 months")).to_have_attribute("aria-current", "true")
    expect(spending.get_by_role("row", name=re.compile("Housing"))).to_contain_text("$4,350.00")
    # The new chart is drawn on htmx:load, after the swapped content settles.
    page.wait_for_function("() => !!Chart.getChart(document.getElementById('spending-chart'))")
    expect(page.get_by_role("region", name=re.compile("Needs review"))).to_contain_text("Mystery Merchant")


def test_add_split_expense_and_transfer_then_edit_and_delete(page, books):
    sign_in(page)
    page.get_by_role("link", name="Transactions", exact=True).click()
    page.get_by_role("link", name="Add transaction").click()
    # An expense split across two categories.
    page.locator("#id_amount").fill("120.00")
    page.get_by_label("Payee").fill("Garden Centre")
    page.get_by_label("Tags").fill("garden, spring")
    page.get_by_text("Split across several categories").click()
    page.locator("#id_splits-0-category").select_option(label="Shopping › Household goods")
    page.locator("#id_splits-0-amount").fill("80")
    page.locator("#id_splits-1-category").select_option(label="Shopping › Electronics")
    page.locator("#id_splits-1-amount").fill("30")
    page.get_by_role("button", name="Add a part").click()  # a fourth, empty row, focused
    expect(page.locator("#id_splits-3-category")).to_be_focused()
    page.get_by_role("button", name="Add transaction").click()
    # The parts add up to 110, not 120: the error is shown and nothing is saved.
    expect(page.get_by_role("alert").filter(has_text="must add up")).to_be_visible()
    assert not Transaction.objects.filter(payee="Garden Centre").exists()
    page.locator("#id_splits-1-amount").fill("40")
    page.get_by_role("button", name="Add transaction").click()
    expect(page.get_by_role("status")).to_contain_text("Transaction added.")
    row = page.get_by_role("row", name=re.compile("Garden Centre"))
    expect(row).to_contain_text("Split: Household goods, Electronics")
    expect(row).to_contain_text("−$120.00")

    # A transfer: the category and splits give way to the destination account.
    page.get_by_role("link", name="Add transaction").click()
    page.get_by_label("Transfer").check()
    expect(page.locator("#id_category")).to_be_hidden()
    page.locator("#id_amount").fill("500")
    page.get_by_label("To account").select_option(label="Savings (USD)")
    page.get_by_label("Payee").fill("Monthly saving")
    page.get_by_role("button", name="Add transaction").click()
    expect(page.get_by_role("row", name=re.compile("Monthly saving"))).to_contain_text("Checking → Savings")

    # Edit it, then delete the split expense.
    page.get_by_role("link", name="Monthly saving").click()
    expect(page.get_by_label("To account")).to_be_visible()
    page.locator("#id_amount").fill("650")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("row", name=re.compile("Monthly saving"))).to_contain_text("$650.00")
    books["savings"].refresh_from_db()
    assert books["savings"].balance == Decimal("10650")
    page.get_by_role("link", name="Garden Centre").click()
    page.get_by_role("link", name="Delete…").click()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_contain_text("Transaction deleted.")
    expect(page.get_by_role("row", name=re.compile("Garden Centre"))).to_have_count(0)
    assert verify(books["home"].id) == []


def test_inline_category_filters_and_bulk_categorize(page, books):
    sign_in(page)
    page.goto("/app/transactions/")
    # Inline edit (htmx): the cell turns into a form, focus moves into it, saving swaps it back.
    page.get_by_role("link", name=re.compile("Change the category of Bean Bar")).click()
    select = page.get_by_role("combobox", name="Category of Bean Bar")
    expect(select).to_be_focused()
    select.select_option(label="Food › Coffee")
    page.get_by_role("button", name="Save", exact=True).click()
    cell_link = page.get_by_role("link", name=re.compile("Change the category of Bean Bar"))
    expect(cell_link).to_have_text("Coffee")
    expect(cell_link).to_be_focused()
    assert Transaction.objects.get(payee="Bean Bar").category.name == "Coffee"

    # The shared filters.
    page.get_by_label("Search").fill("market")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_role("row", name=re.compile("Fresh Market"))).to_be_visible()
    expect(page.get_by_role("row", name=re.compile("Landlord"))).to_have_count(0)
    page.get_by_role("link", name="Clear filters").click()

    # Bulk: select two rows, set their category.
    page.get_by_label(re.compile("Select Fresh Market")).check()
    page.get_by_label(re.compile("Select Mystery Merchant")).check()
    expect(page.locator("#bulk-count")).to_have_text("2 selected")
    page.locator("#bulk_action").select_option("categorize")
    page.locator("#bulk-form").get_by_label("Category").select_option(label="Food › Dining out")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_role("status")).to_contain_text("2 transactions updated.")
    updated = Transaction.objects.filter(payee__in=["Fresh Market", "Mystery Merchant"])
    assert {t.category.name for t in updated} == {"Dining out"}
    assert not any(t.needs_review for t in updated)


def test_household_switch_and_language_switch(page, books):
    sign_in(page)
    page.get_by_label("Household").select_option(label="Lake cabin")
    page.get_by_role("button", name="Switch").click()
    expect(page.get_by_role("status")).to_contain_text("Now working in “Lake cabin”")
    page.get_by_role("link", name="Accounts", exact=True).click()
    expect(page.get_by_role("main")).to_contain_text("Cabin fund")
    expect(page.get_by_role("main")).not_to_contain_text("Savings")

    page.get_by_role("link", name="Alex Doe").click()
    page.get_by_label("Language").select_option("de")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Profil gespeichert.")
    assert page.locator("html").get_attribute("lang") == "de"
    page.get_by_role("link", name="Konten").click()
    expect(page.get_by_role("row", name=re.compile("Cabin fund"))).to_contain_text("750,00\u00a0$")


def tab_to(page, element_id, limit=40):
    """Press Tab until the element has focus (as a keyboard user would); fail if it is never reached."""
    for _ in range(limit):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


def test_keyboard_only_adds_a_transaction(page, books):
    sign_in(page)
    page.goto("/app/transactions/new/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to main content")
    expect(skip).to_be_focused()
    assert page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle") == "solid"  # visible focus
    page.keyboard.press("Enter")
    # From the top of <main>, the first Tab reaches the type radios; arrows choose among them.
    page.keyboard.press("Tab")
    expect(page.get_by_label("Expense")).to_be_focused()
    page.keyboard.press("ArrowLeft")
    expect(page.get_by_label("Income")).to_be_checked()
    tab_to(page, "id_amount")
    page.keyboard.type("321.09")
    tab_to(page, "id_category")
    page.keyboard.type("Salary")  # type-ahead picks the option
    tab_to(page, "id_payee")
    page.keyboard.type("Side project")
    page.keyboard.press("Enter")  # submits the form
    expect(page.get_by_role("status")).to_contain_text("Transaction added.")
    txn = Transaction.objects.get(payee="Side project")
    assert (txn.type, txn.amount, txn.category.name) == ("income", Decimal("321.09"), "Salary")
    # The new row's inline category control is keyboard-operable too.
    tab_to(page, "id_q")
    link = page.get_by_role("link", name=re.compile("Change the category of Side project"))
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("combobox", name="Category of Side project")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")  # Save, then Cancel
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name=re.compile("Change the category of Side project"))).to_be_focused()


PAGES = [
    "/app/",
    "/app/?spending=12-months",
    "/app/net-worth/",
    "/app/net-worth/?period=all",
    "/app/alerts/",
    "/app/transactions/",
    "/app/transactions/?needs_review=true",
    "/app/transactions/new/",
    "/app/accounts/",
    "/app/accounts/new/",
    "/app/categories/",
    "/app/categories/new/",
    "/app/tags/",
    "/app/household/",
    "/app/household/new/",
    "/app/profile/",
    "/app/budgets/",
    "/app/budgets/new/",
    "/app/goals/",
    "/app/goals/new/",
    "/app/review/",
    "/app/rules/",
    "/app/rules/new/",
    "/app/imports/",
    "/app/imports/new/",
    "/app/profile/security/",
    "/app/profile/security/password/",
    "/app/profile/security/two-factor/",
    "/app/profile/security/sessions/",
    "/app/profile/security/tokens/",
    "/app/profile/security/activity/",
    "/app/household/rates/",
    "/app/household/rates/new/",
    "/app/household/audit/",
    "/app/profile/export/",
    "/app/profile/delete/",
    "/app/no-such-page/",
]


def test_axe_finds_no_violations_on_any_page(page, books, console):
    page.goto("/login/")
    found = {"/login/": axe_violations(page)}
    sign_in(page)
    txn = Transaction.objects.get(payee="Department Store")
    plan = _plan(books)
    paths = [
        *PAGES,
        f"/app/transactions/{txn.pk}/",
        f"/app/transactions/{txn.pk}/delete/",
        f"/app/accounts/{books['checking'].pk}/",
        f"/app/budgets/{plan['budget'].pk}/",
        f"/app/budgets/{plan['budget'].pk}/edit/",
        f"/app/budgets/{plan['budget'].pk}/delete/",
        f"/app/goals/{plan['goal'].pk}/",
        f"/app/goals/{plan['goal'].pk}/contribute/",
        f"/app/goals/{plan['goal'].pk}/delete/",
        f"/app/rules/{plan['rule'].pk}/",
        f"/app/rules/{plan['rule'].pk}/apply/",
        f"/app/rules/{plan['rule'].pk}/delete/",
    ]
    for path in paths:
        page.goto(path)
        found[path] = axe_violations(page)
    console.forget("404 (Not Found)")  # the unknown page above answered 404, as it should
    # Pages in their other states: a form with errors, an inline edit open, the table alternative open.
    page.goto("/app/transactions/new/")
    page.get_by_role("button", name="Add transaction").click()
    found["form with errors"] = axe_violations(page)
    page.goto("/app/transactions/")
    page.get_by_role("link", name=re.compile("Change the category of Bean Bar")).click()
    page.get_by_role("combobox", name="Category of Bean Bar").wait_for()
    found["inline edit"] = axe_violations(page)
    page.goto("/app/")
    page.get_by_text("Show the figures as a table").click()
    found["dashboard table"] = axe_violations(page)
    # Planning screens in their other states: form errors, a bad move, a review item settled in place.
    page.goto(f"/app/budgets/{plan['budget'].pk}/edit/")
    page.locator("#id_name").fill("")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("alert").first.wait_for()
    found["budget form with errors"] = axe_violations(page)
    page.goto(f"/app/budgets/{plan['budget'].pk}/")
    page.get_by_role("button", name="Move money").click()
    page.locator("#id_amount_errors").wait_for()
    found["move with errors"] = axe_violations(page)
    console.forget("400 (Bad Request)")  # the refused move answers 400, as it should
    page.goto("/app/rules/new/")
    page.get_by_role("button", name="Add rule").click()
    found["rule form with errors"] = axe_violations(page)
    page.goto("/app/review/")
    page.get_by_role("button", name=re.compile("Accept Shopping")).click()
    page.get_by_text("Categorized as Shopping.").wait_for()
    found["review settled"] = axe_violations(page)
    page.goto("/app/transactions/")
    page.get_by_role("link", name=re.compile("Change the category of Bean Bar")).click()
    page.get_by_role("combobox", name="Category of Bean Bar").select_option(label="Food › Coffee")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Always categorize payee").wait_for()
    found["rule offer"] = axe_violations(page)
    assert {path: v for path, v in found.items() if v} == {}


def _plan(books):
    """An envelope budget with two lines, a goal with a contribution and a rule, in the books' household."""
    home = books["home"]
    budget = budget_services.budget_create(
        household=home,
        actor=None,
        name="Everyday",
        style="envelope",
        start_date=timezone.localdate().replace(day=1),
        lines=[
            budget_services.LineInput(category(home, "Groceries"), Decimal("200")),
            budget_services.LineInput(category(home, "Coffee"), Decimal("30")),
        ],
    )
    goal = budget_services.goal_create(household=home, actor=None, name="New bike", target_amount=Decimal("900"))
    budget_services.goal_contribution_create(goal=goal, actor=None, amount=Decimal("300"))
    rule = categorization.rule_create(
        household=home,
        actor=None,
        name="Mystery is shopping",
        priority=10,
        conditions=[{"field": "payee", "operator": "contains", "value": "mystery"}],
        actions=[{"action": "set_category", "value": str(category(home, "Shopping").pk)}],
    )
    return {"budget": budget, "goal": goal, "rule": rule}


def test_edit_a_budget_and_see_its_new_figure(page, books):
    plan = _plan(books)
    sign_in(page)
    page.get_by_role("link", name="Budgets", exact=True).click()
    page.get_by_role("link", name="Everyday").click()
    groceries = page.locator("tr[data-line='Groceries']")
    # 86.40 of 200 spent on groceries today.
    expect(groceries).to_contain_text("$200.00")
    expect(groceries).to_contain_text("$113.60")
    expect(groceries).to_contain_text("43.2%")
    page.get_by_role("link", name="Edit").click()
    page.locator("#id_lines-0-amount").fill("300")
    page.get_by_role("button", name="Add a line").click()  # a sixth, empty row, focused
    expect(page.locator("#id_lines-5-category")).to_be_focused()
    page.locator("#id_lines-5-category").select_option(label="Food › Dining out")
    page.locator("#id_lines-5-amount").fill("80")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Budget saved.")
    expect(groceries).to_contain_text("$300.00")
    expect(groceries).to_contain_text("$213.60")
    expect(groceries).to_contain_text("28.8%")
    expect(groceries.get_by_role("progressbar")).to_have_attribute("value", "29")
    expect(page.locator("tr[data-line='Dining out']")).to_contain_text("$80.00")
    assert [(line.category.name, line.amount) for line in plan["budget"].lines.order_by("position")] == [
        ("Groceries", Decimal("300.00")),
        ("Coffee", Decimal("30.00")),
        ("Dining out", Decimal("80.00")),
    ]
    # Move money between the envelopes; the period's moves list it.
    page.locator("#id_from_category").select_option(label="Food › Groceries")
    page.locator("#id_to_category").select_option(label="Food › Coffee")
    page.locator("#id_amount").fill("25")
    page.get_by_role("button", name="Move money").click()
    expect(page.get_by_role("status")).to_contain_text("Money moved.")
    expect(page.locator("tr[data-line='Coffee']")).to_contain_text("$25.00")
    # On a phone: nothing wider than the screen but the tables' own scroll boxes.
    page.set_viewport_size({"width": 360, "height": 780})
    page.reload()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    expect(page.get_by_role("heading", name="Everyday", level=1)).to_be_visible()
    assert axe_violations(page) == []


def test_accept_a_review_suggestion_then_create_the_offered_rule(page, books):
    _plan(books)
    sign_in(page)
    page.get_by_role("link", name="Review", exact=True).click()
    item = page.get_by_role("article", name="Mystery Merchant")
    expect(item).to_contain_text("“Mystery is shopping”")  # why: the rule, by name
    item.get_by_role("button", name=re.compile("Accept Shopping")).click()
    # htmx swapped the item in place: no page load, the result and the rule offer in its place.
    expect(item).to_contain_text("Categorized as Shopping.")
    txn = Transaction.objects.get(payee="Mystery Merchant")
    assert (txn.category.name, txn.needs_review, txn.categorization_source) == ("Shopping", False, "user")
    item.get_by_role("button", name="Create rule").click()
    expect(item).to_contain_text("Rule “mystery merchant → Shopping” created.")
    assert Rule.objects.filter(household=books["home"], name="mystery merchant → Shopping").exists()
