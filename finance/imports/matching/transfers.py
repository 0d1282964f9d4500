"""Transfers between the household's own accounts, recognised in an imported file.

A readable row that is not a duplicate is a **possible transfer** when another
active account of the household in the same currency holds the opposite movement:
an income of the same amount for a row that takes money out, an expense of the
same amount for a row that brings money in, dated within
``IMPORT_TRANSFER_WINDOW_DAYS`` (5) of the row. Pairs are assigned one to one,
closest date first, so two rows never claim the same transaction.

A match is **suggested** (linked on commit unless the user decides ``import``)
when the amount is exact, the dates are at most
``IMPORT_TRANSFER_SUGGEST_DAYS`` (3) apart and either side's text looks like a
transfer ("transfer", "Überweisung", "virement", "savings", the other
account's name, ...). Other matches are shown and linked only when the user
decides ``transfer``.

Accounts in **another currency** are compared through the household's exchange
rates: a row still unmatched is a possible transfer when such an account holds
the opposite movement within the window whose amount is within
``IMPORT_TRANSFER_FX_TOLERANCE`` (5 %) of the row's amount converted at the
rate of the row's date (the household's rate of that day or the latest before;
no rate, no comparison). Banks convert at their own rate and fee, so the
amounts never agree exactly: such a match is never suggested, only shown, and
linked when the user decides ``transfer``.

On commit a linked row creates no transaction of its own: the existing side
becomes one transfer between the two accounts, each side in its own currency
(see :func:`finance.imports.commit._link_transfer`).

Reads are two queries per call for same-currency accounts (the accounts, and
their income and expenses in the file's date range, indexed in memory by
signed amount), and for other currencies, when a row is left unmatched and the
household has such accounts, their movements in the range and the rates.
"""

from __future__ import annotations

import bisect
import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from django.conf import settings
from django.db.models import Exists, OuterRef, Q, QuerySet

from finance.core.money import present
from finance.currency.selectors import RateCache
from finance.imports.matching.windows import DaysByAmount, transaction_texts
from finance.ledger.models import Account, Split, Transaction, TransactionType

# Words banks and people write for money moved between own accounts (English, German, Spanish, French, Dutch,
# Italian, Portuguese). Matched as whole words, any case.
_TRANSFER_WORDS = re.compile(
    r"\b(transfer|xfer|trf|trsf|tfr|savings|own account|internal|"
    r"überweisung|ueberweisung|umbuchung|übertrag|uebertrag|sparen|sparkonto|eigenes konto|"
    r"transferencia|traspaso|ahorro|ahorros|virement|épargne|epargne|"
    r"overboeking|overschrijving|spaarrekening|giroconto|bonifico|trasferimento|poupança)\b",
    re.IGNORECASE,
)


class TransferRow(NamedTuple):
    """What transfer detection needs to know about one row (a tuple: 100k are made per file)."""

    date: date
    amount: Decimal  # signed: negative = money out
    text: str  # payee and description


@dataclass(frozen=True, slots=True)
class TransferMatch:
    transaction_id: uuid.UUID
    account_id: uuid.UUID
    suggested: bool
    reason: str


def window_days() -> int:
    return int(settings.IMPORT_TRANSFER_WINDOW_DAYS)


def suggest_days() -> int:
    return int(settings.IMPORT_TRANSFER_SUGGEST_DAYS)


def fx_tolerance() -> Decimal:
    return Decimal(str(settings.IMPORT_TRANSFER_FX_TOLERANCE))


def looks_like_transfer(text: str, other_account_names: Sequence[str] = ()) -> bool:
    """Transfer words, or the name of the other account, in the text."""
    if not text:
        return False
    if _TRANSFER_WORDS.search(text):
        return True
    folded = text.casefold()
    return any(len(name) >= 4 and name.casefold() in folded for name in other_account_names)


