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
ACCESS_TOKEN_MINUTES: int = _env.int("ACCESS_TOKEN_MINUTES", default=15)
REFRESH_TOKEN_DAYS: int = _env.int("REFRESH_TOKEN_DAYS", default=14)
IDEMPOTENCY_KEY_TTL_HOURS: int = _env.int("IDEMPOTENCY_KEY_TTL_HOURS", default=24)

# Operations
LOG_LEVEL: str = _env.str("LOG_LEVEL", default="INFO").upper()
LOG_FORMAT: str = _env.str("LOG_FORMAT", default="json").lower()
SECURE_SSL_REDIRECT: bool = _env.bool("SECURE_SSL_REDIRECT", default=False)
TIME_ZONE: str = _env.str("TIME_ZONE", default="UTC")

# Categorization: where trained model artifacts live (built at set-up, never committed).
CATEGORIZATION_MODEL_DIR: Path = Path(_env.str("CATEGORIZATION_MODEL_DIR", default=str(BASE_DIR / "var" / "models")))

# Set by pytest-xdist in each worker; used to keep workers' caches apart.
PYTEST_XDIST_WORKER: str = _env.str("PYTEST_XDIST_WORKER", default="")
# CI / deliberate service runs: a test that needs a service must fail, not skip.
REQUIRE_SERVICES: bool = _env.bool("REQUIRE_SERVICES", default=False)
