"""Calendar months and periods: the date arithmetic every domain's monthly figures share."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone


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
