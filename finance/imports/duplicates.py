"""Duplicate detection for imported rows, in three steps per account.

1. **Bank id**: a row whose provider id (OFX ``FITID``, CAMT/MT940 reference,
   a CSV transaction id) was seen in an earlier, committed import of the same
   account is a duplicate.
2. **Fingerprint**: a row whose content fingerprint (see
   :mod:`finance.imports.fingerprint`) was seen before is a duplicate, unless
   both rows carry different bank ids (the bank says they differ).

   Either way the earlier row's outcome decides: imported or merged → a
   duplicate of that transaction (even if it was edited or deleted since);
   skipped by the user → skipped again. Each earlier row matches at most one
   new row.
3. **Fuzzy**: the remaining rows are compared with the account's existing
   transactions (typed by hand, imported, or transfers touching the account)
   dated within ``IMPORT_DUPLICATE_WINDOW_DAYS``: the same signed amount — or,
   when the existing one is pending, up to ``IMPORT_DUPLICATE_TIP_TOLERANCE``
   more (a tip added when it posted) — and a payee similar enough
   (rapidfuzz token-set ratio ≥ ``IMPORT_DUPLICATE_MIN_SIMILARITY``). A row
   with a check number already recorded on the account is a possible
   duplicate too (the same check with another date or amount is a conflict).
   Pairs are assigned one to one, best score first. An existing posted
   transaction imported with a bank id never fuzzy-matches a row with another
   bank id.

All reads are a few queries per call: earlier rows and transactions of the
account in the file's date range, indexed in memory by amount and date.
"""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Q
from rapidfuzz import fuzz

from finance.core.money import present
from finance.imports.fingerprint import payee_key
from finance.imports.models import OUTCOME_STATUSES, ImportedRow, RowStatus
from finance.ledger.models import Account, Transaction, TransactionType

SCORE_PLACES = Decimal("0.0001")


@dataclass(frozen=True, slots=True)
class RowKey:
    """What detection needs to know about one readable row of the file."""

    date: date
    amount: Decimal  # signed: negative = money out
    text: str  # payee, else description
    fingerprint: str
    provider_id: str = ""
    check_number: str = ""


@dataclass(slots=True)
class Match:
    """The verdict on one row."""

    status: str = RowStatus.NEW
    transaction_id: uuid.UUID | None = None  # the transaction a duplicate repeats
    candidate_id: uuid.UUID | None = None  # the transaction a possible duplicate may repeat
    score: Decimal | None = None
    reason: str = ""


@dataclass
class _Existing:
    id: uuid.UUID
    date: date
    amount: Decimal  # signed, from the account's side
    texts: tuple[str, ...]  # payee and description as stored; normalized only for the few compared
    is_pending: bool
    provider_id: str = ""
    check_number: str = ""
    _keys: tuple[str, ...] | None = None

    def keys(self) -> tuple[str, ...]:
        if self._keys is None:
            self._keys = tuple(key for key in (payee_key(text) for text in self.texts) if key)
        return self._keys


@dataclass
class _Index:
    by_amount: dict[Decimal, list[tuple[date, int]]] = field(default_factory=lambda: defaultdict(list))
    pending: list[int] = field(default_factory=list)


def window_days() -> int:
    return int(settings.IMPORT_DUPLICATE_WINDOW_DAYS)


def tip_tolerance() -> Decimal:
    return Decimal(str(settings.IMPORT_DUPLICATE_TIP_TOLERANCE))


def _outcome_reason(status: str, how: str) -> str:
    if status == RowStatus.SKIPPED:
        return f"Skipped in an earlier import (same {how})."
    if status in (RowStatus.MERGED, RowStatus.TRANSFER):
        return f"Already linked to this transaction by an earlier import (same {how})."
    return f"Already imported (same {how})."