def find(*, account: Account, rows: Sequence[TransferRow | None]) -> list[TransferMatch | None]:
    """One match (or ``None``) per row, in order; ``None`` rows are not considered."""
    found: list[TransferMatch | None] = [None] * len(rows)
    todo = [i for i, row in enumerate(rows) if row is not None]
    if not todo:
        return found
    accounts = (
        Account.objects.filter(household_id=account.household_id, is_active=True)
        .exclude(pk=account.pk)
        .values_list("id", "name", "currency")
    )
    same = {account_id: name for account_id, name, currency in accounts if currency == account.currency}
    other = {account_id: (name, currency) for account_id, name, currency in accounts if currency != account.currency}
    _same_currency(account, same, rows, todo, found)
    _other_currencies(account, other, rows, [i for i in todo if found[i] is None], found)
    return found


def _same_currency(
    account: Account,
    others: dict[uuid.UUID, str],
    rows: Sequence[TransferRow | None],
    todo: list[int],
    found: list[TransferMatch | None],
) -> None:
    """Rows against the opposite movements of ``others``, the household's accounts in the same currency."""
    if not others:
        return
    window = window_days()
    near = suggest_days()
    dated = [rows[i] for i in todo]
    # The signed amount the other side must have, and the days near each row: a transaction is kept only when a row
    # wants its amount within the window, so the narrow read below is most of the work and texts are read for
    # the few kept.
    wanted = DaysByAmount(window)  # the other side's signed amount, near the days some row wants it
    for r in dated:
        if r is not None:
            wanted.add(-r.amount, r.date)
    candidates = _movements(account, list(others), dated, window)
    # signed amount (from the other account's side) -> [(date, position)]
    index: dict[Decimal, list[tuple[date, int]]] = defaultdict(list)
    items: list[tuple[uuid.UUID, uuid.UUID, Decimal, date]] = []
    for txn_id, account_id, kind, amount, on in candidates:
        signed = amount if kind == TransactionType.INCOME else -amount
        if not wanted.near(signed, on):
            continue
        index[signed].append((on, len(items)))
        items.append((txn_id, account_id, signed, on))
    for entries in index.values():
        entries.sort()
    texts = {
        txn_id: f"{payee} {description}".strip()
        for txn_id, (payee, description) in transaction_texts([item[0] for item in items]).items()
    }

    own_name = [account.name]
    pairs: list[tuple[int, int, int, int]] = []  # (0 if suggested else 1, days apart, row, position)
    for i in todo:
        row = rows[i]
        assert row is not None
        entries = index.get(-row.amount, [])
        low, high = row.date - timedelta(days=window), row.date + timedelta(days=window)
        for on, pos in entries[bisect.bisect_left(entries, (low,)) : bisect.bisect_right(entries, (high, len(items)))]:
            days = abs((on - row.date).days)
            other_name = others[items[pos][1]]
            suggested = days <= near and (
                looks_like_transfer(row.text, [other_name]) or looks_like_transfer(texts[items[pos][0]], own_name)
            )
            pairs.append((0 if suggested else 1, days, i, pos))
    taken_rows: set[int] = set()
    taken: set[int] = set()
    for not_suggested, days, i, pos in sorted(pairs):
        if i in taken_rows or pos in taken:
            continue
        taken_rows.add(i)
        taken.add(pos)
        txn_id, account_id, signed, on = items[pos]
        found[i] = TransferMatch(
            transaction_id=txn_id,
            account_id=account_id,
            suggested=not not_suggested,
            reason=(
                f"Possible transfer with {others[account_id]}: {present(signed, account.currency)} "
                f"on {on.isoformat()}, {days} day(s) apart."
            )[:200],
        )


