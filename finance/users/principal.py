"""The signed-in person and their memberships, cached per user version.

Every API request needs the token's user and, for anything household-scoped,
the caller's memberships: two queries before any work. Both are cached
together under a per-user *version* that any change to the user, one of
their memberships or one of their households replaces once its transaction
commits (signals in ``finance.users.signals`` and ``finance.households.signals``).

Each process also keeps the principals it read lately under the same
versioned keys, so a request usually costs one cache read (the version) for
authentication, not two. Readers take the version *before* reading the database and store what they
read under that version, so a reader racing a change can only fill an entry
nobody asks for any more; the next request sees the new version and reads
again. The user is cached without its password hash (``defer``): saving such
an instance writes only the fields it loaded. If the cache is unreachable,
everything is read from the database.
"""

from __future__ import annotations

import pickle
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

from finance.core.cache import current_version
from finance.core.events import ExtensionPoint

PRINCIPAL_TTL = 300
# The principals this process read lately, by versioned key: (monotonic expiry, pickled Principal). A
# version changes with every change to the person, so a kept entry is never stale beyond what the shared
# cache's own entry would be; it only saves the cache round trip.
_kept: dict[str, tuple[float, bytes]] = {}
_KEPT_MAX = 2048
# Bumped by every change this process makes; a user object's remembered principal is only
# used while it is current, so a request that changes memberships sees its own change.
_generation = 0


# The person's memberships, with their households, oldest first: ``finance.households`` plugs in the
# query (households build on identity), so one cache entry serves every request's scoping.
membership_loader: ExtensionPoint[Callable[[Any], Iterable[Any]]] = ExtensionPoint("users.membership_loader")


@dataclass(frozen=True)
class Principal:
    user: Any
    # Membership rows with their household, oldest first (``Membership.Meta.ordering``).
    memberships: tuple[Any, ...]


def version_key(user_id: Any) -> str:
    """The cache key of the user's principal version (read with other keys in one round trip by
    authentication, then passed to :func:`principal`)."""
    return f"principal:v:{user_id}"


def _load(user_id: Any) -> Principal | None:
    user = get_user_model().objects.defer("password").filter(pk=user_id).first()
    if user is None:
        return None
    load = membership_loader.implementation
    memberships = tuple(load(user_id)) if load is not None else ()
    for membership in memberships:
        membership.user = user  # no query when a caller follows membership.user
    return Principal(user=user, memberships=memberships)


def principal(user_id: Any, *, version: Any = None) -> Principal | None:
    """The user (without the password hash) and their memberships; ``None`` if there is no such user.

    ``version`` is what the cache held under :func:`version_key` when the caller read it already; without
    it (or when the cache had none), it is read here.
    """
    version = current_version(version_key(user_id)) if version is None else int(version)
    if version is None:
        return _load(user_id)
    key = f"principal:{user_id}:{version}"
    now = time.monotonic()
    kept = _kept.get(key)
    if kept is not None and kept[0] > now:
        found: Principal | None = pickle.loads(kept[1])  # noqa: S301 - bytes this process pickled itself
        return found
    hit = cache.get(key)
    if isinstance(hit, Principal):
        found = hit
    else:
        found = _load(user_id)
        if found is not None:
            cache.set(key, found, timeout=PRINCIPAL_TTL)
    if found is not None:
        if len(_kept) >= _KEPT_MAX:
            _kept.clear()
        # Kept pickled: every request unpickles its own objects, so none is shared between requests.
        _kept[key] = (now + PRINCIPAL_TTL, pickle.dumps(found))
    return found


def remember(user: Any, found: Principal) -> None:
    """Keep ``found`` on the user object for the rest of the request (no cache round trip per check)."""
    user._finance_principal = (_generation, found)


def memberships_of(user: Any) -> tuple[Any, ...]:
    """The signed-in user's memberships (cached); anonymous users have none."""
    if not getattr(user, "is_authenticated", False):
        return ()
    remembered = getattr(user, "_finance_principal", None)
    if remembered is not None and remembered[0] == _generation:
        return remembered[1].memberships
    found = principal(user.pk)
    if found is None:
        return ()
    remember(user, found)
    return found.memberships


def principal_changed(user_ids: Iterable[Any]) -> None:
    """Forget the cached principal of each user: now, and again once the current transaction commits.

    Now, so reads later in the same transaction see the change; after the
    commit, because a request running meanwhile may have cached what the
    database held before the commit under the version replaced now.
    """
    global _generation
    keys = [version_key(user_id) for user_id in {str(u) for u in user_ids if u is not None}]
    if not keys:
        return
    _generation += 1
    cache.delete_many(keys)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: cache.delete_many(keys))
