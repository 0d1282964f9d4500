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

On commit a linked row creates no transaction of its own: the existing side
becomes one transfer between the two accounts (see
:func:`finance.imports.services._link_transfer`). Accounts in other currencies
are not compared (the amounts differ by an exchange rate the file does not
state).

Reads are two queries per call: the other accounts, and their income and
expenses in the file's date range, indexed in memory by signed amount.
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

from django.conf import settings
from django.db.models import Exists, OuterRef

from finance.core.money import present
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


@dataclass(frozen=True, slots=True)
class TransferRow:
    """What transfer detection needs to know about one row."""

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
    others = dict(
        Account.objects.filter(household_id=account.household_id, currency=account.currency, is_active=True)
        .exclude(pk=account.pk)
        .values_list("id", "name")
    )
    if not others:
        return found
    window = window_days()
    near = suggest_days()
    dated = [rows[i] for i in todo]
    start = min(r.date for r in dated if r) - timedelta(days=window)
    end = max(r.date for r in dated if r) + timedelta(days=window)
    # The signed amount the other side must have, and the days near each row: a transaction is kept only when a row
    # wants its amount within the window, so the narrow read below is most of the work and texts are read for
    # the few kept.
    wanted: dict[Decimal, set[int]] = defaultdict(set)  # amount -> days (ordinals) some row wants it near
    for r in dated:
        if r is not None:
            wanted[-r.amount].update(range(r.date.toordinal() - window, r.date.toordinal() + window + 1))
    candidates = (
        Transaction.objects.filter(
            household_id=account.household_id,
            account_id__in=list(others),
            type__in=(TransactionType.INCOME, TransactionType.EXPENSE),
            date__range=(start, end),
        )
        .exclude(Exists(Split.objects.filter(transaction=OuterRef("pk"))))
        .values_list("id", "account_id", "type", "amount", "date")
    )
    # signed amount (from the other account's side) -> [(date, position)]
    index: dict[Decimal, list[tuple[date, int]]] = defaultdict(list)
    items: list[tuple[uuid.UUID, uuid.UUID, Decimal, date]] = []
    for txn_id, account_id, kind, amount, on in candidates:
        signed = amount if kind == TransactionType.INCOME else -amount
        days_wanted = wanted.get(signed)
        if days_wanted is None or on.toordinal() not in days_wanted:
            continue
        index[signed].append((on, len(items)))
        items.append((txn_id, account_id, signed, on))
    for entries in index.values():
        entries.sort()
    texts = (
        {
            txn_id: f"{payee} {description}".strip()
            for txn_id, payee, description in Transaction.objects.filter(
                id__in=[item[0] for item in items]
            ).values_list("id", "payee", "description")
        }
        if items
        else {}
    )

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
    return found
