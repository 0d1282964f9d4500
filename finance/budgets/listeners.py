"""The budgets app's reaction to ledger changes, registered in ``BudgetsConfig.ready()``."""

from __future__ import annotations

from finance.budgets import selectors, tasks
from finance.core import events
from finance.ledger.events import TransactionsChanged


def on_transactions_changed(event: TransactionsChanged) -> None:
    """After commit, enqueue the threshold and goal checks, unless the household has nothing that watches
    the ledger (a cached flag)."""
    if not event.moves_money or not selectors.household_is_watched(event.household_id):
        return
    tasks.evaluate_ledger_change.delay(str(event.household_id), sorted(day.isoformat() for day in event.dates))


def connect() -> None:
    events.listen(TransactionsChanged, on_transactions_changed)
