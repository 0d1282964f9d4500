from __future__ import annotations

import pytest
from django.core.cache.backends.locmem import LocMemCache


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_and_cache(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}


DEAD_REDIS = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2, "IGNORE_EXCEPTIONS": True},
    }
}


@pytest.mark.django_db
def test_readyz_reports_a_broken_local_cache(client, monkeypatch, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    def broken(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(LocMemCache, "set", broken)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "ConnectionError: cache down"
    assert response.json()["checks"]["database"] == "ok"


def test_request_id_is_echoed_or_made(client, db):
    given = client.get("/healthz", HTTP_X_REQUEST_ID="abc-123")
    assert given["X-Request-ID"] == "abc-123"
    made = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces")
    assert made["X-Request-ID"] != "bad id with spaces"
    assert len(made["X-Request-ID"]) == 32


def test_request_log_line_is_structured(client, db, caplog):
    with caplog.at_level("INFO", logger="finance.request"):
        client.get("/healthz", HTTP_X_REQUEST_ID="log-me")
    record = next(r for r in caplog.records if r.name == "finance.request")
    assert (record.method, record.path, record.status, record.request_id) == ("GET", "/healthz", 200, "log-me")
    assert record.duration_ms >= 0


@pytest.mark.django_db
def test_readyz_reports_unreachable_redis(client, settings):
    settings.CACHES = DEAD_REDIS
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["cache"].startswith("ConnectionError")


@pytest.mark.django_db
def test_api_still_answers_with_redis_down(settings, user, household):
    """The cache is an accelerator: with Redis unreachable, sign-in and reads still work."""
    from rest_framework.test import APIClient

    from finance.users.tests.factories import PASSWORD

    settings.CACHES = DEAD_REDIS
    settings.API_THROTTLE = True  # throttling reads and writes the cache too
    client = APIClient()
    tokens = client.post("/api/v1/auth/login/", {"username": user.username, "password": PASSWORD}, format="json")
    assert tokens.status_code == 200, tokens.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    response = client.get("/api/v1/households/")
    assert response.status_code == 200
    assert response.json()["results"][0]["id"] == str(household.pk)
