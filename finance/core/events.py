"""Domain events and extension points: how a lower domain lets higher ones react without importing them.

A domain publishes a **domain event** (a frozen dataclass subclassing
:class:`Event`, defined in that domain's ``events.py``) from inside the
database transaction of the write that caused it::

    events.publish(TransactionsChanged(household_id=..., kind=..., ...))

:func:`publish` writes the event to the outbox table (:class:`OutboxEvent`)
in that same transaction, so a consumer outside the process (notifications,
webhooks) can deliver it at least once and never sees an event of a
rolled-back write. In the process, a higher domain listens from its
``AppConfig.ready()``::

    events.listen(TransactionsChanged, on_transactions_changed)

A listener runs in one of two phases:

* ``Phase.AFTER_COMMIT`` (the default): once the writing transaction has
  committed, never for a rolled-back one. Each listener runs on its own: one
  that raises is logged and does not undo the write or stop the others.
  Listeners should be cheap and hand real work to a Celery task.
* ``Phase.IN_TRANSACTION``: immediately, inside the writing transaction, for
  derived data that must change in the same transaction as its cause (a new
  household's default categories, reconverted amounts). An exception rolls
  the whole write back.

A listener registered for a base class receives its subclasses' events too
(``listen(Event, …)`` sees everything).

Where a higher domain must *shape* a lower one's write before it happens (the
categorizer suggesting a new transaction's category), the lower domain
declares a named :class:`ExtensionPoint` and calls it; the higher one
registers the implementation in its ``ready()``. With nothing registered the
lower domain works on its own.
"""

from __future__ import annotations

import dataclasses
import enum
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, TypeVar

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from finance.core.models import OutboxEvent

E = TypeVar("E", bound="Event")
F = TypeVar("F", bound=Callable[..., Any])


class Phase(enum.Enum):
    IN_TRANSACTION = "in_transaction"
    AFTER_COMMIT = "after_commit"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of every domain event: a fact in the past tense, made of plain values.

    Subclasses set ``name`` (``"<domain>.<what_happened>"``, stored in the
    outbox) and, when the fact belongs to a household, a ``household_id``
    field. Field values are ids, dates, decimals, strings, numbers, enums
    and collections of them.
    """

    name: ClassVar[str] = "event"

    @property
    def scope(self) -> uuid.UUID | None:
        """The household the event belongs to (``None`` for a person's own events)."""
        return getattr(self, "household_id", None)

    def payload(self) -> dict[str, Any]:
        """The event's fields as JSON values (ids and decimals as strings, sets sorted)."""
        return {f.name: _json(getattr(self, f.name)) for f in dataclasses.fields(self)}


Listener = Callable[[Any], None]
_listeners: dict[type[Event], list[tuple[Listener, Phase]]] = {}


def listen(event_type: type[E], listener: Callable[[E], None], *, phase: Phase = Phase.AFTER_COMMIT) -> None:
    """Call ``listener(event)`` for every published ``event_type`` (or subclass) event, in ``phase``.

    Registering the same listener again for the same type is a no-op.
    """
    registered = _listeners.setdefault(event_type, [])
    if all(existing != listener for existing, _ in registered):
        registered.append((listener, phase))


def unlisten(event_type: type[Event], listener: Listener) -> None:
    registered = _listeners.get(event_type, [])
    registered[:] = [(existing, phase) for existing, phase in registered if existing != listener]


def listeners(event_type: type[Event]) -> tuple[tuple[Listener, Phase], ...]:
    """The listeners an event of ``event_type`` reaches, with their phase, most specific type first."""
    return tuple(entry for cls in event_type.__mro__ if cls in _listeners for entry in _listeners[cls])


def publish(event: Event, *, recorded: bool = False) -> None:
    """Record ``event`` in the outbox and deliver it to its listeners.

    Call it inside the database transaction of the write the event reports;
    called outside one, the outbox row and the in-transaction listeners get
    a transaction of their own. ``recorded``: the caller already wrote the
    outbox row in that transaction, with a statement of its own (:func:`outbox_insert`).
    """
    if not transaction.get_connection().in_atomic_block:
        with transaction.atomic():
            publish(event, recorded=recorded)
        return
    if not recorded:
        _record(event)
    for listener, phase in listeners(type(event)):
        if phase is Phase.IN_TRANSACTION:
            listener(event)
        else:
            # robust: a failing listener is logged; the write has committed and stays.
            transaction.on_commit(_bind(listener, event), robust=True)


_OUTBOX_COLUMNS = ("name", "household_id", "payload", "created_at")


def outbox_insert(event: Event) -> tuple[str, list[Any]]:
    """The ``INSERT`` of the event's outbox row and its parameters, without building a model instance (every
    write pays for it). A writer that sends several statements as one runs it with them, then calls
    ``publish(event, recorded=True)``."""
    connection = transaction.get_connection()
    meta = OutboxEvent._meta
    fields: list[Any] = [meta.get_field(name) for name in _OUTBOX_COLUMNS]
    values = (event.name, event.scope, event.payload(), timezone.now())
    params = [field.get_db_prep_save(value, connection) for field, value in zip(fields, values, strict=True)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    # Identifiers come from model metadata; values are parameters.
    return f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s)", params  # noqa: S608


def _record(event: Event) -> None:
    sql, params = outbox_insert(event)
    with transaction.get_connection().cursor() as cursor:
        cursor.execute(sql, params)


def outbox_prune(*, now: datetime | None = None) -> int:
    """Delete outbox rows older than ``OUTBOX_RETENTION``; returns how many."""
    cutoff = (now or timezone.now()) - settings.OUTBOX_RETENTION
    deleted, _ = OutboxEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def _bind(listener: Listener, event: Event) -> Callable[[], None]:
    def deliver() -> None:
        listener(event)

    deliver.__qualname__ = f"deliver {event.name} to {getattr(listener, '__qualname__', listener)!s}"
    return deliver


def _json(value: Any) -> Any:
    if isinstance(value, uuid.UUID | Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, frozenset | set):
        return sorted(_json(v) for v in value)
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json(v) for k, v in value.items()}
    return value


class ExtensionPoint(Generic[F]):
    """A named place where a higher domain shapes a lower domain's work; at most one implementation.

    The lower domain declares it at module level and calls
    :attr:`implementation` (``None`` when no domain registered one); the
    higher domain registers its function from ``AppConfig.ready()``.
    """

    def __init__(self, name: str, doc: str = "") -> None:
        self.name = name
        self.__doc__ = doc or f"Extension point {name}."
        self._implementation: F | None = None

    def __repr__(self) -> str:
        return f"<ExtensionPoint {self.name}>"

    @property
    def implementation(self) -> F | None:
        return self._implementation

    def register(self, implementation: F) -> F:
        """Plug ``implementation`` in (again: a no-op); a different second one is refused."""
        if self._implementation is not None and self._implementation is not implementation:
            raise RuntimeError(f"{self.name} already has an implementation: {self._implementation!r}")
        self._implementation = implementation
        return implementation

    def unregister(self, implementation: F) -> None:
        if self._implementation is implementation:
            self._implementation = None
