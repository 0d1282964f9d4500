"""Settings shared by every environment.

Values that vary between deployments come from :mod:`config.env`; the
per-environment modules (``dev``, ``test``, ``production``) only adjust a few.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import environ

from config import env

BASE_DIR = env.BASE_DIR
DEBUG = False
SECRET_KEY = env.SECRET_KEY
ALLOWED_HOSTS = env.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = env.CSRF_TRUSTED_ORIGINS

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "finance.core",
    "finance.users",
    "finance.households",
    "finance.categorization",
]

MIDDLEWARE = [
    "finance.core.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    if env.DATABASE_URL:
        db: dict[str, Any] = environ.Env.db_url_config(env.DATABASE_URL)
        db["CONN_MAX_AGE"] = env.DB_CONN_MAX_AGE
        db["CONN_HEALTH_CHECKS"] = True
        return db
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env.SQLITE_PATH,
        # WAL + a busy timeout let the dev server and a worker share the file.
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def _cache() -> dict[str, Any]:
    if env.REDIS_URL:
        return {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": env.REDIS_URL,
            "KEY_PREFIX": "finance",
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
                # A cache outage must not take the API down: reads miss, writes
                # are dropped, and the database answers.
                "IGNORE_EXCEPTIONS": True,
            },
        }
    return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "finance"}


CACHES = {"default": _cache()}
DJANGO_REDIS_IGNORE_EXCEPTIONS = True
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "finance.cache"

AUTH_USER_MODEL = "users.User"
AUTHENTICATION_BACKENDS = ["finance.users.backends.UsernameOrEmailBackend"]
PASSWORD_HASHERS = [
    "finance.users.hashers.FinanceArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.TIME_ZONE
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "finance.users.authentication.BearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "finance.core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "finance.core.api.throttling.UserRateThrottle",
        "finance.core.api.throttling.AnonRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.THROTTLE_RATE_USER,
        "anon": env.THROTTLE_RATE_ANON,
        "login": env.THROTTLE_RATE_LOGIN,
        "register": env.THROTTLE_RATE_REGISTER,
        "refresh": env.THROTTLE_RATE_REFRESH,
        "password": env.THROTTLE_RATE_PASSWORD,
    },
    "DEFAULT_SCHEMA_CLASS": "drf_standardized_errors.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
API_THROTTLE = env.API_THROTTLE
IDEMPOTENCY_KEY_TTL = timedelta(hours=env.IDEMPOTENCY_KEY_TTL_HOURS)

DRF_STANDARDIZED_ERRORS = {
    "ENABLE_IN_DEBUG_FOR_UNHANDLED_EXCEPTIONS": True,
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.ACCESS_TOKEN_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.REFRESH_TOKEN_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Personal Finance Tracker API",
    "DESCRIPTION": (
        "Self-hostable personal finance: households, accounts, transactions, budgets and more.\n\n"
        "Authenticate with `POST /api/v1/auth/login/`, then send `Authorization: Bearer <access>`. "
        "Errors always use one envelope: `{type, errors: [{code, detail, attr}]}`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "displayOperationId": False},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ValidationErrorEnum": "drf_standardized_errors.openapi_serializers.ValidationErrorEnum.choices",
        "ClientErrorEnum": "drf_standardized_errors.openapi_serializers.ClientErrorEnum.choices",
        "ServerErrorEnum": "drf_standardized_errors.openapi_serializers.ServerErrorEnum.choices",
        "ErrorCode401Enum": "drf_standardized_errors.openapi_serializers.ErrorCode401Enum.choices",
        "ErrorCode403Enum": "drf_standardized_errors.openapi_serializers.ErrorCode403Enum.choices",
        "ErrorCode404Enum": "drf_standardized_errors.openapi_serializers.ErrorCode404Enum.choices",
        "ErrorCode405Enum": "drf_standardized_errors.openapi_serializers.ErrorCode405Enum.choices",
        "ErrorCode406Enum": "drf_standardized_errors.openapi_serializers.ErrorCode406Enum.choices",
        "ErrorCode415Enum": "drf_standardized_errors.openapi_serializers.ErrorCode415Enum.choices",
        "ErrorCode429Enum": "drf_standardized_errors.openapi_serializers.ErrorCode429Enum.choices",
        "ErrorCode500Enum": "drf_standardized_errors.openapi_serializers.ErrorCode500Enum.choices",
        "RoleEnum": "finance.households.models.Role.choices",
    },
    "POSTPROCESSING_HOOKS": ["drf_standardized_errors.openapi_hooks.postprocess_schema_enums"],
}

# Celery: with no broker configured, tasks run eagerly in-process.
CELERY_BROKER_URL = env.CELERY_BROKER_URL or None
# Results go to the broker's Redis unless told otherwise (and nowhere when eager).
CELERY_RESULT_BACKEND = env.CELERY_RESULT_BACKEND or (
    env.CELERY_BROKER_URL if env.CELERY_BROKER_URL.startswith("redis") else None
)
CELERY_TASK_ALWAYS_EAGER = not env.CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE = {
    "purge-idempotency-keys": {"task": "finance.core.tasks.purge_expired_idempotency_keys", "schedule": 3600.0},
    "flush-expired-tokens": {"task": "finance.users.tasks.flush_expired_tokens", "schedule": 86400.0},
}

# Categorization (docs/categorization.md): suggestions at or above the threshold are
# applied, the rest go to review; the base model is rebuilt by
# `manage.py build_base_categorizer` (make run does it when it is missing).
CATEGORIZATION_AUTO_THRESHOLD = 0.8
CATEGORIZATION_MODEL_DIR = env.CATEGORIZATION_MODEL_DIR
BASE_CATEGORIZER_VERSION = "base-v1"
BASE_CATEGORIZER_PATH = CATEGORIZATION_MODEL_DIR / "base-categorizer-v1.joblib"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json" if env.LOG_FORMAT == "json" else "plain"},
    },
    "root": {"handlers": ["console"], "level": env.LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
        "finance.request": {"level": env.LOG_LEVEL, "propagate": True},
    },
}
