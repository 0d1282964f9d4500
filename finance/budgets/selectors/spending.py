"""Spending per period: expense per category, in the household's base currency.

Spending comes from the ledger's per-month, per-category aggregates for the
whole calendar months inside a period and from raw rows only for the partial
months at its edges; :func:`spend_by_period` answers any number of periods in
two queries. Amounts are the household's base-currency amounts (splits count
per split category; transfers and excluded transactions do not count;
transactions with no exchange rate are left out, as in analytics);
:mod:`finance.budgets.selectors.status` converts them into the budget's
currency at each period's end-date rate.
"""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Q, Sum
from django.db.models.functions import Coalesce

from finance.core.dates import Period
from finance.core.money import ZERO
from finance.ledger.models import UNCATEGORIZED, CategoryMonthly, CategoryType, Transaction, TransactionType

Spend = dict[uuid.UUID, Decimal]


def _merged(ranges: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """Overlapping or adjacent date ranges joined, in order."""
    merged: list[tuple[date, date]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def _daily_spend(
    household_id: uuid.UUID, ranges: Sequence[tuple[date, date]], member_id: Any = None
) -> tuple[list[date], list[Spend]]:
    """Expense per (date, category) over the ranges, in one query: splits per split category."""
    if not ranges:
        return [], []
    within = Q()
    for lo, hi in _merged(ranges):
        within |= Q(date__gte=lo, date__lte=hi)
    rows = Transaction.objects.filter(
        within,
        household_id=household_id,
        type=TransactionType.EXPENSE,
        is_excluded=False,
        amount_in_base_currency__isnull=False,
    )
    if member_id is not None:
        rows = rows.filter(created_by_id=member_id)
    grouped = (
        rows.annotate(
            # A transaction with splits counts once per split, under the split's category.
            spend_category=Coalesce("splits__category_id", "category_id"),
            spend_amount=Coalesce("splits__amount_in_base_currency", "amount_in_base_currency"),
        )
        .order_by()
        .values("date", "spend_category")
        .annotate(total=Sum("spend_amount"))
        .values_list("date", "spend_category", "total")
    )
    by_day: dict[date, Spend] = defaultdict(dict)
    for day, category_id, total in grouped:
        key = _as_uuid(category_id) if category_id is not None else UNCATEGORIZED
        by_day[day][key] = by_day[day].get(key, ZERO) + (total or ZERO)
    days = sorted(by_day)
    return days, [by_day[d] for d in days]


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _add_into(target: Spend, source: Spend) -> None:
    for key, amount in source.items():
        target[key] = target.get(key, ZERO) + amount


def spend_by_period(
    *, household_id: uuid.UUID, ranges: Sequence[tuple[date, date]], member_id: Any = None
) -> list[Spend]:
    """Expense per category (base currency) for each date range, in a constant number of queries.

    Whole calendar months come from ``CategoryMonthly`` (one query for all of
    them); the rest, or everything when ``member_id`` narrows to the
    transactions one person created, from one raw query grouped by date and
    category.
    """
    results: list[Spend] = [{} for _ in ranges]
    if not ranges:
        return results
    whole: list[list[date]] = []
    partial: list[list[tuple[date, date]]] = []
    for lo, hi in ranges:
        if member_id is None:
            period = Period(lo, hi)
            whole.append(period.whole_months())
            partial.append(period.partial_ranges())
        else:
            whole.append([])
            partial.append([(lo, hi)])

    months = sorted({m for ms in whole for m in ms})
    if months:
        by_month: dict[date, Spend] = defaultdict(dict)
        rows = CategoryMonthly.objects.filter(
            household_id=household_id, kind=CategoryType.EXPENSE, month__in=months
        ).values_list("month", "category_key", "total")
        for month, key, total in rows:
            by_month[month][key] = by_month[month].get(key, ZERO) + total
        for result, ms in zip(results, whole, strict=True):
            for month in ms:
                _add_into(result, by_month.get(month, {}))

    days, spends = _daily_spend(household_id, [r for rs in partial for r in rs], member_id)
    for result, rs in zip(results, partial, strict=True):
        for lo, hi in rs:
            for i in range(bisect.bisect_left(days, lo), bisect.bisect_right(days, hi)):
                _add_into(result, spends[i])
    return results
