"""Per-household cache versions: cached reads are never stale.

Every cached analytics value is stored under a key that includes the
household's current version. Each write bumps the version after its database
transaction commits, so the next read misses and recomputes; the TTL only
bounds memory. If the cache is unreachable, reads fall through to the
database.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")
ANALYTICS_TTL = 300


def _version_key(household_id: uuid.UUID | str) -> str:
    return f"hhv:{household_id}"


def current_version(key: str) -> int | None:
    """The version stored under ``key``, creating one if the cache lost it; ``None`` if the cache is down."""
    version = cache.get(key)
    if version is None:
        # A fresh random version: it cannot collide with one computed before the loss, even when
        # the clock stands still or steps back (a frozen clock in tests, a VM's time sync).
        cache.add(key, secrets.randbits(62), timeout=None)
        version = cache.get(key)
    return int(version) if version is not None else None


def household_version(household_id: uuid.UUID | str) -> int | None:
    """The household's current version (``current_version``)."""
    return current_version(_version_key(household_id))


def bump_household_version(household_id: uuid.UUID | str) -> None:
    """Invalidate the household's cached reads once the current transaction commits."""

    def bump() -> None:
        key = _version_key(household_id)
        try:
            cache.incr(key)
        except ValueError:  # not in the cache: any new value invalidates
            cache.set(key, secrets.randbits(62), timeout=None)

    transaction.on_commit(bump)


def cached_for_household(
    household_id: uuid.UUID | str, name: str, params: dict[str, Any], compute: Callable[[], T]
) -> T:
    version = household_version(household_id)
    if version is None:
        return compute()
    digest = hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()[:24]
    key = f"an:{household_id}:{version}:{name}:{digest}"
    hit = cache.get(key)
    if hit is not None:
        return hit
    value = compute()
    cache.set(key, value, timeout=ANALYTICS_TTL)
    return value
