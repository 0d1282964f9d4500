"""Settings of the plain baseline app: DEBUG off, PostgreSQL and Redis from the environment.

``DATABASE_URL`` and ``REDIS_URL`` are read the way ``config.env`` reads them (django-environ);
unset, the app falls back to SQLite and a local-memory cache (the endpoint tests use that).
Nothing here imports from ``finance`` or ``config``.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ

_env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent

SECRET_KEY: str = _env.str("SECRET_KEY", default="") or secrets.token_urlsafe(50)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "bench.plain",
]

# What `startproject` gives an API (no sessions, messages or admin: the API authenticates with bearer tokens).
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "bench.plain.urls"
WSGI_APPLICATION = "bench.plain.wsgi.application"
TEMPLATES: list[dict[str, Any]] = []


def _database() -> dict[str, Any]:
    url: str = _env.str("DATABASE_URL", default="")
    if url:
        db: dict[str, Any] = environ.Env.db_url_config(url)
        db["CONN_MAX_AGE"] = _env.int("DB_CONN_MAX_AGE", default=60)
        db["CONN_HEALTH_CHECKS"] = True
        return db
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _cache() -> dict[str, Any]:
    url: str = _env.str("REDIS_URL", default="")
    if url:
        return {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": "plain",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "plain"}


CACHES = {"default": _cache()}

# Fast enough for the one sign-in per run; the benchmarks time sign-in on our app only.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "COERCE_DECIMAL_TO_STRING": True,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=_env.int("ACCESS_TOKEN_MINUTES", default=15)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": False,
}

# Errors to stderr (gunicorn's log); no request log, as a first implementation would have none.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}

USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
USE_I18N = False
