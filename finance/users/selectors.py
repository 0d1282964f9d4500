"""Reads about users."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q


def user_identifier_taken(*, field: str, value: str, exclude_pk: Any = None) -> bool:
    """Whether another user already has this username or email (case-insensitive)."""
    qs = get_user_model().objects.filter(Q(**{f"{field}__iexact": value.strip()}))
    if exclude_pk is not None:
        qs = qs.exclude(pk=exclude_pk)
    return qs.exists()