def classify(*, account: Account, rows: Sequence[RowKey], exclude_batch_id: uuid.UUID | None = None) -> list[Match]:
    """One :class:`Match` per row, in order."""
    matches = [Match() for _ in rows]
    if not rows:
        return matches
    window = timedelta(days=window_days())
    start = min(r.date for r in rows) - window
    end = max(r.date for r in rows) + window

    earlier = ImportedRow.objects.filter(account=account, status__in=OUTCOME_STATUSES, date__range=(start, end))
    if exclude_batch_id is not None:
        earlier = earlier.exclude(batch_id=exclude_batch_id)
    by_provider: dict[str, list[tuple[uuid.UUID, str, uuid.UUID | None, str]]] = defaultdict(list)
    by_fingerprint: dict[str, list[tuple[uuid.UUID, str, uuid.UUID | None, str]]] = defaultdict(list)
    provenance: dict[uuid.UUID, str] = {}  # transaction → the bank id it was imported with
    for row_id, fp, pid, status, txn_id in earlier.order_by("created_at", "row_number").values_list(
        "id", "fingerprint", "provider_id", "status", "transaction_id"
    ):
        entry = (row_id, status, txn_id, pid)
        if pid:
            by_provider[pid].append(entry)
        if fp:
            by_fingerprint[fp].append(entry)
        if txn_id is not None and pid:
            provenance[txn_id] = pid

    used: set[uuid.UUID] = set()
    claimed: set[uuid.UUID] = set()  # transactions an exact duplicate already points at
    for match, row in zip(matches, rows, strict=True):
        found = None
        how = ""
        if row.provider_id:
            found = next((e for e in by_provider.get(row.provider_id, ()) if e[0] not in used), None)
            how = "bank id"
        if found is None and row.fingerprint:
            found = next(
                (
                    e
                    for e in by_fingerprint.get(row.fingerprint, ())
                    if e[0] not in used and not (row.provider_id and e[3] and e[3] != row.provider_id)
                ),
                None,
            )
            how = "date, amount and text"
        if found is None:
            continue
        used.add(found[0])
        match.status = RowStatus.DUPLICATE
        match.transaction_id = found[2]
        match.reason = _outcome_reason(found[1], how)
        if found[2] is None:
            match.reason += " Its transaction was deleted since."
        else:
            claimed.add(found[2])

    pending_rows = [i for i, m in enumerate(matches) if m.status == RowStatus.NEW]
    if pending_rows:
        _fuzzy(account, rows, matches, pending_rows, start, end, claimed, provenance)
    return matches


def _load_existing(
    account: Account,
    start: date,
    end: date,
    claimed: set[uuid.UUID],
    provenance: dict[uuid.UUID, str],
    wanted: dict[Decimal, set[int]],
) -> list[_Existing]:
    """The account's transactions in the range that can match a row: a row's signed amount within the window
    of its date, or pending (a tip may have changed the amount)."""
    found = []
    qs = (
        Transaction.objects.filter(Q(account=account) | Q(transfer_account=account), date__range=(start, end))
        .exclude(id__in=claimed)
        .values_list(
            "id",
            "type",
            "account_id",
            "amount",
            "transfer_amount",
            "date",
            "payee",
            "description",
            "is_pending",
            "reference_number",
        )
    )
    for txn_id, kind, account_id, amount, transfer_amount, on, payee, description, pending, reference in qs:
        if txn_id in claimed:
            continue
        if kind == TransactionType.INCOME:
            signed = amount
        elif kind == TransactionType.EXPENSE or account_id == account.id:
            signed = -amount
        else:  # a transfer into this account
            signed = transfer_amount if transfer_amount is not None else amount
        if not pending and on.toordinal() not in wanted.get(signed, ()):
            continue  # no row has its amount near its date: never compared
        found.append(
            _Existing(txn_id, on, signed, (payee, description), pending, provenance.get(txn_id, ""), reference)
        )
    return found


def _similarity(text: str, existing: _Existing) -> float:
    key = payee_key(text)
    others = existing.keys()
    if not key or not others:
        return 0.0
    return max(fuzz.token_set_ratio(key, other) for other in others)


