"""What the ledger tells the domains above it (finance.core.events; docs/architecture.md)."""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass
from datetime import date
from typing import ClassVar

from finance.core.events import Event

# An event names at most this many transactions; a larger change gives its count (bulk loads, reverts).
MAX_EVENT_IDS = 1000


class ChangeKind(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    DELETED = "deleted"
    # Base-currency amounts recomputed after a rate or base-currency change.
    RECONVERTED = "reconverted"
    # An account's opening balance moved: balances changed with no dated activity.
    BALANCE = "balance"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransactionsChanged(Event):
    """Transactions of a household were created, changed or deleted; balances and aggregates already follow.

    ``dates`` are the days whose money changed and ``account_ids`` the accounts whose balance or flows
    changed: both empty when only descriptions changed (tags added in bulk), ``dates`` empty for an
    opening balance. ``ids`` name the transactions when there are at most ``MAX_EVENT_IDS`` of them;
    ``count`` says how many there are.
    """

    name: ClassVar[str] = "ledger.transactions_changed"

    household_id: uuid.UUID
    kind: ChangeKind
    dates: frozenset[date]
    account_ids: frozenset[uuid.UUID]
    ids: tuple[uuid.UUID, ...]
    count: int

    @property
    def moves_money(self) -> bool:
        return bool(self.dates or self.account_ids)

    @property
    def months(self) -> frozenset[date]:
        """The first day of each month with changed activity."""
        return frozenset(day.replace(day=1) for day in self.dates)


@dataclass(frozen=True, slots=True, kw_only=True)
class CategoryCorrected(Event):
    """A person changed a transaction's category by hand (API, web app, review queue, a bulk edit)."""

    name: ClassVar[str] = "ledger.category_corrected"

    household_id: uuid.UUID
    transaction_id: uuid.UUID
    category_id: uuid.UUID
    previous_category_id: uuid.UUID | None
    actor_id: uuid.UUID | None
