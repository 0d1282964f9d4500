"""Duplicate detection for imported rows, in three steps per account.

1. **Bank id**: a row whose provider id (OFX ``FITID``, CAMT/MT940 reference,
   a CSV transaction id) was seen in an earlier, committed import of the same
   account is a duplicate.
2. **Fingerprint**: a row whose content fingerprint (see
   :mod:`finance.imports.matching.fingerprint`) was seen before is a duplicate, unless
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
from typing import NamedTuple

from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from rapidfuzz import fuzz

from finance.core.money import present
from finance.imports.matching.fingerprint import payee_key
from finance.imports.matching.windows import DaysByAmount, transaction_texts
from finance.imports.models import OUTCOME_STATUSES, ImportBatch, ImportedRow, ImportStatus, RowStatus
from finance.ledger.bulk import in_lists
from finance.ledger.models import Account, Transaction, TransactionType

SCORE_PLACES = Decimal("0.0001")


class RowKey(NamedTuple):
    """What detection needs to know about one readable row of the file (a tuple: 100k are made per file)."""

    date: date
    amount: Decimal  # signed: negative = money out
    text: str  # payee, else description
    fingerprint: str
    provider_id: str = ""
    check_number: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    """The verdict on one row (most rows share :data:`UNMATCHED`)."""

    status: str = RowStatus.NEW
    transaction_id: uuid.UUID | None = None  # the transaction a duplicate repeats
    candidate_id: uuid.UUID | None = None  # the transaction a possible duplicate may repeat
    score: Decimal | None = None
    reason: str = ""


UNMATCHED = Match()


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
    matches = [UNMATCHED] * len(rows)
    if not rows:
        return matches
    window = timedelta(days=window_days())
    start = min(r.date for r in rows) - window
    end = max(r.date for r in rows) + window

    # Rows with an outcome are rows of committed batches: naming those batches keeps the read off the rows of
    # uncommitted ones (the file being analysed is one, its rows all of the account's newest).
    # The batch ids are read first: as a subquery the planner may scan the whole table instead of each batch's rows.
    committed = ImportBatch.objects.filter(account=account, status=ImportStatus.COMMITTED)
    if exclude_batch_id is not None:
        committed = committed.exclude(pk=exclude_batch_id)
    earlier = ImportedRow.objects.filter(
        account=account,
        batch_id__in=list(committed.values_list("id", flat=True)),
        status__in=OUTCOME_STATUSES,
        date__range=(start, end),
    )
    by_provider: dict[str, list[tuple[uuid.UUID, str, uuid.UUID | None, str]]] = defaultdict(list)
    by_fingerprint: dict[str, list[tuple[uuid.UUID, str, uuid.UUID | None, str]]] = defaultdict(list)
    provenance: dict[uuid.UUID, str] = {}  # transaction → the bank id it was imported with
    for row_id, fp, pid, status, txn_id in earlier.order_by("created_at", "row_number").values_list(
        "id", "fingerprint", "provider_id", "status", "transaction_id"
    ):
        if status == RowStatus.IMPORTED:
            txn_id = row_id  # the transaction a row created has its id (it may have been deleted since)
        entry = (row_id, status, txn_id, pid)
        if pid:
            by_provider[pid].append(entry)
        if fp:
            by_fingerprint[fp].append(entry)
        if txn_id is not None and pid:
            provenance[txn_id] = pid

    used: set[uuid.UUID] = set()
    exact: dict[int, tuple[uuid.UUID | None, str]] = {}  # row → (the transaction it repeats, why)
    for i, row in enumerate(rows):
        if not by_provider and not by_fingerprint:
            break
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
        exact[i] = (found[2], _outcome_reason(found[1], how))
    alive = _existing_ids({repeated for repeated, _reason in exact.values() if repeated is not None})
    claimed: set[uuid.UUID] = set()  # transactions an exact duplicate already points at
    for i, (repeated, reason) in exact.items():
        if repeated is not None and repeated in alive:
            claimed.add(repeated)
            matches[i] = Match(status=RowStatus.DUPLICATE, transaction_id=repeated, reason=reason)
        else:
            # Merged and transfer links are let go by the ledger on delete; the transaction an imported row
            # created is known by the row's id only.
            matches[i] = Match(status=RowStatus.DUPLICATE, reason=f"{reason} Its transaction was deleted since.")

    pending_rows = [i for i, m in enumerate(matches) if m is UNMATCHED]
    if pending_rows:
        _fuzzy(account, rows, matches, pending_rows, start, end, claimed, provenance)
    return matches


def _existing_ids(ids: set[uuid.UUID]) -> set[uuid.UUID]:
    """Which of ``ids`` are transactions still."""
    alive: set[uuid.UUID] = set()
    for part in in_lists(list(ids)):
        alive.update(Transaction.objects.filter(id__in=part).values_list("id", flat=True))
    return alive


def _load_existing(
    account: Account,
    start: date,
    end: date,
    claimed: set[uuid.UUID],
    provenance: dict[uuid.UUID, str],
    wanted: DaysByAmount,
) -> list[_Existing]:
    """The account's transactions in the range that can match a row: a row's signed amount within the window
    of its date, or pending (a tip may have changed the amount)."""
    kept = []
    # Narrow first (most transactions are near no row's amount), texts for the few kept; the transactions
    # already claimed are left out here rather than in SQL (a re-imported file claims thousands).
    candidates = Transaction.objects.filter(Q(account=account) | Q(transfer_account=account), date__range=(start, end))
    if connection.vendor == "postgresql":
        # Only amounts some row has (one array parameter; pending ones and transfers into the account, whose
        # amount on this side may be another, are all read): a statement's rows match few of the account's
        # transactions, and converting the rest was most of this read.
        amounts = sorted({abs(amount) for amount in wanted.amounts()})
        same_amount = RawSQL(  # noqa: S611 - fixed SQL, one bound parameter
            f"{Transaction._meta.db_table}.amount = ANY(%s::numeric[])", (amounts,), BooleanField()
        )
        candidates = candidates.filter(Q(is_pending=True) | Q(transfer_account=account) | Q(same_amount))
    qs = candidates.values_list(
        "id", "type", "account_id", "amount", "transfer_amount", "date", "is_pending", "reference_number"
    )
    for txn_id, kind, account_id, amount, transfer_amount, on, pending, reference in qs:
        if txn_id in claimed:
            continue
        if kind == TransactionType.INCOME:
            signed = amount
        elif kind == TransactionType.EXPENSE or account_id == account.id:
            signed = -amount
        else:  # a transfer into this account
            signed = transfer_amount if transfer_amount is not None else amount
        if not pending and not wanted.near(signed, on):
            continue  # no row has its amount near its date: never compared
        kept.append((txn_id, on, signed, pending, reference))
    texts = transaction_texts([item[0] for item in kept])
    return [
        _Existing(txn_id, on, signed, texts[txn_id], pending, provenance.get(txn_id, ""), reference)
        for txn_id, on, signed, pending, reference in kept
    ]


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
    wanted = DaysByAmount(window)
    for i in todo:
        wanted.add(rows[i].amount, rows[i].date)
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
        matches[i] = Match(
            status=RowStatus.POSSIBLE_DUPLICATE,
            candidate_id=existing[pos].id,
            score=Decimal(str(round(score, 4))).quantize(SCORE_PLACES),
            reason=reason,
        )

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
        matches[i] = Match(
            status=RowStatus.POSSIBLE_DUPLICATE,
            candidate_id=txn_id,
            score=Decimal("0.9000"),
            reason=(
                f"Check {row.check_number} is already recorded on {on.isoformat()} "
                f"for {present(amount, account.currency)} {account.currency}."
            ),
        )
