"""Every page the product serves loads nothing from another host (the API docs, the browsable API,
the admin's way in and the web app), recorded request by request in a real browser."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from finance.web.tests.browser.conftest import AXE, Console, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Elements that make the browser load something (links to other sites are navigation, not loads).
LOADS = (
    "link[href], script[src], img[src], iframe[src], source[src], video[src], audio[src], embed[src], "
    "object[data], image[href]"
)
WEB_PAGES = [
    "/app/",
    "/app/transactions/",
    "/app/transactions/new/",
    "/app/accounts/",
    "/app/categories/",
    "/app/tags/",
    "/app/budgets/",
    "/app/budgets/new/",
    "/app/goals/",
    "/app/imports/",
    "/app/imports/new/",
    "/app/review/",
    "/app/rules/",
    "/app/household/",
    "/app/profile/",
    "/app/profile/security/",
    "/app/profile/security/two-factor/",
    "/app/profile/security/tokens/",
    "/manifest.webmanifest",
]


class Requests:
    """Every request a page makes, recorded as the browser issues it (a request the page's
    Content-Security-Policy then blocks too); one for another host is recorded and never sent."""

    def __init__(self, server_url: str) -> None:
        self.port = urlsplit(server_url).port
        self.elsewhere: list[str] = []
        self.local: list[str] = []

    def is_local(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in {"data", "blob", "about"}:
            return True
        return parts.scheme == "http" and parts.hostname in {"127.0.0.1", "localhost"} and parts.port == self.port

    def record(self, request: Any) -> None:
        (self.local if self.is_local(request.url) else self.elsewhere).append(request.url)

    def route(self, route: Any) -> None:
        if self.is_local(route.request.url):
            route.continue_()
        else:
            route.abort()


@pytest.fixture
def browsing(chromium: Any, live_server: Any, console: Console) -> Iterator[tuple[Any, Requests]]:
    requests = Requests(live_server.url)
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="en-US", base_url=live_server.url)
    context.add_init_script(path=str(AXE))
    context.set_default_timeout(30_000)
    expect.set_options(timeout=20_000)
    context.route("**/*", requests.route)
    context.on("request", requests.record)
    page = context.new_page()
    page.on("console", console.record)
    page.on("pageerror", console.page_error)
    yield page, requests
    context.close()
    assert console.errors == [], console.errors  # a Content-Security-Policy violation is one


def referenced_elsewhere(page: Any, requests: Requests) -> list[str]:
    """URLs of other hosts the page's markup points loads at (preconnects and preloads included)."""
    urls = page.eval_on_selector_all(
        LOADS, "nodes => nodes.map(n => n.href?.baseVal ?? n.href ?? n.src ?? n.data ?? '')"
    )
    return [url for url in urls if url and not requests.is_local(url)]


def visit(page: Any, requests: Requests, path: str) -> None:
    page.goto(path)
    page.wait_for_load_state("networkidle")
    assert referenced_elsewhere(page, requests) == [], path


def test_api_docs_and_browsable_api_load_nothing_from_another_host(browsing, console):
    page, requests = browsing
    visit(page, requests, "/api/redoc/")
    expect(page.get_by_role("heading", name=re.compile("Personal Finance Tracker API"), level=1)).to_be_visible()
    expect(page.get_by_text("/api/v1/auth/login/").first).to_be_attached()  # ReDoc rendered the schema
    page.wait_for_load_state("networkidle")
    visit(page, requests, "/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Personal Finance Tracker API")
    expect(page.locator(".opblock").first).to_be_visible()  # Swagger UI rendered the operations
    page.wait_for_load_state("networkidle")
    visit(page, requests, "/api/v1/auth/me/")  # the browsable API (401 for a signed-out browser)
    expect(page.locator(".response-info")).to_contain_text("Authentication credentials were not provided")
    visit(page, requests, "/admin/")  # sends people to the web sign-in
    expect(page).to_have_url(re.compile(r"/login/"))
    assert requests.elsewhere == []
    assert {"/api/schema/", "/api/redoc/redoc.standalone.js", "/api/docs/?script="} <= {
        urlsplit(url).path + ("?" + urlsplit(url).query if urlsplit(url).query else "") for url in requests.local
    }
    console.forget("401 (Unauthorized)")  # the browsable API's page answers 401 on purpose


def test_web_app_loads_nothing_from_another_host(browsing, books):
    page, requests = browsing
    visit(page, requests, "/login/")
    sign_in(page)
    page.wait_for_function("() => !!Chart.getChart(document.getElementById('cashflow-chart'))")
    for path in WEB_PAGES:
        visit(page, requests, path)
    assert requests.elsewhere == []
    assert len(requests.local) > len(WEB_PAGES)
    paths = {urlsplit(url).path for url in requests.local}
    assert any(path.endswith("/vendor/chart.js/chart.umd.min.js") for path in paths)  # Chart.js, from this server
