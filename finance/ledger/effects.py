"""Derived data: what a transaction contributes to balances and aggregates, applied atomically.

Every write computes the contribution of the old and new state of each
transaction it touches (:func:`contribution`), sums them into one
:class:`LedgerDelta` and applies it in the same database transaction with
atomic SQL: ``UPDATE … SET balance = balance + %s`` for accounts and
``INSERT … ON CONFLICT DO UPDATE SET x = x + EXCLUDED.x`` for the monthly
aggregates. No value is read into Python and written back, so concurrent
writers cannot lose each other's changes; rows are touched in a fixed order
(accounts, then aggregates, each sorted by key) so they cannot deadlock.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import connection, models
from django.db.models import Model

from finance.core import events
from finance.core.cache import bump_household_version
from finance.core.exceptions import FieldError
from finance.core.money import AGGREGATE_LIMIT, ZERO, aggregate_problem
from finance.ledger.events import MAX_EVENT_IDS, ChangeKind, TransactionsChanged
from finance.ledger.models import (
    UNCATEGORIZED,
    Account,
    AccountMonthly,
    CategoryMonthly,
    MonthlySummary,
    Transaction,
    TransactionType,
)

# Columns of an account-month row: the money that moved, then the part of it excluded from analytics.
INCOME, EXPENSE, TRANSFERS_IN, TRANSFERS_OUT, COUNT, EXCLUDED_INCOME, EXCLUDED_EXPENSE, EXCLUDED_COUNT = range(8)
ACCOUNT_MONTH_COLUMNS = [
    "income",
    "expense",
    "transfers_in",
    "transfers_out",
    "count",
    "excluded_income",
    "excluded_expense",
    "excluded_count",
]


def month_of(day: date) -> date:
    return day.replace(day=1)


@dataclass(frozen=True)
class SplitState:
    category_id: uuid.UUID
    amount_in_base: Decimal | None


@dataclass(frozen=True)
class TransactionState:
    """The fields of a transaction that derived data depends on."""

    household_id: uuid.UUID
    account_id: uuid.UUID
    type: str
    amount: Decimal
    date: date
    transfer_account_id: uuid.UUID | None
    transfer_amount: Decimal | None
    amount_in_base: Decimal | None
    is_excluded: bool
    category_id: uuid.UUID | None
    splits: tuple[SplitState, ...] = ()

    @classmethod
    def of(cls, txn: Transaction, splits: Sequence[Any] | None = None) -> TransactionState:
        if splits is None:
            splits = list(txn.splits.all())
        return cls(
            household_id=txn.household_id,
            account_id=txn.account_id,
            type=txn.type,
            amount=txn.amount,
            date=txn.date,
            transfer_account_id=txn.transfer_account_id,
            transfer_amount=txn.transfer_amount,
            amount_in_base=txn.amount_in_base_currency,
            is_excluded=txn.is_excluded,
            category_id=txn.category_id,
            splits=tuple(SplitState(s.category_id, s.amount_in_base_currency) for s in splits),
        )


@dataclass
class LedgerDelta:
    """Changes to derived data, summed over any number of transaction states."""

    accounts: defaultdict[uuid.UUID, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    # (household, account, month) -> ACCOUNT_MONTH_COLUMNS
    account_months: defaultdict[tuple[uuid.UUID, uuid.UUID, date], list[Any]] = field(
        default_factory=lambda: defaultdict(lambda: [ZERO, ZERO, ZERO, ZERO, 0, ZERO, ZERO, 0])
    )
    # (household, month) -> [income, expense, transaction_count, unconverted_count]
    months: defaultdict[tuple[uuid.UUID, date], list[Any]] = field(
        default_factory=lambda: defaultdict(lambda: [ZERO, ZERO, 0, 0])
    )
    # (household, month, kind, category_key) -> [total, count]
    categories: defaultdict[tuple[uuid.UUID, date, str, uuid.UUID], list[Any]] = field(
        default_factory=lambda: defaultdict(lambda: [ZERO, 0])
    )
    # What the change touched, for its event: the days of the states added and their accounts.
    dates: set[date] = field(default_factory=set)
    account_ids: set[uuid.UUID] = field(default_factory=set)

    def add(self, state: TransactionState, sign: int = 1, count: int = 1) -> None:
        """Add (``sign=1``) or remove (``sign=-1``) one transaction's contribution.

        ``count`` > 1 adds ``count`` transactions at once whose amounts are summed in ``state`` (same account,
        type, month, category, exclusion and conversion, no splits): bulk loads add one state per group.
        """
        assert count == 1 or not state.splits, "grouped states have no splits"
        month = month_of(state.date)
        hid = state.household_id
        self.dates.add(state.date)
        self.account_ids.add(state.account_id)
        if state.transfer_account_id is not None:
            self.account_ids.add(state.transfer_account_id)

        # Balances move for every transaction: excluded ones are real money too.
        if state.type == TransactionType.INCOME:
            self._move(hid, state.account_id, month, INCOME, sign, state.amount, count=count)
        elif state.type == TransactionType.EXPENSE:
            self._move(hid, state.account_id, month, EXPENSE, sign, state.amount, count=count)
        else:
            assert state.transfer_account_id is not None and state.transfer_amount is not None
            self._move(hid, state.account_id, month, TRANSFERS_OUT, sign, state.amount, count=count)
            self._move(hid, state.transfer_account_id, month, TRANSFERS_IN, sign, state.transfer_amount, count=0)

        if state.is_excluded:
            # ... and what analytics leave out of the account's income, expense and count.
            row = self.account_months[(hid, state.account_id, month)]
            if state.type == TransactionType.INCOME:
                row[EXCLUDED_INCOME] += sign * state.amount
            elif state.type == TransactionType.EXPENSE:
                row[EXCLUDED_EXPENSE] += sign * state.amount
            row[EXCLUDED_COUNT] += sign * count
            return
        summary = self.months[(hid, month)]
        summary[2] += sign * count
        if state.type == TransactionType.TRANSFER:
            return
        if state.amount_in_base is None:
            summary[3] += sign * count
            return
        summary[0 if state.type == TransactionType.INCOME else 1] += sign * state.amount_in_base
        if state.splits:
            parts: Iterable[tuple[uuid.UUID, Decimal | None]] = (
                (s.category_id, s.amount_in_base) for s in state.splits
            )
        else:
            parts = [(state.category_id or UNCATEGORIZED, state.amount_in_base)]
        for category_id, base in parts:
            bucket = self.categories[(hid, month, state.type, category_id)]
            bucket[0] += sign * (base or ZERO)
            bucket[1] += sign * count

    def add_group(
        self,
        *,
        household_id: uuid.UUID,
        account_id: uuid.UUID,
        kind: str,
        on: date,
        amount: Decimal,
        amount_in_base: Decimal | None,
        category_id: uuid.UUID | None,
        count: int,
    ) -> None:
        """Add ``count`` new incomes or expenses of one account, month and category, not excluded, no splits,
        whose amounts sum to ``amount`` (``amount_in_base`` in the base currency; ``None``: unconverted)."""
        state = TransactionState(
            household_id=household_id,
            account_id=account_id,
            type=kind,
            amount=amount,
            date=on,
            transfer_account_id=None,
            transfer_amount=None,
            amount_in_base=amount_in_base,
            is_excluded=False,
            category_id=category_id,
        )
        self.add(state, count=count)

    def _move(
        self,
        household_id: uuid.UUID,
        account_id: uuid.UUID,
        month: date,
        column: int,
        sign: int,
        amount: Decimal,
        *,
        count: int = 1,
    ) -> None:
        """Add (or remove) ``amount`` in one of the account's monthly flow columns and its balance (``count``
        transactions; 0 for the receiving side of a transfer, counted on the sending account)."""
        self.accounts[account_id] += sign * amount if column in (INCOME, TRANSFERS_IN) else -sign * amount
        row = self.account_months[(household_id, account_id, month)]
        row[column] += sign * amount
        row[COUNT] += sign * count

    def apply(self, *, field: str = "amount", also: Sequence[tuple[str, list[Any]]] = ()) -> None:
        """Write the changes with atomic increments, in a fixed order.

        On PostgreSQL every balance and aggregate change goes in one statement (one round trip, however many
        rows), with the statements ``also`` gives (``(sql, params)``: the write's outbox row) after them. On
        SQLite, which has no data-modifying ``WITH`` and adds decimals as binary floats, each row is read,
        added to exactly in Python and written back (safe: SQLite lets one writer in at a time), then those.
        A change that would take a balance or a monthly sum past ``AGGREGATE_LIMIT`` raises a
        :class:`FieldError` on ``field`` instead; the caller's transaction then rolls back what was written.
        """
        balances: list[tuple[uuid.UUID, Decimal]] = []
        for account_id in sorted(self.accounts, key=str):
            change = self.accounts[account_id]
            if change:
                _refuse_if(aggregate_problem(change), field)
                balances.append((account_id, change))
        upserts: list[Upsert] = []
        for model, keys, counters, changes in (
            (AccountMonthly, ["household", "account", "month"], ACCOUNT_MONTH_COLUMNS, self.account_months),
            (
                MonthlySummary,
                ["household", "month"],
                ["income", "expense", "transaction_count", "unconverted_count"],
                self.months,
            ),
            (CategoryMonthly, ["household", "month", "kind", "category_key"], ["total", "count"], self.categories),
        ):
            rows = [(*key, *values) for key, values in sorted(changes.items(), key=_sort_key) if any(values)]
            for row in rows:
                for value in row[len(keys) :]:
                    if isinstance(value, Decimal):
                        _refuse_if(aggregate_problem(value), field)
            if rows:
                upserts.append(Upsert(model, keys, counters, rows))
        if connection.vendor == "postgresql":
            moved, written = _write_in_one_statement(balances, upserts, also)
        else:
            moved = [_add_exactly(Account, {"id": account_id}, {"balance": change}) for account_id, change in balances]
            written = [sum(_add_exactly(*upsert.split(row), create=True) for row in upsert.rows) for upsert in upserts]
            with connection.cursor() as cursor:
                for sql, params in also:
                    cursor.execute(sql, params)
        for (account_id, _), updated in zip(balances, moved, strict=True):
            # Not updated: the new balance would leave the range, or the account is gone (then nothing to keep).
            if not updated and Account.objects.filter(pk=account_id).exists():
                _refuse_if(aggregate_problem(AGGREGATE_LIMIT), field)
        for upsert, count in zip(upserts, written, strict=True):
            if count < len(upsert.rows):
                _refuse_if(aggregate_problem(AGGREGATE_LIMIT), field)


def apply_change(
    delta: LedgerDelta,
    *,
    household_id: uuid.UUID,
    kind: ChangeKind,
    ids: Sequence[uuid.UUID] = (),
    dates: Iterable[date] | None = None,
    account_ids: Iterable[uuid.UUID] | None = None,
    field: str = "amount",
    count: int | None = None,
) -> TransactionsChanged:
    """The epilogue of every ledger write, inside its database transaction: apply the derived data,
    invalidate the household's cached reads after commit and publish :class:`TransactionsChanged`.

    ``dates`` and ``account_ids`` default to those of the states added to ``delta``; a bulk load that
    adds grouped states passes its own, and ``count`` when it names more transactions than it gives ``ids``
    (a load done in the database reads no ids back past :data:`MAX_EVENT_IDS`). A change that would take an
    aggregate out of the supported range is refused with a field error on ``field``.
    """
    count = len(ids) if count is None else count
    event = TransactionsChanged(
        household_id=household_id,
        kind=kind,
        dates=frozenset(delta.dates if dates is None else dates),
        account_ids=frozenset(delta.account_ids if account_ids is None else account_ids),
        ids=tuple(ids) if count <= MAX_EVENT_IDS else (),
        count=count,
    )
    # The event's outbox row goes with the derived data (on PostgreSQL, in the same statement).
    delta.apply(field=field, also=[events.outbox_insert(event)])
    bump_household_version(household_id)
    events.publish(event, recorded=True)
    return event


def _sort_key(item: tuple[tuple[Any, ...], Any]) -> tuple[str, ...]:
    return tuple(str(part) for part in item[0])


def _refuse_if(problem: Any, field: str) -> None:
    if problem is not None:
        raise FieldError(field, problem.message, problem.code)


@dataclass(frozen=True)
class Upsert:
    """Rows to add to an aggregate table: ``keys`` identify a row, ``counters`` are added to."""

    model: type[Model]
    keys: list[str]
    counters: list[str]
    rows: list[tuple[Any, ...]]

    def fields(self) -> list[Any]:
        opts = self.model._meta
        return [opts.get_field(name) for name in [*self.keys, *self.counters]]

    def sql(self, rows: int) -> str:
        """``INSERT … VALUES (…) × rows ON CONFLICT (keys) DO UPDATE SET c = c + EXCLUDED.c WHERE guards``.

        The update is skipped for a row whose money column would reach ``±AGGREGATE_LIMIT`` (the sum is
        compared before it is assigned, so it never overflows the column).
        """
        return _upsert_sql(self.model, tuple(self.keys), tuple(self.counters), rows, connection.vendor)

    def split(self, row: tuple[Any, ...]) -> tuple[type[Model], dict[str, Any], dict[str, Any]]:
        """``row`` as (model, key columns by attribute name, increments by field name)."""
        fields = self.fields()
        keys = {f.attname: value for f, value in zip(fields[: len(self.keys)], row, strict=False)}
        return self.model, keys, dict(zip(self.counters, row[len(self.keys) :], strict=True))

    def params(self) -> list[list[Any]]:
        fields = self.fields()
        return [
            [f.get_db_prep_value(value, connection, prepared=False) for f, value in zip(fields, row, strict=True)]
            for row in self.rows
        ]


@lru_cache(maxsize=64)
def _upsert_sql(model: type[Model], keys: tuple[str, ...], counters: tuple[str, ...], rows: int, vendor: str) -> str:
    opts = model._meta
    fields: list[Any] = [opts.get_field(name) for name in [*keys, *counters]]
    qn = connection.ops.quote_name
    table = qn(str(opts.db_table))
    columns = [qn(f.column) for f in fields]
    counted = list(zip(fields[len(keys) :], columns[len(keys) :], strict=True))
    updates = ", ".join(f"{c} = {table}.{c} + EXCLUDED.{c}" for _, c in counted)
    limit = f"{AGGREGATE_LIMIT:f}"
    guards = " AND ".join(
        f"{table}.{c} + EXCLUDED.{c} < {limit} AND {table}.{c} + EXCLUDED.{c} > -{limit}"
        for f, c in counted
        if isinstance(f, models.DecimalField)
    )
    values = ", ".join([f"({', '.join(['%s'] * len(columns))})"] * rows)
    # Identifiers come from model metadata, the limit from a constant, values are parameters: nothing
    # user-supplied is formatted in.
    return (
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES {values} "  # noqa: S608
        f"ON CONFLICT ({', '.join(columns[: len(keys)])}) DO UPDATE SET {updates} WHERE {guards}"
    )


@lru_cache(maxsize=4)
def _balance_sql() -> str:
    """Add to one account's balance, keeping it strictly inside ``±AGGREGATE_LIMIT`` (compared first)."""
    qn = connection.ops.quote_name
    table, balance, pk = qn(Account._meta.db_table), qn("balance"), qn("id")
    limit = f"{AGGREGATE_LIMIT:f}"
    return (
        f"UPDATE {table} SET {balance} = {balance} + %s WHERE {pk} = %s "  # noqa: S608 - identifiers, constant
        f"AND {balance} + %s < {limit} AND {balance} + %s > -{limit}"
    )


def _balance_params(account_id: uuid.UUID, change: Decimal) -> list[Any]:
    opts = Account._meta
    value = opts.get_field("balance").get_db_prep_value(change, connection)
    return [value, opts.get_field("id").get_db_prep_value(account_id, connection), value, value]


def _add_exactly(model: type[Model], keys: dict[str, Any], increments: dict[str, Any], *, create: bool = False) -> int:
    """SQLite: add ``increments`` to the row ``keys`` names, in ``Decimal`` arithmetic (``balance + 0.01``
    in SQLite is float arithmetic: 100000000000.00 - 100000000000.01 gives -0.0099945068). The stored floats
    are read raw, as the shortest decimals that give them back (through the ORM they would be cut to 15
    significant digits), and the exact sums written as the floats nearest to them. A missing row is created
    when ``create``; a sum that would reach ``±AGGREGATE_LIMIT`` writes nothing. Returns the rows written."""
    opts = model._meta
    quote = connection.ops.quote_name
    key_fields: list[Any] = [opts.get_field(name) for name in keys]
    where = " AND ".join(f"{quote(str(field.column))} = %s" for field in key_fields)
    key_params = [field.get_db_prep_value(keys[name], connection) for field, name in zip(key_fields, keys, strict=True)]
    # Decimal columns cast to REAL: read as they are declared, SQLite would hand them over as 15-digit text.
    counter_fields: list[Any] = [opts.get_field(name) for name in increments]
    columns = ", ".join(
        f"CAST({quote(str(field.column))} AS REAL)"
        if isinstance(field, models.DecimalField)
        else quote(str(field.column))
        for field in counter_fields
    )
    with connection.cursor() as cursor:
        # Identifiers come from model metadata; values are parameters.
        cursor.execute(f"SELECT {columns} FROM {quote(str(opts.db_table))} WHERE {where}", key_params)  # noqa: S608
        current = cursor.fetchone()
    if current is None:
        if not create:
            return 0
        model._default_manager.create(**keys, **increments)
        return 1
    added = {
        name: (Decimal(repr(stored)) if isinstance(stored, float) else stored) + value
        for (name, value), stored in zip(increments.items(), current, strict=True)
    }
    if any(isinstance(value, Decimal) and abs(value) >= AGGREGATE_LIMIT for value in added.values()):
        return 0
    return int(model._default_manager.filter(**keys).update(**added))


def _write_in_one_statement(
    balances: list[tuple[uuid.UUID, Decimal]], upserts: list[Upsert], also: Sequence[tuple[str, list[Any]]]
) -> tuple[list[int], list[int]]:
    """PostgreSQL: every balance change and upsert as the parts of one ``WITH`` statement, so a write's derived
    data costs one round trip. Returns the rows each part wrote.

    The parts run in the order the final ``SELECT`` reads them (accounts by id, then the aggregate tables,
    each sorted by key), the fixed order that keeps concurrent writers from deadlocking.
    """
    parts: list[str] = []
    params: list[Any] = []
    for account_id, change in balances:
        parts.append(_balance_sql() + " RETURNING 1")
        params += _balance_params(account_id, change)
    for upsert in upserts:
        parts.append(upsert.sql(len(upsert.rows)) + " RETURNING 1")
        params += [value for row in upsert.params() for value in row]
    counted = len(parts)
    for sql, values in also:
        parts.append(sql + " RETURNING 1")
        params += values
    if not parts:
        return [], []
    names = [f"w{i}" for i in range(len(parts))]
    with_clause = ", ".join(f"{name} AS ({part})" for name, part in zip(names, parts, strict=True))
    counts = ", ".join(f"(SELECT count(*) FROM {name})" for name in names)  # noqa: S608 - names made above
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {with_clause} SELECT {counts}", params)
        row = cursor.fetchone()
    written = [int(n) for n in row][:counted]
    return written[: len(balances)], written[len(balances) :]
