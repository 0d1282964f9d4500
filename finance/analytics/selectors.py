"""Analytics over the ledger, read from the monthly aggregates wherever the period allows.

Whole months come from ``MonthlySummary`` / ``CategoryMonthly`` /
``AccountMonthly``; only the partial months at the edges of a period (and
day/week intervals) read transactions, through the household/date index.
Amounts are in the household's base currency; transfers are neither income
nor expense; excluded transactions are ignored; splits count per split
category; amounts with no exchange rate are left out and reported.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDay, TruncWeek
from django.utils import timezone

from finance.core.dates import Period, add_months, first_of_month, last_of_month, months_between
from finance.core.money import ZERO, present
from finance.currency.selectors import RateCache
from finance.households.models import Household
from finance.ledger.models import (
    LIABILITY_TYPES,
    UNCATEGORIZED,
    Account,
    AccountMonthly,
    Category,
    CategoryMonthly,
    CategoryType,
    MonthlySummary,
    Split,
    Transaction,
    TransactionType,
)

MAX_MONTHS = 120


def _counted(household_id: uuid.UUID) -> Any:
    """Transactions that count as income or expense."""
    return Transaction.objects.filter(household_id=household_id, is_excluded=False).exclude(
        type=TransactionType.TRANSFER
    )


# --- Income and expense per month ---------------------------------------------------------------


@dataclass
class MonthTotals:
    income: Decimal = ZERO
    expense: Decimal = ZERO
    count: int = 0
    unconverted: int = 0


def monthly_totals(household_id: uuid.UUID, period: Period) -> dict[date, MonthTotals]:
    totals: dict[date, MonthTotals] = {m: MonthTotals() for m in months_between(period.start, period.end)}
    whole = period.whole_months()
    if whole:
        for row in MonthlySummary.objects.filter(household_id=household_id, month__in=whole):
            totals[row.month] = MonthTotals(row.income, row.expense, row.transaction_count, row.unconverted_count)
    for lo, hi in period.partial_ranges():
        bucket = totals[first_of_month(lo)]
        rows = (
            Transaction.objects.filter(household_id=household_id, is_excluded=False, date__gte=lo, date__lte=hi)
            .values("type")
            .annotate(
                total=Sum("amount_in_base_currency"),
                n=Count("id"),
                unconverted=Count("id", filter=Q(amount_in_base_currency__isnull=True)),
            )
        )
        for flow in rows:
            bucket.count += flow["n"]
            if flow["type"] == TransactionType.TRANSFER:
                continue
            bucket.unconverted += flow["unconverted"]
            if flow["type"] == TransactionType.INCOME:
                bucket.income += flow["total"] or ZERO
            else:
                bucket.expense += flow["total"] or ZERO
    return totals


def _unconverted_summary(household_id: uuid.UUID, period: Period) -> dict[str, Any]:
    rows = (
        _counted(household_id)
        .filter(date__gte=period.start, date__lte=period.end, amount_in_base_currency__isnull=True)
        .values("currency")
        .annotate(total=Sum("amount"), n=Count("id"))
        .order_by("currency")
    )
    by_currency = {row["currency"]: present(row["total"], row["currency"]) for row in rows}
    return {"count": sum(row["n"] for row in rows), "by_currency": by_currency}


def summary(household: Household, period: Period) -> dict[str, Any]:
    code = household.base_currency
    totals = monthly_totals(household.id, period)
    results = []
    unconverted = 0
    for month, t in totals.items():
        net = t.income - t.expense
        unconverted += t.unconverted
        results.append(
            {
                "period": f"{month:%Y-%m}",
                "income": present(t.income, code),
                "expense": present(t.expense, code),
                "net": present(net, code),
                "savings_rate": round(float(net / t.income), 4) if t.income else None,
            }
        )
    body: dict[str, Any] = {"currency": code, "start_date": period.start, "end_date": period.end, "results": results}
    body["unconverted"] = _unconverted_summary(household.id, period) if unconverted else {"count": 0, "by_currency": {}}
    return body


# --- Category breakdown ---------------------------------------------------------------------------


def category_totals(household_id: uuid.UUID, period: Period, kind: str) -> dict[uuid.UUID, list[Any]]:
    """category id (or UNCATEGORIZED) → [total, count] over the period."""
    totals: dict[uuid.UUID, list[Any]] = defaultdict(lambda: [ZERO, 0])
    whole = period.whole_months()
    if whole:
        rows = (
            CategoryMonthly.objects.filter(household_id=household_id, kind=kind, month__in=whole)
            .values("category_key")
            .annotate(total=Sum("total"), n=Sum("count"))
        )
        for row in rows:
            totals[row["category_key"]][0] += row["total"] or ZERO
            totals[row["category_key"]][1] += row["n"] or 0
    for lo, hi in period.partial_ranges():
        base = _counted(household_id).filter(
            type=kind, date__gte=lo, date__lte=hi, amount_in_base_currency__isnull=False
        )
        whole_rows = (
            base.filter(splits__isnull=True)
            .values("category_id")
            .annotate(total=Sum("amount_in_base_currency"), n=Count("id"))
        )
        for plain in whole_rows:
            bucket = totals[plain["category_id"] or UNCATEGORIZED]
            bucket[0] += plain["total"] or ZERO
            bucket[1] += plain["n"]
        split_rows = (
            Split.objects.filter(transaction__in=base.values("id"))
            .values("category_id")
            .annotate(total=Sum("amount_in_base_currency"), n=Count("id"))
        )
        for part in split_rows:
            bucket = totals[part["category_id"]]
            bucket[0] += part["total"] or ZERO
            bucket[1] += part["n"]
    return totals


def category_breakdown(
    household: Household, period: Period, kind: str = CategoryType.EXPENSE, level: str = "leaf"
) -> dict[str, Any]:
    code = household.base_currency
    totals = category_totals(household.id, period, kind)
    categories = {c.id: c for c in Category.objects.filter(household=household)}
    if level == "top":
        rolled: dict[uuid.UUID, list[Any]] = defaultdict(lambda: [ZERO, 0])
        for key, (total, count) in totals.items():
            node = categories.get(key)
            while node is not None and node.parent_id is not None:
                node = categories.get(node.parent_id)
            target = node.id if node is not None else key
            rolled[target][0] += total
            rolled[target][1] += count
        totals = rolled
    grand = sum((t for t, _ in totals.values()), ZERO)
    results = []
    for key, (total, count) in sorted(totals.items(), key=lambda kv: (-kv[1][0], str(kv[0]))):
        if not total and not count:
            continue
        category = categories.get(key)
        results.append(
            {
                "category": category.id if category else None,
                "name": category.name if category else "Uncategorized",
                "parent": category.parent_id if category else None,
                "total": present(total, code),
                "count": count,
                "share": round(float(total / grand), 4) if grand else 0.0,
            }
        )
    return {
        "currency": code,
        "type": kind,
        "start_date": period.start,
        "end_date": period.end,
        "total": present(grand, code),
        "results": results,
    }


# --- Cashflow ----------------------------------------------------------------------------------------


def cashflow(household: Household, period: Period, interval: str = "month") -> dict[str, Any]:
    code = household.base_currency
    buckets: dict[date, list[Decimal]] = {}
    if interval == "month":
        for month, t in monthly_totals(household.id, period).items():
            buckets[month] = [t.income, t.expense]
    else:
        trunc = TruncDay("date") if interval == "day" else TruncWeek("date")
        rows = (
            _counted(household.id)
            .filter(date__gte=period.start, date__lte=period.end, amount_in_base_currency__isnull=False)
            .annotate(bucket=trunc)
            .values("bucket", "type")
            .annotate(total=Sum("amount_in_base_currency"))
            .order_by("bucket")
        )
        for row in rows:
            day = row["bucket"].date() if hasattr(row["bucket"], "date") else row["bucket"]
            pair = buckets.setdefault(day, [ZERO, ZERO])
            pair[0 if row["type"] == TransactionType.INCOME else 1] += row["total"] or ZERO
        step = timedelta(days=1 if interval == "day" else 7)
        cursor = period.start if interval == "day" else period.start - timedelta(days=period.start.weekday())
        while cursor <= period.end:
            buckets.setdefault(cursor, [ZERO, ZERO])
            cursor += step
    results = []
    for key in sorted(buckets):
        income, expense = buckets[key]
        label = f"{key:%Y-%m}" if interval == "month" else key.isoformat()
        results.append(
            {
                "period": label,
                "income": present(income, code),
                "expense": present(expense, code),
                "net": present(income - expense, code),
            }
        )
    return {
        "currency": code,
        "interval": interval,
        "start_date": period.start,
        "end_date": period.end,
        "results": results,
    }


# --- Net worth -------------------------------------------------------------------------------------


def net_worth(household: Household, start: date | None = None, end: date | None = None) -> dict[str, Any]:
    """Assets, liabilities and net worth at each month's end, at that day's exchange rates."""
    code = household.base_currency
    today = timezone.localdate()
    end_month = first_of_month(end or today)
    accounts = list(Account.objects.filter(household=household, include_in_net_worth=True))
    flows = (
        AccountMonthly.objects.filter(household=household, account__in=accounts, month__lte=end_month)
        .values_list("account_id", "month", "income", "expense", "transfers_in", "transfers_out")
        .order_by("month")
    )
    changes: dict[uuid.UUID, dict[date, Decimal]] = defaultdict(dict)
    first_month = end_month
    for account_id, month, income, expense, t_in, t_out in flows:
        changes[account_id][month] = income - expense + t_in - t_out
        first_month = min(first_month, month)
    if start is not None:
        first_month = first_of_month(start)
    first_month = max(first_month, add_months(end_month, -(MAX_MONTHS - 1)))

    rates = RateCache(household.id)
    running = {a.id: a.opening_balance for a in accounts}
    for account in accounts:  # months before the range still count towards the balance
        running[account.id] += sum((v for m, v in changes[account.id].items() if m < first_month), ZERO)
    results = []
    unconverted: set[str] = set()
    for month in months_between(first_month, last_of_month(end_month)):
        as_of = min(last_of_month(month), today) if month <= first_of_month(today) else last_of_month(month)
        assets = liabilities = ZERO
        for account in accounts:
            running[account.id] += changes[account.id].get(month, ZERO)
            rate = rates.get(account.currency, code, as_of)
            if rate is None:
                unconverted.add(account.currency)
                continue
            value = rate.convert(running[account.id])
            if account.type in LIABILITY_TYPES:
                liabilities -= value
            else:
                assets += value
        results.append(
            {
                "period": f"{month:%Y-%m}",
                "assets": present(assets, code),
                "liabilities": present(liabilities, code),
                "net_worth": present(assets - liabilities, code),
            }
        )
    return {"currency": code, "interval": "month", "results": results, "unconverted_currencies": sorted(unconverted)}


# --- Balance --------------------------------------------------------------------------------------


def lifetime_totals(household: Household) -> MonthTotals:
    """All-time income, expense and counts in the base currency, from the monthly aggregates."""
    totals = MonthlySummary.objects.filter(household=household).aggregate(
        income=Sum("income"), expense=Sum("expense"), n=Sum("transaction_count"), unconverted=Sum("unconverted_count")
    )
    return MonthTotals(
        totals["income"] or ZERO, totals["expense"] or ZERO, totals["n"] or 0, totals["unconverted"] or 0
    )


def balance(household: Household, account: Account | None = None) -> dict[str, Any]:
    """AN-1. The household: all-time income − expense in the base currency (excluded transactions, transfers
    and amounts without a rate left out). One account: its running balance in its currency (all the money in
    it, excluded transactions included), with the income, expense and count of its non-excluded transactions.
    """
    now = timezone.now()
    if account is not None:
        flows = AccountMonthly.objects.filter(account=account).aggregate(
            income=Sum(F("income") - F("excluded_income")),
            expense=Sum(F("expense") - F("excluded_expense")),
            n=Sum(F("count") - F("excluded_count")),
        )
        return {
            "balance": present(account.balance, account.currency),
            "income": present(flows["income"] or ZERO, account.currency),
            "expense": present(flows["expense"] or ZERO, account.currency),
            "currency": account.currency,
            "transaction_count": flows["n"] or 0,
            "as_of": now,
        }
    code = household.base_currency
    totals = lifetime_totals(household)
    unconverted: list[str] = []
    if totals.unconverted:
        unconverted = list(
            _counted(household.id)
            .filter(amount_in_base_currency__isnull=True)
            .order_by("currency")
            .values_list("currency", flat=True)
            .distinct()
        )
    return {
        "balance": present(totals.income - totals.expense, code),
        "income": present(totals.income, code),
        "expense": present(totals.expense, code),
        "currency": code,
        "transaction_count": totals.count,
        "unconverted_transactions": totals.unconverted,
        "unconverted_currencies": unconverted,
        "as_of": now,
    }
