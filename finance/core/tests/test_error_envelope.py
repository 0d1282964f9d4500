"""Every error, from any layer, comes in the one envelope of API.md."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, resolve, reverse
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


def _api_routes_with_ids() -> list[tuple[str, str, list[str]]]:
    """(route, name, id kwargs) of every API route that captures an id (``pk`` or ``…_pk``)."""
    found: list[tuple[str, str, list[str]]] = []

    def walk(patterns, prefix: str, kwargs: list[str]) -> None:
        for entry in patterns:
            names = [*kwargs, *entry.pattern.regex.groupindex]
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern), names)
            elif entry.name and any(n == "pk" or n.endswith("_pk") for n in names):
                found.append((prefix + str(entry.pattern), entry.name, names))

    walk(get_resolver().url_patterns, "", [])
    return [route for route in found if route[0].lstrip("^").startswith("api/")]


API_ID_ROUTES = _api_routes_with_ids()


def test_every_api_id_route_is_found():
    names = {name for _, name, _ in API_ID_ROUTES}
    # Router detail routes and actions, nested routes and hand-written paths.
    assert {
        "household-detail",
        "household-member-detail",
        "household-member-list",
        "import-detail",
        "import-commit",
        "budget-move-list",
        "goal-contribution-list",
        "review-accept",
        "audit-event-detail",
        "auth-token-detail",
        "household-anonymize",
        "privacy-export-download",
        "compat-income",
    } <= names


@pytest.mark.parametrize(("route", "name", "kwargs"), API_ID_ROUTES, ids=[r[1] for r in API_ID_ROUTES])
def test_an_id_that_is_not_a_uuid_is_404_for_every_method(client_for, route, name, kwargs):
    """A path whose id is no UUID is no resource: 404 in the envelope for every method, never 405."""
    sentinels = {key: str(uuid.uuid4()) for key in kwargs}
    url = reverse(name, kwargs=sentinels)
    assert resolve(url).url_name == name  # a UUID reaches the route
    for key, sentinel in sentinels.items():
        for bad in ("not-a-uuid", "1", sentinel[:-1], sentinel + "0"):
            malformed = url.replace(sentinel, bad)
            for method in ("get", "post", "put", "patch", "delete"):
                response = getattr(client_for, method)(malformed, {}, format="json")
                assert response.status_code == 404, (method, malformed, response.status_code)
                assert only_error(response)["code"] == "not_found", (key, method, malformed)


def test_a_method_the_resource_does_not_offer_is_still_405_for_a_well_formed_id(client_for, household):
    response = client_for.put(f"/api/v1/households/{household.pk}/", {}, format="json")
    assert response.status_code == 405
    assert only_error(response)["code"] == "method_not_allowed"
    upper = client_for.get(f"/api/v1/households/{str(household.pk).upper()}/")
    assert (upper.status_code, upper.json()["id"]) == (200, str(household.pk))


@pytest.mark.parametrize("debug", [True, False])
@pytest.mark.parametrize("path", ["/api/v1/no-such-endpoint/", "/api/no-such-route/", "/api/v1/households/x/nope/"])
def test_an_unknown_api_url_is_the_json_404_whatever_debug_says(settings, client_for, debug, path):
    settings.DEBUG = debug
    for method in ("get", "post", "delete"):
        response = getattr(client_for, method)(path, {}, format="json")
        assert response.status_code == 404
        assert only_error(response) == {
            "type": "client_error",
            "code": "not_found",
            "detail": "Not found.",
            "attr": None,
        }
        # Django's technical 404 page (DEBUG) lists the project's routes; the envelope reveals nothing.
        assert b"api/v1/" not in response.content
        assert b"urlpatterns" not in response.content


def test_with_debug_on_a_missing_trailing_slash_still_redirects_and_web_pages_keep_their_404(settings, client_for):
    settings.DEBUG = True
    redirect = client_for.get("/api/v1/households")
    assert (redirect.status_code, redirect["Location"]) == (301, "/api/v1/households/")
    page = Client().get("/app/no-such-page/")
    assert page.status_code == 404
    assert page["Content-Type"].startswith("text/html")
