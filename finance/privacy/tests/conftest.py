from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from config.celery import app
from finance.users.tests.helpers import clock

__all__ = ["clock", "eager_tasks", "media"]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    """Export files go to a folder of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"


@pytest.fixture
def eager_tasks() -> Iterator[None]:
    """Tasks run in-process even when a broker is configured (as in the embedded default)."""
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = eager
