"""The API documentation pages (Swagger UI, ReDoc from drf-spectacular-sidecar), loading nothing from
another host.

drf-spectacular's ReDoc template links Google's fonts (``core/redoc.html`` replaces it), and the ReDoc
bundle itself draws its sidebar's "API docs by Redocly" logo from ``cdn.redoc.ly``: :func:`redoc_bundle`
serves the installed bundle with that one address replaced by an empty ``data:`` image, which fails to
decode, so ReDoc drops the logo (it removes the image on error) and no request leaves the server's host.
Swagger UI's validator badge (``validator.swagger.io``) is off in ``SPECTACULAR_SETTINGS``.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_GET

REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
NO_IMAGE = "data:,"


@cache
def _redoc_bundle() -> tuple[bytes, str]:
    """The bundle as served, and its ETag (read once per process: it changes only with the package)."""
    found = finders.find(REDOC_BUNDLE)
    if not isinstance(found, str):
        raise LookupError(f"{REDOC_BUNDLE} is not installed (drf-spectacular-sidecar)")
    body = Path(found).read_text(encoding="utf-8").replace(REDOCLY_LOGO, NO_IMAGE).encode()
    return body, f'"{hashlib.sha256(body).hexdigest()[:32]}"'


@require_GET
def redoc_bundle(request: HttpRequest) -> HttpResponse:
    body, etag = _redoc_bundle()
    if request.headers.get("If-None-Match") == etag:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["ETag"] = etag
    response["Cache-Control"] = "public, max-age=86400"
    return response
