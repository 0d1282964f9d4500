"""The web app manifest: what a browser needs to install the app (name, start page, icons, colours)."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

THEME_COLOR = "#1d4ed8"  # --primary in app.css, the favicon's blue
BACKGROUND_COLOR = "#f4f6f9"  # --bg in app.css
MANIFEST_CONTENT_TYPE = "application/manifest+json"


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    """``/manifest.webmanifest``, in the visitor's language (the web middleware chose it)."""
    body = {
        "name": _("Personal Finance Tracker"),
        "short_name": _("Finance"),
        "description": _("Accounts, transactions and spending of your household."),
        "id": reverse("web:dashboard"),
        "start_url": reverse("web:dashboard"),
        "scope": "/",
        "display": "standalone",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "lang": getattr(request, "LANGUAGE_CODE", "en"),
        "icons": [
            {"src": static("web/icons/icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": static("web/icons/icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {
                "src": static("web/icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
            {"src": static("web/favicon.svg"), "sizes": "any", "type": "image/svg+xml", "purpose": "any"},
        ],
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type=f"{MANIFEST_CONTENT_TYPE}; charset=utf-8"
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response
