"""Calendar months and periods: the date arithmetic every domain's monthly figures share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone

from finance.core.exceptions import ErrorCode, Issue

# The dates the application works with. Calendar arithmetic (the month after, a period's end, a week's
# start) must stay representable: date.max is 9999-12-31, so a period in year 9999 runs past it. Every date
# that comes in (a transaction's, a rate's, a budget's, an analytics period's) is kept between these.
EARLIEST = date(1970, 1, 1)
LATEST = date(2100, 12, 31)


def date_problem(day: date | None) -> Issue | None:
    """Why ``day`` is outside the supported dates, or ``None``."""
    if day is not None and not EARLIEST <= day <= LATEST:
        return Issue(code=ErrorCode.OUT_OF_RANGE, message=f"Dates run between {EARLIEST} and {LATEST}.")
    return None


def within_dates(day: date | None) -> date | None:
    """``day`` when it is a supported date, else ``None`` (for optional inputs such as a page's ``?date=``)."""
    return day if date_problem(day) is None else None


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def last_of_month(month: date) -> date:
    return add_months(first_of_month(month), 1) - timedelta(days=1)


def months_between(start: date, end: date) -> Iterator[date]:
    month = first_of_month(start)
    while month <= end:
        yield month
        month = add_months(month, 1)


def default_period(today: date | None = None) -> tuple[date, date]:
    """The last 12 months, this one included."""
    today = today or timezone.localdate()
    return add_months(first_of_month(today), -11), last_of_month(today)


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def whole_months(self) -> list[date]:
        return [m for m in months_between(self.start, self.end) if m >= self.start and last_of_month(m) <= self.end]

    def partial_ranges(self) -> list[tuple[date, date]]:
        """Date ranges inside the period that do not cover a whole month."""
        ranges = []
        for month in months_between(self.start, self.end):
            lo, hi = max(month, self.start), min(last_of_month(month), self.end)
            if (lo, hi) != (month, last_of_month(month)):
                ranges.append((lo, hi))
        return ranges
