"""Throttles with the cache really down: Redis on a closed port, errors swallowed as in production.

The throttles must keep limiting (per process) instead of seeing an empty history and letting
everything through, and sign-in and reads must keep working from the database.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from finance.core.api import throttling
from finance.households.models import Household
from finance.users.tests.factories import PASSWORD, MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def redis_down(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The production cache configuration, pointed at a Redis that is not there."""
    settings.API_THROTTLE = True
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "KEY_PREFIX": "outage",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    throttling.store.clear()
    # The cache really is unreachable, and (as configured) says nothing about it.
    cache.set("probe", 1)
    assert cache.get("probe") is None


def rates(monkeypatch: pytest.MonkeyPatch, settings: Any, **overrides: str) -> None:
    base = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **overrides}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", base)


def test_writes_stay_throttled_when_redis_is_unreachable(redis_down, settings, monkeypatch, make_client, caplog):
    rates(monkeypatch, settings, write="2/min")
    user = UserFactory()
    client = make_client(user)
    with caplog.at_level(logging.WARNING, logger="finance.cache"):
        created = [
            client.post("/api/v1/households/", {"name": f"H{n}", "base_currency": "EUR"}, format="json").status_code
            for n in range(2)
        ]
        refused = client.post("/api/v1/households/", {"name": "H3", "base_currency": "EUR"}, format="json")
    assert created == [201, 201]
    assert refused.status_code == 429, refused.content
    assert [e["code"] for e in refused.json()["errors"]] == ["throttled"]
    assert int(refused["Retry-After"]) > 0
    assert not Household.objects.filter(name="H3").exists()
    assert throttling.store.degraded
    assert [r.event for r in caplog.records if hasattr(r, "event")].count("throttle_fallback") == 1


def test_sign_in_stays_throttled_per_address_when_redis_is_unreachable(redis_down, settings, monkeypatch):
    rates(monkeypatch, settings, login="2/min")
    UserFactory(username="kim")
    client = APIClient()
    guesses = [
        client.post("/api/v1/auth/login/", {"username": "kim", "password": f"guess-{n}"}, format="json").status_code
        for n in range(2)
    ]
    assert guesses == [401, 401]
    refused = client.post("/api/v1/auth/login/", {"username": "kim", "password": "guess-3"}, format="json")
    assert refused.status_code == 429
    web = Client().post("/login/", {"username": "kim", "password": "guess-4"})  # the web shares the budget
    assert web.status_code == 429


def test_sign_in_and_reads_keep_working_when_redis_is_unreachable(redis_down, settings, monkeypatch):
    rates(monkeypatch, settings)  # the real budgets
    user = MembershipFactory(user__username="ada", is_default=True).user
    client = APIClient()
    tokens = client.post("/api/v1/auth/login/", {"username": "ada", "password": PASSWORD}, format="json")
    assert tokens.status_code == 200, tokens.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens.json()['access']}")
    me = client.get("/api/v1/auth/me/")
    assert me.status_code == 200
    assert me.json()["username"] == "ada"
    households = client.get("/api/v1/households/")
    assert households.status_code == 200
    assert [h["role"] for h in households.json()["results"]] == ["owner"]
    refreshed = APIClient().post("/api/v1/auth/refresh/", {"refresh": tokens.json()["refresh"]}, format="json")
    assert refreshed.status_code == 200
    web = Client()
    assert web.post("/login/", {"username": "ada", "password": PASSWORD}).status_code == 302
    page = web.get("/app/household/")
    assert page.status_code == 200
    assert user.username in page.content.decode()


def test_the_shared_cache_is_tried_again_after_the_fallback_interval(redis_down, settings, monkeypatch, make_client):
    rates(monkeypatch, settings, write="5/min")
    user = UserFactory()
    client = make_client(user)
    assert client.post("/api/v1/households/", {"name": "A", "base_currency": "EUR"}, format="json").status_code == 201
    assert throttling.store.degraded
    # Redis is back (here: the local-memory cache) and the interval is over.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "back"}}
    now = throttling.time.monotonic()
    monkeypatch.setattr(throttling.time, "monotonic", lambda: now + throttling.FALLBACK_SECONDS + 1)
    assert client.post("/api/v1/households/", {"name": "B", "base_currency": "EUR"}, format="json").status_code == 201
    assert not throttling.store.degraded
    assert len(cache.get(f"throttle_write_{user.pk}")) == 1
