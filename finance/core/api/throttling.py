"""DRF throttles that honour ``API_THROTTLE=off`` (for load tests)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import throttling


class _Switchable:
    def allow_request(self, request: Any, view: Any) -> bool:
        if not settings.API_THROTTLE:
            return True
        return super().allow_request(request, view)  # type: ignore[misc]


class UserRateThrottle(_Switchable, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(_Switchable, throttling.AnonRateThrottle):
    pass


class ScopedRateThrottle(_Switchable, throttling.ScopedRateThrottle):
    """Per-endpoint budgets for brute-force friendly endpoints (login, register, …)."""
