"""Who wants to know that a household's ledger changed: a tiny explicit registry.

The ledger knows nothing about its listeners (budgets, goals, notifications):
an app registers a callable once, in its ``AppConfig.ready()``, and every
ledger service that changes transactions or balances calls
:func:`ledger_changed` inside its database transaction. Listeners run after
the transaction commits (never for a rolled-back write), each on its own: one
that fails is logged and does not undo the write or stop the others.

A listener receives the household id and the transaction dates whose money
changed; an empty set means balances changed without dated activity (an
account's opening balance). Listeners must be cheap for households that do
not care, and hand real work to a task.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import date

from django.db import transaction

Listener = Callable[[uuid.UUID, frozenset[date]], None]

_listeners: list[Listener] = []


def register(listener: Listener) -> Listener:
    """Call ``listener(household_id, dates)`` after every committed ledger change (idempotent)."""
    if listener not in _listeners:
        _listeners.append(listener)
    return listener


def unregister(listener: Listener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def listeners() -> tuple[Listener, ...]:
    return tuple(_listeners)


def ledger_changed(household_id: uuid.UUID, dates: Iterable[date | None]) -> None:
    """Tell the listeners, once the current transaction commits, that these dates changed."""
    if not _listeners:
        return
    changed = frozenset(d for d in dates if d is not None)
    for listener in _listeners:
        # robust: a failing listener is logged; the write is already committed and stays.
        transaction.on_commit(_bind(listener, household_id, changed), robust=True)


def _bind(listener: Listener, household_id: uuid.UUID, dates: frozenset[date]) -> Callable[[], None]:
    def notify() -> None:
        listener(household_id, dates)

    return notify
