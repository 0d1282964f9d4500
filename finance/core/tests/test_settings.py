"""Production refuses to run without a real secret key."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.secret import check_secret_key

STRONG = "k3v9-Qx7_pL2mZ8rT1wY4uB6nH0jF5sD-aG3cV7bN9mK2lP4oI8uY6tR1eW0qZ"


@pytest.mark.parametrize(
    "key",
    ["", "short", "django-insecure-" + "x" * 60, "change-me-" + "a1" * 30, "a" * 64, "secret" + STRONG],
)
def test_weak_keys_are_refused(key):
    with pytest.raises(ImproperlyConfigured):
        check_secret_key(key)


def test_strong_key_is_accepted():
    assert check_secret_key(STRONG) == STRONG


def _import_production(secret: str | None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    if secret is not None:
        env["SECRET_KEY"] = secret
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.production"
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_production_settings_fail_to_load_without_secret():
    result = _import_production(None)
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_settings_load_with_strong_secret():
    result = _import_production(STRONG)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_production_hasher_is_argon2id_at_measured_cost():
    from finance.users.hashers import FinanceArgon2PasswordHasher

    encoded = FinanceArgon2PasswordHasher().encode("a-long-unusual-passphrase", FinanceArgon2PasswordHasher().salt())
    assert encoded.startswith("argon2$argon2id$v=19$m=65536,t=3,p=2$")


def _production_value(expression: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "NUM_PROXIES", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update({"SECRET_KEY": STRONG, "DJANGO_SETTINGS_MODULE": "config.settings.production", **environ})
    code = f"import django; django.setup(); from django.conf import settings; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False
    )


@pytest.mark.parametrize(
    ("proxies", "expected"),
    [(None, "None 0"), ("0", "None 0"), ("-3", "None 0"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https') 1")],
)
def test_forwarded_headers_are_read_only_behind_a_trusted_proxy(proxies, expected):
    """Without a trusted proxy a client could send X-Forwarded-Proto (or -For) itself: neither is read."""
    extra = {} if proxies is None else {"NUM_PROXIES": proxies}
    result = _production_value('settings.SECURE_PROXY_SSL_HEADER, settings.REST_FRAMEWORK["NUM_PROXIES"]', **extra)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == expected
