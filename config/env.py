"""The one place that reads the process environment.

Every setting that can change between deployments is read here, typed and
defaulted, and nothing else in the code base looks at ``os.environ``. The
README lists each variable.
"""

from __future__ import annotations

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

_env = environ.Env()

# Core
SECRET_KEY: str = _env.str("SECRET_KEY", default="")
ALLOWED_HOSTS: list[str] = _env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS: list[str] = _env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Services: each is optional; unset means the embedded default.
DATABASE_URL: str = _env.str("DATABASE_URL", default="")
SQLITE_PATH: str = _env.str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3"))
DB_CONN_MAX_AGE: int = _env.int("DB_CONN_MAX_AGE", default=60)
REDIS_URL: str = _env.str("REDIS_URL", default="")
# Uploaded and generated files (statement imports, data exports); private: never served as static files.
MEDIA_ROOT: str = _env.str("MEDIA_ROOT", default=str(BASE_DIR / "media"))
CELERY_BROKER_URL: str = _env.str("CELERY_BROKER_URL", default="")
CELERY_RESULT_BACKEND: str = _env.str("CELERY_RESULT_BACKEND", default="")

# API behaviour
API_THROTTLE: bool = _env.str("API_THROTTLE", default="on").strip().lower() not in {"off", "0", "false", "no"}
THROTTLE_RATE_LOGIN: str = _env.str("THROTTLE_RATE_LOGIN", default="10/min")
THROTTLE_RATE_REGISTER: str = _env.str("THROTTLE_RATE_REGISTER", default="5/min")
THROTTLE_RATE_REFRESH: str = _env.str("THROTTLE_RATE_REFRESH", default="30/min")
THROTTLE_RATE_PASSWORD: str = _env.str("THROTTLE_RATE_PASSWORD", default="5/min")
THROTTLE_RATE_USER: str = _env.str("THROTTLE_RATE_USER", default="5000/hour")
THROTTLE_RATE_ANON: str = _env.str("THROTTLE_RATE_ANON", default="300/hour")
THROTTLE_RATE_EMAIL: str = _env.str("THROTTLE_RATE_EMAIL", default="5/hour")
THROTTLE_RATE_OTP: str = _env.str("THROTTLE_RATE_OTP", default="10/min")
THROTTLE_RATE_WRITE: str = _env.str("THROTTLE_RATE_WRITE", default="1000/hour")
THROTTLE_RATE_ADDRESS: str = _env.str("THROTTLE_RATE_ADDRESS", default="10000/hour")
ACCESS_TOKEN_MINUTES: int = _env.int("ACCESS_TOKEN_MINUTES", default=15)
REFRESH_TOKEN_DAYS: int = _env.int("REFRESH_TOKEN_DAYS", default=14)
IDEMPOTENCY_KEY_TTL_HOURS: int = _env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)
# Reverse proxies in front of the app whose X-Forwarded-For entries are trusted (0: use the peer address).
NUM_PROXIES: int = max(0, _env.int("NUM_PROXIES", default=0))
# Largest request bodies: everything but multipart uploads, and multipart uploads.
DATA_UPLOAD_MAX_MEMORY_SIZE: int = _env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=2_621_440)
DATA_UPLOAD_MAX_NUMBER_FIELDS: int = _env.int("DATA_UPLOAD_MAX_NUMBER_FIELDS", default=1000)
MAX_UPLOAD_SIZE: int = _env.int("MAX_UPLOAD_SIZE", default=26_214_400)

# Identity
REQUIRE_EMAIL_VERIFICATION: bool = _env.bool("REQUIRE_EMAIL_VERIFICATION", default=False)
EMAIL_VERIFICATION_HOURS: int = _env.int("EMAIL_VERIFICATION_HOURS", default=48)
PASSWORD_RESET_MINUTES: int = _env.int("PASSWORD_RESET_MINUTES", default=60)
# How long the link sent to the old address after an email change can undo it.
EMAIL_CHANGE_UNDO_DAYS: int = _env.int("EMAIL_CHANGE_UNDO_DAYS", default=7)
# How long an invitation to a household can be accepted.
INVITATION_DAYS: int = _env.int("INVITATION_DAYS", default=7)
LOGIN_SLOWDOWN_AFTER: int = _env.int("LOGIN_SLOWDOWN_AFTER", default=3)
LOGIN_LOCKOUT_AFTER: int = _env.int("LOGIN_LOCKOUT_AFTER", default=10)
LOGIN_ADDRESS_SLOWDOWN_AFTER: int = _env.int("LOGIN_ADDRESS_SLOWDOWN_AFTER", default=10)
LOGIN_ADDRESS_LOCKOUT_AFTER: int = _env.int("LOGIN_ADDRESS_LOCKOUT_AFTER", default=50)
LOGIN_LOCKOUT_MINUTES: int = _env.int("LOGIN_LOCKOUT_MINUTES", default=15)
AUDIT_RETENTION_DAYS: int = _env.int("AUDIT_RETENTION_DAYS", default=180)
# The audit log of sensitive actions (finance/audit) is kept longer than the sign-in counters.
AUDIT_LOG_RETENTION_DAYS: int = _env.int("AUDIT_LOG_RETENTION_DAYS", default=730)
# Domain events stay in the outbox this long (finance/core/events.py; docs/architecture.md).
OUTBOX_RETENTION_DAYS: int = _env.int("OUTBOX_RETENTION_DAYS", default=7)

