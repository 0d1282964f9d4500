"""Every error, from any layer, comes in the one envelope of API.md."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def only_error(response) -> dict:
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"type", "errors"}
    assert len(body["errors"]) == 1
    return {"type": body["type"], **body["errors"][0]}


def test_validation_error_names_the_field(client_for):
    response = client_for.post("/api/v1/households/", {"base_currency": "EUR"}, format="json")
    assert response.status_code == 400
    assert only_error(response) == {
        "type": "validation_error",
        "code": "required",
        "detail": "This field is required.",
        "attr": "name",
    }


def test_401_without_credentials():
    response = APIClient().get("/api/v1/households/")
    assert response.status_code == 401
    assert only_error(response)["code"] == "not_authenticated"


def test_401_with_bad_token():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer not.a.jwt")
    response = client.get("/api/v1/households/")
    assert response.status_code == 401
    assert only_error(response)["code"] == "token_not_valid"


def test_403_for_a_role_that_may_not_write(roles):
    response = roles.client("viewer").patch(f"/api/v1/households/{roles.household.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert only_error(response) == {
        "type": "client_error",
        "code": "permission_denied",
        "detail": "Your role in this household does not allow this.",
        "attr": None,
    }


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/households/00000000-0000-0000-0000-000000000000/",
        "/api/v1/households/not-a-uuid/",
        "/api/v1/no-such-endpoint/",
    ],
)
def test_404_in_envelope(client_for, path):
    response = client_for.get(path)
    assert response.status_code == 404
    assert only_error(response)["type"] == "client_error"
    assert only_error(response)["code"] == "not_found"


def test_405(client_for):
    response = client_for.put("/api/v1/auth/me/", {}, format="json")
    assert response.status_code == 405
    assert only_error(response)["code"] == "method_not_allowed"


def test_415(client_for):
    response = client_for.post("/api/v1/households/", b"<name>x</name>", content_type="application/xml")
    assert response.status_code == 415
    assert only_error(response)["code"] == "unsupported_media_type"


def test_malformed_json_is_400_parse_error(client_for):
    response = client_for.post("/api/v1/households/", b"{not json", content_type="application/json")
    assert response.status_code == 400
    assert only_error(response)["code"] == "parse_error"


@pytest.mark.urls("finance.core.tests.urls")
def test_unhandled_error_in_api_view_is_500_without_internals(client_for):
    client_for.raise_request_exception = False
    response = client_for.get("/api/v1/test-boom/")
    assert response.status_code == 500
    error = only_error(response)
    assert error["type"] == "server_error"
    assert "secret" not in response.content.decode()


@pytest.mark.urls("finance.core.tests.urls")
def test_unhandled_error_outside_drf_is_500_in_envelope():
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/test-boom-plain/")
    assert response.status_code == 500
    assert only_error(response)["type"] == "server_error"
    assert "secret" not in response.content.decode()


def test_429_when_throttled(settings, db):
    settings.API_THROTTLE = True
    rates = {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "login": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates
    try:
        client = APIClient()
        body = {"username": "nobody", "password": "whatever-123"}
        codes = [client.post("/api/v1/auth/login/", body, format="json").status_code for _ in range(3)]
        assert codes == [401, 401, 429]
        response = client.post("/api/v1/auth/login/", body, format="json")
        assert only_error(response)["code"] == "throttled"
        assert int(response["Retry-After"]) > 0
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


def test_throttle_off_switch(settings, db):
    settings.API_THROTTLE = False
    from rest_framework.throttling import SimpleRateThrottle

    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = {**original, "login": "1/min"}
    try:
        client = APIClient()
        body = {"username": "nobody", "password": "whatever-123"}
        assert [client.post("/api/v1/auth/login/", body, format="json").status_code for _ in range(3)] == [401] * 3
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original
