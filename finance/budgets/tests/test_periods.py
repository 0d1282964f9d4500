"""A budget's calendar: period boundaries for every period type, anchored at start_date."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from finance.budgets.periods import BudgetCalendar, shift_months


def periods(cal: BudgetCalendar, count: int) -> list[tuple[date, date]]:
    return [cal.range(k) for k in range(count)]


def test_weekly_periods_are_seven_days_from_the_anchor():
    cal = BudgetCalendar("weekly", date(2026, 3, 4))  # a Wednesday
    assert periods(cal, 2) == [(date(2026, 3, 4), date(2026, 3, 10)), (date(2026, 3, 11), date(2026, 3, 17))]
    assert cal.index_of(date(2026, 3, 10)) == 0
    assert cal.index_of(date(2026, 3, 11)) == 1


def test_weekly_period_across_a_leap_day_and_a_year_end():
    cal = BudgetCalendar("weekly", date(2028, 2, 26))
    assert cal.range(0) == (date(2028, 2, 26), date(2028, 3, 3))  # 29 Feb 2028 inside
    cal = BudgetCalendar("weekly", date(2026, 12, 28))
    assert cal.range(0) == (date(2026, 12, 28), date(2027, 1, 3))


def test_monthly_periods_on_the_first_are_calendar_months():
    cal = BudgetCalendar("monthly", date(2028, 1, 1))
    assert periods(cal, 3) == [
        (date(2028, 1, 1), date(2028, 1, 31)),
        (date(2028, 2, 1), date(2028, 2, 29)),
        (date(2028, 3, 1), date(2028, 3, 31)),
    ]
    assert cal.index_of(date(2028, 2, 29)) == 1


def test_monthly_anchor_on_the_31st_starts_on_each_months_last_day():
    cal = BudgetCalendar("monthly", date(2027, 1, 31))
    assert periods(cal, 4) == [
        (date(2027, 1, 31), date(2027, 2, 27)),
        (date(2027, 2, 28), date(2027, 3, 30)),
        (date(2027, 3, 31), date(2027, 4, 29)),
        (date(2027, 4, 30), date(2027, 5, 30)),
    ]
    assert cal.index_of(date(2027, 2, 27)) == 0
    assert cal.index_of(date(2027, 2, 28)) == 1
    assert cal.index_of(date(2027, 3, 30)) == 1
    assert cal.index_of(date(2027, 3, 31)) == 2


def test_monthly_anchor_on_the_31st_in_a_leap_year():
    cal = BudgetCalendar("monthly", date(2028, 1, 31))
    assert cal.range(0) == (date(2028, 1, 31), date(2028, 2, 28))
    assert cal.range(1) == (date(2028, 2, 29), date(2028, 3, 30))


def test_quarterly_periods_cross_the_year_boundary():
    cal = BudgetCalendar("quarterly", date(2026, 11, 15))
    assert periods(cal, 2) == [(date(2026, 11, 15), date(2027, 2, 14)), (date(2027, 2, 15), date(2027, 5, 14))]
    cal = BudgetCalendar("quarterly", date(2026, 1, 1))
    assert [cal.range(k) for k in (3, 4)] == [
        (date(2026, 10, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 3, 31)),
    ]
    assert cal.index_of(date(2026, 12, 31)) == 3
    assert cal.index_of(date(2027, 1, 1)) == 4


def test_quarterly_anchor_on_the_31st():
    cal = BudgetCalendar("quarterly", date(2026, 8, 31))
    assert periods(cal, 3) == [
        (date(2026, 8, 31), date(2026, 11, 29)),
        (date(2026, 11, 30), date(2027, 2, 27)),
        (date(2027, 2, 28), date(2027, 5, 30)),
    ]


def test_yearly_anchor_on_a_leap_day():
    cal = BudgetCalendar("yearly", date(2028, 2, 29))
    assert periods(cal, 2) == [(date(2028, 2, 29), date(2029, 2, 27)), (date(2029, 2, 28), date(2030, 2, 27))]
    assert cal.range(4) == (date(2032, 2, 29), date(2033, 2, 27))
    assert cal.index_of(date(2029, 2, 27)) == 0
    assert cal.index_of(date(2029, 2, 28)) == 1


def test_yearly_calendar_years():
    cal = BudgetCalendar("yearly", date(2026, 1, 1))
    assert cal.range(1) == (date(2027, 1, 1), date(2027, 12, 31))
    assert cal.index_of(date(2026, 12, 31)) == 0
    assert cal.index_of(date(2027, 1, 1)) == 1


def test_custom_range_is_one_period_and_clamps():
    cal = BudgetCalendar("custom", date(2026, 6, 10), date(2026, 9, 20))
    assert cal.range(0) == (date(2026, 6, 10), date(2026, 9, 20))
    assert cal.index_of(date(2026, 1, 1)) == 0
    assert cal.index_of(date(2030, 1, 1)) == 0
    assert cal.covers(date(2026, 9, 20))
    assert not cal.covers(date(2026, 9, 21))


def test_end_date_cuts_the_last_period_and_clamps_later_dates():
    cal = BudgetCalendar("monthly", date(2026, 1, 1), date(2026, 3, 15))
    assert cal.last_index == 2
    assert cal.range(2) == (date(2026, 3, 1), date(2026, 3, 15))
    assert cal.index_of(date(2026, 12, 1)) == 2
    assert cal.index_of(date(2025, 12, 1)) == 0


def test_period_numbers_start_at_zero():
    with pytest.raises(ValueError, match="from 0"):
        BudgetCalendar("monthly", date(2026, 1, 1)).range(-1)


def test_shift_months_clamps_to_month_end():
    assert shift_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert shift_months(date(2026, 1, 31), 13) == date(2027, 2, 28)
    assert shift_months(date(2027, 3, 31), 11) == date(2028, 2, 29)


@given(
    period=st.sampled_from(["weekly", "monthly", "quarterly", "yearly"]),
    anchor=st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31)),
    offset=st.integers(min_value=0, max_value=5000),
)
def test_periods_tile_the_calendar(period, anchor, offset):
    """Every day after the anchor is in exactly one period, and consecutive periods touch."""
    cal = BudgetCalendar(period, anchor)
    day = anchor + timedelta(days=offset)
    k = cal.index_of(day)
    start, end = cal.range(k)
    assert start <= day <= end
    assert cal.range(k + 1)[0] == end + timedelta(days=1)
    if k > 0:
        assert cal.range(k - 1)[1] == start - timedelta(days=1)
