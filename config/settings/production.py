"""Production: DEBUG off, a real secret required, hardened HTTP."""

from config import env
from config.secret import check_secret_key
from config.settings.base import *  # noqa: F403

DEBUG = False

# gunicorn does not serve files: WhiteNoise serves what `collectstatic` gathered (the web app's
# CSS/JS, Chart.js from node_modules, htmx, the API docs' assets) with caching headers.
MIDDLEWARE = [
    *MIDDLEWARE[: MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1],
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1 :],
]

SECRET_KEY = check_secret_key(env.SECRET_KEY)

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.SECURE_SSL_REDIRECT
SECURE_HSTS_SECONDS = 31536000 if env.SECURE_SSL_REDIRECT else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.SECURE_SSL_REDIRECT
SESSION_COOKIE_SECURE = env.SECURE_SSL_REDIRECT
CSRF_COOKIE_SECURE = env.SECURE_SSL_REDIRECT
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
