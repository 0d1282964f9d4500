"""Where the evaluation data sets are found by default (the training set ships with the product)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings


def default_data_dir() -> Path:
    """``../shared/data/categorization`` beside the repository (set up locally and in CI; never read by the
    product at run time)."""
    return Path(settings.BASE_DIR).parent / "shared" / "data" / "categorization"
