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

# Only a trusted reverse proxy's X-Forwarded-Proto says the request came over HTTPS; with none
# (NUM_PROXIES=0) anyone could send the header, so it is not read.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env.NUM_PROXIES > 0 else None
SECURE_SSL_REDIRECT = env.SECURE_SSL_REDIRECT
SECURE_HSTS_SECONDS = env.SECURE_HSTS_SECONDS if env.SECURE_SSL_REDIRECT else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.SECURE_SSL_REDIRECT
SECURE_HSTS_PRELOAD = env.SECURE_SSL_REDIRECT and env.SECURE_HSTS_PRELOAD
SESSION_COOKIE_SECURE = env.SECURE_SSL_REDIRECT
CSRF_COOKIE_SECURE = env.SECURE_SSL_REDIRECT
SESSION_COOKIE_HTTPONLY = True
# Swagger UI's "Try it out" and the browsable API read no cookies from JavaScript.
CSRF_COOKIE_HTTPONLY = True
