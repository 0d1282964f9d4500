from __future__ import annotations

from typing import Any

import pytest

from finance.users.tests.helpers import clock

__all__ = ["clock", "media"]


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Any) -> Any:
    """Export files go to a folder of the test's own."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return tmp_path / "media"
