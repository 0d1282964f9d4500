"""Budget and goal events where they happen: the budget's page, the goal's page, the dashboard's
"Recent alerts" and the alerts page; worded for people, newest first, translated."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from finance.budgets.models import BudgetThresholdCrossed
from finance.budgets.services import goal_contribution_create
from finance.budgets.tests.factories import make_budget, make_goal
from finance.core.dates import first_of_month
from finance.ledger.tests.factories import category, make_account, make_txn
from finance.web.common import formatting

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]


def _alerts(page: str) -> list[str]:
    """The alerts' sentences on a page, in order (links and their markup dropped)."""
    items = re.findall(r'<li class="alert-\w+" data-alert="\w+">\s*<p>(.*?)\s*<span class="row-meta">', page, re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in items]


@pytest.fixture
def crossed(roles, django_capture_on_commit_callbacks):
    """The "Household" budget (Groceries 100 this month), spent past 80 % and then past 100 %."""
    household = roles.household
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        budget = make_budget(household, {"Groceries": "100"}, start=first_of_month(today), name="Household")
    account = make_account(household, "Checking", opening_balance=Decimal("1000"))
    groceries = category(household, "Groceries")
    with django_capture_on_commit_callbacks(execute=True):
        make_txn(household, account, "expense", "70", today, category=groceries)
    assert not BudgetThresholdCrossed.objects.filter(budget=budget).exists()  # 70 %: nothing yet
    with django_capture_on_commit_callbacks(execute=True):
        make_txn(household, account, "expense", "15", today, category=groceries)  # 85 %
    with django_capture_on_commit_callbacks(execute=True):
        make_txn(household, account, "expense", "20", today, category=groceries)  # 105 %
    return budget


def _today_words(locale: str = "en") -> str:
    return formatting.day_in_words(timezone.localdate(), locale, with_year=False)


def test_the_budget_page_says_when_each_threshold_was_reached_newest_first(roles, crossed, web_client):
    page = web_client(roles.users["viewer"]).get(reverse("web:budget-detail", args=[crossed.pk])).content.decode()
    day = _today_words()
    assert _alerts(page) == [
        f"The budget as a whole reached 100% on {day}",
        f"Groceries reached 100% of its budget on {day}",
        f"The budget as a whole reached 80% on {day}",
        f"Groceries reached 80% of its budget on {day}",
    ]
    start, end = crossed.events.first().period_start, crossed.events.first().period_end
    period = f"{formatting.day(start, 'en')} – {formatting.day(end, 'en')}"
    assert f"$105.00 spent of $100.00 in the period {period}" in page
    assert f"$85.00 spent of $100.00 in the period {period}" in page
    assert 'class="alert-over"' in page
    assert 'class="alert-near"' in page
    # Only 5 on the page; this budget has 4, so no link to more.
    assert f"{reverse('web:alerts')}?budget={crossed.pk}" not in page


def test_the_dashboard_lists_recent_alerts_with_the_budget_named(roles, crossed, web_client):
    page = web_client(roles.users["owner"]).get(reverse("web:dashboard")).content.decode()
    day = _today_words()
    assert _alerts(page) == [
        f"The budget “Household” as a whole reached 100% on {day}",
        f"Groceries reached 100% of its budget in “Household” on {day}",
        f"The budget “Household” as a whole reached 80% on {day}",
        f"Groceries reached 80% of its budget in “Household” on {day}",
    ]
    start = crossed.events.first().period_start
    link = f'<a href="{reverse("web:budget-detail", args=[crossed.pk])}?date={start:%Y-%m-%d}">'
    assert link in page
    assert f'<a href="{reverse("web:alerts")}">All alerts</a>' in page


def test_a_goal_reached_shows_on_its_page_and_the_dashboard(roles, web_client, django_capture_on_commit_callbacks):
    household = roles.household
    goal = make_goal(household, "300", name="Holiday")
    with django_capture_on_commit_callbacks(execute=True):
        goal_contribution_create(goal=goal, actor=None, amount=Decimal("120"), date=timezone.localdate())
    editor = web_client(roles.users["editor"])
    assert _alerts(editor.get(reverse("web:goal-edit", args=[goal.pk])).content.decode()) == []
    with django_capture_on_commit_callbacks(execute=True):
        goal_contribution_create(goal=goal, actor=None, amount=Decimal("200"), date=timezone.localdate())
    day = _today_words()
    page = editor.get(reverse("web:goal-edit", args=[goal.pk])).content.decode()
    assert _alerts(page) == [f"The goal reached its target of $300.00 on {day}"]
    assert "$320.00 saved when it was reached" in page
    dashboard = editor.get(reverse("web:dashboard")).content.decode()
    assert _alerts(dashboard) == [f"The goal “Holiday” reached its target of $300.00 on {day}"]
    assert f'<a href="{reverse("web:goal-edit", args=[goal.pk])}">' in dashboard
    # A viewer sees the sentence without a link to a page they cannot open.
    viewer = web_client(roles.users["viewer"]).get(reverse("web:dashboard")).content.decode()
    assert _alerts(viewer) == [f"The goal “Holiday” reached its target of $300.00 on {day}"]
    assert reverse("web:goal-edit", args=[goal.pk]) not in viewer


