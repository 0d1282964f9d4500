"""The budgets app's ledger listener, registered in ``BudgetsConfig.ready()``."""

from __future__ import annotations

import uuid
from datetime import date

from finance.budgets import selectors


def on_ledger_changed(household_id: uuid.UUID, dates: frozenset[date]) -> None:
    """Enqueue the checks, unless the household has nothing that watches the ledger (a cached flag)."""
    if not selectors.household_is_watched(household_id):
        return
    from finance.budgets import tasks

    tasks.ledger_changed.delay(str(household_id), sorted(day.isoformat() for day in dates))
