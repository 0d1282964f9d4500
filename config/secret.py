"""Checks on the secret key, kept apart from settings so they can be tested alone."""

from django.core.exceptions import ImproperlyConfigured

_WEAK_PREFIXES = ("django-insecure", "change-me", "changeme", "secret", "test-secret")


def check_secret_key(key: str) -> str:
    """Refuse to run production with a missing, short or placeholder key."""
    if not key:
        raise ImproperlyConfigured("SECRET_KEY must be set in production.")
    if len(key) < 50 or len(set(key)) < 5 or key.lower().startswith(_WEAK_PREFIXES):
        raise ImproperlyConfigured(
            "SECRET_KEY is too weak: use at least 50 random characters, e.g. "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`."
        )
    return key
