"""Threshold events: recorded once per line (or total), period and threshold, from the ledger's TransactionsChanged."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from finance.budgets import listeners, selectors, services, tasks
from finance.budgets.models import TOTAL_SCOPE, BudgetThresholdCrossed
from finance.budgets.tests.factories import make_budget
from finance.core.dates import add_months, first_of_month
from finance.ledger import services as ledger
from finance.ledger.events import ChangeKind, TransactionsChanged
from finance.ledger.models import Category
from finance.ledger.tests.factories import category, make_account, make_txn

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("celery_eager")]
D = Decimal


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def buy(household, django_capture_on_commit_callbacks, today):
    account = make_account(household)

    def buy(amount, name="Groceries", on=None):
        with django_capture_on_commit_callbacks(execute=True):
            return make_txn(household, account, "expense", amount, on or today, category=category(household, name))

    return buy


def recorded(budget):
    names = dict(Category.objects.filter(household=budget.household).values_list("id", "name"))
    return sorted(
        (names.get(e.scope_key, "total"), e.threshold, e.period_start, str(e.spent), str(e.available))
        for e in BudgetThresholdCrossed.objects.filter(budget=budget)
    )


def test_thresholds_fire_exactly_once_per_line_and_total(household, buy, today, django_capture_on_commit_callbacks):
    start = first_of_month(today)
    with django_capture_on_commit_callbacks(execute=True):
        budget = make_budget(household, {"Groceries": "100", "Dining out": "100"}, start=start)
    buy("70")
    assert recorded(budget) == []
    buy("15")  # Groceries at 85 %
    assert recorded(budget) == [("Groceries", 80, start, "85.0000000000", "100.0000000000")]
    buy("5")  # 90 %: nothing new
    assert len(recorded(budget)) == 1
    buy("20")  # 110 %
    buy("60", "Dining out")  # Dining 60 %; the total 170 / 200 = 85 %
    assert [(name, threshold) for name, threshold, *_ in recorded(budget)] == [
        ("Groceries", 80),
        ("Groceries", 100),
        ("total", 80),
    ]
    assert BudgetThresholdCrossed.objects.get(budget=budget, scope_key=TOTAL_SCOPE).category_id is None
    # Spending that falls back under and crosses again in the same period records nothing new.
    refund = buy("1")
    with django_capture_on_commit_callbacks(execute=True):
        ledger.transaction_delete(txn=refund, actor=None)
    buy("1")
    assert len(recorded(budget)) == 3


def test_thresholds_fire_again_in_the_next_period(household, buy, today, django_capture_on_commit_callbacks):
    start = first_of_month(today)
    next_month = add_months(start, 1)
    with django_capture_on_commit_callbacks(execute=True):
        budget = make_budget(household, {"Groceries": "100"}, start=start)
    buy("100")
    assert [(n, t, s) for n, t, s, *_ in recorded(budget)] == [
        ("Groceries", 80, start),
        ("Groceries", 100, start),
        ("total", 80, start),
        ("total", 100, start),
    ]
    # A future-dated purchase is not in the current period: nothing is evaluated for it yet.
    buy("85", on=next_month + timedelta(days=2))
    assert len(recorded(budget)) == 4
    # When that period is current, it gets its own events.
    services.budget_thresholds_evaluate(household_id=household.id, today=next_month + timedelta(days=3))
    assert [(n, t, s) for n, t, s, *_ in recorded(budget) if s == next_month] == [
        ("Groceries", 80, next_month),
        ("total", 80, next_month),
    ]


def test_changes_outside_the_current_period_are_not_evaluated(
    household, buy, today, django_capture_on_commit_callbacks
):
    start = add_months(first_of_month(today), -1)
    with django_capture_on_commit_callbacks(execute=True):
        budget = make_budget(household, {"Groceries": "100"}, start=start)
    buy("500", on=start)  # last month: over, but no longer current
    assert recorded(budget) == []


def test_lowering_a_line_is_a_write_that_can_cross(household, buy, today, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        budget = make_budget(household, {"Groceries": "1000"}, start=first_of_month(today))
    buy("85")
    assert recorded(budget) == []
    with django_capture_on_commit_callbacks(execute=True):
        services.budget_update(
            budget=budget, actor=None, lines=[services.LineInput(category(household, "Groceries"), D("100"))]
        )
    assert [(n, t) for n, t, *_ in recorded(budget)] == [("Groceries", 80), ("total", 80)]


def test_inactive_budgets_record_nothing(household, buy, today, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        budget = make_budget(household, {"Groceries": "10"}, start=first_of_month(today), is_active=False)
    buy("50")
    assert recorded(budget) == []


def test_events_are_listed_newest_first(household, client_for, buy, today, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        budget = make_budget(household, {"Groceries": "100"}, start=first_of_month(today))
    buy("85")
    buy("20")
    body = client_for.get(f"/api/v1/budgets/{budget.pk}/events/").json()
    assert [(e["type"], e["scope"], e["threshold"], e["spent"], e["available"]) for e in body["results"]] == [
        ("threshold_crossed", "line", 100, "105.00", "100.00"),
        ("threshold_crossed", "total", 100, "105.00", "100.00"),
        ("threshold_crossed", "line", 80, "85.00", "100.00"),
        ("threshold_crossed", "total", 80, "85.00", "100.00"),
    ]
    line_event = body["results"][0]
    assert (line_event["category"], line_event["period_start"], line_event["currency"]) == (
        str(category(household, "Groceries").id),
        first_of_month(today).isoformat(),
        "USD",
    )


def changed(household, day):
    return TransactionsChanged(
        household_id=household.id,
        kind=ChangeKind.CREATED,
        dates=frozenset({day}),
        account_ids=frozenset(),
        ids=(),
        count=1,
    )


def test_households_without_budgets_pay_one_cached_lookup(household, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks.evaluate_ledger_change, "delay", lambda *args: sent.append(args))
    today = timezone.localdate()
    with CaptureQueriesContext(connection) as first:
        listeners.on_transactions_changed(changed(household, today))
    with CaptureQueriesContext(connection) as second:
        listeners.on_transactions_changed(changed(household, today))
    assert (len(first), len(second), sent) == (1, 0, [])

    make_budget(household, {"Groceries": "10"})
    selectors.forget_watch_flag(household.id)  # what the service does after commit
    listeners.on_transactions_changed(changed(household, today))
    assert sent == [(str(household.id), [today.isoformat()])]
