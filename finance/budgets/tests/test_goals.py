"""Goals: progress, required monthly contribution, projected date, and reaching the target by itself."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from finance.budgets import selectors, services
from finance.budgets.models import Goal, GoalAchieved, GoalStatus
from finance.budgets.tests.factories import make_goal
from finance.core.exceptions import Conflict, FieldError
from finance.currency.services import rate_create
from finance.ledger.tests.factories import category, make_account, make_txn

pytestmark = pytest.mark.django_db
D = Decimal


def contribute(goal, amount, on):
    return services.goal_contribution_create(goal=goal, actor=None, amount=D(amount), date=on)


def progress(goal, today):
    goal = Goal.objects.select_related("account").get(pk=goal.pk)
    return selectors.goal_progress([goal], today=today)[goal.id]


def test_manual_goal_projection_from_the_last_90_days_of_contributions(household):
    goal = make_goal(household, "3000", goal_type="purchase", target_date=date(2026, 6, 30))
    contribute(goal, "500", date(2025, 11, 1))  # older than 90 days: counts, but not for the pace
    for on in (date(2026, 1, 15), date(2026, 2, 15), date(2026, 3, 15)):
        contribute(goal, "300", on)
    p = progress(goal, date(2026, 3, 31))
    assert (p.current_amount, p.remaining_amount, p.progress) == (D("1400"), D("1600"), 0.4667)
    # 91 days to 30 June are 2.99 average months → 3 contributions of 1600 / 3, rounded up to the cent.
    assert p.required_monthly == D("533.34")
    # 900 in 90 days: 1600 more takes 160 days.
    assert p.projected_date == date(2026, 3, 31) + timedelta(days=160) == date(2026, 9, 7)
    assert p.monthly_pace == D("304.36875")


def test_required_monthly_after_the_target_date_is_everything_now(household):
    goal = make_goal(household, "1000", target_date=date(2026, 1, 31))
    contribute(goal, "400", date(2026, 1, 10))
    assert progress(goal, date(2026, 3, 1)).required_monthly == D("600.00")


def test_no_recent_contributions_means_no_projection(household):
    goal = make_goal(household, "1000")
    contribute(goal, "400", date(2025, 1, 10))
    p = progress(goal, date(2026, 3, 1))
    assert (p.projected_date, p.required_monthly, p.monthly_pace) == (None, None, D("0"))


def test_contributions_reaching_the_target_achieve_the_goal_once(household):
    goal = make_goal(household, "500", target_date=date(2026, 12, 31))
    contribute(goal, "300", date(2026, 3, 1))
    goal.refresh_from_db()
    assert (goal.status, goal.achieved_at) == (GoalStatus.ACTIVE, None)
    contribute(goal, "200", date(2026, 3, 2))
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED
    assert goal.achieved_at is not None
    event = GoalAchieved.objects.get(goal=goal)
    assert (event.amount, event.target_amount, event.currency) == (D("500"), D("500"), "USD")
    p = progress(goal, date(2026, 3, 5))
    assert (p.progress, p.required_monthly, p.projected_date) == (1.0, None, timezone.localdate(goal.achieved_at))
    # An achieved goal takes more money without a second event.
    contribute(goal, "50", date(2026, 3, 3))
    assert GoalAchieved.objects.filter(goal=goal).count() == 1


def test_paused_goals_are_not_achieved_automatically(household):
    goal = make_goal(household, "100", status="paused")
    contribute(goal, "150", date(2026, 3, 1))
    goal.refresh_from_db()
    assert goal.status == GoalStatus.PAUSED
    services.goal_update(goal=goal, actor=None, status="active")
    goal.refresh_from_db()
    assert goal.status == GoalStatus.ACHIEVED  # reactivated at the target: reached
    assert GoalAchieved.objects.filter(goal=goal).count() == 1


def test_linked_account_goal_follows_the_balance_and_its_recent_net_change(household):
    checking = make_account(household, "Checking")
    savings = make_account(household, "Savings", type="savings", opening_balance=D("8000"))
    for month in (1, 2, 3):
        make_txn(household, checking, "transfer", "600", date(2026, month, 26), transfer_account=savings)
    make_txn(household, savings, "income", "15", date(2026, 3, 28), category=category(household, "Interest"))
    make_txn(household, savings, "expense", "99", date(2025, 12, 20))  # before the three months
    goal = make_goal(household, "10000", goal_type="emergency_fund", account=savings)
    p = progress(goal, date(2026, 4, 15))
    assert (p.current_amount, p.remaining_amount, p.progress) == (D("9716"), D("284"), 0.9716)
    # January–March gained 1815: 605 a month; 284 more takes ceil(284 × 91.310625 / 1815) = 15 days.
    assert p.monthly_pace == D("605")
    assert p.projected_date == date(2026, 4, 30)
    assert goal.currency == "USD"


def test_linked_account_in_another_currency_is_converted(household):
    rate_create(household=household, actor=None, base="EUR", quote="USD", rate=D("1.10"), date=date(2026, 1, 1))
    euros = make_account(household, "Euro savings", currency="EUR", type="savings", opening_balance=D("1000"))
    goal = make_goal(household, "2200", account=euros, currency="USD")
    p = progress(goal, date(2026, 4, 15))
    assert (p.current_amount, p.progress) == (D("1100.00"), 0.5)
    no_rate = make_goal(household, "2200", account=euros, currency="GBP")
    assert progress(no_rate, date(2026, 4, 15)).current_amount is None


def test_debt_payoff_counts_what_was_paid_since_linking(household):
    checking = make_account(household, "Checking", opening_balance=D("10000"))
    loan = make_account(household, "Car loan", type="loan", opening_balance=D("-5000"))
    goal = services.goal_create(household=household, actor=None, name="Car loan", goal_type="debt_payoff", account=loan)
    assert (goal.target_amount, goal.baseline_balance) == (D("5000"), D("-5000"))
    make_txn(household, checking, "transfer", "1000", date(2026, 3, 1), transfer_account=loan)
    make_txn(household, loan, "expense", "50", date(2026, 3, 2))  # interest charged: debt grows
    p = progress(goal, date(2026, 3, 10))
    assert (p.current_amount, p.remaining_amount, p.progress) == (D("950"), D("4050"), 0.19)


def test_debt_payoff_needs_a_target_when_nothing_is_owed(household):
    card = make_account(household, "Card", type="credit_card")
    with pytest.raises(FieldError) as refused:
        services.goal_create(household=household, actor=None, name="Card", goal_type="debt_payoff", account=card)
    assert refused.value.get_codes() == {"target_amount": ["required"]}


def test_linked_goals_take_no_contributions(household):
    savings = make_account(household, "Savings", type="savings")
    goal = make_goal(household, "100", account=savings)
    with pytest.raises(Conflict) as refused:
        contribute(goal, "10", date(2026, 3, 1))
    assert refused.value.get_codes() == "goal_linked"


def test_ledger_writes_achieve_linked_goals(household, celery_eager, django_capture_on_commit_callbacks):
    checking = make_account(household, "Checking", opening_balance=D("5000"))
    savings = make_account(household, "Savings", type="savings", opening_balance=D("800"))
    loan = make_account(household, "Loan", type="loan", opening_balance=D("-300"))
    with django_capture_on_commit_callbacks(execute=True):
        fund = make_goal(household, "1000", goal_type="emergency_fund", account=savings)
        debt = services.goal_create(household=household, actor=None, name="Loan", goal_type="debt_payoff", account=loan)
    with django_capture_on_commit_callbacks(execute=True):
        make_txn(household, checking, "transfer", "150", date(2026, 3, 1), transfer_account=savings)
    fund.refresh_from_db()
    assert fund.status == GoalStatus.ACTIVE
    with django_capture_on_commit_callbacks(execute=True):
        make_txn(household, checking, "transfer", "50", date(2026, 3, 2), transfer_account=savings)
    with django_capture_on_commit_callbacks(execute=True):
        make_txn(household, checking, "transfer", "300", date(2026, 3, 3), transfer_account=loan)
    fund.refresh_from_db()
    debt.refresh_from_db()
    assert (fund.status, debt.status) == (GoalStatus.ACHIEVED, GoalStatus.ACHIEVED)
    assert sorted((e.goal.name, e.amount) for e in GoalAchieved.objects.select_related("goal")) == [
        ("Goal", D("1000")),
        ("Loan", D("300")),
    ]
