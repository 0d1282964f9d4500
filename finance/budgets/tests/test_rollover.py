"""Envelope budgets: what is left (or overspent) rolls into the next period, and money moves between lines."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance.budgets import selectors, services
from finance.budgets.models import BudgetMove
from finance.budgets.tests.factories import make_budget
from finance.core.exceptions import Conflict, FieldError
from finance.ledger.tests.factories import category, make_account, make_txn

pytestmark = pytest.mark.django_db
D = Decimal


def status(budget, on, history=0):
    return selectors.budget_status_json(selectors.budget_status(budget=budget, on=on, history=history))


def chain(period, name):
    row = next(r for r in period["lines"] if r["name"] == name)
    return (row["rollover_in"], row["moved"], row["available"], row["spent"], row["remaining"], row["percent"])


@pytest.fixture
def spend(household):
    account = make_account(household)

    def spend(amount, on, name="Groceries"):
        return make_txn(household, account, "expense", amount, on, category=category(household, name))

    return spend


def test_rollover_chains_positive_and_negative_over_many_periods(household, spend):
    spend("80", date(2026, 1, 10))  # Jan: 100 available, 20 left
    spend("150", date(2026, 2, 10))  # Feb: 120 available, 30 overspent
    # Mar: nothing spent; 70 available and left
    spend("300", date(2026, 4, 30))  # Apr: 170 available, 130 overspent
    spend("10", date(2026, 5, 31))  # May: -30 available (no percent), 40 overspent
    budget = make_budget(household, {"Groceries": "100"}, style="envelope", rollover=True)
    body = status(budget, date(2026, 6, 15), history=5)
    history = body["history"]
    assert [chain(p, "Groceries") for p in history] == [
        ("0.00", "0.00", "100.00", "80.00", "20.00", 80.0),
        ("20.00", "0.00", "120.00", "150.00", "-30.00", 125.0),
        ("-30.00", "0.00", "70.00", "0.00", "70.00", 0.0),
        ("70.00", "0.00", "170.00", "300.00", "-130.00", 176.47),
        ("-130.00", "0.00", "-30.00", "10.00", "-40.00", None),
    ]
    assert chain(body, "Groceries") == ("-40.00", "0.00", "60.00", "0.00", "60.00", 0.0)
    # The totals chain the same way (one line here).
    assert (body["total"]["rollover_in"], body["total"]["available"]) == ("-40.00", "60.00")
    # History only shows what was asked for, but the chain always starts at the first period.
    assert chain(status(budget, date(2026, 6, 15)), "Groceries") == chain(body, "Groceries")


def test_weekly_rollover_chain_reads_partial_months(household, spend):
    spend("15", date(2026, 3, 2))
    spend("30", date(2026, 3, 31))  # week 5 runs 30 March – 5 April
    spend("5", date(2026, 4, 1))
    budget = make_budget(
        household, {"Groceries": "25"}, style="envelope", rollover=True, start=date(2026, 3, 2), period="weekly"
    )
    body = status(budget, date(2026, 4, 6))
    # Weeks 0–3 leave 10 + 25 × 3 = 85; week 4 (30 Mar – 5 Apr) has 110 available and spends 35, leaving 75.
    assert body["period_start"] == date(2026, 4, 6)
    assert chain(body, "Groceries") == ("75.00", "0.00", "100.00", "0.00", "100.00", 0.0)


def test_envelopes_without_rollover_start_fresh(household, spend):
    spend("80", date(2026, 1, 10))
    budget = make_budget(household, {"Groceries": "100"}, style="envelope", rollover=False)
    assert chain(status(budget, date(2026, 2, 1)), "Groceries") == ("0.00", "0.00", "100.00", "0.00", "100.00", 0.0)


def test_total_only_envelope_rolls_over_its_total(household, spend):
    spend("60", date(2026, 1, 10), "Rent")
    spend("10", date(2026, 2, 10), "Taxi")
    budget = make_budget(household, style="envelope", rollover=True, total_amount=D("50"))
    total = status(budget, date(2026, 2, 10))["total"]
    assert (total["rollover_in"], total["available"], total["spent"], total["remaining"]) == (
        "-10.00",
        "40.00",
        "10.00",
        "30.00",
    )


def test_moves_shift_money_between_lines_for_one_period(household, spend):
    spend("90", date(2026, 2, 5), "Dining out")
    budget = make_budget(household, {"Groceries": "300", "Dining out": "60"}, style="envelope", rollover=True)
    move = services.budget_move_create(
        budget=budget,
        actor=None,
        from_category=category(household, "Groceries"),
        to_category=category(household, "Dining out"),
        amount=D("50"),
        date=date(2026, 2, 20),
    )
    body = status(budget, date(2026, 3, 1), history=1)
    february = body["history"][0]
    assert chain(february, "Groceries") == ("300.00", "-50.00", "550.00", "0.00", "550.00", 0.0)
    assert chain(february, "Dining out") == ("60.00", "50.00", "170.00", "90.00", "80.00", 52.94)
    assert (february["total"]["moved"], february["total"]["available"]) == ("0.00", "720.00")
    # With rollover the move's effect carries on into March.
    assert chain(body, "Groceries")[:3] == ("550.00", "0.00", "850.00")
    assert chain(body, "Dining out")[:3] == ("80.00", "0.00", "140.00")

    services.budget_move_delete(move=move, actor=None)
    february = status(budget, date(2026, 2, 1))
    assert chain(february, "Dining out")[:5] == ("60.00", "0.00", "120.00", "90.00", "30.00")


def test_moves_are_for_envelope_lines_inside_the_budget(household):
    groceries, dining, taxi = (category(household, n) for n in ("Groceries", "Dining out", "Taxi"))
    tracking = make_budget(household, {"Groceries": "300", "Dining out": "60"})
    with pytest.raises(Conflict) as refused:
        services.budget_move_create(
            budget=tracking, actor=None, from_category=groceries, to_category=dining, amount=D("5")
        )
    assert refused.value.get_codes() == "not_envelope"

    budget = make_budget(household, {"Groceries": "300", "Dining out": "60"}, style="envelope")
    with pytest.raises(FieldError) as bad:
        services.budget_move_create(
            budget=budget,
            actor=None,
            from_category=taxi,
            to_category=taxi,
            amount=D("-5"),
            date=date(2025, 12, 31),
        )
    assert bad.value.get_codes() == {
        "from_category": ["no_line"],
        "to_category": ["no_line"],
        "amount": ["min_value"],
        "date": ["out_of_range"],
    }
    with pytest.raises(FieldError) as same:
        services.budget_move_create(
            budget=budget, actor=None, from_category=dining, to_category=dining, amount=D("5"), date=date(2026, 1, 2)
        )
    assert same.value.get_codes() == {"to_category": ["same_line"]}
    assert not BudgetMove.objects.exists()


def test_removing_a_line_drops_the_moves_that_touch_it(household):
    groceries, dining = category(household, "Groceries"), category(household, "Dining out")
    budget = make_budget(household, {"Groceries": "300", "Dining out": "60", "Taxi": "40"}, style="envelope")
    services.budget_move_create(
        budget=budget, actor=None, from_category=groceries, to_category=dining, amount=D("5"), date=date(2026, 1, 2)
    )
    services.budget_update(
        budget=budget,
        actor=None,
        lines=[services.LineInput(groceries, D("300")), services.LineInput(category(household, "Taxi"), D("45"))],
    )
    assert not BudgetMove.objects.exists()
    assert {(line.category.name, line.amount) for line in budget.lines.select_related("category")} == {
        ("Groceries", D("300")),
        ("Taxi", D("45")),
    }
