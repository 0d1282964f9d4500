"""Recompute derived data from raw transactions and compare it with what is stored.

The recomputation is independent of :mod:`finance.ledger.effects`: plain SQL
aggregates over transactions and splits. A difference means drift (or a bug in
the incremental path); ``repair`` rewrites the derived rows from the
recomputation.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q
from django.db.models.functions import TruncMonth

from finance.core.aggregates import ExactSum
from finance.core.exceptions import FieldError
from finance.core.money import ZERO, aggregate_problem
from finance.ledger.models import (
    UNCATEGORIZED,
    Account,
    AccountMonthly,
    CategoryMonthly,
    MonthlySummary,
    Split,
    Transaction,
    TransactionType,
)

# SQLite sums binary floats: each addition may be off by a unit in the last of ~16 digits of the larger value.
_SQLITE_RELATIVE = Decimal("1e-12")


def tolerance(expected: Decimal = ZERO) -> Decimal:
    """How far a stored aggregate may be from ``expected``: PostgreSQL stores NUMERIC exactly; SQLite stores
    decimals as binary floats (see docs/ledger.md), exact to a millionth for everyday values and to about
    twelve significant digits for the largest balances the supported range allows."""
    if connection.vendor == "postgresql":
        return ZERO
    return max(Decimal("0.000001"), abs(Decimal(expected)) * _SQLITE_RELATIVE)


@dataclass(frozen=True)
class Difference:
    kind: str
    key: tuple[Any, ...]
    stored: Any
    expected: Any

    def __str__(self) -> str:
        key = "/".join(str(part) for part in self.key)
        return f"{self.kind} {key}: stored {self.stored}, expected {self.expected}"


def _month(value: Any) -> date:
    return value.date() if hasattr(value, "date") else value


@dataclass
class Expected:
    balances: dict[uuid.UUID, Decimal]
    account_months: dict[tuple[uuid.UUID, uuid.UUID, date], list[Any]]
    months: dict[tuple[uuid.UUID, date], list[Any]]
    categories: dict[tuple[uuid.UUID, date, str, uuid.UUID], list[Any]]


def recompute(household_id: uuid.UUID) -> Expected:
    txns = Transaction.objects.filter(household_id=household_id)
    accounts = Account.objects.filter(household_id=household_id)
    balances = {a.id: a.opening_balance for a in accounts}
    # [income, expense, transfers in, transfers out, count, excluded income, excluded expense, excluded count]
    account_months: dict[tuple[uuid.UUID, uuid.UUID, date], list[Any]] = defaultdict(
        lambda: [ZERO, ZERO, ZERO, ZERO, 0, ZERO, ZERO, 0]
    )
    flow_rows = (
        txns.annotate(m=TruncMonth("date"))
        .values("account_id", "m", "type", "is_excluded")
        .annotate(total=ExactSum("amount"), n=Count("id"))
    )
    column: dict[str, int] = {TransactionType.INCOME: 0, TransactionType.EXPENSE: 1, TransactionType.TRANSFER: 3}
    for row in flow_rows:
        key = (household_id, row["account_id"], _month(row["m"]))
        account_months[key][column[row["type"]]] += row["total"]
        account_months[key][4] += row["n"]
        if row["is_excluded"]:
            if row["type"] != TransactionType.TRANSFER:
                account_months[key][5 + column[row["type"]]] += row["total"]
            account_months[key][7] += row["n"]
        sign = 1 if row["type"] == TransactionType.INCOME else -1
        balances[row["account_id"]] += sign * row["total"]
    incoming = (
        txns.filter(type=TransactionType.TRANSFER)
        .annotate(m=TruncMonth("date"))
        .values("transfer_account_id", "m")
        .annotate(total=ExactSum("transfer_amount"))
    )
    for received in incoming:
        account_months[(household_id, received["transfer_account_id"], _month(received["m"]))][2] += received["total"]
        balances[received["transfer_account_id"]] += received["total"]

    months: dict[tuple[uuid.UUID, date], list[Any]] = defaultdict(lambda: [ZERO, ZERO, 0, 0])
    summary_rows = (
        txns.filter(is_excluded=False)
        .annotate(m=TruncMonth("date"))
        .values("m", "type")
        .annotate(
            total=ExactSum("amount_in_base_currency"),
            n=Count("id"),
            unconverted=Count("id", filter=Q(amount_in_base_currency__isnull=True)),
        )
    )
    for flow in summary_rows:
        bucket = months[(household_id, _month(flow["m"]))]
        bucket[2] += flow["n"]
        if flow["type"] == TransactionType.TRANSFER:
            continue
        bucket[3] += flow["unconverted"]
        bucket[0 if flow["type"] == TransactionType.INCOME else 1] += flow["total"] or ZERO

    categories: dict[tuple[uuid.UUID, date, str, uuid.UUID], list[Any]] = defaultdict(lambda: [ZERO, 0])
    counted = txns.filter(is_excluded=False, amount_in_base_currency__isnull=False).exclude(
        type=TransactionType.TRANSFER
    )
    plain = (
        counted.filter(splits__isnull=True)
        .annotate(m=TruncMonth("date"))
        .values("m", "type", "category_id")
        .annotate(total=ExactSum("amount_in_base_currency"), n=Count("id"))
    )
    for whole in plain:
        cat_key = (household_id, _month(whole["m"]), whole["type"], whole["category_id"] or UNCATEGORIZED)
        categories[cat_key][0] += whole["total"]
        categories[cat_key][1] += whole["n"]
    parts = (
        Split.objects.filter(transaction__in=counted.values("id"))
        .annotate(m=TruncMonth(F("transaction__date")), kind=F("transaction__type"))
        .values("m", "kind", "category_id")
        .annotate(total=ExactSum("amount_in_base_currency"), n=Count("id"))
    )
    for part in parts:
        part_key = (household_id, _month(part["m"]), part["kind"], part["category_id"])
        categories[part_key][0] += part["total"] or ZERO
        categories[part_key][1] += part["n"]
    return Expected(balances, dict(account_months), dict(months), dict(categories))


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return abs(Decimal(a) - Decimal(b)) > tolerance(Decimal(b))
    return bool(a != b)


def _compare(kind: str, stored: dict[Any, list[Any]], expected: dict[Any, list[Any]], width: int) -> list[Difference]:
    zero = [ZERO] * width
    found = []
    for key in sorted(stored.keys() | expected.keys(), key=lambda k: tuple(str(p) for p in k)):
        have = stored.get(key, zero)
        want = expected.get(key, zero)
        if any(_differs(x, y) for x, y in zip(have, want, strict=True)):
            found.append(Difference(kind, key, have, want))
    return found


def verify(household_id: uuid.UUID) -> list[Difference]:
    expected = recompute(household_id)
    found = [
        Difference("balance", (account_id,), balance, expected.balances[account_id])
        for account_id, balance in Account.objects.filter(household_id=household_id).values_list("id", "balance")
        if _differs(balance, expected.balances[account_id])
    ]
    stored_am = {
        (household_id, r.account_id, r.month): [
            r.income,
            r.expense,
            r.transfers_in,
            r.transfers_out,
            r.count,
            r.excluded_income,
            r.excluded_expense,
            r.excluded_count,
        ]
        for r in AccountMonthly.objects.filter(household_id=household_id)
    }
    found += _compare("account-month", stored_am, expected.account_months, 8)
    stored_m = {
        (household_id, r.month): [r.income, r.expense, r.transaction_count, r.unconverted_count]
        for r in MonthlySummary.objects.filter(household_id=household_id)
    }
    found += _compare("month", stored_m, expected.months, 4)
    stored_c = {
        (household_id, r.month, r.kind, r.category_key): [r.total, r.count]
        for r in CategoryMonthly.objects.filter(household_id=household_id)
    }
    found += _compare("category-month", stored_c, expected.categories, 2)
    return found


def check_fits(expected: Expected, field: str) -> None:
    """Refuse (a field error on ``field``) derived data past ``AGGREGATE_LIMIT``, as every incremental write
    does: rows written directly (a restore) must not leave a balance or a sum that the columns cannot hold."""
    sums: list[Any] = list(expected.balances.values())
    for table in (expected.account_months, expected.months, expected.categories):
        sums.extend(value for values in table.values() for value in values if isinstance(value, Decimal))
    for value in sums:
        problem = aggregate_problem(value)
        if problem is not None:
            raise FieldError(field, problem.message, problem.code)


@transaction.atomic
def repair(household_id: uuid.UUID, *, field: str = "file") -> None:
    """Rewrite the household's derived data from the recomputation (locks its accounts meanwhile); refused on
    ``field`` when a recomputed aggregate is outside the supported range."""
    list(Account.objects.select_for_update().filter(household_id=household_id).values_list("id", flat=True))
    expected = recompute(household_id)
    check_fits(expected, field)
    for account_id, balance in expected.balances.items():
        Account.objects.filter(pk=account_id).update(balance=balance)
    write_aggregates(household_id, expected)


def write_aggregates(household_id: uuid.UUID, expected: Expected) -> None:
    AccountMonthly.objects.filter(household_id=household_id).delete()
    MonthlySummary.objects.filter(household_id=household_id).delete()
    CategoryMonthly.objects.filter(household_id=household_id).delete()
    AccountMonthly.objects.bulk_create(
        [
            AccountMonthly(
                household_id=h,
                account_id=a,
                month=m,
                income=v[0],
                expense=v[1],
                transfers_in=v[2],
                transfers_out=v[3],
                count=v[4],
                excluded_income=v[5],
                excluded_expense=v[6],
                excluded_count=v[7],
            )
            for (h, a, m), v in expected.account_months.items()
        ],
        batch_size=1000,
    )
    MonthlySummary.objects.bulk_create(
        [
            MonthlySummary(
                household_id=h, month=m, income=v[0], expense=v[1], transaction_count=v[2], unconverted_count=v[3]
            )
            for (h, m), v in expected.months.items()
        ],
        batch_size=1000,
    )
    CategoryMonthly.objects.bulk_create(
        [
            CategoryMonthly(household_id=h, month=m, kind=k, category_key=c, total=v[0], count=v[1])
            for (h, m, k, c), v in expected.categories.items()
        ],
        batch_size=1000,
    )
