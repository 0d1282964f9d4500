"""Local development: the embedded default (SQLite, local-memory cache, eager Celery)."""

from config import env
from config.settings.base import *  # noqa: F403

DEBUG = True
# A fixed, clearly marked key is fine here; production refuses it.
SECRET_KEY = env.SECRET_KEY or "django-insecure-development-only-key-do-not-use-in-production"
