"""HTTP hardening: security headers and CSP, CORS, request size limits, `check --deploy`."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from finance.core.tests.test_settings import STRONG

pytestmark = pytest.mark.django_db


def csp(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in policy.split(";")) if d}


def test_api_responses_carry_the_security_headers(client_for):
    response = client_for.get("/api/v1/auth/me/")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = csp(response)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_docs_pages_run_only_same_origin_scripts(path):
    response = Client().get(path)
    assert response.status_code == 200
    policy = csp(response)
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    assert "blob:" in policy["worker-src"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.content.decode(), flags=re.S)
    assert scripts
    for attributes, body in scripts:
        # Every script is a same-origin file; none is inline (the policy would block it).
        src = re.search(r'src="([^"]+)"', attributes)
        assert src is not None, attributes
        assert src.group(1).startswith(
            ("/static/drf_spectacular_sidecar/", "/api/docs/?script", "/api/redoc/redoc.standalone.js")
        ), src.group(1)
        assert not body.strip()


def test_swagger_start_up_script_is_served_as_javascript():
    response = Client().get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()


def test_cors_allows_only_configured_origins(settings, db):
    settings.CORS_ALLOWED_ORIGINS = ["https://app.example.com"]
    preflight = {
        "HTTP_ORIGIN": "https://app.example.com",
        "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "POST",
        "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "authorization, content-type, idempotency-key",
    }
    response = Client().options("/api/v1/households/", **preflight)
    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == "https://app.example.com"
    allowed = {h.strip() for h in response["Access-Control-Allow-Headers"].split(",")}
    assert {"authorization", "content-type", "idempotency-key"} <= allowed
    assert "Access-Control-Allow-Credentials" not in response

    other = Client().options("/api/v1/households/", **{**preflight, "HTTP_ORIGIN": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other

    simple = APIClient().get("/api/v1/households/", HTTP_ORIGIN="https://app.example.com")
    assert simple.status_code == 401
    assert simple["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert "retry-after" in simple["Access-Control-Expose-Headers"].lower()


def test_oversized_bodies_are_413_in_the_envelope(settings, client_for):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    body = '{"name": "' + "x" * 2048 + '"}'
    response = client_for.post("/api/v1/households/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json() == {
        "type": "client_error",
        "errors": [
            {
                "code": "request_too_large",
                "detail": "The request body is larger than the limit of 1024 bytes.",
                "attr": None,
            }
        ],
    }
    # Under the limit the request goes through.
    small = client_for.post("/api/v1/households/", {"name": "x", "base_currency": "EUR"}, format="json")
    assert small.status_code == 201


def test_multipart_uploads_have_their_own_limit(settings, client_for):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    settings.MAX_UPLOAD_SIZE = 8192
    fields = {"name": "Shared", "base_currency": "EUR"}
    # A 4 KB file is over the plain-body limit but within the upload limit.
    upload = SimpleUploadedFile("statement.csv", b"x" * 4096, content_type="text/csv")
    assert client_for.post("/api/v1/households/", {**fields, "file": upload}, format="multipart").status_code == 201
    big = SimpleUploadedFile("statement.csv", b"x" * 9000, content_type="text/csv")
    response = client_for.post("/api/v1/households/", {**fields, "file": big}, format="multipart")
    assert response.status_code == 413
    assert response.json()["errors"][0]["code"] == "request_too_large"
    # Form fields themselves still obey the plain-body limit (Django's parser, mapped to 413).
    chatty = client_for.post("/api/v1/households/", {**fields, "note": "x" * 2000}, format="multipart")
    assert chatty.status_code == 413
    assert chatty.json()["type"] == "client_error"


def _production(args: list[str], **extra: str) -> subprocess.CompletedProcess[str]:
    env = {
        # The browser tests' process-wide DJANGO_ALLOW_ASYNC_UNSAFE must not leak into "production".
        **{k: v for k, v in os.environ.items() if not k.startswith("PYTEST") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": STRONG,
        "SECURE_SSL_REDIRECT": "true",
        "ALLOWED_HOSTS": "finance.example.com",
        **extra,
    }
    return subprocess.run(
        [sys.executable, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=django_settings.BASE_DIR,
    )


def test_check_deploy_is_clean_under_production_settings():
    result = _production(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_production_turns_on_https_only_behaviour():
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
        "s.SECURE_HSTS_PRELOAD, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.X_FRAME_OPTIONS)"
    )
    result = _production(["-c", code])
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "31536000", "True", "True", "True", "True", "DENY"]


def test_browsable_api_allows_inline_styles_but_no_inline_scripts(client_for):
    page = client_for.get("/api/v1/households/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert page["Content-Type"].startswith("text/html")
    assert csp(page)["style-src"] == ["'self'", "'unsafe-inline'"]
    assert csp(page)["script-src"] == ["'self'"]
    assert csp(client_for.get("/api/v1/households/"))["style-src"] == ["'self'"]


@pytest.mark.parametrize("path", ["/login/", "/api/docs/", "/api/redoc/", "/api/v1/auth/me/", "/api/v1/households/"])
def test_no_page_policy_allows_another_host(path):
    """Every page's Content-Security-Policy names only our origin (and data:/blob: where the docs need them)."""
    response = Client().get(path, HTTP_ACCEPT="text/html")
    policy = csp(response)
    allowed = {"'self'", "'none'", "'unsafe-inline'", "data:", "blob:"}
    for directive, sources in policy.items():
        if directive == "report-uri":
            continue
        assert {s for s in sources if not s.startswith("'nonce-")} <= allowed, (path, directive, sources)
    assert policy["font-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
