"""Test runs: same services as configured, quicker password hashing, no throttling surprises."""

import tempfile
from pathlib import Path

from config import env
from config.settings.base import *  # noqa: F403
from config.settings.base import CACHES

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105

# Same Argon2 algorithm, lower cost: the format and code path stay real.
PASSWORD_HASHERS = ["finance.users.hashers.FastArgon2PasswordHasher"]

# Keep parallel workers (pytest-xdist) from sharing cached counters.
CACHES["default"]["KEY_PREFIX"] = f"test-{env.PYTEST_XDIST_WORKER or 'main'}"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"null": {"class": "logging.NullHandler"}},
    "root": {"handlers": ["null"], "level": "WARNING"},
}

# Generated files (data exports) go to a scratch folder per test worker, never into the work tree.
MEDIA_ROOT = str(Path(tempfile.gettempdir()) / f"finance-test-media-{env.PYTEST_XDIST_WORKER or 'main'}")
