"""Fixtures shared by the whole suite, and the rules for tests that need services.

Tests marked ``postgres``, ``redis`` or ``broker`` run when that service is
configured (``DATABASE_URL`` pointing at PostgreSQL, ``REDIS_URL``,
``CELERY_BROKER_URL``); tests marked ``browser`` run when the system Chromium
(``CHROMIUM_PATH``, Debian's ``chromium``) and Playwright are installed. With
``REQUIRE_SERVICES=1`` (CI's service run) a missing service fails those tests
instead of skipping them.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from rest_framework.test import APIClient

from config import env
from finance.core.api.throttling import store as throttle_store
from finance.households.models import Household, Membership, Role
from finance.users.models import User
from finance.users.services import ClientInfo, session_start
from finance.users.tests.factories import HouseholdFactory, MembershipFactory, UserFactory


def _service_available(marker: str) -> tuple[bool, str]:
    if marker == "postgres":
        return connection.vendor == "postgresql", "DATABASE_URL does not point at PostgreSQL"
    if marker == "redis":
        return bool(env.REDIS_URL), "REDIS_URL is not set"
    if marker == "broker":
        return bool(env.CELERY_BROKER_URL), "CELERY_BROKER_URL is not set"
    if marker == "browser":
        if importlib.util.find_spec("playwright") is None:
            return False, "Playwright for Python is not installed (requirements/dev.txt)"
        if not os.access(env.CHROMIUM_PATH, os.X_OK):
            return False, f"no Chromium at {env.CHROMIUM_PATH} (make chromium, or set CHROMIUM_PATH)"
    return True, ""


@pytest.fixture(autouse=True)
def _require_services(request: pytest.FixtureRequest) -> None:
    for marker in ("postgres", "redis", "broker", "browser"):
        if request.node.get_closest_marker(marker) is None:
            continue
        available, reason = _service_available(marker)
        if available:
            continue
        if env.REQUIRE_SERVICES:
            pytest.fail(f"REQUIRE_SERVICES is set but {reason}")
        pytest.skip(reason)


def pytest_sessionstart(session: pytest.Session) -> None:
    if not env.REQUIRE_SERVICES:
        return
    missing = [name for name, value in (("DATABASE_URL", env.DATABASE_URL), ("REDIS_URL", env.REDIS_URL)) if not value]
    if missing:
        raise pytest.UsageError(f"REQUIRE_SERVICES is set but {', '.join(missing)} is not")


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    _empty_cache()
    yield
    _empty_cache()


def _empty_cache() -> None:
    """Forget this test process's cache keys only (parallel workers share one Redis database), and the
    throttles' per-process fallback counters."""
    if hasattr(cache, "delete_pattern"):  # django-redis: the pattern is taken under the worker's key prefix
        cache.delete_pattern("*")
    else:
        cache.clear()
    throttle_store.clear()


@pytest.fixture(autouse=True)
def _no_categorizer_models_by_default(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Models live in an empty directory of the test's own: whether a developer ran ``make models`` (which
    writes var/models/) must not change what a test sees. A test that needs a model trains or builds one."""
    directory = tmp_path_factory.mktemp("models")
    settings.CATEGORIZATION_MODEL_DIR = directory
    settings.BASE_CATEGORIZER_PATH = directory / "base-categorizer-v1.joblib"
    settings.MERCHANT_DIRECTORY_PATH = directory / "merchant-directory.json.gz"


@pytest.fixture(autouse=True)
def _no_throttling_by_default(settings: Any) -> None:
    # Throttling has its own tests; elsewhere it would make results depend on order.
    settings.API_THROTTLE = False


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def auth_client(user: User) -> APIClient:
    """A client signed in as ``user`` through a real session (as the login endpoint makes)."""
    client = APIClient()
    tokens = session_start(user=user, client=ClientInfo(ip="127.0.0.1", user_agent="pytest"))
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return client


@pytest.fixture
def make_client() -> Callable[[User], APIClient]:
    return auth_client


@pytest.fixture
def user(db: None) -> User:
    return UserFactory()


@pytest.fixture
def household(user: User) -> Household:
    return MembershipFactory(user=user, role=Role.OWNER, is_default=True).household


@pytest.fixture
def client_for(user: User, household: Household) -> APIClient:
    """An authenticated client for ``user``, the owner of ``household`` (their default)."""
    return auth_client(user)


class Roles:
    """One household and a person in each role, plus an outsider with a household of their own."""

    def __init__(self) -> None:
        self.household = HouseholdFactory()
        self.users: dict[str, User | None] = {"anonymous": None}
        for role in (Role.OWNER, Role.EDITOR, Role.VIEWER):
            member = UserFactory(username=f"{role}-{self.household.pk.hex[:6]}")
            Membership.objects.create(household=self.household, user=member, role=role, is_default=True)
            self.users[str(role)] = member
        outsider = UserFactory(username=f"outsider-{self.household.pk.hex[:6]}")
        MembershipFactory(user=outsider, role=Role.OWNER, is_default=True)
        self.users["outsider"] = outsider

    def client(self, who: str) -> APIClient:
        member = self.users[who]
        return APIClient() if member is None else auth_client(member)


@pytest.fixture
def roles(db: None) -> Roles:
    return Roles()


@pytest.fixture
def celery_eager(settings: Any) -> Iterator[None]:
    """Tasks run in-process, even when a broker is configured (as in the embedded default).

    The Celery app reads ``CELERY_TASK_ALWAYS_EAGER`` once, when first configured, so the
    app's own setting is switched as well (and restored), not only Django's.
    """
    from config.celery import app

    settings.CELERY_TASK_ALWAYS_EAGER = True
    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = before


def pytest_report_header(config: pytest.Config) -> list[str]:
    db = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    cache_backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    broker = "eager" if not env.CELERY_BROKER_URL else "broker"
    return [f"finance: database={db} cache={cache_backend} celery={broker} require_services={env.REQUIRE_SERVICES}"]