def test_alerts_are_translated(roles, crossed, web_client):
    owner = roles.users["owner"]
    owner.locale = "de_DE"
    owner.save()
    page = web_client(owner).get(reverse("web:budget-detail", args=[crossed.pk])).content.decode()
    day = _today_words("de_DE")
    assert f"Groceries hat am {day} 80% des Budgets erreicht" in _alerts(page)
    assert f"Das Budget insgesamt hat am {day} 100% erreicht" in _alerts(page)
    owner.locale = "es"
    owner.save()
    page = web_client(owner).get(reverse("web:dashboard")).content.decode()
    day = _today_words("es")
    assert f"Groceries alcanzó el 80% de su presupuesto en «Household» el {day}" in _alerts(page)


def test_older_alerts_are_paged_and_the_pages_link_to_more(roles, crossed, web_client):
    household = roles.household
    earlier = crossed.events.order_by("created_at").first()
    start = earlier.period_start
    for n in range(1, 31):  # 60 earlier periods' events, a day apart
        for threshold in (80, 100):
            event = BudgetThresholdCrossed.objects.create(
                household=household,
                budget=crossed,
                scope_key=earlier.scope_key,
                category=earlier.category,
                period_start=start - timedelta(days=31 * n),
                period_end=start - timedelta(days=31 * n - 30),
                threshold=threshold,
                spent=Decimal("90"),
                available=Decimal("100"),
                currency="USD",
            )
            BudgetThresholdCrossed.objects.filter(pk=event.pk).update(
                created_at=earlier.created_at - timedelta(days=n, minutes=threshold)
            )
    client = web_client(roles.users["viewer"])
    budget_page = client.get(reverse("web:budget-detail", args=[crossed.pk])).content.decode()
    assert len(_alerts(budget_page)) == 5
    assert f"{reverse('web:alerts')}?budget={crossed.pk}" in budget_page

    first = client.get(reverse("web:alerts"), {"budget": str(crossed.pk)}).content.decode()
    second = client.get(reverse("web:alerts"), {"budget": str(crossed.pk), "page": "2"}).content.decode()
    third = client.get(reverse("web:alerts"), {"budget": str(crossed.pk), "page": "3"}).content.decode()
    assert [len(_alerts(p)) for p in (first, second, third)] == [25, 25, 14]
    assert _alerts(first)[:4] == _alerts(budget_page)[:4]
    assert f'href="?budget={crossed.pk}&amp;page=2"' in first
    assert "Older alerts" not in third
    # The household's page has the same 64, newest first.
    everything = [client.get(reverse("web:alerts"), {"page": str(p)}).content.decode() for p in (1, 2, 3)]
    assert sum(len(_alerts(p)) for p in everything) == 64


def test_another_households_budget_or_goal_is_not_found(roles, crossed, web_client):
    outsider = web_client(roles.users["outsider"])
    assert outsider.get(reverse("web:alerts"), {"budget": str(crossed.pk)}).status_code == 404
    goal = make_goal(roles.household, "10", name="Mine")
    assert outsider.get(reverse("web:alerts"), {"goal": str(goal.pk)}).status_code == 404
    assert outsider.get(reverse("web:alerts"), {"goal": "not-an-id"}).status_code == 404
    assert _alerts(outsider.get(reverse("web:alerts")).content.decode()) == []
    assert _alerts(outsider.get(reverse("web:dashboard")).content.decode()) == []


def test_without_events_the_pages_say_what_will_appear(roles, web_client):
    budget = make_budget(roles.household, {"Groceries": "100"}, name="Quiet")
    client = web_client(roles.users["owner"])
    assert (
        "No alerts yet: one appears here when spending on a line"
        in client.get(reverse("web:budget-detail", args=[budget.pk])).content.decode()
    )
    dashboard = client.get(reverse("web:dashboard")).content.decode()
    assert "No alerts yet. They appear here when spending reaches 80% or 100% of a budget" in dashboard
    assert "No alerts yet. They appear here" in client.get(reverse("web:alerts")).content.decode()
