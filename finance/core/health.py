"""Liveness and readiness probes."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_redis import get_redis_connection


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is up and serving."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return f"{type(exc).__name__}: {exc}"
    return None


def _check_cache() -> str | None:
    try:
        if settings.CACHES["default"]["BACKEND"].startswith("django_redis"):
            # django-redis swallows errors (IGNORE_EXCEPTIONS) so ask the server directly.
            get_redis_connection("default").ping()
        else:
            key = f"readyz:{uuid.uuid4().hex}"
            cache.set(key, "1", 5)
            if cache.get(key) != "1":
                return "the cache did not return what was stored"
            cache.delete(key)
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return f"{type(exc).__name__}: {exc}"
    return None


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready for traffic: the database and the cache answer."""
    checks = {"database": _check_database(), "cache": _check_cache()}
    ready = all(error is None for error in checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": {name: ("ok" if error is None else error) for name, error in checks.items()},
    }
    return JsonResponse(body, status=200 if ready else 503)
