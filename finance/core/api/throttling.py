"""DRF throttles that honour ``API_THROTTLE=off`` (for load tests).

Counters live in the default cache (Redis in production, so every worker
shares them). Each request is checked against a per-user (or, signed out,
per-address) budget, a per-address budget whoever is signed in, and for
writes a per-user write budget; sign-in and other brute-force friendly
endpoints add their own scoped budgets.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import permissions, throttling

from finance.core.http import client_ip

# The shared bucket of requests whose address cannot be read (a trusted proxy sent garbage).
UNKNOWN_ADDRESS = "unknown"


class _Switchable:
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
