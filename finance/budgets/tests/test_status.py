"""Budget status arithmetic against hand-computed values, for every period type.

Spending counts expenses in the base currency (splits per split category,
foreign-currency amounts converted at the transaction date); transfers,
income and excluded transactions do not count. Whole calendar months come
from the monthly aggregates, partial months from raw rows: the cases below
mix both.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from finance.budgets import selectors
from finance.budgets.tests.factories import make_budget
from finance.currency.services import rate_create
from finance.ledger import services as ledger
from finance.ledger.inputs import SplitInput, TransactionInput
from finance.ledger.tests.factories import category, make_account, make_txn

pytestmark = pytest.mark.django_db
D = Decimal


def status(budget, on, history=0, member=None):
    return selectors.budget_status_json(selectors.budget_status(budget=budget, on=on, history=history, member=member))


def lines(period):
    """name → (budgeted, spent, remaining, percent)."""
    return {row["name"]: (row["budgeted"], row["spent"], row["remaining"], row["percent"]) for row in period["lines"]}


def spent(period):
    return {row["name"]: row["spent"] for row in period["lines"]}


@pytest.fixture
def books(household):
    """USD household; a USD checking account, a USD card and a EUR account (EUR→USD 1.10 from 2026-01-01)."""
    rate_create(household=household, actor=None, base="EUR", quote="USD", rate=D("1.10"), date=date(2026, 1, 1))
    return {
        "checking": make_account(household, "Checking"),
        "card": make_account(household, "Card", type="credit_card"),
        "eur": make_account(household, "Euro", currency="EUR"),
        **{
            name: category(household, name)
            for name in ("Groceries", "Dining out", "Taxi", "Fuel", "Rent", "Salary", "Books")
        },
    }


def spend(household, books, amount, on, name="Groceries", account="checking", **values):
    return make_txn(household, books[account], "expense", amount, on, category=books[name], **values)


def test_monthly_tracking_status_with_splits_foreign_currency_and_ignored_rows(household, books):
    h = household
    spend(h, books, "120", date(2026, 1, 5))
    spend(h, books, "60", date(2026, 1, 31), "Dining out", "card")
    make_txn(
        h,
        books["checking"],
        "expense",
        "100",
        date(2026, 2, 1),
        splits=[SplitInput(books["Groceries"], D("70")), SplitInput(books["Taxi"], D("30"))],
    )
    spend(h, books, "10", date(2026, 2, 14), account="eur")  # 11.00 USD
    spend(h, books, "5", date(2026, 2, 20), "Fuel")
    spend(h, books, "1000", date(2026, 2, 1), "Rent")
    # None of these is spending:
    make_txn(h, books["checking"], "transfer", "200", date(2026, 2, 3), transfer_account=books["card"])
    spend(h, books, "999", date(2026, 2, 4), is_excluded=True)
    make_txn(h, books["checking"], "income", "3000", date(2026, 2, 5), category=books["Salary"])
    budget = make_budget(h, {"Food": "300", "Transport": "50"}, name="Household")

    body = status(budget, date(2026, 2, 14), history=1)

    assert (body["period_start"], body["period_end"]) == (date(2026, 2, 1), date(2026, 2, 28))
    # Food covers Groceries and Dining out; Transport covers Taxi and Fuel.
    assert lines(body) == {"Food": ("300.00", "81.00", "219.00", 27.0), "Transport": ("50.00", "35.00", "15.00", 70.0)}
    total = body["total"]
    assert (total["budgeted"], total["spent"], total["remaining"], total["percent"]) == (
        "350.00",
        "116.00",
        "234.00",
        33.14,
    )
    assert (total["cap"], total["unbudgeted_spent"]) == (None, "1000.00")
    # Tracking budgets never carry anything over.
    assert {row["rollover_in"] for row in body["lines"]} == {"0.00"}
    # Pace on 14 of 28 days: half the money is "expected"; spent through the 14th counts the EUR purchase.
    food_pace = body["lines"][0]["pace"]
    assert food_pace == {
        "as_of": date(2026, 2, 14),
        "elapsed_days": 14,
        "total_days": 28,
        "expected_spent": "150.00",
        "actual_spent": "81.00",
        "difference": "-69.00",
        "on_track": True,
    }
    assert body["lines"][1]["pace"]["actual_spent"] == "30.00"  # fuel on the 20th is after the date
    [january] = body["history"]
    assert (january["period_start"], january["period_end"]) == (date(2026, 1, 1), date(2026, 1, 31))
    assert lines(january) == {
        "Food": ("300.00", "180.00", "120.00", 60.0),
        "Transport": ("50.00", "0.00", "50.00", 0.0),
    }
    assert "pace" not in january["lines"][0]


def test_a_line_on_a_parent_covers_every_level_below(household, books):
    bakery = ledger.category_create(
        household=household, actor=None, name="Bakery", type="expense", parent=books["Groceries"]
    )
    spend(household, books, "4.50", date(2026, 3, 2), "Groceries")
    make_txn(household, books["checking"], "expense", "3.25", date(2026, 3, 3), category=bakery)
    spend(household, books, "20", date(2026, 3, 4), "Dining out")
    budget = make_budget(household, {"Food": "100"})
    assert spent(status(budget, date(2026, 3, 31))) == {"Food": "27.75"}


def test_monthly_status_in_a_leap_february(household, books):
    spend(household, books, "10", date(2028, 2, 1))
    spend(household, books, "29", date(2028, 2, 29))
    spend(household, books, "7", date(2028, 3, 1))
    budget = make_budget(household, {"Groceries": "58"}, start=date(2028, 1, 1))
    body = status(budget, date(2028, 2, 29))
    assert (body["period_start"], body["period_end"]) == (date(2028, 2, 1), date(2028, 2, 29))
    assert lines(body) == {"Groceries": ("58.00", "39.00", "19.00", 67.24)}
    pace = body["lines"][0]["pace"]
    assert (pace["elapsed_days"], pace["total_days"], pace["expected_spent"]) == (29, 29, "58.00")


def test_weekly_status_across_the_leap_day_and_two_months(household, books):
    for amount, on in [("1", date(2028, 2, 25)), ("2", date(2028, 2, 26)), ("4", date(2028, 2, 29))]:
        spend(household, books, amount, on)
    for amount, on in [("8", date(2028, 3, 3)), ("16", date(2028, 3, 4))]:
        spend(household, books, amount, on)
    budget = make_budget(household, {"Groceries": "20"}, start=date(2028, 2, 19), period="weekly")
    body = status(budget, date(2028, 3, 1), history=1)
    assert (body["period_start"], body["period_end"]) == (date(2028, 2, 26), date(2028, 3, 3))
    assert lines(body) == {"Groceries": ("20.00", "14.00", "6.00", 70.0)}
    assert body["lines"][0]["pace"]["actual_spent"] == "6.00"  # 26 Feb and 29 Feb; 3 March is later
    assert (body["history"][0]["period_start"], spent(body["history"][0])) == (
        date(2028, 2, 19),
        {"Groceries": "1.00"},
    )


def test_monthly_anchor_on_the_31st_through_february(household, books):
    for amount, on in [
        ("1", date(2027, 1, 31)),
        ("2", date(2027, 2, 27)),
        ("4", date(2027, 2, 28)),
        ("8", date(2027, 3, 30)),
        ("16", date(2027, 3, 31)),
    ]:
        spend(household, books, amount, on)
    budget = make_budget(household, {"Groceries": "100"}, start=date(2027, 1, 31))
    body = status(budget, date(2027, 3, 15), history=1)
    assert (body["period_start"], body["period_end"]) == (date(2027, 2, 28), date(2027, 3, 30))
    assert spent(body) == {"Groceries": "12.00"}
    january = body["history"][0]
    assert (january["period_start"], january["period_end"], spent(january)) == (
        date(2027, 1, 31),
        date(2027, 2, 27),
        {"Groceries": "3.00"},
    )
    assert spent(status(budget, date(2027, 3, 31))) == {"Groceries": "16.00"}


def test_quarterly_status_at_the_year_boundary(household, books):
    spend(household, books, "5", date(2026, 9, 30))
    spend(household, books, "10", date(2026, 10, 1))
    spend(household, books, "20", date(2026, 11, 15))
    spend(household, books, "40", date(2026, 12, 31))
    spend(household, books, "80", date(2027, 1, 1))
    budget = make_budget(household, {"Groceries": "300"}, period="quarterly")
    body = status(budget, date(2027, 2, 10), history=1)
    assert (body["period_start"], body["period_end"], spent(body)) == (
        date(2027, 1, 1),
        date(2027, 3, 31),
        {"Groceries": "80.00"},
    )
    q4 = body["history"][0]
    assert (q4["period_start"], q4["period_end"], spent(q4)) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
        {"Groceries": "70.00"},
    )


def test_quarterly_from_mid_month_mixes_partial_and_whole_months(household, books):
    for amount, on in [
        ("1", date(2026, 11, 14)),
        ("2", date(2026, 11, 15)),
        ("4", date(2026, 12, 10)),
        ("8", date(2027, 1, 20)),
        ("16", date(2027, 2, 14)),
        ("32", date(2027, 2, 15)),
    ]:
        spend(household, books, amount, on)
    budget = make_budget(household, {"Groceries": "100"}, start=date(2026, 11, 15), period="quarterly")
    body = status(budget, date(2027, 1, 1))
    assert (body["period_start"], body["period_end"], spent(body)) == (
        date(2026, 11, 15),
        date(2027, 2, 14),
        {"Groceries": "30.00"},
    )


def test_yearly_status_and_the_year_before(household, books):
    spend(household, books, "100", date(2026, 12, 31))
    spend(household, books, "250", date(2027, 1, 1))
    spend(household, books, "50", date(2027, 6, 30))
    budget = make_budget(household, {"Groceries": "1000"}, period="yearly")
    body = status(budget, date(2027, 6, 30), history=1)
    assert (body["period_start"], body["period_end"]) == (date(2027, 1, 1), date(2027, 12, 31))
    assert lines(body) == {"Groceries": ("1000.00", "300.00", "700.00", 30.0)}
    pace = body["lines"][0]["pace"]
    # 181 of 365 days: 1000 × 181 / 365 = 495.89.
    assert (pace["elapsed_days"], pace["total_days"], pace["expected_spent"]) == (181, 365, "495.89")
    assert spent(body["history"][0]) == {"Groceries": "100.00"}


def test_yearly_from_a_leap_day(household, books):
    spend(household, books, "1", date(2028, 2, 29))
    spend(household, books, "2", date(2029, 2, 27))
    spend(household, books, "4", date(2029, 2, 28))
    budget = make_budget(household, {"Groceries": "100"}, start=date(2028, 2, 29), period="yearly")
    body = status(budget, date(2029, 3, 1), history=1)
    assert (body["period_start"], body["period_end"], spent(body)) == (
        date(2029, 2, 28),
        date(2030, 2, 27),
        {"Groceries": "4.00"},
    )
    assert (body["history"][0]["period_end"], spent(body["history"][0])) == (date(2029, 2, 27), {"Groceries": "3.00"})


def test_custom_range_status_and_no_pace_after_it_ends(household, books):
    for amount, on in [
        ("1", date(2026, 6, 9)),
        ("2", date(2026, 6, 10)),
        ("4", date(2026, 7, 15)),
        ("8", date(2026, 9, 20)),
        ("16", date(2026, 9, 21)),
    ]:
        spend(household, books, amount, on)
    budget = make_budget(
        household, {"Groceries": "20"}, start=date(2026, 6, 10), end_date=date(2026, 9, 20), period="custom"
    )
    inside = status(budget, date(2026, 7, 31), history=3)
    assert (inside["period_start"], inside["period_end"], inside["history"]) == (
        date(2026, 6, 10),
        date(2026, 9, 20),
        [],
    )
    assert lines(inside) == {"Groceries": ("20.00", "14.00", "6.00", 70.0)}
    assert inside["lines"][0]["pace"]["actual_spent"] == "6.00"
    after = status(budget, date(2026, 12, 1))
    assert spent(after) == {"Groceries": "14.00"}
    assert "pace" not in after["lines"][0]


def test_total_only_budget_counts_every_expense_including_uncategorized(household, books):
    spend(household, books, "30", date(2026, 3, 2))
    spend(household, books, "45", date(2026, 3, 3), "Rent")
    make_txn(household, books["checking"], "expense", "25", date(2026, 3, 4))  # no category
    spend(household, books, "99", date(2026, 3, 9))  # next week
    budget = make_budget(household, start=date(2026, 3, 2), period="weekly", total_amount=D("80"))
    body = status(budget, date(2026, 3, 8))
    assert body["lines"] == []
    total = body["total"]
    assert (total["budgeted"], total["spent"], total["remaining"], total["percent"], total["cap"]) == (
        "80.00",
        "100.00",
        "-20.00",
        125.0,
        "80.00",
    )


def test_total_amount_caps_the_lines_combined(household, books):
    spend(household, books, "150", date(2026, 3, 2))
    spend(household, books, "90", date(2026, 3, 3), "Dining out")
    spend(household, books, "500", date(2026, 3, 3), "Rent")
    budget = make_budget(household, {"Groceries": "200", "Dining out": "100"}, total_amount=D("250"))
    total = status(budget, date(2026, 3, 31))["total"]
    assert (total["budgeted"], total["spent"], total["remaining"], total["unbudgeted_spent"]) == (
        "250.00",
        "240.00",
        "10.00",
        "500.00",
    )


def test_budget_in_another_currency_converts_at_the_period_end_rate(household, books):
    spend(household, books, "110", date(2026, 1, 10))
    spend(household, books, "55", date(2026, 2, 10))
    rate_create(household=household, actor=None, base="EUR", quote="USD", rate=D("1.25"), date=date(2026, 2, 28))
    budget = make_budget(household, {"Groceries": "200"}, currency="EUR")
    body = status(budget, date(2026, 2, 10), history=1)
    assert body["currency"] == "EUR"
    # February ends on the 28th: 1 USD = 1 / 1.25 = 0.8 EUR.
    assert spent(body) == {"Groceries": "44.00"}
    assert body["exchange_rate"] == {"base": "USD", "quote": "EUR", "rate": "0.800000000000", "date": date(2026, 2, 28)}
    # January ends on the 31st with only the 1.10 rate: 110 USD = 100 EUR.
    assert spent(body["history"][0]) == {"Groceries": "100.00"}


def test_budget_currency_without_a_rate_is_reported_unconverted(household, books):
    spend(household, books, "10", date(2026, 3, 3))
    budget = make_budget(household, {"Groceries": "200"}, currency="GBP")
    body = status(budget, date(2026, 3, 3))
    assert body["unconverted"] is True
    assert lines(body) == {"Groceries": ("200.00", None, None, None)}
    assert body["total"]["spent"] is None


def test_member_view_shows_what_one_member_spent(household, user, books):
    from finance.households.models import Membership, Role
    from finance.users.tests.factories import UserFactory

    partner = UserFactory()
    Membership.objects.create(household=household, user=partner, role=Role.EDITOR)
    for actor, amount, on in [(user, "40", date(2026, 3, 2)), (partner, "25", date(2026, 3, 3))]:
        ledger.transaction_create(
            household=household,
            actor=actor,
            data=TransactionInput(
                account=books["checking"], type="expense", amount=D(amount), date=on, category=books["Groceries"]
            ),
        )
    budget = make_budget(household, {"Groceries": "100"})
    body = status(budget, date(2026, 3, 10), member=partner)
    assert body["member"] == {"id": partner.pk, "username": partner.username}
    [line] = body["lines"]
    assert (line["spent"], line["household_spent"], line["remaining"], line["percent"]) == (
        "25.00",
        "65.00",
        "75.00",
        25.0,
    )
    assert line["pace"]["actual_spent"] == "25.00"
    assert body["total"]["spent"] == "25.00"
    assert status(budget, date(2026, 3, 10), member=user)["lines"][0]["spent"] == "40.00"
