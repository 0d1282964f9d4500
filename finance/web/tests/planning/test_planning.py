"""Budgets and goals in the web app: figures, periods, forms with field errors, moves, roles, the dashboard."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from finance.budgets.models import Budget, BudgetMove, Goal, GoalContribution
from finance.budgets.services import goal_contribution_create
from finance.budgets.tests.factories import make_budget, make_goal
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.web.dashboard import presenters as dashboard

pytestmark = pytest.mark.django_db


def _row(page: str, marker: str) -> str:
    """The HTML of the table row carrying ``data-line``/``data-goal`` = marker."""
    match = re.search(rf'<tr data-(?:line|goal)="{re.escape(marker)}">(.*?)</tr>', page, re.S)
    assert match, f"no row {marker}"
    return match.group(1)


def _budget_post(household, **overrides):
    data = {
        "name": "Monthly",
        "style": "tracking",
        "period": "monthly",
        "start_date": "2026-01-01",
        "end_date": "",
        "currency": "usd",
        "total_amount": "",
        "is_active": "on",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
        "lines-0-category": str(category(household, "Groceries").pk),
        "lines-0-amount": "250.00",
        "lines-1-category": "",
        "lines-1-amount": "",
        "lines-2-category": "",
        "lines-2-amount": "",
    }
    data.update(overrides)
    return data


# --- Budgets --------------------------------------------------------------------------------------------


def test_budget_page_shows_each_lines_figures_for_the_chosen_period_and_links_the_neighbours(roles, ledger, web_client):
    household = roles.household
    budget = make_budget(household, {"Groceries": "300", "Coffee": "20"}, name="Household")
    make_txn(
        household, ledger["checking"], "expense", "25.00", date(2026, 3, 20), category=category(household, "Coffee")
    )
    viewer = web_client(roles.users["viewer"])
    page = viewer.get(reverse("web:budget-detail", args=[budget.pk]), {"date": "2026-03-15"}).content.decode()
    assert "Mar 1, 2026 – Mar 31, 2026" in page
    groceries = _row(page, "Groceries")
    # budgeted, spent (the ledger's 42.50 on 14 March), remaining, and the bar with its value in text
    assert re.findall(r"\$[\d,.]+", groceries) == ["$300.00", "$42.50", "$257.50"]
    assert 'value="14"' in groceries
    assert "14.2%" in groceries
    coffee = _row(page, "Coffee")
    assert "-$5.00" in coffee
    assert "overspent" in coffee
    assert "125%" in coffee
    total = _row(page, "total")
    assert "$320.00" in total
    assert "$67.50" in total
    assert "$252.50" in total
    # Not the current period: no pace; the neighbours and the way back are links.
    assert "Ahead of pace" not in page
    assert "On track" not in page
    assert 'href="?date=2026-02-01"' in page
    assert 'href="?date=2026-04-01"' in page
    assert "Back to the current period" in page
    # History: the earlier periods of that month, newest first.
    history = page[page.index("Earlier periods") :]
    assert history.index("Feb 1, 2026") < history.index("Jan 1, 2026")


def test_current_period_shows_the_pace(roles, web_client):
    household = roles.household
    account = make_account(household, "Checking")
    today = timezone.localdate()
    budget = make_budget(household, {"Groceries": "300"}, start=today.replace(day=1), name="Now")
    make_txn(household, account, "expense", "400.00", today, category=category(household, "Groceries"))
    page = web_client(roles.users["owner"]).get(reverse("web:budget-detail", args=[budget.pk])).content.decode()
    groceries = _row(page, "Groceries")
    assert "-$100.00" in groceries
    # 400 spent against at most 300 expected by today: over pace, by (400 - expected).
    days = (today.replace(day=28) + timedelta(days=4)).replace(day=1) - today.replace(day=1)
    expected = (Decimal(300) * today.day / days.days).quantize(Decimal("0.01"))
    assert f"Ahead of pace: ${Decimal(400) - expected:,.2f} over the ${expected:,.2f} expected by today" in groceries
    assert "Back to the current period" not in page


def test_budget_list_shows_this_periods_totals(roles, ledger, web_client):
    household = roles.household
    make_budget(household, {"Groceries": "100"}, start=timezone.localdate().replace(day=1), name="Food money")
    make_txn(
        household,
        ledger["checking"],
        "expense",
        "30.00",
        timezone.localdate(),
        category=category(household, "Groceries"),
    )
    page = web_client(roles.users["viewer"]).get(reverse("web:budgets")).content.decode()
    assert "Food money" in page
    assert "$30.00" in page
    assert "$100.00" in page
    assert "$70.00" in page
    assert "30%" in page


def test_create_a_budget_with_lines(roles, web_client):
    household = roles.household
    response = web_client(roles.users["editor"]).post(reverse("web:budget-create"), _budget_post(household))
    budget = Budget.objects.get(household=household, name="Monthly")
    assert response["Location"] == reverse("web:budget-detail", args=[budget.pk])
    assert budget.currency == "USD"
    assert [(line.category.name, line.amount) for line in budget.lines.all()] == [("Groceries", Decimal("250.00"))]


def test_budget_field_errors_are_next_to_their_fields_and_nothing_is_saved(roles, web_client):
    household = roles.household
    editor = web_client(roles.users["editor"])
    # A line for Food and one for Groceries (under Food) overlap; rollover is for envelopes only.
    data = _budget_post(
        household,
        **{
            "lines-0-category": str(category(household, "Food").pk),
            "lines-1-category": str(category(household, "Groceries").pk),
            "lines-1-amount": "10",
            "rollover": "on",
        },
    )
    response = editor.post(reverse("web:budget-create"), data)
    assert response.status_code == 200
    page = response.content.decode()
    assert re.search(r'id="id_lines-1-category_errors"><li>Another line covers this category', page)
    assert re.search(r'id="id_rollover_errors"><li>', page)
    assert 'id="id_lines-0-category_errors"' not in page
    # A line with an amount but no category, and an amount in a bad format, are the form's own errors.
    data = _budget_post(household, **{"lines-0-amount": "12,50.0", "lines-1-amount": "10"})
    page = editor.post(reverse("web:budget-create"), data).content.decode()
    assert 'id="id_lines-0-amount_errors"' in page
    assert 'id="id_lines-1-category_errors"' in page
    assert not Budget.objects.filter(household=household).exists()


def test_edit_a_budget_changes_its_figures_and_removing_a_line_removes_it(roles, ledger, web_client):
    household = roles.household
    budget = make_budget(household, {"Groceries": "300", "Coffee": "20"}, name="Household")
    owner = web_client(roles.users["owner"])
    form = owner.get(reverse("web:budget-edit", args=[budget.pk])).content.decode()
    assert 'value="300.00"' in form
    assert 'name="lines-TOTAL_FORMS" value="5"' in form
    data = _budget_post(household, name="Household", **{"lines-0-amount": "400"})
    response = owner.post(reverse("web:budget-edit", args=[budget.pk]), data)
    assert response.status_code == 302
    page = owner.get(reverse("web:budget-detail", args=[budget.pk]), {"date": "2026-03-15"}).content.decode()
    assert re.findall(r"\$[\d,.]+", _row(page, "Groceries")) == ["$400.00", "$42.50", "$357.50"]
    assert 'data-line="Coffee"' not in page


def test_delete_a_budget_after_confirming(roles, web_client):
    budget = make_budget(roles.household, {"Groceries": "300"})
    owner = web_client(roles.users["owner"])
    assert "Delete “Budget”" in owner.get(reverse("web:budget-delete", args=[budget.pk])).content.decode()
    assert Budget.objects.filter(pk=budget.pk).exists()
    assert owner.post(reverse("web:budget-delete", args=[budget.pk]))["Location"] == reverse("web:budgets")
    assert not Budget.objects.filter(pk=budget.pk).exists()


def test_envelope_moves_change_the_lines_and_bad_moves_show_field_errors(roles, ledger, web_client):
    household = roles.household
    budget = make_budget(household, {"Groceries": "300", "Coffee": "20"}, style="envelope", name="Envelopes")
    groceries, coffee = category(household, "Groceries"), category(household, "Coffee")
    owner = web_client(roles.users["owner"])
    url = reverse("web:budget-move", args=[budget.pk])
    move = {"from_category": groceries.pk, "to_category": coffee.pk, "amount": "50", "date": "2026-03-10", "note": ""}
    response = owner.post(url, move)
    assert response["Location"] == f"{reverse('web:budget-detail', args=[budget.pk])}?date=2026-03-10"
    page = owner.get(response["Location"]).content.decode()
    assert re.findall(r"\$[\d,.-]+", _row(page, "Coffee"))[:3] == ["$20.00", "$0.00", "$50.00"]
    assert "-$50.00" in _row(page, "Groceries")
    assert "Groceries → Coffee" in page
    # The same line twice, and a date before the budget: each error next to its field, nothing saved.
    response = owner.post(url, {**move, "to_category": groceries.pk, "date": "2025-01-01"})
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(r'id="id_to_category_errors"><li>Money moves between two different lines', page)
    assert re.search(r'id="id_date_errors"><li>Outside the dates this allows', page)
    assert BudgetMove.objects.filter(budget=budget).count() == 1
    # Undo the move.
    owner.post(reverse("web:budget-move-delete", args=[budget.pk, BudgetMove.objects.get().pk]))
    assert not BudgetMove.objects.exists()


def test_tracking_budgets_offer_no_moves(roles, web_client):
    budget = make_budget(roles.household, {"Groceries": "300", "Coffee": "20"})
    page = web_client(roles.users["owner"]).get(reverse("web:budget-detail", args=[budget.pk])).content.decode()
    assert "Move money" not in page


def test_budget_roles_viewer_reads_but_cannot_write_and_outsiders_get_404(roles, web_client):
    household = roles.household
    budget = make_budget(household, {"Groceries": "300", "Coffee": "20"}, style="envelope")
    viewer, outsider = web_client(roles.users["viewer"]), web_client(roles.users["outsider"])
    assert viewer.get(reverse("web:budgets")).status_code == 200
    detail = viewer.get(reverse("web:budget-detail", args=[budget.pk])).content.decode()
    assert "Move money" not in detail
    assert reverse("web:budget-edit", args=[budget.pk]) not in detail
    move = {
        "from_category": category(household, "Groceries").pk,
        "to_category": category(household, "Coffee").pk,
        "amount": "5",
        "date": "2026-03-10",
    }
    for url, data in (
        (reverse("web:budget-create"), _budget_post(household)),
        (reverse("web:budget-edit", args=[budget.pk]), _budget_post(household)),
        (reverse("web:budget-delete", args=[budget.pk]), {}),
        (reverse("web:budget-move", args=[budget.pk]), move),
    ):
        assert viewer.post(url, data).status_code == 403, url
        if url != reverse("web:budget-create"):
            assert outsider.post(url, data).status_code == 404, url
    # In their own household the outsider cannot use this household's categories.
    refused = outsider.post(reverse("web:budget-create"), _budget_post(household)).content.decode()
    assert 'id="id_lines-0-category_errors"' in refused
    assert viewer.get(reverse("web:budget-edit", args=[budget.pk])).status_code == 403
    assert outsider.get(reverse("web:budget-detail", args=[budget.pk])).status_code == 404
    assert outsider.get(reverse("web:budget-edit", args=[budget.pk])).status_code == 404
    budget.refresh_from_db()
    assert budget.name == "Budget"
    assert not BudgetMove.objects.exists()
    assert Budget.objects.count() == 1


# --- Goals ----------------------------------------------------------------------------------------------


def test_goals_list_shows_progress_required_monthly_and_projected_date(roles, web_client):
    household = roles.household
    today = timezone.localdate()
    goal = make_goal(household, "1000", name="Bike", target_date=today + timedelta(days=200))
    goal_contribution_create(goal=goal, actor=None, amount=Decimal("250"), date=today - timedelta(days=10))
    page = web_client(roles.users["viewer"]).get(reverse("web:goals")).content.decode()
    row = _row(page, "Bike")
    assert "$250.00" in row
    assert "$1,000.00" in row
    assert "25%" in row
    assert 'value="25"' in row
    # 750 left over ceil(200 / 30.44) = 7 months → 107.15 a month (rounded up); 250 in 90 days → 270 days more.
    assert "$107.15" in row
    projected = today + timedelta(days=270)
    assert f"{projected:%b} {projected.day}, {projected.year}" in row


def test_create_edit_and_delete_a_goal_with_field_errors(roles, web_client):
    household = roles.household
    editor = web_client(roles.users["editor"])
    data = {
        "name": "Trip",
        "goal_type": "purchase",
        "target_amount": "0",
        "currency": "USD",
        "target_date": "",
        "account": "",
        "status": "active",
    }
    response = editor.post(reverse("web:goal-create"), data)
    assert response.status_code == 200
    assert re.search(r'id="id_target_amount_errors"><li>Must be greater than zero', response.content.decode())
    response = editor.post(reverse("web:goal-create"), {**data, "target_amount": "1500", "currency": "XYZ"})
    assert re.search(r'id="id_currency_errors"><li>Not an ISO 4217 currency code', response.content.decode())
    assert not Goal.objects.filter(household=household).exists()
    assert editor.post(reverse("web:goal-create"), {**data, "target_amount": "1500"})["Location"] == reverse(
        "web:goals"
    )
    goal = Goal.objects.get(household=household)
    assert (goal.name, goal.target_amount, goal.goal_type) == ("Trip", Decimal("1500"), "purchase")
    editor.post(reverse("web:goal-edit", args=[goal.pk]), {**data, "name": "Lisbon", "target_amount": "1800"})
    goal.refresh_from_db()
    assert (goal.name, goal.target_amount) == ("Lisbon", Decimal("1800"))
    editor.post(reverse("web:goal-delete", args=[goal.pk]))
    assert not Goal.objects.filter(pk=goal.pk).exists()


def test_contributions_add_money_and_linked_goals_refuse_them(roles, web_client):
    household = roles.household
    goal = make_goal(household, "500", name="Manual")
    editor = web_client(roles.users["editor"])
    url = reverse("web:goal-contribute", args=[goal.pk])
    response = editor.post(url, {"amount": "-5", "date": "2026-03-01", "note": ""})
    assert 'id="id_amount_errors"' in response.content.decode()
    assert editor.post(url, {"amount": "120.50", "date": "2026-03-01", "note": "bonus"})["Location"] == reverse(
        "web:goals"
    )
    assert [(c.amount, c.note) for c in GoalContribution.objects.filter(goal=goal)] == [(Decimal("120.50"), "bonus")]
    linked = make_goal(household, "500", name="Linked", account=make_account(household, "Savings", type="savings"))
    response = editor.post(reverse("web:goal-contribute", args=[linked.pk]), {"amount": "10", "date": "2026-03-01"})
    assert "follows its linked account" in response.content.decode()
    assert not GoalContribution.objects.filter(goal=linked).exists()


def test_goal_roles(roles, web_client):
    goal = make_goal(roles.household, "500", name="Manual")
    viewer, outsider = web_client(roles.users["viewer"]), web_client(roles.users["outsider"])
    assert "Manual" in viewer.get(reverse("web:goals")).content.decode()
    assert "Manual" not in outsider.get(reverse("web:goals")).content.decode()
    for name in ("web:goal-edit", "web:goal-delete", "web:goal-contribute"):
        url = reverse(name, args=[goal.pk])
        assert viewer.post(url, {"amount": "5", "date": "2026-03-01", "name": "x"}).status_code == 403, url
        assert outsider.post(url, {"amount": "5", "date": "2026-03-01", "name": "x"}).status_code == 404, url
    assert viewer.get(reverse("web:goal-create")).status_code == 403
    goal.refresh_from_db()
    assert goal.name == "Manual"
    assert not GoalContribution.objects.exists()


# --- Dashboard ------------------------------------------------------------------------------------------


def test_dashboard_shows_budget_and_goal_progress(roles, web_client):
    household = roles.household
    account = make_account(household, "Checking")
    today = timezone.localdate()
    make_budget(household, {"Groceries": "200"}, start=today.replace(day=1), name="Food money")
    make_txn(household, account, "expense", "50.00", today, category=category(household, "Groceries"))
    goal = make_goal(household, "400", name="Bike")
    goal_contribution_create(goal=goal, actor=None, amount=Decimal("100"), date=today)
    page = web_client(roles.users["viewer"]).get(reverse("web:dashboard")).content.decode()
    budgets = page[page.index('id="budgets-heading"') : page.index('id="goals-heading"')]
    assert "Food money" in budgets
    assert "$50.00" in budgets
    assert "$200.00" in budgets
    assert "25%" in budgets
    goals = page[page.index('id="goals-heading"') :]
    assert "Bike" in goals
    assert "$100.00" in goals
    assert "$400.00" in goals
    assert 'value="25"' in goals


def test_dashboard_plan_costs_the_same_with_more_budgets_and_goals(roles):
    household = roles.household
    today = timezone.localdate()
    period = dashboard.spending_periods(today)["this-month"]
    for n in range(dashboard.PLAN_BUDGETS):
        make_budget(household, {"Groceries": "100"}, start=today.replace(day=1), name=f"B{n}")
    make_goal(household, "100", name="G0")
    with CaptureQueriesContext(connection) as few:
        dashboard.compute(household, today, period)
    for n in range(3):
        make_budget(household, {"Coffee": "10"}, start=today.replace(day=1), name=f"More {n}", style="envelope")
        make_goal(household, "100", name=f"G{n + 1}")
    with CaptureQueriesContext(connection) as many:
        data = dashboard.compute(household, today, period)
    assert len(data["plan"]["budgets"]) == dashboard.PLAN_BUDGETS
    assert data["plan"]["budget_count"] == dashboard.PLAN_BUDGETS + 3
    assert len(data["plan"]["goals"]) == 4
    # The budgets shown are the first three by name; more budgets or goals add no queries.
    assert len(many) == len(few)


def test_planning_pages_are_translated_and_formatted_in_the_persons_locale(roles, web_client):
    household = roles.household
    budget = make_budget(household, {"Groceries": "1234.5", "Coffee": "20"}, style="envelope", name="Alltag")
    owner = roles.users["owner"]
    owner.locale = "de_DE"
    owner.save()
    page = (
        web_client(owner).get(reverse("web:budget-detail", args=[budget.pk]), {"date": "2026-03-15"}).content.decode()
    )
    assert "Geld zwischen Umschlägen verschieben" in page
    assert "Frühere Zeiträume" in page
    assert "1.234,50\xa0$" in _row(page, "Groceries")
    owner.locale = "es"
    owner.save()
    page = web_client(owner).get(reverse("web:goals")).content.decode()
    assert "Objetivos en curso" in page
    assert ">Reglas</a>" in page


def test_a_contribution_can_be_removed_and_the_progress_follows(roles, web_client):
    household = roles.household
    goal = make_goal(household, "500", name="Manual")
    other_goal = make_goal(household, "500", name="Other")
    editor = web_client(roles.users["editor"])
    url = reverse("web:goal-contribute", args=[goal.pk])
    editor.post(url, {"amount": "120.50", "date": "2026-03-01", "note": "bonus"})
    editor.post(url, {"amount": "120.50", "date": "2026-03-01", "note": "bonus, twice"})
    editor.post(reverse("web:goal-contribute", args=[other_goal.pk]), {"amount": "7", "date": "2026-03-01"})
    twice = GoalContribution.objects.get(goal=goal, note="bonus, twice")
    page = editor.get(url).content.decode()
    assert "$241.00 of $500.00 saved." in page
    delete = reverse("web:goal-contribution-delete", args=[goal.pk, twice.pk])
    assert f'action="{delete}"' in page
    assert 'aria-label="Remove the contribution of $120.50 on Mar 1, 2026"' in page

    viewer, outsider = web_client(roles.users["viewer"]), web_client(roles.users["outsider"])
    assert viewer.post(delete).status_code == 403
    assert outsider.post(delete).status_code == 404
    assert editor.get(delete).status_code == 405
    # A contribution of another goal is not found through this goal.
    elsewhere = GoalContribution.objects.get(goal=other_goal)
    assert editor.post(reverse("web:goal-contribution-delete", args=[goal.pk, elsewhere.pk])).status_code == 404
    assert GoalContribution.objects.count() == 3

    response = editor.post(delete)
    assert response["Location"] == url
    assert sorted(c.note for c in GoalContribution.objects.filter(goal=goal)) == ["bonus"]
    page = editor.get(url).content.decode()
    assert "Contribution removed." in page
    assert "$120.50 of $500.00 saved." in page
    assert GoalContribution.objects.filter(goal=other_goal).count() == 1
