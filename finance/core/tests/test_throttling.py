"""Throttles: per user, per address and for writes, each a 429 in the envelope; API_THROTTLE=off."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from finance.households.models import Household
from finance.users.models import SignInAttempt
from finance.users.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings, monkeypatch):
    settings.API_THROTTLE = True

    def set_rates(**overrides: str) -> None:
        base = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **overrides}
        monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", base)

    return set_rates


def create_household(client, name="Side"):
    return client.post("/api/v1/households/", {"name": name, "base_currency": "EUR"}, format="json")


def assert_throttled(response):
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["type"] == "client_error"
    assert [e["code"] for e in body["errors"]] == ["throttled"]
    assert int(response["Retry-After"]) > 0


def test_writes_are_throttled_per_user(rates, make_client):
    rates(write="2/min")
    first, second = UserFactory(), UserFactory()
    client = make_client(first)
    assert [create_household(client).status_code for _ in range(2)] == [201, 201]
    assert_throttled(create_household(client))
    assert Household.objects.filter(memberships__user=first).count() == 2
    # Reads are not writes; another user has their own budget.
    assert client.get("/api/v1/households/").status_code == 200
    assert create_household(make_client(second)).status_code == 201


def test_every_request_from_one_address_shares_a_budget(rates, make_client):
    rates(address="3/min")
    alice = make_client(UserFactory())
    bob = make_client(UserFactory())
    assert alice.get("/api/v1/auth/me/").status_code == 200
    assert bob.get("/api/v1/auth/me/").status_code == 200
    assert alice.get("/api/v1/auth/me/").status_code == 200
    assert_throttled(bob.get("/api/v1/auth/me/"))
    bob.defaults["REMOTE_ADDR"] = "198.51.100.77"
    assert bob.get("/api/v1/auth/me/").status_code == 200


def test_password_reset_requests_are_throttled_per_address(rates):
    rates(email="2/min")
    client = APIClient()
    codes = [
        client.post("/api/v1/auth/password/reset/", {"email": "x@example.com"}, format="json").status_code
        for _ in range(2)
    ]
    assert codes == [202, 202]
    assert_throttled(client.post("/api/v1/auth/password/reset/", {"email": "x@example.com"}, format="json"))


def test_second_factor_attempts_are_throttled(rates, make_client):
    rates(otp="1/min")
    client = make_client(UserFactory())
    assert client.post("/api/v1/auth/2fa/confirm/", {"code": "123456"}, format="json").status_code == 409
    assert_throttled(client.post("/api/v1/auth/2fa/confirm/", {"code": "123456"}, format="json"))


def test_throttle_off_disables_every_budget(settings, monkeypatch, make_client):
    settings.API_THROTTLE = False
    base = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "write": "1/min", "address": "1/min"}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", base)
    client = make_client(UserFactory())
    assert [create_household(client, f"H{n}").status_code for n in range(3)] == [201, 201, 201]


def test_throttle_counters_live_in_the_shared_cache(rates, make_client):
    """Counters are in the default cache (Redis in production), so every worker sees the same budget."""
    from django.core.cache import cache

    rates(write="5/min")
    user = UserFactory()
    client = make_client(user)
    assert create_household(client).status_code == 201
    assert create_household(client, "Other").status_code == 201
    history = cache.get(f"throttle_write_{user.pk}")
    assert isinstance(history, list)
    assert len(history) == 2


@pytest.mark.redis
def test_throttle_counters_are_in_redis_when_configured(rates, make_client, settings):
    from django_redis import get_redis_connection

    assert settings.CACHES["default"]["BACKEND"] == "django_redis.cache.RedisCache"
    rates(write="5/min")
    user = UserFactory()
    assert create_household(make_client(user)).status_code == 201
    keys = get_redis_connection("default").keys(f"*throttle_write_{user.pk}")
    assert len(keys) == 1


# --- The client address: X-Forwarded-For only from trusted proxies ---------------------------------


def test_no_trusted_proxy_is_the_default(settings):
    """``NUM_PROXIES`` 0 stays 0: DRF would read ``None`` as "trust any X-Forwarded-For"."""
    assert settings.REST_FRAMEWORK["NUM_PROXIES"] == 0


def test_a_forged_forwarded_for_buys_no_fresh_address_budget(rates, make_client):
    rates(address="3/min")
    client = make_client(UserFactory())
    answers = [client.get("/api/v1/auth/me/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(1, 4)]
    assert answers == [200, 200, 200]
    assert_throttled(client.get("/api/v1/auth/me/", HTTP_X_FORWARDED_FOR="203.0.113.99"))
    assert_throttled(client.get("/api/v1/auth/me/", HTTP_X_FORWARDED_FOR="2001:db8::1, 198.51.100.5"))


def test_a_forged_forwarded_for_does_not_reset_the_sign_in_budget(rates):

    rates(login="2/min")
    user = UserFactory(username="kim")
    client = APIClient()

    def attempt(n: int):
        body = {"username": "kim", "password": f"guess-number-{n}"}
        return client.post("/api/v1/auth/login/", body, format="json", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")

    assert [attempt(n).status_code for n in (1, 2)] == [401, 401]
    assert_throttled(attempt(3))
    # The refused guess was never checked nor recorded, and every record names the real peer.
    attempts = SignInAttempt.objects.filter(user=user)
    assert attempts.count() == 2
    assert set(attempts.values_list("ip", flat=True)) == {"127.0.0.1"}


def test_the_web_sign_in_shares_the_budget_whatever_the_header_says(rates, client):
    rates(login="2/min")
    UserFactory(username="kim")
    for n in (1, 2):
        page = client.post(
            "/login/", {"username": "kim", "password": f"guess-{n}"}, HTTP_X_FORWARDED_FOR=f"198.51.100.{n}"
        )
        assert page.status_code == 200
    refused = client.post("/login/", {"username": "kim", "password": "guess-3"}, HTTP_X_FORWARDED_FOR="192.0.2.7")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0


def test_behind_trusted_proxies_the_entry_they_added_is_the_client(rates, make_client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    rates(address="2/min")
    client = make_client(UserFactory())
    # The proxy appends the address it saw; what the client put before it changes nothing.
    for forged in ("203.0.113.1", "203.0.113.2"):
        response = client.get("/api/v1/auth/me/", HTTP_X_FORWARDED_FOR=f"{forged}, 198.51.100.7")
        assert response.status_code == 200
    assert_throttled(client.get("/api/v1/auth/me/", HTTP_X_FORWARDED_FOR="203.0.113.3, 198.51.100.7"))
    # Another client behind the same proxy has its own budget.
    assert client.get("/api/v1/auth/me/", HTTP_X_FORWARDED_FOR="198.51.100.8").status_code == 200
