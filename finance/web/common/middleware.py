"""Per-request set-up of the web pages: language, household, security headers.

Only the web app's paths are touched; the API keeps its own behaviour (no
language activation, no session household, its own error envelope).
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from finance.web.common.current_household import current_membership
from finance.web.common.locale import request_language

# Everything the web app serves lives under these (see finance/web/urls.py).
WEB_PREFIXES = ("/app/", "/login/", "/logout/", "/email/", "/signup/", "/password/", "/verify-email/", "/oauth/")
WEB_PATHS = ("/", "/manifest.webmanifest", "/reset-password", "/verify-email")


def is_web_path(path: str) -> bool:
    return path in WEB_PATHS or path.startswith(WEB_PREFIXES)


class WebMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_web_path(request.path_info):
            return self.get_response(request)
        language, locale = request_language(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language
        request.locale = locale  # type: ignore[attr-defined]
        # Re-validated against the memberships on every request (one query).
        request.membership = current_membership(request)  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            translation.deactivate()
        response.setdefault("Content-Language", language)
        response.setdefault("X-Content-Type-Options", "nosniff")
        response.setdefault("Referrer-Policy", "same-origin")
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
