"""The OpenAPI schema generates without warnings and validates; docs pages work offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from finance.core.api import docs


def test_schema_generates_without_warnings_and_validates(tmp_path, db):
    target = tmp_path / "schema.yml"
    # --fail-on-warn turns any drf-spectacular warning into an error; --validate checks OpenAPI 3.
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(target))
    text = target.read_text()
    assert "/api/v1/auth/login/" in text
    assert "/api/v1/households/{household_pk}/members/" in text


@pytest.mark.parametrize(
    ("path", "asset"),
    [("/api/docs/", "/static/drf_spectacular_sidecar/"), ("/api/redoc/", "/api/redoc/redoc.standalone.js")],
)
def test_docs_pages_use_bundled_assets_and_name_no_other_host(client, path, asset, db):
    response = client.get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert asset in html
    assert "cdn" not in html.lower()
    # No absolute address at all: no fonts, preconnects, scripts or styles from anywhere else.
    assert re.findall(r"(?:src|href)=[\"']?(?:https?:)?//", html) == []


def test_the_redoc_bundle_is_the_installed_one_without_redoclys_logo(client, db):
    original = Path(finders.find(docs.REDOC_BUNDLE)).read_text(encoding="utf-8")
    assert docs.REDOCLY_LOGO in original  # the address the rewrite removes is still what the bundle loads
    response = client.get("/api/redoc/redoc.standalone.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    served = response.content.decode()
    assert docs.REDOCLY_LOGO not in served
    assert "cdn.redoc.ly" not in served
    assert served == original.replace(docs.REDOCLY_LOGO, docs.NO_IMAGE)
    again = client.get("/api/redoc/redoc.standalone.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert (again.status_code, again.content) == (304, b"")


def test_schema_endpoint_serves_openapi(client, db):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    login = schema["paths"]["/api/v1/auth/login/"]["post"]
    assert "200" in login["responses"]
    assert "401" in login["responses"]


def test_error_responses_describe_what_the_api_sends(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    components = schema["components"]["schemas"]
    create = schema["paths"]["/api/v1/transactions/"]["post"]["responses"]
    assert create["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse400")
    assert create["409"]["content"]["application/json"]["schema"]["$ref"].endswith("/ClientErrorResponse")
    assert "413" in create
    # Query-parameter errors on reads are validation errors too; codes and attributes are open strings.
    read = schema["paths"]["/api/v1/analytics/balance/"]["get"]["responses"]
    assert read["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorResponse400")
    assert components["ErrorItem"]["properties"]["code"] == {
        "type": "string",
        "description": "Machine-readable reason, e.g. `required`, `invalid_currency`.",
    }
    assert "AuthLoginCreateUsernameErrorComponent" not in components  # unused components are dropped
    assert all("409" not in op["responses"] for op in schema["paths"]["/api/v1/audit/"].values())


def test_generated_summaries_read_as_english(client, db):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    summaries = {op["summary"] for ops in schema["paths"].values() for op in ops.values() if "summary" in op}
    assert {"List categories", "An account", "Create an account", "Delete an account", "A budget"} <= summaries
    assert {"Record an income", "Replace an expense"} <= summaries
    bad = sorted(s for s in summaries if re.search(r"\b[Aa] [aeiou]|\b[Aa]n [^aeiouAEIOU\W]|categorys\b", s))
    assert bad == []
