"""Celery: eager without a broker; through a real broker and worker when one is configured."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from config.celery import app
from finance.core import tasks
from finance.core.models import IdempotencyKey
from finance.users.tests.factories import UserFactory


@pytest.mark.django_db
def test_purge_task_runs_eagerly_and_purges(settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    user = UserFactory()
    old = IdempotencyKey.objects.create(user=user, key="old", request_fingerprint="x", response_status=201)
    IdempotencyKey.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=3))
    IdempotencyKey.objects.create(user=user, key="new", request_fingerprint="y", response_status=201)
    assert tasks.purge_expired_idempotency_keys.delay().get(timeout=5) == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


def test_beat_schedule_names_real_tasks():
    app.loader.import_default_modules()
    for entry in app.conf.beat_schedule.values():
        assert entry["task"] in app.tasks, entry["task"]


@pytest.mark.broker
def test_task_round_trip_through_the_broker():
    """A real worker consumes from the configured broker (Redis in CI) and returns the result."""
    from celery.contrib.testing.worker import start_worker

    app.conf.task_always_eager = False
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            assert tasks.ping.delay().get(timeout=20) == "pong"
    finally:
        app.conf.task_always_eager = True
