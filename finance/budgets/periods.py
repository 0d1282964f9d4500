"""A budget's calendar: which dates make up its n-th period.

``start_date`` anchors every period. Weekly periods are 7 days from it;
monthly, quarterly and yearly periods start on the anchor's day of the month
1, 3 or 12 months later, moved to the month's last day when the month is
shorter (an anchor on 31 January starts periods on 28/29 February, 31 March,
30 April, …; an anchor on 29 February starts yearly periods on 28 February in
common years). Each period ends the day before the next one starts. A custom
budget has one period, ``start_date`` to ``end_date``. A recurring budget
with an ``end_date`` stops there: its last period is cut short on that day.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from finance.budgets.models import BudgetPeriod
from finance.core.dates import EARLIEST as EARLIEST
from finance.core.dates import LATEST as LATEST

# Budgets live between the application's dates (finance.core.dates): keeps every period's end representable
# and rollover chains bounded.
MONTHS_PER_PERIOD = {BudgetPeriod.MONTHLY: 1, BudgetPeriod.QUARTERLY: 3, BudgetPeriod.YEARLY: 12}


def shift_months(anchor: date, months: int) -> date:
    """The anchor's day, ``months`` later, clamped to the end of a shorter month."""
    index = anchor.year * 12 + anchor.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(anchor.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class BudgetCalendar:
    period: str
    start_date: date
    end_date: date | None = None

    @property
    def last_index(self) -> int | None:
        """The index of the last period, or ``None`` when the budget runs on."""
        if self.period == BudgetPeriod.CUSTOM:
            return 0
        if self.end_date is None:
            return None
        return self._raw_index(self.end_date)

    def _raw_index(self, day: date) -> int:
        if self.period == BudgetPeriod.CUSTOM or day < self.start_date:
            return 0
        if self.period == BudgetPeriod.WEEKLY:
            return (day - self.start_date).days // 7
        step = MONTHS_PER_PERIOD[BudgetPeriod(self.period)]
        months = (day.year - self.start_date.year) * 12 + day.month - self.start_date.month
        index = months // step
        if shift_months(self.start_date, index * step) > day:
            index -= 1
        return index

    def index_of(self, day: date) -> int:
        """The period containing ``day``; days before the start or after the end give the first or last period."""
        index = self._raw_index(day)
        last = self.last_index
        return min(index, last) if last is not None else index

    def range(self, index: int) -> tuple[date, date]:
        """First and last day of the ``index``-th period (0 is the first)."""
        if index < 0:
            raise ValueError("Periods are numbered from 0.")
        if self.period == BudgetPeriod.CUSTOM:
            assert self.end_date is not None
            return self.start_date, self.end_date
        if self.period == BudgetPeriod.WEEKLY:
            start = self.start_date + timedelta(days=7 * index)
            end = start + timedelta(days=6)
        else:
            step = MONTHS_PER_PERIOD[BudgetPeriod(self.period)]
            start = shift_months(self.start_date, index * step)
            end = shift_months(self.start_date, (index + 1) * step) - timedelta(days=1)
        if self.end_date is not None:
            end = min(end, self.end_date)
        return start, end

    def covers(self, day: date) -> bool:
        """Whether ``day`` falls in one of the budget's periods."""
        return day >= self.start_date and (self.end_date is None or day <= self.end_date)