def _fuzzy(
    account: Account,
    rows: Sequence[RowKey],
    matches: list[Match],
    todo: list[int],
    start: date,
    end: date,
    claimed: set[uuid.UUID],
    provenance: dict[uuid.UUID, str],
) -> None:
    window = window_days()
    wanted: dict[Decimal, set[int]] = defaultdict(set)  # amount -> days (ordinals) within the window of a row's
    for i in todo:
        day = rows[i].date.toordinal()
        wanted[rows[i].amount].update(range(day - window, day + window + 1))
    existing = _load_existing(account, start, end, claimed, provenance, wanted)
    index = _Index()
    for position, item in enumerate(existing):
        index.by_amount[item.amount].append((item.date, position))
        if item.is_pending:
            index.pending.append(position)
    for entries in index.by_amount.values():
        entries.sort()
    window = window_days()
    tolerance = tip_tolerance()
    minimum = float(settings.IMPORT_DUPLICATE_MIN_SIMILARITY)
    pairs: list[tuple[float, int, int, str]] = []

    for i in todo:
        row = rows[i]
        low, high = row.date - timedelta(days=window), row.date + timedelta(days=window)
        entries = index.by_amount.get(row.amount, [])
        nearby = [
            pos
            for _day, pos in entries[
                bisect.bisect_left(entries, (low,)) : bisect.bisect_right(entries, (high, len(existing)))
            ]
        ]
        tipped = [
            pos
            for pos in index.pending
            if low <= existing[pos].date <= high
            and (existing[pos].amount < 0) == (row.amount < 0)
            and abs(existing[pos].amount) < abs(row.amount) <= abs(existing[pos].amount) * (1 + tolerance)
        ]
        for pos in nearby + tipped:
            item = existing[pos]
            if row.provider_id and item.provider_id and item.provider_id != row.provider_id and not item.is_pending:
                continue
            similarity = _similarity(row.text, item)
            days = abs((item.date - row.date).days)
            if similarity < minimum and not (not item.keys() and days <= 1 and item.amount == row.amount):
                continue
            if item.amount == row.amount:
                amount_score = 1.0
                what = "same amount"
            else:
                share = float((abs(row.amount) - abs(item.amount)) / abs(item.amount))
                amount_score = 1.0 - share / float(tolerance) / 2
                currency = account.currency
                what = f"pending {present(abs(item.amount), currency)}, posted {present(abs(row.amount), currency)}"
            score = 0.5 * similarity / 100 + 0.3 * (1 - days / (window + 1)) + 0.2 * amount_score
            reason = f"Possible duplicate: {what}, {days} day(s) apart, payee similarity {similarity:.0f}%."
            pairs.append((score, i, pos, reason))

    taken_rows: set[int] = set()
    taken: set[int] = set()
    for score, i, pos, reason in sorted(pairs, key=lambda p: (-p[0], p[1], p[2])):
        if i in taken_rows or pos in taken:
            continue
        taken_rows.add(i)
        taken.add(pos)
        match = matches[i]
        match.status = RowStatus.POSSIBLE_DUPLICATE
        match.candidate_id = existing[pos].id
        match.score = Decimal(str(round(score, 4))).quantize(SCORE_PLACES)
        match.reason = reason

    # The same check number already on the account: the same check, or a conflict to resolve.
    checks = {rows[i].check_number for i in todo if i not in taken_rows and rows[i].check_number}
    if not checks:
        return
    recorded = (
        Transaction.objects.filter(account=account, reference_number__in=checks)
        .exclude(id__in=claimed)
        .exclude(id__in=[existing[pos].id for pos in taken])
        .order_by("date")
        .values_list("id", "reference_number", "date", "amount")
    )
    by_check: dict[str, tuple[uuid.UUID, date, Decimal]] = {}
    for txn_id, number, on, amount in recorded:
        by_check.setdefault(number, (txn_id, on, amount))
    for i in todo:
        row = rows[i]
        if i in taken_rows or row.check_number not in by_check:
            continue
        txn_id, on, amount = by_check.pop(row.check_number)
        match = matches[i]
        match.status = RowStatus.POSSIBLE_DUPLICATE
        match.candidate_id = txn_id
        match.score = Decimal("0.9000")
        match.reason = (
            f"Check {row.check_number} is already recorded on {on.isoformat()} "
            f"for {present(amount, account.currency)} {account.currency}."
        )
