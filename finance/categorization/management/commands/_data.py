"""Where the labeled data sets are found by default."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def default_data_dir() -> Path:
    """``../shared/data/categorization`` beside the repository (set up locally and in CI)."""
    return Path(settings.BASE_DIR).parent / "shared" / "data" / "categorization"