# Privacy: exports, account deletion (finance/privacy).
EXPORT_RETENTION_HOURS: int = _env.int("EXPORT_RETENTION_HOURS", default=168)
EXPORT_LINK_MINUTES: int = _env.int("EXPORT_LINK_MINUTES", default=60)
# Time the categorization rules' regular expressions may take in one run (a new transaction, an import's
# analysis, a rule applied), plus an allowance per transaction of the run.
RULES_TIME_BUDGET_MS: int = _env.int("RULES_TIME_BUDGET_MS", default=250)
RULES_TIME_PER_TRANSACTION_US: int = _env.int("RULES_TIME_PER_TRANSACTION_US", default=100)
# Most an export ZIP may unpack to for a restore (its files together), in bytes.
RESTORE_MAX_UNPACKED_BYTES: int = _env.int("RESTORE_MAX_UNPACKED_BYTES", default=64 * 1024 * 1024)
ACCOUNT_DELETION_GRACE_DAYS: int = _env.int("ACCOUNT_DELETION_GRACE_DAYS", default=14)
# Keys (Fernet, urlsafe base64 of 32 bytes) for secrets stored encrypted; the first encrypts.
# Unset: one key derived from SECRET_KEY.
FIELD_ENCRYPTION_KEYS: list[str] = _env.list("FIELD_ENCRYPTION_KEYS", default=[])

# Email: SMTP when EMAIL_HOST is set, the console otherwise.
EMAIL_HOST: str = _env.str("EMAIL_HOST", default="")
EMAIL_PORT: int = _env.int("EMAIL_PORT", default=587)
EMAIL_HOST_USER: str = _env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD: str = _env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS: bool = _env.bool("EMAIL_USE_TLS", default=True)
EMAIL_USE_SSL: bool = _env.bool("EMAIL_USE_SSL", default=False)
EMAIL_TIMEOUT: int = _env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL: str = _env.str("DEFAULT_FROM_EMAIL", default="Personal Finance Tracker <no-reply@localhost>")
# Where people open the links in emails (the web app), without a trailing slash.
FRONTEND_URL: str = _env.str("FRONTEND_URL", default="http://127.0.0.1:8000").rstrip("/")

# OAuth / OpenID Connect sign-in: a provider is on when its client id is set.
OAUTH_GOOGLE_CLIENT_ID: str = _env.str("OAUTH_GOOGLE_CLIENT_ID", default="")
OAUTH_GOOGLE_CLIENT_SECRET: str = _env.str("OAUTH_GOOGLE_CLIENT_SECRET", default="")
OAUTH_GOOGLE_ISSUER: str = _env.str("OAUTH_GOOGLE_ISSUER", default="https://accounts.google.com")
OAUTH_MICROSOFT_CLIENT_ID: str = _env.str("OAUTH_MICROSOFT_CLIENT_ID", default="")
OAUTH_MICROSOFT_CLIENT_SECRET: str = _env.str("OAUTH_MICROSOFT_CLIENT_SECRET", default="")
OAUTH_MICROSOFT_ISSUER: str = _env.str(
    "OAUTH_MICROSOFT_ISSUER", default="https://login.microsoftonline.com/common/v2.0"
)
# The web app's page the provider sends people back to (it posts code and state to the API).
OAUTH_REDIRECT_URL: str = _env.str("OAUTH_REDIRECT_URL", default="")

# Browsers: cross-origin API callers and the content security policy.
CORS_ALLOWED_ORIGINS: list[str] = _env.list("CORS_ALLOWED_ORIGINS", default=[])
CSP_REPORT_URI: str = _env.str("CSP_REPORT_URI", default="")

# Operations
LOG_LEVEL: str = _env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT: str = _env.str("LOG_FORMAT", default="json").lower()
SECURE_SSL_REDIRECT: bool = _env.bool("SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS: int = _env.int("SECURE_HSTS_SECONDS", default=31_536_000)
SECURE_HSTS_PRELOAD: bool = _env.bool("SECURE_HSTS_PRELOAD", default=True)
TIME_ZONE: str = _env.str("TIME_ZONE", default="UTC")

# Categorization: where trained model artifacts live (built at set-up, never committed).
CATEGORIZATION_MODEL_DIR: Path = Path(_env.str("CATEGORIZATION_MODEL_DIR", default=str(BASE_DIR / "var" / "models")))

# Set by pytest-xdist in each worker; used to keep workers' caches apart.
PYTEST_XDIST_WORKER: str = _env.str("PYTEST_XDIST_WORKER", default="")
# CI / deliberate service runs: a test that needs a service must fail, not skip.
REQUIRE_SERVICES: bool = _env.bool("REQUIRE_SERVICES", default=False)
# The API fuzz test (tests/test_fuzz_api.py): examples per operation, and whether to add the schema's
# examples and schemathesis' boundary cases (make fuzz sets both higher than make test).
FUZZ_MAX_EXAMPLES: int = _env.int("FUZZ_MAX_EXAMPLES", default=4)
FUZZ_COVERAGE: bool = _env.bool("FUZZ_COVERAGE", default=False)
# Browser tests drive the system Chromium (Debian's `chromium` package), never a downloaded build.
CHROMIUM_PATH: str = _env.str("CHROMIUM_PATH", default="/usr/bin/chromium")
