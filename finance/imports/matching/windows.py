"""Which amounts the rows of a file have, and near which days: the pre-filter of duplicate and transfer reads,
and the texts of the few candidates it keeps."""

from __future__ import annotations

import bisect
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from finance.ledger.bulk import in_lists
from finance.ledger.models import Transaction


class DaysByAmount:
    """For each amount, the days some row has it; :meth:`near` asks whether one is within ``window`` days.

    A file's 100k rows are added once (a sorted list of days per amount) instead of
    marking every day of every row's window.
    """

    def __init__(self, window: int) -> None:
        self.window = window
        self._days: dict[Decimal, list[int]] = defaultdict(list)
        self._sorted = True

    def amounts(self) -> list[Decimal]:
        return list(self._days)

    def add(self, amount: Decimal, day: date) -> None:
        self._days[amount].append(day.toordinal())
        self._sorted = False

    def near(self, amount: Decimal, day: date) -> bool:
        days = self._days.get(amount)
        if not days:
            return False
        if not self._sorted:
            for entries in self._days.values():
                entries.sort()
            self._sorted = True
        ordinal = day.toordinal()
        at = bisect.bisect_left(days, ordinal - self.window)
        return at < len(days) and days[at] <= ordinal + self.window


def transaction_texts(ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    """``id → (payee, description)``: the texts of the few candidates kept by a narrow read."""
    texts: dict[uuid.UUID, tuple[str, str]] = {}
    for part in in_lists(ids):
        found = Transaction.objects.filter(id__in=part).values_list("id", "payee", "description")
        texts.update((txn_id, (payee, description)) for txn_id, payee, description in found)
    return texts