def _other_currencies(
    account: Account,
    others: dict[uuid.UUID, tuple[str, str]],
    rows: Sequence[TransferRow | None],
    todo: list[int],
    found: list[TransferMatch | None],
) -> None:
    """Rows left unmatched against the opposite movements of ``others`` (name, currency), the household's accounts
    in other currencies, through the rates."""
    if not todo or not others:
        return
    window = window_days()
    tolerance = fx_tolerance()
    dated = [rows[i] for i in todo]
    rates = RateCache(account.household_id)
    row_days = {row.date for row in dated if row is not None}
    factors = [
        rate.value
        for currency in {currency for _name, currency in others.values()}
        for day in row_days
        if (rate := rates.get(account.currency, currency, day)) is not None
    ]
    if not factors:
        return
    # Read only the amounts some row can reach at some rate of the period (1 % wider: a pre-filter, checked below).
    scale = (min(factors) * (1 - tolerance) * Decimal("0.99"), max(factors) * (1 + tolerance) * Decimal("1.01"))
    candidates = _movements(account, list(others), dated, window, scale)
    # currency -> [(signed amount from the other account's side, date, id, account)], sorted by amount
    by_currency: dict[str, list[tuple[Decimal, date, uuid.UUID, uuid.UUID]]] = defaultdict(list)
    for txn_id, account_id, kind, amount, on in candidates:
        by_currency[others[account_id][1]].append(
            (amount if kind == TransactionType.INCOME else -amount, on, txn_id, account_id)
        )
    if not by_currency:
        return
    for entries in by_currency.values():
        entries.sort()
    # Which sides each currency has: a row only looks where the opposite movement can be.
    signs = {currency: {entry[0] < 0 for entry in entries} for currency, entries in by_currency.items()}
    # Every pair within the tolerances, closest date first, then closest amount: (days apart, distance from the
    # expected amount, row, transaction, its account, its signed amount, its date, the expected amount, currency)
    pairs: list[tuple[int, Decimal, int, uuid.UUID, uuid.UUID, Decimal, date, Decimal, str]] = []
    for i in todo:
        row = rows[i]
        assert row is not None
        for currency, entries in by_currency.items():
            if (row.amount > 0) not in signs[currency]:  # money in meets money out there (a negative amount)
                continue
            rate = rates.get(account.currency, currency, row.date)
            if rate is None:
                continue
            expected = -rate.convert(row.amount)
            margin = abs(expected) * tolerance
            low, high = expected - margin, expected + margin
            for signed, on, txn_id, account_id in entries[
                bisect.bisect_left(entries, (low,)) : bisect.bisect_right(entries, (high, date.max))
            ]:
                days = abs((on - row.date).days)
                if days > window or (signed < 0) != (expected < 0):
                    continue
                pairs.append((days, abs(signed - expected), i, txn_id, account_id, signed, on, expected, currency))
    taken_rows: set[int] = set()
    taken: set[uuid.UUID] = set()
    for days, _distance, i, txn_id, account_id, signed, on, expected, currency in sorted(pairs):
        if i in taken_rows or txn_id in taken:
            continue
        taken_rows.add(i)
        taken.add(txn_id)
        found[i] = TransferMatch(
            transaction_id=txn_id,
            account_id=account_id,
            suggested=False,
            reason=(
                f"Possible transfer with {others[account_id][0]}: {present(signed, currency)} {currency} "
                f"on {on.isoformat()}, {days} day(s) apart; at that day's rate this row is about "
                f"{present(expected, currency)} {currency}."
            )[:200],
        )


def _movements(
    account: Account,
    account_ids: list[uuid.UUID],
    rows: Sequence[TransferRow | None],
    window: int,
    scale: tuple[Decimal, Decimal] = (Decimal(1), Decimal(1)),
) -> QuerySet[Any]:
    """``(id, account_id, type, amount, date)`` of the incomes and expenses (without splits) of ``account_ids``
    within ``window`` days of the rows' dates that can be the other side of a row.

    Money out of this account is an income there, money in an expense: each kind is read only within the
    amounts of the rows it can answer, times ``scale`` (the lowest and highest factor that turns a row's amount
    into the other account's). A statement of card purchases reads the few incomes of the other accounts, not
    their thousands of expenses.
    """
    dated = [r for r in rows if r]
    start = min(r.date for r in dated) - timedelta(days=window)
    end = max(r.date for r in dated) + timedelta(days=window)
    kinds = Q(pk__in=[])
    for kind, amounts in (
        (TransactionType.INCOME, [-r.amount for r in dated if r.amount < 0]),
        (TransactionType.EXPENSE, [r.amount for r in dated if r.amount > 0]),
    ):
        if amounts:
            kinds |= Q(type=kind, amount__range=(min(amounts) * scale[0], max(amounts) * scale[1]))
    return (
        Transaction.objects.filter(
            kinds,
            household_id=account.household_id,
            account_id__in=account_ids,
            date__range=(start, end),
        )
        .exclude(Exists(Split.objects.filter(transaction=OuterRef("pk"))))
        .values_list("id", "account_id", "type", "amount", "date")
    )
