"""Domain events: written to the outbox with the write, delivered in their phase, never for a rollback."""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

import pytest
from django.db import transaction
from django.utils import timezone

from finance.core import events, tasks
from finance.core.events import Event, ExtensionPoint, Phase
from finance.core.models import OutboxEvent

pytestmark = pytest.mark.django_db

HOUSEHOLD = uuid.UUID("6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f")


class Colour(enum.Enum):
    RED = "red"


@dataclass(frozen=True, slots=True, kw_only=True)
class Probed(Event):
    name: ClassVar[str] = "tests.probed"

    household_id: uuid.UUID
    amount: Decimal
    days: frozenset[date]
    colour: Colour
    ids: tuple[uuid.UUID, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Personal(Event):
    name: ClassVar[str] = "tests.personal"

    user_id: uuid.UUID


def probe(**changes: Any) -> Probed:
    values: dict[str, Any] = {
        "household_id": HOUSEHOLD,
        "amount": Decimal("12.3400000000"),
        "days": frozenset({date(2026, 3, 2), date(2026, 1, 31)}),
        "colour": Colour.RED,
    }
    return Probed(**{**values, **changes})


@pytest.fixture
def heard() -> Iterator[list[tuple[str, Event]]]:
    calls: list[tuple[str, Event]] = []

    def after(event: Event) -> None:
        calls.append(("after_commit", event))

    def during(event: Event) -> None:
        calls.append(("in_transaction", event))

    events.listen(Probed, after)
    events.listen(Probed, during, phase=Phase.IN_TRANSACTION)
    yield calls
    events.unlisten(Probed, after)
    events.unlisten(Probed, during)


def test_publish_writes_the_event_to_the_outbox_as_json():
    events.publish(probe(ids=(HOUSEHOLD,)))
    row = OutboxEvent.objects.get()
    assert (row.name, row.household_id) == ("tests.probed", HOUSEHOLD)
    assert row.payload == {
        "household_id": str(HOUSEHOLD),
        "amount": "12.3400000000",
        "days": ["2026-01-31", "2026-03-02"],
        "colour": "red",
        "ids": [str(HOUSEHOLD)],
    }


def test_an_event_without_a_household_is_recorded_without_one():
    user_id = uuid.uuid4()
    events.publish(Personal(user_id=user_id))
    assert list(OutboxEvent.objects.values_list("name", "household_id", "payload")) == [
        ("tests.personal", None, {"user_id": str(user_id)})
    ]


def test_in_transaction_listeners_run_at_once_and_the_others_after_commit(heard, django_capture_on_commit_callbacks):
    event = probe()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        events.publish(event)
        assert heard == [("in_transaction", event)]
    assert heard == [("in_transaction", event), ("after_commit", event)]


def test_a_rolled_back_write_publishes_nothing(heard, django_capture_on_commit_callbacks):
    with (  # noqa: PT012
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        events.publish(probe())
        raise RuntimeError("the write fails after publishing")
    assert OutboxEvent.objects.count() == 0
    assert callbacks == []
    assert [phase for phase, _ in heard] == ["in_transaction"]  # it ran, and was rolled back with the write


def test_a_failing_in_transaction_listener_rolls_the_write_back(django_capture_on_commit_callbacks):
    def refuse(event: Event) -> None:
        raise ValueError("derived data cannot follow")

    events.listen(Probed, refuse, phase=Phase.IN_TRANSACTION)
    try:
        with pytest.raises(ValueError, match="cannot follow"), transaction.atomic():
            events.publish(probe())
    finally:
        events.unlisten(Probed, refuse)
    assert OutboxEvent.objects.count() == 0


def test_a_failing_after_commit_listener_does_not_stop_the_others(django_capture_on_commit_callbacks):
    delivered: list[Event] = []

    def broken(event: Event) -> None:
        raise ValueError("listener bug")

    events.listen(Probed, broken)  # first, so a failure that stopped delivery would starve the next one
    events.listen(Probed, delivered.append)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.publish(event := probe())
    finally:
        events.unlisten(Probed, broken)
        events.unlisten(Probed, delivered.append)
    assert delivered == [event]
    assert OutboxEvent.objects.count() == 1


def test_a_listener_of_the_base_class_hears_every_event(django_capture_on_commit_callbacks):
    names: list[str] = []

    def everything(event: Event) -> None:
        names.append(event.name)

    events.listen(Event, everything)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            events.publish(probe())
            events.publish(Personal(user_id=uuid.uuid4()))
    finally:
        events.unlisten(Event, everything)
    assert names == ["tests.probed", "tests.personal"]


def test_listening_twice_registers_once():
    def listener(event: Event) -> None:
        return None

    before = len(events.listeners(Probed))
    events.listen(Probed, listener)
    events.listen(Probed, listener)
    assert len(events.listeners(Probed)) == before + 1
    events.unlisten(Probed, listener)
    assert len(events.listeners(Probed)) == before


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_gives_the_event_one_of_its_own(heard):
    events.publish(probe())
    assert OutboxEvent.objects.count() == 1
    assert [phase for phase, _ in heard] == ["in_transaction", "after_commit"]


def test_outbox_rows_older_than_the_retention_are_pruned(settings):
    settings.OUTBOX_RETENTION = timedelta(days=7)
    now = timezone.now()
    events.publish(probe())
    events.publish(probe())
    old, recent = OutboxEvent.objects.order_by("id")
    OutboxEvent.objects.filter(pk=old.pk).update(created_at=now - timedelta(days=8))
    OutboxEvent.objects.filter(pk=recent.pk).update(created_at=now - timedelta(days=6))
    assert events.outbox_prune(now=now) == 1
    assert list(OutboxEvent.objects.values_list("pk", flat=True)) == [recent.pk]
    assert tasks.prune_outbox() == 0  # what Celery Beat runs hourly


class TestExtensionPoint:
    def test_without_an_implementation_it_offers_none(self):
        point: ExtensionPoint[Any] = ExtensionPoint("tests.point")
        assert point.implementation is None

    def test_one_implementation_plugs_in_and_out(self):
        point: ExtensionPoint[Any] = ExtensionPoint("tests.point")

        def first(value: int) -> int:
            return value + 1

        def second(value: int) -> int:
            return value + 2

        point.register(first)
        point.register(first)  # again: nothing changes
        assert point.implementation is first
        with pytest.raises(RuntimeError, match="already has an implementation"):
            point.register(second)
        point.unregister(second)  # not the registered one: nothing changes
        assert point.implementation is first
        point.unregister(first)
        assert point.implementation is None


def test_payload_values_are_json_whatever_their_type():
    moment = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.get_fixed_timezone(60))
    assert events._json({"at": moment, "set": {3, 1}, "nested": [Decimal("0.10"), (Colour.RED,)]}) == {
        "at": "2026-03-02T09:30:00+01:00",
        "set": [1, 3],
        "nested": ["0.10", ["red"]],
    }
