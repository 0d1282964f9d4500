"""Settings shared by every environment.

Values that vary between deployments come from :mod:`config.env`; the
per-environment modules (``dev``, ``test``, ``production``) only adjust a few.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import environ
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from config import env

BASE_DIR = env.BASE_DIR
DEBUG = False
SECRET_KEY = env.SECRET_KEY
ALLOWED_HOSTS = env.ALLOWED_HOSTS
CSRF_TRUSTED_ORIGINS = env.CSRF_TRUSTED_ORIGINS

INSTALLED_APPS = [
    # First: its runserver command (closing each request thread's database connections) must win over
    # django.contrib.staticfiles' (an earlier app's command takes precedence).
    "finance.core",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "csp",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "drf_standardized_errors",
    "django_htmx",
    "finance.users",
    "finance.households",
    "finance.currency",
    "finance.ledger",
    "finance.analytics",
    "finance.imports",
    "finance.budgets",
    "finance.web",
    "finance.categorization",
    "finance.audit",
    "finance.privacy",
    "finance.demo",
]

MIDDLEWARE = [
    "finance.core.middleware.RequestLogMiddleware",
    "finance.users.middleware.TokenUsageMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "finance.core.middleware.RequestSizeLimitMiddleware",
    "finance.core.middleware.RequestCharsetMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Unknown API URLs: the JSON 404 even with DEBUG on (Django's own page would list every route).
    "finance.core.api.errors.NotFoundMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # A browser whose account session was revoked is signed out (finance/web/account/signin.py).
    "finance.users.middleware.BrowserSessionMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Web pages only: the user's language, the household chosen in the session.
    "finance.web.common.middleware.WebMiddleware",
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
                "finance.web.common.context_processors.web",
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

LANGUAGE_CODE = "en"
# The web app's languages; a user's `locale` picks one (and formats numbers, dates and money).
LANGUAGES = [("en", _("English")), ("es", _("Spanish")), ("de", _("German"))]
# Compiled at set-up (`make messages`, Babel); the .po sources are committed, the .mo files are not.
LOCALE_PATHS = [BASE_DIR / "finance" / "web" / "locale"]
TIME_ZONE = env.TIME_ZONE
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
# Uploaded statement files and generated data exports live here; there is deliberately no URL
# serving them (exports are downloaded through a signed, expiring link: finance/privacy).
MEDIA_ROOT = env.MEDIA_ROOT
MEDIA_URL = "media/"

# Statement imports (finance/imports): see docs/imports.md.
IMPORT_MAX_UPLOAD_BYTES = 50 * 1024 * 1024  # the largest statement file an upload or a parse reads (else 413)
IMPORT_ASYNC_ROWS = 5000  # commits of more rows than this run as a Celery task
IMPORT_DUPLICATE_WINDOW_DAYS = 5  # fuzzy duplicates: dates at most this far apart
IMPORT_DUPLICATE_TIP_TOLERANCE = "0.20"  # a posted amount may exceed its pending one by this share (tips)
IMPORT_DUPLICATE_MIN_SIMILARITY = 60  # fuzzy duplicates: payee similarity 0-100 at least this
IMPORT_REVIEW_BELOW = "0.8"  # imported transactions whose category confidence is lower need review
IMPORT_TRANSFER_WINDOW_DAYS = 5  # possible transfers: the other account's movement at most this many days away
IMPORT_TRANSFER_SUGGEST_DAYS = (
    3  # ... and linked by default within this many days when either text reads like a transfer
)
# ... and with an account in another currency: the amounts may differ by this share of the converted amount
IMPORT_TRANSFER_FX_TOLERANCE = "0.05"
# Third-party front-end files come from the npm registry at set-up (`npm ci`), never from the repo or a CDN.
STATICFILES_DIRS = [("vendor/chart.js", BASE_DIR / "node_modules" / "chart.js" / "dist")]

LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:dashboard"
LOGOUT_REDIRECT_URL = "web:login"
SESSION_COOKIE_HTTPONLY = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "finance.users.authentication.PersonalAccessTokenAuthentication",
        "finance.users.authentication.BearerAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": [
        "finance.core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "finance.core.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "finance.core.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["finance.core.api.filters.FilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "finance.core.api.throttling.UserRateThrottle",
        "finance.core.api.throttling.AnonRateThrottle",
        "finance.core.api.throttling.AddressRateThrottle",
        "finance.core.api.throttling.WriteRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "user": env.THROTTLE_RATE_USER,
        "anon": env.THROTTLE_RATE_ANON,
        "address": env.THROTTLE_RATE_ADDRESS,
        "write": env.THROTTLE_RATE_WRITE,
        "login": env.THROTTLE_RATE_LOGIN,
        "register": env.THROTTLE_RATE_REGISTER,
        "refresh": env.THROTTLE_RATE_REFRESH,
        "password": env.THROTTLE_RATE_PASSWORD,
        "email": env.THROTTLE_RATE_EMAIL,
        "otp": env.THROTTLE_RATE_OTP,
    },
    # 0 means "no trusted proxy: the peer is the client". DRF reads None as "trust X-Forwarded-For
    # whatever sent it", which would let any caller pick its address; the throttles use
    # finance.core.http.client_ip anyway, the one rule for throttles, lockout and audit.
    "NUM_PROXIES": env.NUM_PROXIES,
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
    "EXCEPTION_HANDLER_CLASS": "finance.core.api.errors.ExceptionHandler",
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

# Request bodies: DATA_UPLOAD_MAX_MEMORY_SIZE bounds everything but multipart uploads,
# MAX_UPLOAD_SIZE those (RequestSizeLimitMiddleware answers 413 above either).
DATA_UPLOAD_MAX_MEMORY_SIZE = env.DATA_UPLOAD_MAX_MEMORY_SIZE
DATA_UPLOAD_MAX_NUMBER_FIELDS = env.DATA_UPLOAD_MAX_NUMBER_FIELDS
MAX_UPLOAD_SIZE = env.MAX_UPLOAD_SIZE

# Identity: email verification, password reset, lockout, encryption of stored secrets.
REQUIRE_EMAIL_VERIFICATION = env.REQUIRE_EMAIL_VERIFICATION
EMAIL_VERIFICATION_TIMEOUT = timedelta(hours=env.EMAIL_VERIFICATION_HOURS)
PASSWORD_RESET_TIMEOUT = env.PASSWORD_RESET_MINUTES * 60
EMAIL_CHANGE_UNDO_TIMEOUT = timedelta(days=env.EMAIL_CHANGE_UNDO_DAYS)
INVITATION_TIMEOUT = timedelta(days=env.INVITATION_DAYS)
LOGIN_SLOWDOWN_AFTER = env.LOGIN_SLOWDOWN_AFTER
LOGIN_LOCKOUT_AFTER = env.LOGIN_LOCKOUT_AFTER
LOGIN_ADDRESS_SLOWDOWN_AFTER = env.LOGIN_ADDRESS_SLOWDOWN_AFTER
LOGIN_ADDRESS_LOCKOUT_AFTER = env.LOGIN_ADDRESS_LOCKOUT_AFTER
LOGIN_LOCKOUT_PERIOD = timedelta(minutes=env.LOGIN_LOCKOUT_MINUTES)
AUDIT_RETENTION = timedelta(days=env.AUDIT_RETENTION_DAYS)
OUTBOX_RETENTION = timedelta(days=env.OUTBOX_RETENTION_DAYS)
AUDIT_LOG_RETENTION = timedelta(days=env.AUDIT_LOG_RETENTION_DAYS)
EXPORT_RETENTION = timedelta(hours=env.EXPORT_RETENTION_HOURS)
EXPORT_LINK_MAX_AGE = timedelta(minutes=env.EXPORT_LINK_MINUTES)
RESTORE_MAX_UNPACKED_BYTES = env.RESTORE_MAX_UNPACKED_BYTES  # an export ZIP's files together, for a restore
ACCOUNT_DELETION_GRACE = timedelta(days=env.ACCOUNT_DELETION_GRACE_DAYS)
FIELD_ENCRYPTION_KEYS = env.FIELD_ENCRYPTION_KEYS
FRONTEND_URL = env.FRONTEND_URL
TOTP_ISSUER = "Personal Finance Tracker"

# Email: SMTP when EMAIL_HOST is set; otherwise messages are printed (the embedded default).
EMAIL_BACKEND = "django.core.mail.backends.{}.EmailBackend".format("smtp" if env.EMAIL_HOST else "console")
EMAIL_HOST = env.EMAIL_HOST or "localhost"
EMAIL_PORT = env.EMAIL_PORT
EMAIL_HOST_USER = env.EMAIL_HOST_USER
EMAIL_HOST_PASSWORD = env.EMAIL_HOST_PASSWORD
EMAIL_USE_TLS = env.EMAIL_USE_TLS and not env.EMAIL_USE_SSL
EMAIL_USE_SSL = env.EMAIL_USE_SSL
EMAIL_TIMEOUT = env.EMAIL_TIMEOUT
DEFAULT_FROM_EMAIL = env.DEFAULT_FROM_EMAIL
SERVER_EMAIL = env.DEFAULT_FROM_EMAIL

# OpenID Connect providers for "sign in with …"; a provider is offered when its client id is set.
OAUTH_PROVIDERS = {
    name: {"client_id": client_id, "client_secret": secret, "issuer": issuer.rstrip("/"), "trust_email": trust}
    for name, client_id, secret, issuer, trust in (
        ("google", env.OAUTH_GOOGLE_CLIENT_ID, env.OAUTH_GOOGLE_CLIENT_SECRET, env.OAUTH_GOOGLE_ISSUER, True),
        # Microsoft's `email` claim is not verified by Microsoft: never link accounts by it.
        (
            "microsoft",
            env.OAUTH_MICROSOFT_CLIENT_ID,
            env.OAUTH_MICROSOFT_CLIENT_SECRET,
            env.OAUTH_MICROSOFT_ISSUER,
            False,
        ),
    )
    if client_id
}
OAUTH_REDIRECT_URL = env.OAUTH_REDIRECT_URL or f"{env.FRONTEND_URL}/oauth/callback"
OAUTH_REQUEST_TIMEOUT = timedelta(minutes=10)

# Browsers. CORS: only the listed origins may call the API from a page; bearer tokens, no cookies.
CORS_ALLOWED_ORIGINS = env.CORS_ALLOWED_ORIGINS
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_HEADERS = ("accept", "authorization", "content-type", "idempotency-key", "x-request-id")
CORS_EXPOSE_HEADERS = ("retry-after", "x-request-id", "idempotent-replayed")
CORS_PREFLIGHT_MAX_AGE = 3600

# Content security policy: our own origin only, inline code only with the per-response nonce.
# The API docs pages relax styles (see config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        # The web app manifest (/manifest.webmanifest) and its icons.
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        **({"report-uri": [env.CSP_REPORT_URI]} if env.CSP_REPORT_URI else {}),
    }
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

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
    # No validator badge: Swagger UI would fetch it from validator.swagger.io (nothing may come from another host).
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True, "displayOperationId": False, "validatorUrl": None},
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
        "InvitationStatusEnum": "finance.households.models.InvitationStatus.choices",
        "AccountTypeEnum": "finance.ledger.models.AccountType.choices",
        "CategoryTypeEnum": "finance.ledger.models.CategoryType.choices",
        "TransactionTypeEnum": "finance.ledger.models.TransactionType.choices",
        "CategorizationSourceEnum": "finance.ledger.models.CategorizationSource.choices",
        "RateSourceEnum": "finance.currency.models.RateSource.choices",
        "BudgetPeriodEnum": "finance.budgets.models.BudgetPeriod.choices",
        "BudgetStyleEnum": "finance.budgets.models.BudgetStyle.choices",
        "GoalTypeEnum": "finance.budgets.models.GoalType.choices",
        "GoalStatusEnum": "finance.budgets.models.GoalStatus.choices",
        "ImportFormatEnum": "finance.imports.models.ImportFormat.choices",
        "ImportStatusEnum": "finance.imports.models.ImportStatus.choices",
        "RuleMatchEnum": "finance.categorization.models.RuleMatch.choices",
        "ImportRowStatusEnum": "finance.imports.models.RowStatus.choices",
        "ImportDecisionEnum": "finance.imports.models.RowDecision.choices",
        "AuditActionEnum": "finance.audit.models.AuditAction.choices",
        "IncomeExpenseEnum": "finance.compat.serializers.INCOME_EXPENSE",
        "IncomeExpenseUpperEnum": "finance.compat.serializers.INCOME_EXPENSE_UPPER",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_standardized_errors.openapi_hooks.postprocess_schema_enums",
        "finance.core.api.schema.finalize_error_schemas",
    ],
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
    "prune-outbox": {"task": "finance.core.tasks.prune_outbox", "schedule": 3600.0},
    "flush-expired-tokens": {"task": "finance.users.tasks.flush_expired_tokens", "schedule": 86400.0},
    "purge-auth-audit": {"task": "finance.users.tasks.purge_auth_audit", "schedule": 86400.0},
    "purge-audit-log": {"task": "finance.audit.tasks.purge_audit_log", "schedule": 86400.0},
    "purge-expired-exports": {"task": "finance.privacy.tasks.purge_expired_exports", "schedule": 3600.0},
    "purge-deleted-accounts": {"task": "finance.privacy.tasks.purge_deleted_accounts", "schedule": 3600.0},
    "prune-import-change-log": {"task": "finance.imports.tasks.prune_change_log", "schedule": 3600.0},
}

# Categorization (docs/categorization.md): suggestions at or above the threshold are
# applied, the rest go to review; the base model is rebuilt by
# `manage.py build_base_categorizer` (make run does it when it is missing).
CATEGORIZATION_AUTO_THRESHOLD = 0.8
CATEGORIZATION_MODEL_DIR = env.CATEGORIZATION_MODEL_DIR
BASE_CATEGORIZER_VERSION = "base-v1"
BASE_CATEGORIZER_PATH = CATEGORIZATION_MODEL_DIR / "base-categorizer-v1.joblib"
# The merchant directory (OpenStreetMap name-suggestion-index), built from node_modules by
# `manage.py build_merchant_directory` (make run does it when it is missing or older than the package).
MERCHANT_DIRECTORY_PATH = CATEGORIZATION_MODEL_DIR / "merchant-directory.json.gz"
MERCHANT_DIRECTORY_PACKAGES = BASE_DIR / "node_modules"
# A household's model is retrained after this many category corrections by its people.
CATEGORIZATION_RETRAIN_AFTER = 25
# The time budget of one run of the rules' regular expressions (docs/categorization.md, "Time budget").
RULES_TIME_BUDGET_MS = env.RULES_TIME_BUDGET_MS
RULES_TIME_PER_TRANSACTION_US = env.RULES_TIME_PER_TRANSACTION_US

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
