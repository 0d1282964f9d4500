"""DRF throttles that honour ``API_THROTTLE=off`` (for load tests) and keep limiting when the cache fails.

Counters live in the default cache (Redis in production, so every worker
shares them). Each request is checked against a per-user (or, signed out,
per-address) budget, a per-address budget whoever is signed in, and for
writes a per-user write budget; sign-in and other brute-force friendly
endpoints add their own scoped budgets.

The cache is configured to swallow connection errors (a Redis outage must not
take the API down), which would make every throttle see an empty history and
let everything through. So the throttles keep their counters in a
:class:`ThrottleStore`: the shared cache, asked through a client that does
report failures, and when it fails a counter of this process alone for
``FALLBACK_SECONDS`` before the shared cache is tried again (docs/operations.md).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from rest_framework import permissions, throttling

from finance.core.http import client_ip

# The shared bucket of requests whose address cannot be read (a trusted proxy sent garbage).
UNKNOWN_ADDRESS = "unknown"
# After the shared cache fails, throttles count in this process for this long before trying it again
# (so an outage costs one connection timeout per process and interval, not one per request).
FALLBACK_SECONDS = 15.0

logger = logging.getLogger("finance.cache")


class ThrottleStore(BaseCache):
    """The throttles' counters: the shared cache, or this process's own while it fails.

    django-redis' cache object swallows connection errors (``IGNORE_EXCEPTIONS``), but its
    ``client`` raises them; any other backend is asked directly. A failure switches to a
    per-process limiter (a local-memory cache of the same keys) for ``FALLBACK_SECONDS``:
    budgets then hold per worker process instead of across them, which is looser by the
    number of processes but never open.
    """

    def __init__(self) -> None:
        super().__init__({})
        self.local = LocMemCache("finance-throttle-fallback", {"TIMEOUT": 3600, "OPTIONS": {"MAX_ENTRIES": 50_000}})
        self._lock = threading.Lock()
        self._shared_down_until = 0.0

    @property
    def degraded(self) -> bool:
        """Whether counters are currently kept in this process only."""
        return time.monotonic() < self._shared_down_until

    def _shared(self) -> Any:
        cache = caches["default"]
        # django-redis: the client reports what the cache object would swallow.
        return getattr(cache, "client", cache)

    def _failed(self, exc: Exception) -> None:
        with self._lock:
            newly = not self.degraded
            self._shared_down_until = time.monotonic() + FALLBACK_SECONDS
        if newly:
            logger.warning(
                "the cache failed; throttles count per process for %ss",
                FALLBACK_SECONDS,
                extra={"event": "throttle_fallback", "error": f"{type(exc).__name__}: {exc}"},
            )

    def get(self, key: str, default: Any = None, version: int | None = None) -> Any:
        if not self.degraded:
            try:
                return self._shared().get(key, default=default)
            except Exception as exc:  # noqa: BLE001 - whatever the backend raises, fall back, never fail open
                self._failed(exc)
        return self.local.get(key, default)

    def set(self, key: str, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        if not self.degraded:
            try:
                self._shared().set(key, value, timeout=timeout)
                return
            except Exception as exc:  # noqa: BLE001 - as in get()
                self._failed(exc)
        self.local.set(key, value, timeout)

    def clear(self) -> None:
        """Forget the local counters and try the shared cache again."""
        self.local.clear()
        self._shared_down_until = 0.0


store = ThrottleStore()


class _Switchable:
    cache: BaseCache = store

    def allow_request(self, request: Any, view: Any) -> bool:
        if not settings.API_THROTTLE:
            return True
        return super().allow_request(request, view)  # type: ignore[misc]

    def get_ident(self, request: Any) -> str:
        """The client's address by ``finance.core.http.client_ip``: the peer unless ``NUM_PROXIES``
        trusted proxies stand in front, never an ``X-Forwarded-For`` the client wrote itself."""
        return client_ip(request) or UNKNOWN_ADDRESS


class UserRateThrottle(_Switchable, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(_Switchable, throttling.AnonRateThrottle):
    pass


class AddressRateThrottle(_Switchable, throttling.SimpleRateThrottle):
    """Every request from one address, signed in or not (many accounts, one client)."""

    scope = "address"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class WriteRateThrottle(_Switchable, throttling.SimpleRateThrottle):
    """Unsafe methods per user (or per address when signed out); reads are not counted."""

    scope = "write"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        if request.method in permissions.SAFE_METHODS:
            return None
        user = request.user
        ident = user.pk if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ScopedRateThrottle(_Switchable, throttling.ScopedRateThrottle):
    """Per-endpoint budgets for brute-force friendly endpoints (login, register, …)."""


class ScopeThrottle(_Switchable, throttling.SimpleRateThrottle):
    """One of the API's scoped budgets (``login``, ``password``, ``otp``), for the web app's pages.

    The cache key is the API's own: per client address for sign-in, per user for the
    signed-in scopes, so switching between the API and the pages buys no extra attempts.
    """

    def __init__(self, scope: str) -> None:
        self.scope = scope
        super().__init__()

    def get_cache_key(self, request: Any, view: Any) -> str:
        user = getattr(request, "user", None)
        if self.scope != "login" and user is not None and user.is_authenticated:
            ident = user.pk
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def throttle_wait(request: Any, scope: str) -> int | None:
    """None when the request is within the scope's budget, else the seconds to wait."""
    throttle = ScopeThrottle(scope)
    if throttle.allow_request(request, None):
        return None
    return max(1, round(throttle.wait() or 60))
